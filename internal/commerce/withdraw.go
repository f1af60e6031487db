package commerce

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// ListMyOrderRefunds pages through the refunds of one of the caller's
// orders, oldest first, each with its receipt, and what a withdrawal would
// return today.
func (s *Handler) ListMyOrderRefunds(ctx context.Context, req api.ListMyOrderRefundsRequestObject) (api.ListMyOrderRefundsResponseObject, error) {
	if _, err := web.Caller(ctx); err != nil {
		return nil, err
	}
	after, ok := decodeAfter(req.Params.Cursor)
	if !ok {
		return api.ListMyOrderRefunds422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.BadCursor(ctx))}, nil
	}
	o, err := s.myOrder(ctx, req.OrderID)
	if errors.Is(err, store.ErrNotFound) {
		return api.ListMyOrderRefunds404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(ctx, "There is no such order.")}, nil
	}
	if err != nil {
		return nil, err
	}
	page, err := s.refundPage(ctx, o, web.Limit(req.Params.Limit), after)
	if err != nil {
		return nil, err
	}
	if o.WithdrawnAt != nil {
		page.Refundable = 0
	}
	return api.ListMyOrderRefunds200JSONResponse(page), nil
}

// WithdrawFromMyOrder lets the learner leave: the withdrawal policy's
// refund, no more installments due, access until the end of the paid
// period (see the spec).
func (s *Handler) WithdrawFromMyOrder(ctx context.Context, req api.WithdrawFromMyOrderRequestObject) (api.WithdrawFromMyOrderResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	var (
		made     []db.Refund
		until    pgtype.Date
		conflict *api.Problem
	)
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		o, err := q.LockOrder(ctx, req.OrderID)
		if err != nil || o.UserID != p.User.ID {
			return store.ErrNotFound
		}
		switch {
		case o.WithdrawnAt != nil:
			conflict = new(web.NewProblem(ctx, http.StatusConflict, "order_withdrawn", "You have already withdrawn from this order."))
		case o.Paid == 0 || (o.Status != db.OrderStatusPaid && o.Status != db.OrderStatusInProgress && o.Status != db.OrderStatusPartiallyRefunded):
			conflict = new(web.NewProblem(ctx, http.StatusConflict, "order_not_withdrawable",
				fmt.Sprintf("The order is %s: an order nothing was paid for is canceled instead, a refunded one is closed.", o.Status)))
		}
		if conflict != nil {
			return web.ErrRefused
		}
		if _, err := q.OpenPaymentOfOrder(ctx, o.ID); err == nil {
			conflict = new(web.NewProblem(ctx, http.StatusConflict, "payment_in_progress", "A payment of the order is still open; it must end first."))
			return web.ErrRefused
		} else if !errors.Is(store.NotFound(err), store.ErrNotFound) {
			return err
		}
		refund, err := s.refundable(ctx, q, o)
		if err != nil {
			return err
		}
		groups, err := q.OrderLineGroups(ctx, o.ID)
		if err != nil {
			return err
		}
		until = paidPeriodEnd(groups, o.Paid-o.Refunded-refund, o.Total, s.Now())
		if refund > 0 {
			if made, err = s.splitRefund(ctx, q, o, refund, req.Body.Reason, p.User.ID); err != nil {
				return err
			}
		}
		if _, err := q.SetOrderWithdrawn(ctx, db.SetOrderWithdrawnParams{ID: o.ID, AccessUntil: until}); err != nil {
			return err
		}
		return orderEvent(ctx, q, o.ID, &p.User.ID, "withdrawn", &o.Status, &o.Status, &refund, causeLearner,
			map[string]any{"reason": req.Body.Reason, "accessUntil": until.Time.Format(time.DateOnly)})
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return api.WithdrawFromMyOrder404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(ctx, "There is no such order.")}, nil
	case conflict != nil:
		return api.WithdrawFromMyOrder409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(*conflict)}, nil
	case err != nil:
		return nil, err
	}
	out := api.Withdrawal{Refunds: []api.Refund{}, AccessUntil: apiDate(until)}
	for _, r := range made {
		sent, err := s.sendRefund(ctx, r, &p.User.ID, causeLearner)
		if err != nil {
			// The withdrawal stands; reconciliation sends the refund.
			s.Log.WarnContext(ctx, "withdrawal refund not accepted by the provider yet", "refund", r.ID, "err", err)
			sent = r
		}
		out.Refunds = append(out.Refunds, refundDTO(sent))
	}
	o, err := s.Q.GetOrder(ctx, req.OrderID)
	if err != nil {
		return nil, err
	}
	if out.Order, err = loadOrder(ctx, s.Q, o, s.Now()); err != nil {
		return nil, err
	}
	return api.WithdrawFromMyOrder200JSONResponse(out), nil
}

// paidPeriodEnd is the last day of access after a withdrawal: the share of
// the course's days (from the first group's start to the last one's end)
// that kept of total pays for, rounded up, and at least today when
// anything is kept; yesterday when nothing is (access ends at once).
func paidPeriodEnd(groups []db.OrderLineGroupsRow, kept, total int64, now time.Time) pgtype.Date {
	today := day(now)
	if kept <= 0 || total <= 0 {
		return pgtype.Date{Time: today.Time.AddDate(0, 0, -1), Valid: true}
	}
	if len(groups) == 0 {
		return today
	}
	start, end := groups[0].StartsOn.Time, groups[0].EndsOn.Time
	for _, g := range groups[1:] {
		if g.StartsOn.Time.Before(start) {
			start = g.StartsOn.Time
		}
		if g.EndsOn.Time.After(end) {
			end = g.EndsOn.Time
		}
	}
	days := int64(end.Sub(start)/(24*time.Hour)) + 1
	covered := (days*min(kept, total) + total - 1) / total
	last := start.AddDate(0, 0, int(covered)-1)
	if last.Before(today.Time) {
		last = today.Time
	}
	return pgtype.Date{Time: last, Valid: true}
}
