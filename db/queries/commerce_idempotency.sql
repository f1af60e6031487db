-- Idempotency keys (internal/idempotency). The owner of a key holds its row
-- locked in a transaction while its handler runs.

-- name: DeleteExpiredIdempotencyKey :exec
-- An expired key that the purge has not reached yet is free again.
DELETE FROM idempotency_keys
WHERE user_id = @user_id AND key = @key AND expires_at <= now();

-- name: ClaimIdempotencyKey :one
-- Inserts the key for the first request; a concurrent insert of the same key
-- waits here until the first transaction ends. No row: the key exists.
INSERT INTO idempotency_keys (user_id, key, method, route, fingerprint, expires_at)
VALUES (@user_id, @key, @method, @route, @fingerprint, now() + make_interval(secs => @ttl_seconds::float8))
ON CONFLICT (user_id, key) DO NOTHING
RETURNING true AS claimed;

-- name: LockIdempotencyKey :one
SELECT * FROM idempotency_keys
WHERE user_id = @user_id AND key = @key
FOR UPDATE;

-- name: SaveIdempotentResponse :exec
UPDATE idempotency_keys
SET response_status = @response_status, response_headers = @response_headers, response_body = @response_body
WHERE user_id = @user_id AND key = @key;

-- name: PurgeIdempotencyKeys :execrows
DELETE FROM idempotency_keys WHERE expires_at <= now();
