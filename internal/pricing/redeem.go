package pricing

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/db"
)

// FromRow turns a stored promo code into its terms.
func FromRow(r db.PromoCode) Promo {
	p := Promo{
		Code: r.Code, Kind: Kind(r.Kind), Value: r.Value, Currency: r.Currency,
		ValidFrom: r.ValidFrom, ValidUntil: r.ValidUntil, MinAmount: r.MinAmount,
		Programs: r.ProgramIds, Categories: r.CategoryIds, Used: r.Used,
	}
	if r.MaxUses.Valid {
		p.MaxUses = &r.MaxUses.Int32
	}
	if r.PerUserLimit.Valid {
		p.PerUserLimit = &r.PerUserLimit.Int32
	}
	return p
}

// Redeem counts one use of the code for userID (and the order, when it
// exists), or refuses with a *RefusedError: used_up when no use is left,
// per_user_limit when the user has had their share, expired or
// not_yet_valid at now. It must run in the caller's transaction (q bound to
// it), the one that creates the order, and a refusal must roll that
// transaction back, since the use was already counted.
//
// Concurrency: the conditional UPDATE … SET used = used + 1 WHERE used <
// max_uses locks the code's row, so concurrent redemptions of one code run
// one after another; the per-user count that follows is a new statement and
// so sees every redemption committed before the lock was granted. Neither
// limit can be exceeded.
func Redeem(ctx context.Context, q *db.Queries, codeID, userID uuid.UUID, orderID *uuid.UUID, now time.Time) (db.PromoRedemption, error) {
	row, err := q.TakePromoCodeUse(ctx, codeID)
	if errors.Is(err, pgx.ErrNoRows) {
		return db.PromoRedemption{}, &RefusedError{Reason: RefusedUsedUp}
	}
	if err != nil {
		return db.PromoRedemption{}, fmt.Errorf("take promo code use: %w", err)
	}
	switch p := FromRow(row); {
	case p.ValidFrom != nil && now.Before(*p.ValidFrom):
		return db.PromoRedemption{}, &RefusedError{Reason: RefusedNotYetValid}
	case p.ValidUntil != nil && !now.Before(*p.ValidUntil):
		return db.PromoRedemption{}, &RefusedError{Reason: RefusedExpired}
	case p.PerUserLimit != nil:
		n, err := q.CountPromoRedemptionsByUser(ctx, db.CountPromoRedemptionsByUserParams{PromoCodeID: codeID, UserID: userID})
		if err != nil {
			return db.PromoRedemption{}, fmt.Errorf("count promo redemptions: %w", err)
		}
		if n >= int64(*p.PerUserLimit) {
			return db.PromoRedemption{}, &RefusedError{Reason: RefusedPerUserLimit}
		}
	}
	red, err := q.InsertPromoRedemption(ctx, db.InsertPromoRedemptionParams{PromoCodeID: codeID, UserID: userID, OrderID: orderID})
	if err != nil {
		return db.PromoRedemption{}, fmt.Errorf("insert promo redemption: %w", err)
	}
	return red, nil
}

// Release gives a redemption's use back (an order canceled before any
// payment), in the caller's transaction.
func Release(ctx context.Context, q *db.Queries, redemptionID uuid.UUID) error {
	codeID, err := q.DeletePromoRedemption(ctx, redemptionID)
	if err != nil {
		return fmt.Errorf("delete promo redemption: %w", err)
	}
	return q.ReturnPromoCodeUse(ctx, codeID)
}
