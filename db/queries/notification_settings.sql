-- Preferences per category and channel (internal/notifications).

-- name: ListNotificationSettings :many
SELECT * FROM notification_settings WHERE user_id = @user_id ORDER BY category;

-- name: GetNotificationSetting :one
SELECT * FROM notification_settings WHERE user_id = @user_id AND category = @category;

-- name: UpsertNotificationSetting :exec
INSERT INTO notification_settings (user_id, category, in_app, email, sms)
VALUES (@user_id, @category, @in_app, @email, @sms)
ON CONFLICT (user_id, category) DO UPDATE SET
    in_app = excluded.in_app, email = excluded.email, sms = excluded.sms, updated_at = now();
