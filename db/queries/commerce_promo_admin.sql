-- Promo codes as staff manage them (internal/commerce).

-- name: ListPromoCodes :many
SELECT * FROM promo_codes
WHERE organization_id = @organization_id
  AND (sqlc.narg(after_created_at)::timestamptz IS NULL
       OR (created_at, id) > (sqlc.narg(after_created_at)::timestamptz, sqlc.narg(after_id)::uuid))
ORDER BY created_at, id
LIMIT @max_rows;

-- name: GetPromoCode :one
SELECT * FROM promo_codes WHERE organization_id = @organization_id AND id = @id;

-- name: UpdatePromoCode :one
-- Changes the terms; uses already counted stay (max_uses may not go below
-- them: the table's check refuses it).
UPDATE promo_codes
SET valid_from = @valid_from, valid_until = @valid_until, min_amount = @min_amount,
    program_ids = @program_ids, category_ids = @category_ids,
    max_uses = @max_uses, per_user_limit = @per_user_limit
WHERE organization_id = @organization_id AND id = @id
RETURNING *;

-- name: DeletePromoCode :execrows
-- Only a code nobody has used: a used one stays as the orders' history
-- (shorten its validity to retire it).
DELETE FROM promo_codes WHERE organization_id = @organization_id AND id = @id AND used = 0;
