package commerce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/payments"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// CreateRefund returns money of an order within the withdrawal policy.
func (s *Handler) CreateRefund(ctx context.Context, req api.CreateRefundRequestObject) (api.CreateRefundResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, moneyManagers...); err != nil {
		return nil, err
	}
	var (
		made     []db.Refund
		conflict *api.Problem
		invalid  *api.Problem
	)
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		o, err := q.LockOrder(ctx, req.OrderID)
		if err != nil || o.OrganizationID != req.OrganizationID {
			return store.ErrNotFound
		}
		refundable, err := s.refundable(ctx, q, o)
		if err != nil {
			return err
		}
		if o.Paid-o.Refunded <= 0 {
			conflict = new(web.NewProblem(ctx, http.StatusConflict, "order_not_refundable", fmt.Sprintf("The order is %s and holds no money to refund.", o.Status)))
			return web.ErrRefused
		}
		amount := deref(req.Body.Amount, refundable)
		if amount > refundable || amount == 0 {
			invalid = new(web.NewProblem(ctx, http.StatusUnprocessableEntity, web.CodeValidationFailed,
				fmt.Sprintf("The withdrawal policy allows refunding %d kopecks now.", refundable),
				web.FieldError("amount", "exceeds_refundable", fmt.Sprintf("At most %d kopecks can be refunded now.", refundable))))
			return web.ErrRefused
		}
		made, err = s.splitRefund(ctx, q, o, amount, req.Body.Reason, p.User.ID)
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return api.CreateRefund404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(ctx, "There is no such order.")}, nil
	case conflict != nil:
		return api.CreateRefund409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(*conflict)}, nil
	case invalid != nil:
		return api.CreateRefund422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(*invalid)}, nil
	case err != nil:
		return nil, err
	}
	for i, r := range made {
		if made[i], err = s.sendRefund(ctx, r, &p.User.ID, causeStaff); err != nil {
			s.Log.WarnContext(ctx, "refund not accepted by the provider", "refund", r.ID, "err", err)
			return api.CreateRefund502ApplicationProblemPlusJSONResponse{BadGatewayApplicationProblemPlusJSONResponse: api.BadGatewayApplicationProblemPlusJSONResponse(
				web.NewProblem(ctx, http.StatusBadGateway, "provider_unavailable", "The payment provider could not be reached; repeat the request with the same Idempotency-Key."))}, nil
		}
	}
	// What is left to refund is read after the refunds were sent: a
	// provider's synchronous answer may have changed the order.
	o, err := s.Q.GetOrder(ctx, req.OrderID)
	if err != nil {
		return nil, err
	}
	refundable, err := s.refundable(ctx, s.Q, o)
	if err != nil {
		return nil, err
	}
	list := api.RefundList{Items: make([]api.Refund, 0, len(made)), Refundable: refundable}
	for _, r := range made {
		list.Items = append(list.Items, refundDTO(r))
	}
	return api.CreateRefund201JSONResponse(list), nil
}

