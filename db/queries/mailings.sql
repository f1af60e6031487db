-- Organizations' mailings and their fan-out into the outbox.

-- name: CreateMailing :one
INSERT INTO mailings (organization_id, list, subject, body, created_by)
VALUES (@organization_id, @list, @subject, @body, @created_by)
RETURNING *;

-- name: GetMailing :one
SELECT * FROM mailings WHERE id = @id AND organization_id = @organization_id;

-- name: LockMailing :one
SELECT * FROM mailings WHERE id = @id FOR UPDATE;

-- name: ListMailings :many
SELECT * FROM mailings
WHERE organization_id = @organization_id
  AND (sqlc.narg(before_at)::timestamptz IS NULL
       OR (created_at, id) < (sqlc.narg(before_at)::timestamptz, sqlc.narg(before_id)::uuid))
ORDER BY created_at DESC, id DESC
LIMIT @max_rows;

-- name: MailingRecipients :many
-- The next batch of a mailing's recipients: active members of the
-- organization subscribed to the list who also keep that kind of mailing on
-- in their account-wide preferences (GET /me/notification-preferences; no
-- row there means information on, advertising off).
SELECT u.id, u.email, u.locale
FROM mailing_subscriptions ms
JOIN memberships m ON m.organization_id = ms.organization_id AND m.user_id = ms.user_id AND m.status = 'active'
JOIN users u ON u.id = ms.user_id AND u.status = 'active'
LEFT JOIN notification_preferences p ON p.user_id = u.id
WHERE ms.organization_id = @organization_id AND ms.list = @list AND ms.unsubscribed_at IS NULL
  AND ms.user_id > @after_user_id
  AND CASE ms.list WHEN 'information' THEN coalesce(p.email_news, true)
                   ELSE coalesce(p.email_marketing, false) END
ORDER BY u.id
LIMIT @max_rows;

-- name: AdvanceMailing :exec
UPDATE mailings SET status = 'sending', last_user_id = @last_user_id,
    recipient_count = recipient_count + @added
WHERE id = @id;

-- name: FinishMailing :exec
UPDATE mailings SET status = 'sent', sent_at = now() WHERE id = @id;

-- name: EnqueueMailMessage :one
-- An outbox e-mail with extra headers (List-Unsubscribe).
INSERT INTO outbox (channel, recipient, template, locale, subject, body_text, body_html, headers)
VALUES ('email', @recipient, @template, @locale, @subject, @body_text, @body_html, @headers)
RETURNING id;
