-- Installment plans (internal/commerce).

-- name: CreateInstallmentPlan :one
INSERT INTO installment_plans (organization_id, name, parts, first_share_percent, interval_months, grace_days, min_order_amount)
VALUES (@organization_id, @name, @parts, @first_share_percent, @interval_months, @grace_days, @min_order_amount)
RETURNING *;

-- name: ListInstallmentPlans :many
SELECT * FROM installment_plans
WHERE organization_id = @organization_id
  AND (NOT @active_only::boolean OR active)
  AND (sqlc.narg(after_created_at)::timestamptz IS NULL
       OR (created_at, id) > (sqlc.narg(after_created_at)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY created_at, id
LIMIT @max_rows;

-- name: GetInstallmentPlan :one
SELECT * FROM installment_plans WHERE organization_id = @organization_id AND id = @id;

-- name: SetInstallmentPlanActive :one
UPDATE installment_plans SET active = @active
WHERE organization_id = @organization_id AND id = @id
RETURNING *;
