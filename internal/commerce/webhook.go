package commerce

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/payments"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Outcomes of handling a notification or a reconciliation step.
const (
	outcomeApplied   = api.Applied
	outcomeDuplicate = api.Duplicate
	outcomeIgnored   = api.Ignored
)

// ReceivePaymentNotification handles a provider's webhook (see the spec):
// nothing in it is trusted but the object id.
func (s *Handler) ReceivePaymentNotification(ctx context.Context, req api.ReceivePaymentNotificationRequestObject) (api.ReceivePaymentNotificationResponseObject, error) {
	if string(req.Provider) != s.provider.Name() {
		return api.ReceivePaymentNotification404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(ctx, "This provider is not configured.")}, nil
	}
	if ip := web.MetaFrom(ctx).IP; ip == nil || !s.sources.Allows(*ip) {
		s.Log.WarnContext(ctx, "payment notification from an address outside KABINET_PAYMENT_WEBHOOK_SOURCES", "ip", ip)
		return api.ReceivePaymentNotification403ApplicationProblemPlusJSONResponse{ForbiddenApplicationProblemPlusJSONResponse: api.ForbiddenApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusForbidden, web.CodeForbidden, "Notifications are accepted only from the provider's addresses."))}, nil
	}
	kind, _, _ := strings.Cut(req.Body.Event, ".")
	n := payments.Notification{Event: req.Body.Event, ObjectType: kind, ObjectID: req.Body.Object.ID}
	var (
		out api.WebhookAckOutcome
		err error
	)
	switch {
	case req.Body.Type != "notification":
		out = outcomeIgnored
	case kind == "payment":
		out, err = s.syncPayment(ctx, n.ObjectID, n.Event, causeNotification)
	case kind == "refund":
		out, err = s.syncRefund(ctx, n)
	default:
		out = outcomeIgnored
	}
	if err != nil {
		if errors.Is(err, errProvider) {
			s.Log.WarnContext(ctx, "payment notification: provider unreachable; it will retry", "event", n.Event, "object", n.ObjectID, "err", err)
			return api.ReceivePaymentNotification502ApplicationProblemPlusJSONResponse{BadGatewayApplicationProblemPlusJSONResponse: api.BadGatewayApplicationProblemPlusJSONResponse(
				web.NewProblem(ctx, http.StatusBadGateway, "provider_unavailable", "The provider could not be asked about the object; send the notification again later."))}, nil
		}
		return nil, err
	}
	return api.ReceivePaymentNotification200JSONResponse{Outcome: out}, nil
}

// errProvider marks a failure to ask the provider (a retry may succeed).
var errProvider = errors.New("payment provider")

// syncPayment re-fetches the provider's payment, compares it with ours and
// applies its status.
func (s *Handler) syncPayment(ctx context.Context, providerID, event, cause string) (api.WebhookAckOutcome, error) {
	pay, err := s.Q.GetPaymentByProviderID(ctx, db.GetPaymentByProviderIDParams{Provider: s.provider.Name(), ProviderPaymentID: &providerID})
	if errors.Is(store.NotFound(err), store.ErrNotFound) {
		s.Log.WarnContext(ctx, "payment notification for an unknown payment", "provider_payment", providerID)
		return outcomeIgnored, nil
	}
	if err != nil {
		return "", err
	}
	got, err := s.provider.GetPayment(ctx, providerID)
	if err != nil {
		return "", fmt.Errorf("%w: %v", errProvider, err)
	}
	if err := payments.CheckPayment(got, payments.Expected{OrderID: pay.OrderID.String(), Amount: payments.Amount{Value: pay.Amount, Currency: pay.Currency}}); err != nil {
		s.Log.ErrorContext(ctx, "payment does not match our records; nothing applied", "payment", pay.ID, "err", err)
		return outcomeIgnored, nil
	}
	return s.applyPayment(ctx, pay.ID, got, event, cause)
}

// applyPayment moves our payment to the provider's verified status and, the
// first time it succeeds, credits the order — all in one transaction with
// the event's record, so that it happens exactly once however often and in
// whatever order notifications and reconciliation arrive. Locks: the order
// first, then the payment (the order's other writers take them in the same
// order).
func (s *Handler) applyPayment(ctx context.Context, payID uuid.UUID, got payments.Payment, event, cause string) (api.WebhookAckOutcome, error) {
	if event == "" {
		event = "payment." + string(got.Status)
	}
	status := db.PaymentStatus(got.Status)
	out := outcomeDuplicate
	err := store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		pre, err := q.GetPayment(ctx, payID)
		if err != nil {
			return err
		}
		order, err := q.LockOrder(ctx, pre.OrderID)
		if err != nil {
			return err
		}
		pay, err := q.LockPayment(ctx, payID)
		if err != nil {
			return err
		}
		if isFinal(pay.Status) || pay.Status == status || !forward(pay.Status, status) {
			return nil // terminal states never reopen; nothing new
		}
		first, err := payments.RecordEvent(ctx, q, payments.Event{Provider: pay.Provider, ObjectType: "payment", ObjectID: *pay.ProviderPaymentID, Status: string(status), Event: event})
		if err != nil || !first {
			return err
		}
		var reason *string
		if got.CancellationReason != "" {
			reason = &got.CancellationReason
		}
		if pay, err = q.SetPaymentStatus(ctx, db.SetPaymentStatusParams{ID: pay.ID, Status: status, CancellationReason: reason}); err != nil {
			return err
		}
		out = outcomeApplied
		details := map[string]any{"paymentId": pay.ID, "providerPaymentId": *pay.ProviderPaymentID}
		if status != db.PaymentStatusSucceeded {
			if status == db.PaymentStatusCanceled {
				return orderEvent(ctx, q, order.ID, nil, "payment_canceled", nil, nil, nil, cause, details)
			}
			return nil
		}
		return s.credit(ctx, q, tx, order, pay, nil, cause, details)
	})
	return out, err
}

