-- The in-app inbox (internal/notifications).

-- name: NextNotificationSeq :one
-- Numbers the user's next notification. The row stays locked until the
-- publishing transaction ends, so numbers become visible in commit order.
INSERT INTO notification_sequences AS ns (user_id, last_seq) VALUES (@user_id, 1)
ON CONFLICT (user_id) DO UPDATE SET last_seq = ns.last_seq + 1
RETURNING last_seq;

-- name: InsertNotification :one
INSERT INTO notifications (user_id, seq, organization_id, category, title, body, link_kind, link_id, link_path)
VALUES (@user_id, @seq, sqlc.narg(organization_id), @category, @title, @body,
        sqlc.narg(link_kind), sqlc.narg(link_id), sqlc.narg(link_path))
RETURNING *;

-- name: ListNotifications :many
-- Newest first, below the cursor's number; optionally only unread ones or
-- one category.
SELECT * FROM notifications
WHERE user_id = @user_id
  AND seq < @before_seq
  AND (NOT @unread_only::boolean OR read_at IS NULL)
  AND (sqlc.narg(category)::notification_category IS NULL OR category = sqlc.narg(category))
ORDER BY seq DESC
LIMIT @max_rows;

-- name: ListNotificationsAfter :many
-- What a stream has not sent yet, oldest first.
SELECT * FROM notifications
WHERE user_id = @user_id AND seq > @after_seq
ORDER BY seq
LIMIT @max_rows;

-- name: LastNotificationSeq :one
SELECT coalesce(max(seq), 0)::bigint FROM notifications WHERE user_id = @user_id;

-- name: CountUnreadNotifications :many
SELECT category, count(*)::int AS unread
FROM notifications
WHERE user_id = @user_id AND read_at IS NULL
GROUP BY category;

-- name: CountMyUnreadNotifications :many
-- The unread badge (GET /me/notifications/unread-count, which SPAs call on
-- every page) in one round trip with the session check: rows only when the
-- access token's session is live and its user active (as GetSessionPrincipal
-- and GetMe), one per category with unread notifications, or a single row
-- with no category when there are none.
SELECT n.category, count(n.id)::int AS unread
FROM sessions s
JOIN users u ON u.id = s.user_id
LEFT JOIN notifications n ON n.user_id = s.user_id AND n.read_at IS NULL
WHERE s.id = @session_id
  AND s.user_id = @user_id
  AND s.revoked_at IS NULL
  AND s.expires_at > now()
  AND u.status = 'active'
GROUP BY n.category;

-- name: GetNotification :one
SELECT * FROM notifications WHERE id = @id AND user_id = @user_id;

-- name: MarkNotificationRead :one
-- Marks one of the user's notifications read; reading it again keeps the
-- first time.
UPDATE notifications SET read_at = coalesce(read_at, now())
WHERE id = @id AND user_id = @user_id
RETURNING *;

-- name: MarkAllNotificationsRead :one
WITH marked AS (
    UPDATE notifications SET read_at = now()
    WHERE user_id = @user_id AND read_at IS NULL
      AND (sqlc.narg(category)::notification_category IS NULL OR category = sqlc.narg(category))
    RETURNING 1
)
SELECT count(*)::int FROM marked;

-- name: NotifyInboxChanged :exec
-- Wakes the live streams of a user on every instance. PostgreSQL delivers
-- the notification when the transaction commits, and never when it rolls
-- back.
SELECT pg_notify('kabinet_notifications', @user_id::text);

-- name: GetNotificationRecipient :one
-- The account a notification goes to, if it can still receive one.
SELECT id, email, phone, phone_verified_at, locale FROM users
WHERE id = @id AND status = 'active';

-- name: GetNotificationByID :one
SELECT * FROM notifications WHERE id = @id;
