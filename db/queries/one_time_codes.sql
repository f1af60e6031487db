-- name: CreateOneTimeCode :one
INSERT INTO one_time_codes (user_id, purpose, target, code_hash, max_attempts, expires_at)
VALUES (@user_id, @purpose, @target, @code_hash, @max_attempts, @expires_at)
RETURNING *;

-- name: InvalidateOneTimeCodes :exec
-- A new code replaces the older ones of the same user and purpose.
UPDATE one_time_codes SET consumed_at = now()
WHERE user_id = @user_id AND purpose = @purpose AND consumed_at IS NULL;

-- name: GetActiveCodeForUpdate :one
-- The newest unconsumed, unexpired code of a user for a purpose.
SELECT * FROM one_time_codes
WHERE user_id = @user_id AND purpose = @purpose AND consumed_at IS NULL AND expires_at > now()
ORDER BY created_at DESC
LIMIT 1
FOR UPDATE;

-- name: GetCodeByHashForUpdate :one
-- A link token is looked up by its hash alone (it carries enough entropy).
SELECT * FROM one_time_codes WHERE code_hash = @code_hash AND purpose = @purpose FOR UPDATE;

-- name: CountCodeAttempt :one
UPDATE one_time_codes SET attempts = attempts + 1 WHERE id = @id RETURNING attempts;

-- name: ConsumeOneTimeCode :exec
UPDATE one_time_codes SET consumed_at = now() WHERE id = @id;