// splitRefund spreads amount over the order's succeeded payments, latest
// first, as refund rows (status created) with their receipts.
func (s *Handler) splitRefund(ctx context.Context, q *db.Queries, o db.Order, amount int64, reason string, actor uuid.UUID) ([]db.Refund, error) {
	pays, err := q.ListOrderPayments(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	lines, err := q.ListOrderLines(ctx, o.ID)
	if err != nil {
		return nil, err
	}
	var out []db.Refund
	for i := len(pays) - 1; i >= 0 && amount > 0; i-- {
		pay := pays[i]
		if pay.Status != db.PaymentStatusSucceeded {
			continue
		}
		held, err := q.RefundsHeld(ctx, pay.ID)
		if err != nil {
			return nil, err
		}
		take := min(amount, pay.Amount-held)
		if take <= 0 {
			continue
		}
		var rc payments.Receipt
		_ = json.Unmarshal(pay.Receipt, &rc)
		rc.Items = []payments.ReceiptItem{{
			Description: clip("Возврат: " + lines[0].Title), Quantity: 1, Amount: payments.Amount{Value: take, Currency: o.Currency},
			VATCode: payments.VATCode(s.Cfg.Payments.VATCode), PaymentMode: payments.FullPrepayment, PaymentSubject: payments.SubjectService,
		}}
		raw, err := json.Marshal(rc)
		if err != nil {
			return nil, err
		}
		r, err := q.CreateRefund(ctx, db.CreateRefundParams{
			OrderID: o.ID, PaymentID: pay.ID, Provider: pay.Provider, Amount: take, Currency: o.Currency, Reason: reason, Receipt: raw, CreatedBy: actor,
		})
		if err != nil {
			return nil, err
		}
		out = append(out, r)
		amount -= take
	}
	if amount > 0 {
		return nil, fmt.Errorf("order %s: %d kopecks of the refund have no payment to come from", o.ID, amount)
	}
	return out, nil
}

// sendRefund asks the provider for the refund (our refund's id as the
// idempotence key) and applies it when the provider reports it done. A
// refund of a bank transfer is returned by the organization's own bank
// transfer: it is recorded as done at once.
func (s *Handler) sendRefund(ctx context.Context, r db.Refund, actor *uuid.UUID, cause string) (db.Refund, error) {
	pay, err := s.Q.GetPayment(ctx, r.PaymentID)
	if err != nil {
		return r, err
	}
	if r.Provider == bankProvider {
		id := r.ID.String()
		if r.Status == db.RefundStatusCreated {
			if r, err = s.Q.SetRefundProvided(ctx, db.SetRefundProvidedParams{ID: r.ID, ProviderRefundID: &id, Status: db.RefundStatusPending}); err != nil {
				return r, store.NotFound(err)
			}
		}
		if _, err := s.applyRefund(ctx, r.ID, payments.Refund{ID: id, Status: payments.RefundSucceeded}, actor, cause); err != nil {
			return r, err
		}
		return s.Q.GetRefund(ctx, r.ID)
	}
	var rc payments.Receipt
	if err := json.Unmarshal(r.Receipt, &rc); err != nil {
		return r, err
	}
	got, err := s.provider.CreateRefund(ctx, payments.CreateRefund{
		PaymentID: *pay.ProviderPaymentID, Amount: payments.Amount{Value: r.Amount, Currency: r.Currency},
		Description: clip(r.Reason), Receipt: &rc, IdempotenceKey: r.ID.String(),
	})
	if err != nil {
		return r, err
	}
	if r, err = s.Q.SetRefundProvided(ctx, db.SetRefundProvidedParams{ID: r.ID, ProviderRefundID: &got.ID, Status: db.RefundStatusPending}); err != nil {
		return r, store.NotFound(err)
	}
	if _, err := s.applyRefund(ctx, r.ID, got, actor, cause); err != nil {
		return r, err
	}
	return s.Q.GetRefund(ctx, r.ID)
}

// syncRefund handles a refund notification: re-fetch, compare, apply.
func (s *Handler) syncRefund(ctx context.Context, n payments.Notification) (api.WebhookAckOutcome, error) {
	r, err := s.Q.GetRefundByProviderID(ctx, db.GetRefundByProviderIDParams{Provider: s.provider.Name(), ProviderRefundID: &n.ObjectID})
	if errors.Is(store.NotFound(err), store.ErrNotFound) {
		return outcomeIgnored, nil
	}
	if err != nil {
		return "", err
	}
	pay, err := s.Q.GetPayment(ctx, r.PaymentID)
	if err != nil {
		return "", err
	}
	got, err := payments.VerifyRefund(ctx, s.provider, n, *pay.ProviderPaymentID, payments.Amount{Value: r.Amount, Currency: r.Currency})
	if errors.Is(err, payments.ErrMismatch) {
		s.Log.ErrorContext(ctx, "refund does not match our records; nothing applied", "refund", r.ID, "err", err)
		return outcomeIgnored, nil
	}
	if err != nil {
		return "", fmt.Errorf("%w: %v", errProvider, err)
	}
	return s.applyRefund(ctx, r.ID, got, nil, causeNotification)
}

// applyRefund moves a refund to the provider's status and, the first time
// it succeeds, takes it off the order — once, with its event record.
func (s *Handler) applyRefund(ctx context.Context, refundID uuid.UUID, got payments.Refund, actor *uuid.UUID, cause string) (api.WebhookAckOutcome, error) {
	status := db.RefundStatus(got.Status)
	out := outcomeDuplicate
	err := store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		pre, err := q.GetRefund(ctx, refundID)
		if err != nil {
			return err
		}
		order, err := q.LockOrder(ctx, pre.OrderID)
		if err != nil {
			return err
		}
		r, err := q.LockRefund(ctx, refundID)
		if err != nil {
			return err
		}
		if r.Status == db.RefundStatusSucceeded || r.Status == db.RefundStatusCanceled || status == r.Status || status == db.RefundStatusPending {
			return nil
		}
		first, err := payments.RecordEvent(ctx, q, payments.Event{Provider: r.Provider, ObjectType: "refund", ObjectID: *r.ProviderRefundID, Status: string(status), Event: "refund." + string(status)})
		if err != nil || !first {
			return err
		}
		if _, err := q.SetRefundProvided(ctx, db.SetRefundProvidedParams{ID: r.ID, ProviderRefundID: r.ProviderRefundID, Status: status}); err != nil {
			return err
		}
		out = outcomeApplied
		if status != db.RefundStatusSucceeded {
			return nil
		}
		next := db.OrderStatusPartiallyRefunded
		if order.Refunded+r.Amount == order.Paid {
			next = db.OrderStatusRefunded
		}
		updated, err := q.AddOrderRefunded(ctx, db.AddOrderRefundedParams{ID: order.ID, Amount: r.Amount, Status: next})
		if err != nil {
			return err
		}
		amount := r.Amount
		return orderEvent(ctx, q, order.ID, actor, "refund_succeeded", &order.Status, &updated.Status, &amount, cause,
			map[string]any{"refundId": r.ID, "paymentId": r.PaymentID, "reason": r.Reason})
	})
	return out, err
}

