// Package sandbox is a payments.Provider that needs no outside service: the
// default in development. It keeps its payments in our database, as a real
// provider would on its side, and its confirmation URL is a page on our own
// server (Page) where a tester chooses "Pay" or "Fail".
//
// The choice then produces a ЮKassa-shaped notification
// ({"type": "notification", "event": "payment.succeeded", "object": {…}}),
// handed to a Deliverer. The design is goroutine-free: the page calls the
// Deliverer before it answers. HTTPDeliverer POSTs it synchronously to our
// webhook URL, exactly as the provider would (so make run works end to
// end); once River jobs exist, a Deliverer that enqueues the delivery in a
// job gives retries for free. Our webhook sees the sandbox's notifications
// coming from the server itself, so its allowed sources are the loopback
// addresses.
//
// Refunds succeed at once and send no notification (ЮKassa too answers
// most refunds with status succeeded).
package sandbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/payments"
	"github.com/kabinet-edu/kabinet/internal/payments/yookassa"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// Name is the provider's name in stored events.
const Name = "sandbox"

// Provider is the sandbox provider.
type Provider struct {
	pool    *pgxpool.Pool
	pageURL string
}

var _ payments.Provider = (*Provider)(nil)

// New returns the sandbox. pageURL is where Page is mounted, e.g.
// "http://127.0.0.1:8080/sandbox/payments"; a payment's confirmation URL is
// pageURL/{id}.
func New(pool *pgxpool.Pool, pageURL string) *Provider {
	return &Provider{pool: pool, pageURL: strings.TrimRight(pageURL, "/")}
}

// Name is "sandbox".
func (p *Provider) Name() string { return Name }

// Errors of the sandbox's own rules.
var (
	ErrKeyReused      = errors.New("sandbox: idempotence key reused with another request")
	ErrNotPending     = errors.New("sandbox: the payment is already decided")
	ErrNotRefundable  = errors.New("sandbox: only succeeded payments can be refunded")
	ErrRefundTooLarge = errors.New("sandbox: refunds would exceed the payment")
)

// CreatePayment stores a pending payment. A repeated idempotence key
// returns the payment created the first time.
func (p *Provider) CreatePayment(ctx context.Context, req payments.CreatePayment) (payments.Payment, error) {
	if req.IdempotenceKey == "" || req.Amount.Value <= 0 || req.ReturnURL == "" {
		return payments.Payment{}, errors.New("sandbox: idempotence key, a positive amount and a return URL are required")
	}
	if req.Receipt != nil {
		if err := req.Receipt.Validate(req.Amount); err != nil {
			return payments.Payment{}, err
		}
	}
	md, _ := json.Marshal(orEmpty(req.Metadata))
	var receipt []byte
	if req.Receipt != nil {
		receipt, _ = json.Marshal(req.Receipt)
	}
	row, err := db.New(p.pool).InsertSandboxPayment(ctx, db.InsertSandboxPaymentParams{
		IdempotenceKey: req.IdempotenceKey, Amount: req.Amount.Value, Currency: req.Amount.Currency,
		Description: req.Description, ReturnUrl: req.ReturnURL, Metadata: md, Receipt: receipt,
	})
	if err != nil {
		return payments.Payment{}, fmt.Errorf("sandbox: create payment: %w", err)
	}
	if row.Amount != req.Amount.Value || row.Currency != req.Amount.Currency || row.ReturnUrl != req.ReturnURL {
		return payments.Payment{}, ErrKeyReused
	}
	return p.payment(row, 0)
}

// GetPayment reads a payment.
func (p *Provider) GetPayment(ctx context.Context, id string) (payments.Payment, error) {
	uid, err := uuid.Parse(id)
	if err != nil {
		return payments.Payment{}, fmt.Errorf("sandbox: payment %q: %w", id, payments.ErrNotFound)
	}
	q := db.New(p.pool)
	row, err := q.GetSandboxPayment(ctx, uid)
	if errors.Is(err, pgx.ErrNoRows) {
		return payments.Payment{}, fmt.Errorf("sandbox: payment %s: %w", id, payments.ErrNotFound)
	}
	if err != nil {
		return payments.Payment{}, err
	}
	refunded, err := q.SumSandboxRefunds(ctx, uid)
	if err != nil {
		return payments.Payment{}, err
	}
	return p.payment(row, refunded)
}

