-- Mobile devices that receive pushes.

-- name: UpsertDevice :one
-- A token registered again (after a reinstall or by another account on the
-- same phone) moves to the new session and user.
INSERT INTO devices (user_id, session_id, token, platform)
VALUES (@user_id, @session_id, @token, @platform)
ON CONFLICT (token) DO UPDATE SET
    user_id = excluded.user_id, session_id = excluded.session_id,
    platform = excluded.platform, created_at = now()
RETURNING *;

-- name: ListDevices :many
SELECT * FROM devices WHERE user_id = @user_id ORDER BY created_at, id;

-- name: DeleteDevice :execrows
DELETE FROM devices WHERE id = @id AND user_id = @user_id;

-- name: ListPushTargets :many
-- The devices of live sessions of a user.
SELECT d.* FROM devices d
JOIN sessions s ON s.id = d.session_id AND s.revoked_at IS NULL AND s.expires_at > now()
WHERE d.user_id = @user_id
ORDER BY d.created_at, d.id;

-- name: DeleteDeviceToken :exec
-- FCM says the token is no longer registered.
DELETE FROM devices WHERE token = @token;

-- name: GetPushTarget :one
-- A device, if its session is still live.
SELECT d.* FROM devices d
JOIN sessions s ON s.id = d.session_id AND s.revoked_at IS NULL AND s.expires_at > now()
WHERE d.id = @id;