// credit adds a succeeded payment to its order: the installments it
// settles, the paid sum, and the status that follows, and tells the
// learner (tellPaid), all in tx; actor is the staff member who recorded it
// (nil for a provider's payment).
func (s *Handler) credit(ctx context.Context, q *db.Queries, tx pgx.Tx, order db.Order, pay db.Payment, actor *uuid.UUID, cause string, details map[string]any) error {
	if len(pay.Installments) > 0 {
		if _, err := q.MarkInstallmentsPaid(ctx, db.MarkInstallmentsPaidParams{OrderID: order.ID, Numbers: pay.Installments, PaidAt: pay.SucceededAt, PaymentID: &pay.ID}); err != nil {
			return err
		}
	}
	next := db.OrderStatusPaid
	if order.Paid+pay.Amount < order.Total {
		next = db.OrderStatusInProgress
	}
	if order.Status != db.OrderStatusAwaitingPayment && order.Status != db.OrderStatusInProgress {
		// Paid after the order was canceled or refunded (a payment the
		// learner completed late): the money is recorded, the status stays
		// for staff to refund.
		next = order.Status
		details["late"] = true
	}
	updated, err := q.AddOrderPaid(ctx, db.AddOrderPaidParams{ID: order.ID, Amount: pay.Amount, Status: next})
	if err != nil {
		return err
	}
	amount := pay.Amount
	if err := orderEvent(ctx, q, order.ID, actor, "payment_succeeded", &order.Status, &updated.Status, &amount, cause, details); err != nil {
		return err
	}
	return s.tellPaid(ctx, tx, q, updated, pay)
}

func isFinal(s db.PaymentStatus) bool {
	return s == db.PaymentStatusSucceeded || s == db.PaymentStatusCanceled
}

// forward reports whether a payment may move from one status to another:
// created → pending → waiting_for_capture → succeeded | canceled.
func forward(from, to db.PaymentStatus) bool {
	rank := map[db.PaymentStatus]int{
		db.PaymentStatusCreated: 0, db.PaymentStatusPending: 1, db.PaymentStatusWaitingForCapture: 2,
		db.PaymentStatusSucceeded: 3, db.PaymentStatusCanceled: 3,
	}
	r, ok := rank[to]
	return ok && r > rank[from]
}

// Reconcile re-fetches the payments (and refunds) left open longer than olderThan and
// applies what the provider says: it repairs lost notifications, a process
// that died between asking the provider and recording its answer, and
// payments the provider never accepted (asked again with the same
// idempotence key). It returns how many payments changed.
func (s *Handler) Reconcile(ctx context.Context, olderThan time.Duration) (int, error) {
	open, err := s.Q.OpenPayments(ctx, db.OpenPaymentsParams{OlderThan: s.Now().Add(-olderThan), MaxRows: 200})
	if err != nil {
		return 0, err
	}
	changed := 0
	for _, pay := range open {
		if pay.ProviderPaymentID == nil {
			if pay, err = s.provide(ctx, pay); err != nil {
				s.Log.WarnContext(ctx, "reconciliation: provider still refuses the payment", "payment", pay.ID, "err", err)
				continue
			}
			changed++
		}
		out, err := s.syncPayment(ctx, *pay.ProviderPaymentID, "", causeReconciliation)
		if err != nil {
			s.Log.WarnContext(ctx, "reconciliation: payment not synced", "payment", pay.ID, "err", err)
			continue
		}
		if out == outcomeApplied {
			changed++
		}
	}
	n, err := s.reconcileRefunds(ctx, olderThan)
	return changed + n, err
}

// reconcileRefunds does for refunds what Reconcile does for payments: a
// refund the provider never accepted is sent again with the same
// idempotence key; a pending one is re-fetched, compared and applied
// (once, as applyRefund records its event).
func (s *Handler) reconcileRefunds(ctx context.Context, olderThan time.Duration) (int, error) {
	open, err := s.Q.OpenRefunds(ctx, db.OpenRefundsParams{OlderThan: s.Now().Add(-olderThan), MaxRows: 200})
	if err != nil {
		return 0, err
	}
	changed := 0
	for _, r := range open {
		if r.ProviderRefundID == nil || r.Provider == bankProvider {
			if _, err := s.sendRefund(ctx, r, nil, causeReconciliation); err != nil {
				s.Log.WarnContext(ctx, "reconciliation: provider still refuses the refund", "refund", r.ID, "err", err)
				continue
			}
			changed++
			continue
		}
		got, err := s.provider.GetRefund(ctx, *r.ProviderRefundID)
		if err != nil {
			s.Log.WarnContext(ctx, "reconciliation: refund not fetched", "refund", r.ID, "err", err)
			continue
		}
		if got.Amount.Value != r.Amount || got.Amount.Currency != r.Currency {
			s.Log.ErrorContext(ctx, "refund does not match our records; nothing applied", "refund", r.ID)
			continue
		}
		out, err := s.applyRefund(ctx, r.ID, got, nil, causeReconciliation)
		if err != nil {
			s.Log.WarnContext(ctx, "reconciliation: refund not applied", "refund", r.ID, "err", err)
			continue
		}
		if out == outcomeApplied {
			changed++
		}
	}
	return changed, nil
}
