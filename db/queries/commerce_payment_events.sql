-- Provider notifications seen (internal/payments).

-- name: RecordPaymentEvent :one
-- No row: this object already reached this status before.
INSERT INTO payment_events (provider, object_type, object_id, status, event)
VALUES (@provider, @object_type, @object_id, @status, @event)
ON CONFLICT DO NOTHING
RETURNING true AS recorded;
