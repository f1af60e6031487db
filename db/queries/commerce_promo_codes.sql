-- Promo codes (internal/pricing).

-- name: CreatePromoCode :one
INSERT INTO promo_codes (organization_id, code, kind, value, currency, valid_from, valid_until,
                         min_amount, program_ids, category_ids, max_uses, per_user_limit)
VALUES (@organization_id, @code, @kind, @value, @currency, @valid_from, @valid_until,
        @min_amount, @program_ids, @category_ids, @max_uses, @per_user_limit)
RETURNING *;

-- name: GetPromoCodeByCode :one
SELECT * FROM promo_codes WHERE organization_id = @organization_id AND code = @code;

-- name: TakePromoCodeUse :one
-- Counts one use if any is left. The row lock it takes orders concurrent
-- redemptions of the same code, so the per-user count that follows in the
-- same transaction sees every earlier redemption. No row: used up.
UPDATE promo_codes
SET used = used + 1
WHERE id = @id AND (max_uses IS NULL OR used < max_uses)
RETURNING *;

-- name: CountPromoRedemptionsByUser :one
SELECT count(*) FROM promo_redemptions WHERE promo_code_id = @promo_code_id AND user_id = @user_id;

-- name: InsertPromoRedemption :one
INSERT INTO promo_redemptions (promo_code_id, user_id, order_id)
VALUES (@promo_code_id, @user_id, @order_id)
RETURNING *;

-- name: DeletePromoRedemption :one
-- Gives a use back (an order canceled before payment).
DELETE FROM promo_redemptions WHERE id = @id RETURNING promo_code_id;

-- name: ReturnPromoCodeUse :exec
UPDATE promo_codes SET used = used - 1 WHERE id = @id AND used > 0;
