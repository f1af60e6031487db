-- Orders, their lines, schedules and history (internal/commerce).

-- name: CreateOrder :one
INSERT INTO orders (organization_id, user_id, currency, subtotal, discount, total, promo_code_id, promo_code,
                    installment_plan_id, idempotency_key, status)
VALUES (@organization_id, @user_id, @currency, @subtotal, @discount, @total, @promo_code_id, @promo_code,
        @installment_plan_id, @idempotency_key, @status)
RETURNING *;

-- name: SetOrderRedemption :exec
UPDATE orders SET promo_redemption_id = @promo_redemption_id WHERE id = @id;

-- name: GetOrderByIdempotencyKey :one
SELECT * FROM orders WHERE user_id = @user_id AND idempotency_key = @idempotency_key;

-- name: InsertOrderLine :exec
INSERT INTO order_lines (order_id, line_no, application_id, program_id, group_id, title, price, discount)
VALUES (@order_id, @line_no, @application_id, @program_id, @group_id, @title, @price, @discount);

-- name: InsertOrderInstallment :exec
INSERT INTO order_installments (order_id, number, amount, due_on, grace_ends)
VALUES (@order_id, @number, @amount, @due_on, @grace_ends);

-- name: GetOrder :one
SELECT * FROM orders WHERE id = @id;

-- name: LockOrder :one
SELECT * FROM orders WHERE id = @id FOR UPDATE;

-- name: ListOrderLines :many
SELECT * FROM order_lines WHERE order_id = @order_id ORDER BY line_no;

-- name: ListOrderInstallments :many
SELECT * FROM order_installments WHERE order_id = @order_id ORDER BY number;

-- name: ApplicationsInLiveOrders :many
-- The applications of the list already in an order that is not canceled: an
-- application is paid for once.
SELECT l.application_id FROM order_lines l JOIN orders o ON o.id = l.order_id
WHERE l.application_id = ANY(@application_ids::uuid[]) AND o.status <> 'canceled';