// ListRefunds pages through an order's refunds, oldest first, with what
// may still be refunded.
func (s *Handler) ListRefunds(ctx context.Context, req api.ListRefundsRequestObject) (api.ListRefundsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	after, ok := decodeAfter(req.Params.Cursor)
	if !ok {
		return api.ListRefunds422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.BadCursor(ctx))}, nil
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, moneyViewers...); err != nil {
		return nil, err
	}
	o, err := s.Q.GetOrder(ctx, req.OrderID)
	if errors.Is(store.NotFound(err), store.ErrNotFound) || (err == nil && o.OrganizationID != req.OrganizationID) {
		return api.ListRefunds404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(ctx, "There is no such order.")}, nil
	}
	if err != nil {
		return nil, err
	}
	page, err := s.refundPage(ctx, o, web.Limit(req.Params.Limit), after)
	if err != nil {
		return nil, err
	}
	return api.ListRefunds200JSONResponse(page), nil
}

// refundPage is a page of the order's refunds after the cursor, oldest
// first, with what the policy still allows to refund of the whole order.
func (s *Handler) refundPage(ctx context.Context, o db.Order, limit int, after cursorKey) (api.RefundPage, error) {
	rows, err := s.Q.ListOrderRefundsPage(ctx, db.ListOrderRefundsPageParams{
		OrderID: o.ID, AfterCreatedAt: after.at, AfterID: after.id, MaxRows: int32(limit + 1),
	})
	if err != nil {
		return api.RefundPage{}, err
	}
	refundable, err := s.refundable(ctx, s.Q, o)
	if err != nil {
		return api.RefundPage{}, err
	}
	page := api.RefundPage{Items: make([]api.Refund, 0, min(len(rows), limit)), Refundable: refundable}
	if len(rows) > limit {
		rows = rows[:limit]
		next := web.EncodeCursor(rows[limit-1].CreatedAt, rows[limit-1].ID)
		page.NextCursor = &next
	}
	for _, r := range rows {
		page.Items = append(page.Items, refundDTO(r))
	}
	return page, nil
}

// refundable is what the organization's withdrawal policy lets the order
// get back today, less what was refunded or is being refunded.
func (s *Handler) refundable(ctx context.Context, q *db.Queries, o db.Order) (int64, error) {
	set, err := settings(ctx, q, o.OrganizationID)
	if err != nil || o.Paid == 0 {
		return 0, err
	}
	groups, err := q.OrderLineGroups(ctx, o.ID)
	if err != nil {
		return 0, err
	}
	refunds, err := q.ListOrderRefunds(ctx, o.ID)
	if err != nil {
		return 0, err
	}
	var held int64
	for _, r := range refunds {
		if r.Status != db.RefundStatusCanceled {
			held += r.Amount
		}
	}
	return max(0, Refundable(set.WithdrawalPolicy, int(set.NoRefundAfterPercent), o.Paid, o.Total, groups, s.Now())-held), nil
}

// Refundable applies a withdrawal policy to an order that has paid of
// total, spread over its lines (each line's share of paid in proportion to
// its amount, the last taking the remainder): full_before_start returns a
// line's share until its group starts; pro_rata the share of its group's
// days not yet begun, nothing once noRefundAfter percent of them passed;
// none nothing.
func Refundable(policy string, noRefundAfter int, paid, total int64, lines []db.OrderLineGroupsRow, now time.Time) int64 {
	if policy == policyNone || total == 0 {
		return 0
	}
	today := day(now).Time
	var out, given int64
	for i, l := range lines {
		share := paid * l.Amount / total
		if i == len(lines)-1 {
			share = paid - given
		}
		given += share
		start, end := l.StartsOn.Time, l.EndsOn.Time
		if today.Before(start) {
			out += share
			continue
		}
		if policy == policyFullBeforeStart {
			continue
		}
		days := int64(end.Sub(start)/(24*time.Hour)) + 1
		elapsed := min(int64(today.Sub(start)/(24*time.Hour)), days)
		if elapsed*100 >= int64(noRefundAfter)*days {
			continue
		}
		out += share * (days - elapsed) / days
	}
	return out
}

func refundDTO(r db.Refund) api.Refund {
	return api.Refund{
		ID: r.ID, OrderID: r.OrderID, PaymentID: r.PaymentID, Status: api.RefundStatus(r.Status), Amount: r.Amount,
		Currency: r.Currency, Reason: r.Reason, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt.UTC(), Receipt: receiptDTO(r.Receipt),
	}
}
