-- name: SupportSLAFigures :one
-- First-response and resolution times, in seconds, of the tickets opened in
-- [from, to). Percentiles are 0 when no ticket has the time (count says so).
SELECT
    count(*)::int AS opened,
    count(first_response_at)::int AS responded,
    COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM first_response_at - created_at)), 0)::float8 AS response_p50,
    COALESCE(percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM first_response_at - created_at)), 0)::float8 AS response_p90,
    count(closed_at)::int AS resolved,
    COALESCE(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - created_at)), 0)::float8 AS resolution_p50,
    COALESCE(percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM closed_at - created_at)), 0)::float8 AS resolution_p90
FROM support_tickets
WHERE organization_id = @organization_id AND created_at >= @period_from AND created_at < @period_to;

-- name: CountOverdueSupportTickets :one
-- Open tickets (waiting for staff) that have waited since before deadline.
SELECT count(*)::int AS overdue, min(waiting_since) AS oldest
FROM support_tickets
WHERE organization_id = @organization_id AND status = 'open' AND waiting_since < @deadline;
