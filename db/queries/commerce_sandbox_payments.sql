-- The sandbox payment provider's own objects (internal/payments/sandbox).

-- name: InsertSandboxPayment :one
-- A repeated idempotence key returns the payment made the first time.
INSERT INTO sandbox_payments (idempotence_key, amount, currency, description, return_url, metadata, receipt)
VALUES (@idempotence_key, @amount, @currency, @description, @return_url, @metadata, @receipt)
ON CONFLICT (idempotence_key) DO UPDATE SET idempotence_key = EXCLUDED.idempotence_key
RETURNING *;

-- name: GetSandboxPayment :one
SELECT * FROM sandbox_payments WHERE id = @id;

-- name: LockSandboxPayment :one
SELECT * FROM sandbox_payments WHERE id = @id FOR UPDATE;

-- name: SetSandboxPaymentStatus :one
UPDATE sandbox_payments
SET status = @status, cancellation_reason = @cancellation_reason,
    captured_at = CASE WHEN @status::text = 'succeeded' THEN now() ELSE captured_at END
WHERE id = @id
RETURNING *;

-- name: InsertSandboxRefund :one
INSERT INTO sandbox_refunds (idempotence_key, payment_id, amount, currency, description, receipt)
VALUES (@idempotence_key, @payment_id, @amount, @currency, @description, @receipt)
ON CONFLICT (idempotence_key) DO UPDATE SET idempotence_key = EXCLUDED.idempotence_key
RETURNING *;

-- name: GetSandboxRefund :one
SELECT * FROM sandbox_refunds WHERE id = @id;

-- name: SumSandboxRefunds :one
SELECT coalesce(sum(amount), 0)::bigint FROM sandbox_refunds WHERE payment_id = @payment_id AND status <> 'canceled';

-- name: GetSandboxRefundByKey :one
SELECT * FROM sandbox_refunds WHERE idempotence_key = @idempotence_key;
