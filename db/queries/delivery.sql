-- Outcomes of delivery attempts, written by the `deliver_message` job
-- (internal/delivery). The job's own state, schedule and retries are
-- River's; the row says what happened to the message. Each write applies
-- only to a pending message, so a message once sent or failed stays so.

-- name: GetOutboxMessage :one
SELECT * FROM outbox WHERE id = @id;

-- name: MarkMessageSent :execrows
-- Unless bodies are kept (development: the dev mailbox shows them), a sent
-- message loses its bodies: they may hold codes, links or initial passwords.
UPDATE outbox
SET status = 'sent', sent_at = now(), attempts = @attempts, last_error = NULL,
    body_text = CASE WHEN @keep_body::boolean THEN body_text ELSE '' END,
    body_html = CASE WHEN @keep_body::boolean THEN body_html ELSE '' END
WHERE id = @id AND status = 'pending';

-- name: RecordMessageAttempt :execrows
-- A failed attempt that will be retried.
UPDATE outbox
SET attempts = @attempts, last_error = @last_error::text
WHERE id = @id AND status = 'pending';

-- name: MarkMessageFailed :execrows
UPDATE outbox
SET status = 'failed', attempts = @attempts, last_error = @last_error::text
WHERE id = @id AND status = 'pending';
