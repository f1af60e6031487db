-- name: NextDocumentNumber :one
-- Takes the next number of an organization's sequence for a kind and
-- period, creating the counter at 1. The row stays locked until the calling
-- transaction ends: concurrent issuers wait, and a rollback returns the
-- number.
INSERT INTO document_counters AS c (organization_id, kind, period, last_value)
VALUES (@organization_id, @kind, @period, 1)
ON CONFLICT (organization_id, kind, period) DO UPDATE
SET last_value = c.last_value + 1, updated_at = now()
RETURNING last_value;

-- name: PeekDocumentNumber :one
-- The last number issued (0 before the first), for display.
SELECT coalesce(max(last_value), 0)::bigint FROM document_counters
WHERE organization_id = @organization_id AND kind = @kind AND period = @period;
