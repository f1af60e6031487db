-- name: ListMySessions :many
-- A page of the caller's live sessions, newest sign-in first, with the
-- session check in the same statement: every row carries the caller's user
-- row and the current session's last proof of identity, and only when the
-- access token's session (@session_id) is live and its user active. No row
-- means the session ended or the page is empty (a cursor past the end);
-- the caller tells the two apart with GetSessionPrincipal. The cursor is
-- the (created_at, id) of the last row of the previous page.
SELECT sqlc.embed(u), cur.authenticated_at,
       l.id, l.remember_me, l.user_agent, l.ip, l.created_at, l.last_used_at, l.expires_at
FROM sessions cur
JOIN users u ON u.id = cur.user_id
CROSS JOIN LATERAL (
  SELECT id, remember_me, user_agent, ip, created_at, last_used_at, expires_at
  FROM sessions
  WHERE user_id = cur.user_id AND revoked_at IS NULL AND expires_at > now()
    AND (sqlc.narg(before_created_at)::timestamptz IS NULL
         OR (created_at, id) < (sqlc.narg(before_created_at)::timestamptz, sqlc.narg(before_id)::uuid))
  ORDER BY created_at DESC, id DESC
  LIMIT @max_rows
) l
WHERE cur.id = @session_id
  AND cur.user_id = @user_id
  AND cur.revoked_at IS NULL
  AND cur.expires_at > now()
  AND u.status = 'active'
ORDER BY l.created_at DESC, l.id DESC;

-- name: RevokeUserSession :execrows
-- Ends one live session, only if it belongs to user_id.
UPDATE sessions SET revoked_at = now(), revoke_reason = @reason
WHERE id = @id AND user_id = @user_id AND revoked_at IS NULL AND expires_at > now();

-- name: RevokeUserSessionsExcept :execrows
-- Ends every live session of a user but keep_id (uuid.Nil keeps none).
UPDATE sessions SET revoked_at = now(), revoke_reason = @reason
WHERE user_id = @user_id AND id <> @keep_id AND revoked_at IS NULL AND expires_at > now();
