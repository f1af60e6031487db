-- Our payments and refunds (internal/commerce).

-- name: CreatePayment :one
INSERT INTO payments (order_id, user_id, provider, purpose, installments, amount, currency, receipt)
VALUES (@order_id, @user_id, @provider, @purpose, @installments, @amount, @currency, @receipt)
RETURNING *;

-- name: OpenPaymentOfOrder :one
SELECT * FROM payments WHERE order_id = @order_id AND status IN ('created', 'pending', 'waiting_for_capture');

-- name: SetPaymentProvided :one
-- The provider accepted the payment. Only a created payment moves (a
-- notification may have moved it on already).
UPDATE payments SET provider_payment_id = @provider_payment_id, confirmation_url = @confirmation_url,
                    status = 'pending', updated_at = now()
WHERE id = @id AND status = 'created'
RETURNING *;

-- name: GetPayment :one
SELECT * FROM payments WHERE id = @id;

-- name: LockPayment :one
SELECT * FROM payments WHERE id = @id FOR UPDATE;

-- name: SetPaymentStatus :one
-- Moves a payment forward; a final status never changes again.
UPDATE payments SET status = @status, cancellation_reason = @cancellation_reason, updated_at = now(),
                    succeeded_at = CASE WHEN @status = 'succeeded'::payment_status THEN now() END
WHERE id = @id AND status NOT IN ('succeeded', 'canceled')
RETURNING *;

-- name: ListOrderPayments :many
-- Every payment of an order, for the refund split; the API pages them with
-- ListOrderPaymentsPage.
SELECT * FROM payments WHERE order_id = @order_id ORDER BY created_at, id;

-- name: ListOrderPaymentsPage :many
-- A page of an order's payments, oldest first. The cursor is the
-- (created_at, id) of the last row of the previous page (payments_order).
SELECT * FROM payments
WHERE order_id = @order_id
  AND (sqlc.narg(after_created_at)::timestamptz IS NULL
       OR (created_at, id) > (sqlc.narg(after_created_at)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY created_at, id
LIMIT @max_rows;

-- name: ListMyPayments :many
SELECT * FROM payments
WHERE user_id = @user_id
  AND (sqlc.narg(after_created_at)::timestamptz IS NULL
       OR (created_at, id) < (sqlc.narg(after_created_at)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY created_at DESC, id DESC
LIMIT @max_rows;

-- name: OpenPayments :many
-- Payments still open after @older_than: for reconciliation.
SELECT * FROM payments
WHERE status IN ('created', 'pending', 'waiting_for_capture') AND updated_at < @older_than
ORDER BY updated_at
LIMIT @max_rows;

-- name: CreateRefund :one
INSERT INTO refunds (order_id, payment_id, provider, amount, currency, reason, receipt, created_by)
VALUES (@order_id, @payment_id, @provider, @amount, @currency, @reason, @receipt, @created_by)
RETURNING *;

-- name: SetRefundProvided :one
UPDATE refunds SET provider_refund_id = @provider_refund_id, status = @status, updated_at = now()
WHERE id = @id AND status IN ('created', 'pending')
RETURNING *;

-- name: ListOrderRefunds :many
-- Every refund of an order, for what is still refundable; the API pages
-- them with ListOrderRefundsPage.
SELECT * FROM refunds WHERE order_id = @order_id ORDER BY created_at, id;

-- name: ListOrderRefundsPage :many
-- A page of an order's refunds, oldest first. The cursor is the
-- (created_at, id) of the last row of the previous page (refunds_order).
SELECT * FROM refunds
WHERE order_id = @order_id
  AND (sqlc.narg(after_created_at)::timestamptz IS NULL
       OR (created_at, id) > (sqlc.narg(after_created_at)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY created_at, id
LIMIT @max_rows;

-- name: GetRefund :one
SELECT * FROM refunds WHERE id = @id;

-- name: RefundsHeld :one
-- Refunded or being refunded of a payment (canceled ones return nothing).
SELECT coalesce(sum(amount), 0)::bigint FROM refunds WHERE payment_id = @payment_id AND status <> 'canceled';

-- name: GetCommerceSettings :one
SELECT * FROM commerce_settings WHERE organization_id = @organization_id;

-- name: PutCommerceSettings :one
INSERT INTO commerce_settings (organization_id, withdrawal_policy, no_refund_after_percent, reminder_days)
VALUES (@organization_id, @withdrawal_policy, @no_refund_after_percent, @reminder_days)
ON CONFLICT (organization_id) DO UPDATE
SET withdrawal_policy = excluded.withdrawal_policy, no_refund_after_percent = excluded.no_refund_after_percent,
    reminder_days = excluded.reminder_days, updated_at = now()
RETURNING *;

-- name: GetPaymentByProviderID :one
SELECT * FROM payments WHERE provider = @provider AND provider_payment_id = @provider_payment_id;

-- name: GetRefundByProviderID :one
SELECT * FROM refunds WHERE provider = @provider AND provider_refund_id = @provider_refund_id;

-- name: LockRefund :one
SELECT * FROM refunds WHERE id = @id FOR UPDATE;
