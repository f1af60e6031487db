-- Employer payment: the payer's requisites, the order's numbered documents
-- (invoice, act) and bank transfers recorded by staff (internal/commerce).

-- name: InsertOrderPayer :exec
INSERT INTO order_payers (order_id, name, inn, kpp, legal_address, bank_name, bik, settlement_account,
                          correspondent_account, email, signatory)
VALUES (@order_id, @name, @inn, @kpp, @legal_address, @bank_name, @bik, @settlement_account,
        @correspondent_account, @email, @signatory);

-- name: GetOrderPayer :one
SELECT * FROM order_payers WHERE order_id = @order_id;

-- name: InsertOrderDocument :one
INSERT INTO order_documents (order_id, kind, organization_id, number, issued_on, amount)
VALUES (@order_id, @kind, @organization_id, sqlc.arg(number)::text, @issued_on, @amount)
RETURNING *;

-- name: GetOrderDocument :one
SELECT * FROM order_documents WHERE order_id = @order_id AND kind = @kind;

-- name: ListInvoices :many
-- The organization's invoices, newest first, with the state of their
-- payment: unpaid, partially_paid, paid, canceled or refunded.
SELECT * FROM (
    SELECT d.order_id, d.number, d.issued_on, d.amount, d.created_at,
           o.user_id, o.currency, o.total, o.paid, o.refunded,
           p.name AS payer_name, p.inn AS payer_inn, p.kpp AS payer_kpp,
           a.number AS act_number,
           (CASE WHEN o.status = 'canceled' THEN 'canceled'
                 WHEN o.status = 'refunded' THEN 'refunded'
                 WHEN o.paid >= o.total THEN 'paid'
                 WHEN o.paid > 0 THEN 'partially_paid'
                 ELSE 'unpaid' END)::text AS invoice_status
    FROM order_documents d
    JOIN orders o ON o.id = d.order_id
    JOIN order_payers p ON p.order_id = d.order_id
    LEFT JOIN order_documents a ON a.order_id = d.order_id AND a.kind = 'act'
    WHERE d.organization_id = @organization_id AND d.kind = 'invoice'
) inv
WHERE (sqlc.narg(status)::text IS NULL OR inv.invoice_status = sqlc.narg(status)::text)
  AND (sqlc.narg(after_created_at)::timestamptz IS NULL
       OR (inv.created_at, inv.order_id) < (sqlc.narg(after_created_at)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY inv.created_at DESC, inv.order_id DESC
LIMIT @max_rows;

-- name: OrderCourseEnded :one
-- Whether every group the order pays for has ended: finished, or its last
-- day is before @today.
SELECT NOT EXISTS (
    SELECT 1 FROM order_lines l JOIN study_groups g ON g.id = l.group_id
    WHERE l.order_id = @order_id AND g.status <> 'finished' AND g.ends_on >= @today::date
)::boolean AS ended;

-- name: CreateBankTransfer :one
-- A bank transfer, recorded as a succeeded payment. The provider id is the
-- order with the payment order's number and date, so the same payment
-- order is recorded once (no row returned on a repeat).
INSERT INTO payments (order_id, user_id, provider, provider_payment_id, purpose, amount, currency, status,
                      succeeded_at, bank_document_number, bank_document_date, recorded_by)
VALUES (@order_id, @user_id, 'bank_transfer', @provider_payment_id, 'bank_transfer', @amount, @currency, 'succeeded',
        now(), @bank_document_number, @bank_document_date, @recorded_by)
ON CONFLICT (provider, provider_payment_id) DO NOTHING
RETURNING *;

-- name: SetOrderWithdrawn :one
UPDATE orders SET withdrawn_at = now(), access_until = @access_until, updated_at = now()
WHERE id = @id AND withdrawn_at IS NULL
RETURNING *;

-- name: OpenRefunds :many
-- Refunds still open after @older_than: for reconciliation.
SELECT * FROM refunds
WHERE status IN ('created', 'pending') AND updated_at < @older_than
ORDER BY updated_at
LIMIT @max_rows;

-- name: ClaimInstallmentReminders :many
-- Unpaid parts of live orders due within their organization's reminder lead
-- time (commerce_settings.reminder_days, 3 by default) and not reminded
-- yet, except a part due on the order's own day (paid at checkout): marked
-- reminded and returned. SKIP LOCKED and the recheck of reminded_at hand
-- each part to one caller only, however many run at once; the caller sends
-- the reminder in the same transaction.
WITH due AS (
    SELECT i.order_id, i.number
    FROM order_installments i
    JOIN orders o ON o.id = i.order_id
    LEFT JOIN commerce_settings s ON s.organization_id = o.organization_id
    WHERE i.paid_at IS NULL AND i.reminded_at IS NULL
      AND o.status IN ('awaiting_payment', 'in_progress') AND o.withdrawn_at IS NULL
      AND i.due_on >= sqlc.arg(today)::date AND i.due_on - coalesce(s.reminder_days, 3) <= sqlc.arg(today)::date
      AND i.due_on > (o.created_at AT TIME ZONE 'UTC')::date
    ORDER BY i.due_on, i.order_id, i.number
    LIMIT @max_rows
    FOR UPDATE OF i SKIP LOCKED
)
UPDATE order_installments i SET reminded_at = now()
FROM due, orders o
WHERE i.order_id = due.order_id AND i.number = due.number AND o.id = i.order_id AND i.reminded_at IS NULL
RETURNING i.order_id, i.number, i.amount, i.due_on, i.grace_ends, o.user_id, o.organization_id, o.currency;

-- name: ClaimOverdueNotices :many
-- Unpaid parts past their grace period (access suspended) not yet
-- announced: marked and returned, each to one caller only.
WITH due AS (
    SELECT i.order_id, i.number
    FROM order_installments i
    JOIN orders o ON o.id = i.order_id
    WHERE i.paid_at IS NULL AND i.overdue_notified_at IS NULL
      AND o.status = 'in_progress' AND o.withdrawn_at IS NULL
      AND i.grace_ends < @today::date
    ORDER BY i.due_on, i.order_id, i.number
    LIMIT @max_rows
    FOR UPDATE OF i SKIP LOCKED
)
UPDATE order_installments i SET overdue_notified_at = now()
FROM due, orders o
WHERE i.order_id = due.order_id AND i.number = due.number AND o.id = i.order_id AND i.overdue_notified_at IS NULL
RETURNING i.order_id, i.number, i.amount, i.due_on, i.grace_ends, o.user_id, o.organization_id, o.currency;

-- name: OrderTitle :one
-- The first line's title, for messages about the order.
SELECT title FROM order_lines WHERE order_id = @order_id ORDER BY line_no LIMIT 1;

-- name: ApprovedApplicationOf :one
-- The user's approved application to a group (the demo data orders it).
SELECT id FROM applications WHERE user_id = @user_id AND group_id = @group_id AND status = 'approved'
ORDER BY created_at LIMIT 1;

-- name: CountUserOrders :one
SELECT count(*) FROM orders WHERE user_id = @user_id;
