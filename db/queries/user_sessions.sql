-- name: ListUserSessions :many
-- A page of a user's live sessions, newest sign-in first; the cursor is the
-- (created_at, id) of the last row of the previous page.
SELECT id, remember_me, user_agent, ip, created_at, last_used_at, expires_at
FROM sessions
WHERE user_id = @user_id AND revoked_at IS NULL AND expires_at > now()
  AND (sqlc.narg(before_created_at)::timestamptz IS NULL
       OR (created_at, id) < (sqlc.narg(before_created_at)::timestamptz, sqlc.narg(before_id)::uuid))
ORDER BY created_at DESC, id DESC
LIMIT @max_rows;

-- name: RevokeUserSession :execrows
-- Ends one live session, only if it belongs to user_id.
UPDATE sessions SET revoked_at = now(), revoke_reason = @reason
WHERE id = @id AND user_id = @user_id AND revoked_at IS NULL AND expires_at > now();

-- name: RevokeUserSessionsExcept :execrows
-- Ends every live session of a user but keep_id (uuid.Nil keeps none).
UPDATE sessions SET revoked_at = now(), revoke_reason = @reason
WHERE user_id = @user_id AND id <> @keep_id AND revoked_at IS NULL AND expires_at > now();
