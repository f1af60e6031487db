-- name: CreateSession :one
INSERT INTO sessions (user_id, remember_me, user_agent, ip, expires_at)
VALUES (@user_id, @remember_me, @user_agent, @ip, @expires_at)
RETURNING *;

-- name: CreateRefreshToken :exec
INSERT INTO refresh_tokens (token_hash, session_id, expires_at)
VALUES (@token_hash, @session_id, @expires_at);

-- name: GetRefreshTokenForUpdate :one
-- Locks the token row so two concurrent refreshes with the same token are
-- serialized: exactly one of them sees used_at IS NULL.
SELECT rt.token_hash, rt.expires_at, rt.used_at,
       s.id AS session_id, s.user_id, s.remember_me, s.expires_at AS session_expires_at,
       s.revoked_at AS session_revoked_at
FROM refresh_tokens rt
JOIN sessions s ON s.id = rt.session_id
WHERE rt.token_hash = @token_hash
FOR UPDATE OF rt;

-- name: MarkRefreshTokenUsed :exec
UPDATE refresh_tokens SET used_at = now() WHERE token_hash = @token_hash;

-- name: TouchSession :exec
UPDATE sessions SET last_used_at = now(), user_agent = @user_agent, ip = @ip, expires_at = @expires_at
WHERE id = @id;

-- name: RevokeSession :execrows
UPDATE sessions SET revoked_at = now(), revoke_reason = @reason
WHERE id = @id AND revoked_at IS NULL;

-- name: GetSessionPrincipal :one
-- Resolves an access token's session to its user; no row when the session was
-- revoked or expired or the user is blocked, so sign-out takes effect at once.
SELECT sqlc.embed(u), s.authenticated_at
FROM sessions s
JOIN users u ON u.id = s.user_id
WHERE s.id = @session_id
  AND s.user_id = @user_id
  AND s.revoked_at IS NULL
  AND s.expires_at > now()
  AND u.status = 'active';

-- name: MarkSessionAuthenticated :exec
-- The owner proved who they are again (reauthentication, second factor).
UPDATE sessions SET authenticated_at = now() WHERE id = @id;

-- name: RotateRefreshToken :one
-- The usual refresh in one statement: when the token is unused and
-- unexpired, its session live and its user not blocked, marks the token
-- used, slides the session (@session_expires or, with "remember me",
-- @session_expires_remember), stores the new token (@new_expires or
-- @new_expires_remember) and returns the session and user. No row when any
-- condition fails: the caller then takes the careful path
-- (GetRefreshTokenForUpdate), which tells the cases apart. Two concurrent
-- uses of one token: the second waits for the first's row lock, then finds
-- the token used and gets no row.
WITH used AS (
  UPDATE refresh_tokens rt SET used_at = now()
  FROM sessions s
  JOIN users u ON u.id = s.user_id
  WHERE rt.token_hash = @token_hash
    AND rt.used_at IS NULL
    AND rt.expires_at > @now
    AND s.id = rt.session_id
    AND s.revoked_at IS NULL
    AND s.expires_at > @now
    AND u.status <> 'blocked'
  RETURNING rt.session_id, s.user_id, s.remember_me
), touched AS (
  UPDATE sessions SET last_used_at = now(), user_agent = @user_agent, ip = @ip,
    expires_at = CASE WHEN used.remember_me THEN @session_expires_remember::timestamptz ELSE @session_expires::timestamptz END
  FROM used
  WHERE sessions.id = used.session_id
), created AS (
  INSERT INTO refresh_tokens (token_hash, session_id, expires_at)
  SELECT @new_token_hash, used.session_id,
         CASE WHEN used.remember_me THEN @new_expires_remember::timestamptz ELSE @new_expires::timestamptz END
  FROM used
)
SELECT used.session_id, used.remember_me, sqlc.embed(u)
FROM used
JOIN users u ON u.id = used.user_id;
