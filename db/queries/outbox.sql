-- name: EnqueueMessage :one
INSERT INTO outbox (channel, recipient, template, locale, subject, body_text, body_html)
VALUES (@channel, @recipient, @template, @locale, @subject, @body_text, @body_html)
RETURNING id;

-- name: ListRecentMessages :many
-- The newest messages first, for the development mailbox.
SELECT * FROM outbox
WHERE (sqlc.narg(recipient)::text IS NULL OR recipient = sqlc.narg(recipient))
ORDER BY id DESC
LIMIT @max_rows;
