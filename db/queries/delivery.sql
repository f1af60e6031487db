-- name: ClaimDueMessages :many
-- Takes up to max_rows due messages and leases them: next_attempt_at moves
-- past the lease, so no other worker takes them while this one sends, and a
-- worker that dies mid-send leaves them to be retried when the lease ends.
-- SKIP LOCKED lets concurrent workers claim disjoint rows without waiting.
UPDATE outbox
SET attempts = attempts + 1,
    next_attempt_at = now() + make_interval(secs => @lease_seconds::float8)
WHERE id IN (
    SELECT id FROM outbox
    WHERE status = 'pending' AND next_attempt_at <= now()
    ORDER BY next_attempt_at, id
    LIMIT @max_rows
    FOR UPDATE SKIP LOCKED
)
RETURNING *;

-- name: MarkMessageSent :execrows
-- Unless bodies are kept (development: the dev mailbox shows them), a sent
-- message loses its bodies: they may hold codes, links or initial passwords.
UPDATE outbox
SET status = 'sent', sent_at = now(), last_error = NULL,
    body_text = CASE WHEN @keep_body::boolean THEN body_text ELSE '' END,
    body_html = CASE WHEN @keep_body::boolean THEN body_html ELSE '' END
WHERE id = @id AND status = 'pending';

-- name: ScheduleMessageRetry :execrows
-- Only the worker holding the latest claim (same attempts) may reschedule.
UPDATE outbox
SET next_attempt_at = now() + make_interval(secs => @delay_seconds::float8),
    last_error = @last_error::text
WHERE id = @id AND status = 'pending' AND attempts = @attempts;

-- name: MarkMessageFailed :execrows
UPDATE outbox
SET status = 'failed', last_error = @last_error::text
WHERE id = @id AND status = 'pending' AND attempts = @attempts;

-- name: PurgeOldMessages :execrows
-- Delivered and failed messages hold codes and links in clear text: keep
-- them only as long as support may need them.
DELETE FROM outbox
WHERE status IN ('sent', 'failed') AND created_at < now() - make_interval(secs => @older_than_seconds::float8);
