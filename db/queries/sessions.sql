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