// CreateRefund refunds a succeeded payment, fully or in part; the refunds of
// one payment never exceed it, even when requested concurrently.
func (p *Provider) CreateRefund(ctx context.Context, req payments.CreateRefund) (payments.Refund, error) {
	uid, err := uuid.Parse(req.PaymentID)
	if err != nil || req.IdempotenceKey == "" || req.Amount.Value <= 0 {
		return payments.Refund{}, errors.New("sandbox: a payment id, an idempotence key and a positive amount are required")
	}
	if req.Receipt != nil {
		if err := req.Receipt.Validate(req.Amount); err != nil {
			return payments.Refund{}, err
		}
	}
	var out db.SandboxRefund
	err = store.InTx(ctx, p.pool, func(q *db.Queries) error {
		pay, err := q.LockSandboxPayment(ctx, uid)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("sandbox: payment %s: %w", req.PaymentID, payments.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if out, err = q.GetSandboxRefundByKey(ctx, req.IdempotenceKey); err == nil {
			if out.PaymentID != uid || out.Amount != req.Amount.Value {
				return ErrKeyReused
			}
			return nil
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if pay.Status != string(payments.StatusSucceeded) {
			return ErrNotRefundable
		}
		if req.Amount.Currency != pay.Currency {
			return fmt.Errorf("sandbox: refund in %s of a payment in %s", req.Amount.Currency, pay.Currency)
		}
		refunded, err := q.SumSandboxRefunds(ctx, uid)
		if err != nil {
			return err
		}
		if refunded+req.Amount.Value > pay.Amount {
			return ErrRefundTooLarge
		}
		var receipt []byte
		if req.Receipt != nil {
			receipt, _ = json.Marshal(req.Receipt)
		}
		out, err = q.InsertSandboxRefund(ctx, db.InsertSandboxRefundParams{
			IdempotenceKey: req.IdempotenceKey, PaymentID: uid, Amount: req.Amount.Value, Currency: req.Amount.Currency,
			Description: req.Description, Receipt: receipt,
		})
		return err
	})
	if err != nil {
		return payments.Refund{}, err
	}
	return refund(out), nil
}

// GetRefund reads a refund.
func (p *Provider) GetRefund(ctx context.Context, id string) (payments.Refund, error) {
	uid, err := uuid.Parse(id)
	if err != nil {
		return payments.Refund{}, fmt.Errorf("sandbox: refund %q: %w", id, payments.ErrNotFound)
	}
	row, err := db.New(p.pool).GetSandboxRefund(ctx, uid)
	if errors.Is(err, pgx.ErrNoRows) {
		return payments.Refund{}, fmt.Errorf("sandbox: refund %s: %w", id, payments.ErrNotFound)
	}
	if err != nil {
		return payments.Refund{}, err
	}
	return refund(row), nil
}

// Outcome is the tester's choice on the confirmation page.
type Outcome string

// Outcomes.
const (
	Succeed Outcome = "succeed"
	Fail    Outcome = "fail"
)

// Delivery is a notification to send to our webhook, as the provider would.
type Delivery struct {
	Event string
	Body  []byte // ЮKassa-shaped JSON
}

// Decide settles a pending payment as the tester chose and returns the
// notification to deliver. A decided payment stays as it is
// (ErrNotPending): final states never reopen.
func (p *Provider) Decide(ctx context.Context, id string, o Outcome) (Delivery, error) {
	uid, err := uuid.Parse(id)
	if err != nil {
		return Delivery{}, fmt.Errorf("sandbox: payment %q: %w", id, payments.ErrNotFound)
	}
	status, reason := payments.StatusSucceeded, (*string)(nil)
	if o != Succeed {
		r := "canceled_by_merchant"
		if o == Fail {
			r = "insufficient_funds"
		}
		status, reason = payments.StatusCanceled, &r
	}
	err = store.InTx(ctx, p.pool, func(q *db.Queries) error {
		row, err := q.LockSandboxPayment(ctx, uid)
		if errors.Is(err, pgx.ErrNoRows) {
			return fmt.Errorf("sandbox: payment %s: %w", id, payments.ErrNotFound)
		}
		if err != nil {
			return err
		}
		if row.Status != string(payments.StatusPending) {
			return ErrNotPending
		}
		_, err = q.SetSandboxPaymentStatus(ctx, db.SetSandboxPaymentStatusParams{ID: uid, Status: string(status), CancellationReason: reason})
		return err
	})
	if err != nil {
		return Delivery{}, err
	}
	return p.Notification(ctx, id)
}

// Notification builds the notification of the payment's current status
// (to deliver again after a failed delivery).
func (p *Provider) Notification(ctx context.Context, id string) (Delivery, error) {
	pay, err := p.GetPayment(ctx, id)
	if err != nil {
		return Delivery{}, err
	}
	event := "payment." + string(pay.Status)
	body, err := json.Marshal(yookassa.NotificationJSON{Type: "notification", Event: event, Object: yookassa.EncodePayment(pay)})
	return Delivery{Event: event, Body: body}, err
}

func (p *Provider) payment(r db.SandboxPayment, refunded int64) (payments.Payment, error) {
	var md map[string]string
	if err := json.Unmarshal(r.Metadata, &md); err != nil {
		return payments.Payment{}, fmt.Errorf("sandbox: payment %s metadata: %w", r.ID, err)
	}
	out := payments.Payment{
		ID: r.ID.String(), Status: payments.Status(r.Status), Paid: r.Status == string(payments.StatusSucceeded),
		Amount: payments.Amount{Value: r.Amount, Currency: r.Currency}, Description: r.Description, Metadata: md,
		RefundedAmount: payments.Amount{Value: refunded, Currency: r.Currency}, CreatedAt: r.CreatedAt, Test: true,
	}
	if out.Status == payments.StatusPending {
		out.ConfirmationURL = p.pageURL + "/" + r.ID.String()
	}
	if r.CancellationReason != nil {
		out.CancellationReason = *r.CancellationReason
	}
	return out, nil
}

func refund(r db.SandboxRefund) payments.Refund {
	return payments.Refund{
		ID: r.ID.String(), PaymentID: r.PaymentID.String(), Status: payments.RefundStatus(r.Status),
		Amount: payments.Amount{Value: r.Amount, Currency: r.Currency}, Description: r.Description, CreatedAt: r.CreatedAt,
	}
}

func orEmpty(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// ReturnURL is where the payer goes back after the page.
func (p *Provider) ReturnURL(ctx context.Context, id string) (string, error) {
	uid, err := uuid.Parse(id)
	if err != nil {
		return "", payments.ErrNotFound
	}
	row, err := db.New(p.pool).GetSandboxPayment(ctx, uid)
	if err != nil {
		return "", store.NotFound(err)
	}
	return row.ReturnUrl, nil
}
