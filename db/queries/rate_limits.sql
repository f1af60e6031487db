-- name: HitRateLimit :one
-- Counts one hit in the key's current fixed window (starting a new window
-- when the old one is over) and locks the key until the window ends once the
-- limit is exceeded. One statement, so concurrent instances agree.
INSERT INTO rate_limits AS r (key, window_start, hits)
VALUES (@key, now(), 1)
ON CONFLICT (key) DO UPDATE SET
    window_start = CASE WHEN r.window_start + make_interval(secs => @period_seconds::int) <= now() THEN now() ELSE r.window_start END,
    hits = CASE WHEN r.window_start + make_interval(secs => @period_seconds::int) <= now() THEN 1 ELSE r.hits + 1 END,
    locked_until = CASE
        WHEN r.window_start + make_interval(secs => @period_seconds::int) <= now() THEN NULL
        WHEN r.hits + 1 > @max_hits::int THEN r.window_start + make_interval(secs => @period_seconds::int)
        ELSE r.locked_until END
RETURNING hits, window_start, locked_until;

-- name: ResetRateLimit :exec
DELETE FROM rate_limits WHERE key = @key;
