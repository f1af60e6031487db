package commerce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/payments"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// Causes of order events: who or what moved the order.
const (
	causeLearner        = "learner"
	causeStaff          = "staff"
	causeReconciliation = "reconciliation"
	causeNotification   = "notification"
)

// Withdrawal policies (commerce_settings.withdrawal_policy).
const (
	policyFullBeforeStart = "full_before_start"
	policyProRata         = "pro_rata"
	policyNone            = "none"
)

// orderEvent writes one line of an order's history.
func orderEvent(ctx context.Context, q *db.Queries, orderID uuid.UUID, actor *uuid.UUID, event string, from, to *db.OrderStatus, amount *int64, cause string, details map[string]any) error {
	if details == nil {
		details = map[string]any{}
	}
	raw, err := json.Marshal(details)
	if err != nil {
		return err
	}
	p := db.InsertOrderEventParams{OrderID: orderID, ActorID: actor, Event: event, Cause: cause, Details: raw}
	if amount != nil {
		p.Amount = pgtype.Int8{Int64: *amount, Valid: true}
	}
	if from != nil {
		p.FromStatus = db.NullOrderStatus{OrderStatus: *from, Valid: true}
	}
	if to != nil {
		p.ToStatus = db.NullOrderStatus{OrderStatus: *to, Valid: true}
	}
	if err := q.InsertOrderEvent(ctx, p); err != nil {
		return fmt.Errorf("order event %s: %w", event, err)
	}
	return nil
}

// loadOrder reads an order's lines, schedule and history into its API form.
func loadOrder(ctx context.Context, q *db.Queries, o db.Order, now time.Time) (api.Order, error) {
	lines, err := q.ListOrderLines(ctx, o.ID)
	if err != nil {
		return api.Order{}, err
	}
	parts, err := q.ListOrderInstallments(ctx, o.ID)
	if err != nil {
		return api.Order{}, err
	}
	events, err := q.ListOrderEvents(ctx, o.ID)
	if err != nil {
		return api.Order{}, err
	}
	out := api.Order{
		ID: o.ID, OrganizationID: o.OrganizationID, Status: api.OrderStatus(o.Status), Currency: o.Currency,
		Subtotal: o.Subtotal, Discount: o.Discount, Total: o.Total, Paid: o.Paid, Refunded: o.Refunded, Due: o.Total - o.Paid,
		PromoCode: o.PromoCode, InstallmentPlanID: o.InstallmentPlanID, CreatedAt: o.CreatedAt.UTC(), UpdatedAt: o.UpdatedAt.UTC(),
		Lines: []api.OrderLine{}, Installments: []api.Installment{}, History: []api.OrderEvent{},
	}
	if o.Status == db.OrderStatusCanceled || o.WithdrawnAt != nil {
		out.Due = 0
	}
	out.WithdrawnAt = utcPtr(o.WithdrawnAt)
	if o.AccessUntil.Valid {
		out.AccessUntil = new(apiDate(o.AccessUntil))
	}
	if payer, err := payerOf(ctx, q, o.ID); err == nil {
		out.Employer = employerDTO(payer)
	} else if !errors.Is(err, store.ErrNotFound) {
		return api.Order{}, err
	}
	for _, l := range lines {
		out.Lines = append(out.Lines, api.OrderLine{
			ApplicationID: l.ApplicationID, ProgramID: l.ProgramID, GroupID: l.GroupID, Title: l.Title,
			Price: l.Price, Discount: l.Discount, Amount: l.Price - l.Discount,
		})
	}
	today := day(now)
	for _, p := range parts {
		out.Installments = append(out.Installments, api.Installment{
			Number: int(p.Number), Amount: p.Amount, DueOn: apiDate(p.DueOn), GraceEndsOn: apiDate(p.GraceEnds),
			PaidAt: utcPtr(p.PaidAt), Overdue: p.PaidAt == nil && o.Status == db.OrderStatusInProgress && p.GraceEnds.Time.Before(today.Time),
		})
	}
	for _, e := range events {
		ev := api.OrderEvent{OccurredAt: e.OccurredAt.UTC(), Event: e.Event, ActorID: e.ActorID, Cause: e.Cause}
		if e.Amount.Valid {
			ev.Amount = new(e.Amount.Int64)
		}
		if e.FromStatus.Valid {
			ev.FromStatus = new(string(e.FromStatus.OrderStatus))
		}
		if e.ToStatus.Valid {
			ev.ToStatus = new(string(e.ToStatus.OrderStatus))
		}
		out.History = append(out.History, ev)
	}
	return out, nil
}

func paymentDTO(p db.Payment) api.Payment {
	out := api.Payment{
		ID: p.ID, OrderID: p.OrderID, Status: api.PaymentStatus(p.Status), Purpose: api.PaymentPurpose(p.Purpose),
		Installments: []int{}, Amount: p.Amount, Currency: p.Currency, Provider: p.Provider,
		ConfirmationURL: p.ConfirmationUrl, CancellationReason: p.CancellationReason, CreatedAt: p.CreatedAt.UTC(),
		SucceededAt: utcPtr(p.SucceededAt), Receipt: receiptDTO(p.Receipt),
	}
	if p.Status != db.PaymentStatusPending {
		out.ConfirmationURL = nil
	}
	out.BankDocumentNumber = p.BankDocumentNumber
	if p.BankDocumentDate.Valid {
		out.BankDocumentDate = new(apiDate(p.BankDocumentDate))
	}
	for _, n := range p.Installments {
		out.Installments = append(out.Installments, int(n))
	}
	return out
}

// receiptDTO shows a stored receipt (payments.Receipt as JSON).
func receiptDTO(raw []byte) api.Receipt {
	out := api.Receipt{Items: []api.ReceiptItem{}}
	var r payments.Receipt
	if len(raw) == 0 || json.Unmarshal(raw, &r) != nil {
		return out
	}
	if r.Customer.Email != "" {
		out.Email = &r.Customer.Email
	}
	if r.Customer.Phone != "" {
		out.Phone = &r.Customer.Phone
	}
	for _, it := range r.Items {
		out.Items = append(out.Items, api.ReceiptItem{
			Description: it.Description, Quantity: it.Quantity, Amount: it.Amount.Value, Currency: it.Amount.Currency,
			VatCode: int(it.VATCode), PaymentMode: string(it.PaymentMode), PaymentSubject: string(it.PaymentSubject),
		})
	}
	return out
}

// day is t's calendar day in UTC, as dates are stored.
func day(t time.Time) pgtype.Date {
	y, m, d := t.UTC().Date()
	return pgtype.Date{Time: time.Date(y, m, d, 0, 0, 0, 0, time.UTC), Valid: true}
}

func pgDate(t time.Time) pgtype.Date { return day(t) }

func apiDate(d pgtype.Date) openapi_types.Date { return openapi_types.Date{Time: d.Time} }