-- name: ListMyOrders :many
SELECT * FROM orders
WHERE user_id = @user_id
  AND (sqlc.narg(status)::order_status IS NULL OR status = sqlc.narg(status)::order_status)
  AND (sqlc.narg(created_from)::timestamptz IS NULL OR created_at >= sqlc.narg(created_from)::timestamptz)
  AND (sqlc.narg(created_before)::timestamptz IS NULL OR created_at < sqlc.narg(created_before)::timestamptz)
  AND (sqlc.narg(after_created_at)::timestamptz IS NULL
       OR (created_at, id) < (sqlc.narg(after_created_at)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY created_at DESC, id DESC
LIMIT @max_rows;

-- name: SetOrderStatus :one
UPDATE orders SET status = @status, updated_at = now() WHERE id = @id RETURNING *;

-- name: AddOrderPaid :one
UPDATE orders SET paid = paid + @amount, status = @status, updated_at = now() WHERE id = @id RETURNING *;

-- name: AddOrderRefunded :one
UPDATE orders SET refunded = refunded + @amount, status = @status, updated_at = now() WHERE id = @id RETURNING *;

-- name: MarkInstallmentsPaid :execrows
UPDATE order_installments SET paid_at = @paid_at, payment_id = @payment_id
WHERE order_id = @order_id AND number = ANY(@numbers::int[]) AND paid_at IS NULL;

-- name: InsertOrderEvent :exec
INSERT INTO order_events (order_id, actor_id, event, from_status, to_status, amount, cause, details)
VALUES (@order_id, @actor_id, @event, @from_status, @to_status, @amount, @cause, @details);

-- name: ListOrderEvents :many
SELECT * FROM order_events WHERE order_id = @order_id ORDER BY id;

-- name: OverdueInstallments :many
-- Unpaid parts whose grace period ended before @today, of live orders of
-- the organization, oldest due first.
SELECT i.order_id, i.number, i.amount, i.due_on, i.grace_ends, o.user_id, o.currency,
       u.email, u.first_name, u.last_name
FROM order_installments i
JOIN orders o ON o.id = i.order_id
JOIN users u ON u.id = o.user_id
WHERE o.organization_id = @organization_id AND o.status = 'in_progress' AND o.withdrawn_at IS NULL
  AND i.paid_at IS NULL AND i.grace_ends < @today::date
  AND (sqlc.narg(after_due_on)::date IS NULL
       OR (i.due_on, i.order_id, i.number) > (sqlc.narg(after_due_on)::date, sqlc.narg(after_order_id)::uuid, sqlc.narg(after_number)::int))
ORDER BY i.due_on, i.order_id, i.number
LIMIT @max_rows;

-- name: AccessSuspended :one
-- Whether a live order of the user for the program has a part unpaid past
-- its grace period, or the user withdrew and the paid period is over.
SELECT (EXISTS (
    SELECT 1 FROM orders o
    JOIN order_lines l ON l.order_id = o.id
    JOIN order_installments i ON i.order_id = o.id
    WHERE o.user_id = @user_id AND l.program_id = @program_id AND o.status = 'in_progress'
      AND o.withdrawn_at IS NULL AND i.paid_at IS NULL AND i.grace_ends < @today::date
) OR EXISTS (
    -- A withdrawal ends access after the paid period.
    SELECT 1 FROM orders o JOIN order_lines l ON l.order_id = o.id
    WHERE o.user_id = @user_id AND l.program_id = @program_id
      AND o.withdrawn_at IS NOT NULL AND o.access_until < @today::date
))::boolean AS suspended;

-- name: PaymentStatistics :one
-- The learner's totals over orders created in the period (all time when
-- open): paid in, refunded, and what is still due on live orders.
SELECT coalesce(sum(paid), 0)::bigint AS paid,
       coalesce(sum(refunded), 0)::bigint AS refunded,
       coalesce(sum(total - paid) FILTER (WHERE status IN ('awaiting_payment', 'in_progress') AND withdrawn_at IS NULL), 0)::bigint AS outstanding,
       count(*)::bigint AS orders
FROM orders
WHERE user_id = @user_id AND currency = @currency
  AND (sqlc.narg(created_from)::timestamptz IS NULL OR created_at >= sqlc.narg(created_from)::timestamptz)
  AND (sqlc.narg(created_before)::timestamptz IS NULL OR created_at < sqlc.narg(created_before)::timestamptz);

-- name: LockApplicationsForOrder :many
-- Orders of the same application wait for each other here, so the check
-- for a live order that follows sees a concurrent one once it committed.
SELECT id FROM applications WHERE id = ANY(@ids::uuid[]) ORDER BY id FOR UPDATE;

-- name: SeatCatalog :one
-- What an order needs of a seat beyond enrollment.Seat: the program's
-- category (promo restrictions) and the group's dates (withdrawal policy).
SELECT p.category_id, g.starts_on, g.ends_on
FROM programs p JOIN study_groups g ON g.program_id = p.id
WHERE p.id = @program_id AND g.id = @group_id;

-- name: OrderLineGroups :many
-- Each line's charged amount and its group's dates, for the withdrawal policy.
SELECT l.line_no, (l.price - l.discount)::bigint AS amount, g.starts_on, g.ends_on
FROM order_lines l JOIN study_groups g ON g.id = l.group_id
WHERE l.order_id = @order_id
ORDER BY l.line_no;

-- name: PaidInFull :one
-- Whether userID owes nothing for programID: the program is free, or an
-- order of the user with a line for it is paid in full (a partial refund
-- after the full payment keeps it so: the learner studied what was paid).
SELECT (
    EXISTS (SELECT 1 FROM programs p WHERE p.id = @program_id AND p.price_minor = 0)
    OR EXISTS (
        SELECT 1 FROM orders o JOIN order_lines l ON l.order_id = o.id
        WHERE o.user_id = @user_id AND l.program_id = @program_id
          AND o.status IN ('paid', 'partially_refunded') AND o.paid >= o.total)
)::boolean AS paid;

-- name: PaymentsByMonth :many
-- The learner's money by calendar month (UTC) of its movement: payments
-- and refunds that succeeded, and what is still due (unpaid installments
-- by due date; an unpaid order without installments by the day it was
-- placed), in the period when given.
SELECT to_char(m.at AT TIME ZONE 'UTC', 'YYYY-MM')::text AS month,
       coalesce(sum(m.paid), 0)::bigint AS paid,
       coalesce(sum(m.refunded), 0)::bigint AS refunded,
       coalesce(sum(m.due), 0)::bigint AS due
FROM (
    SELECT p.succeeded_at AS at, p.amount AS paid, 0::bigint AS refunded, 0::bigint AS due
    FROM payments p
    WHERE p.user_id = @user_id AND p.currency = @currency AND p.status = 'succeeded'
    UNION ALL
    SELECT r.updated_at, 0, r.amount, 0
    FROM refunds r JOIN orders o ON o.id = r.order_id
    WHERE o.user_id = @user_id AND r.currency = @currency AND r.status = 'succeeded'
    UNION ALL
    SELECT (i.due_on::timestamp AT TIME ZONE 'UTC'), 0, 0, i.amount
    FROM order_installments i JOIN orders o ON o.id = i.order_id
    WHERE o.user_id = @user_id AND o.currency = @currency AND i.paid_at IS NULL
      AND o.status IN ('awaiting_payment', 'in_progress') AND o.withdrawn_at IS NULL
    UNION ALL
    SELECT o.created_at, 0, 0, o.total - o.paid
    FROM orders o
    WHERE o.user_id = @user_id AND o.currency = @currency AND o.installment_plan_id IS NULL
      AND o.status IN ('awaiting_payment', 'in_progress') AND o.withdrawn_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM order_installments i WHERE i.order_id = o.id)
) m
WHERE (sqlc.narg(moved_from)::timestamptz IS NULL OR m.at >= sqlc.narg(moved_from)::timestamptz)
  AND (sqlc.narg(moved_before)::timestamptz IS NULL OR m.at < sqlc.narg(moved_before)::timestamptz)
GROUP BY 1
ORDER BY 1;
