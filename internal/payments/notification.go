package payments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/db"
)

// YooKassaSources are the addresses ЮKassa documents sending notifications
// from. Returned fresh each call so nobody can change them for everyone.
func YooKassaSources() []string {
	return []string{
		"185.71.76.0/27", "185.71.77.0/27", "77.75.153.0/25", "77.75.156.11",
		"77.75.156.35", "77.75.154.128/25", "2a02:5180::/32",
	}
}

// Sources is a set of address ranges notifications may come from.
type Sources struct{ prefixes []netip.Prefix }

// ParseSources reads CIDR ranges and single addresses.
func ParseSources(list []string) (Sources, error) {
	var s Sources
	for _, v := range list {
		v = strings.TrimSpace(v)
		if p, err := netip.ParsePrefix(v); err == nil {
			s.prefixes = append(s.prefixes, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(v)
		if err != nil {
			return Sources{}, fmt.Errorf("notification source %q is neither an address nor a CIDR range", v)
		}
		s.prefixes = append(s.prefixes, netip.PrefixFrom(a, a.BitLen()))
	}
	return s, nil
}

// Allows reports whether ip is in one of the ranges. IPv4-mapped IPv6
// addresses count as IPv4.
func (s Sources) Allows(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range s.prefixes {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// Notification is what a provider's webhook claims, ЮKassa-shaped:
// {"type": "notification", "event": "payment.succeeded", "object": {…}}.
// Nothing in it is trusted; Verify… re-fetches the object.
type Notification struct {
	Event string // payment.succeeded, payment.waiting_for_capture, payment.canceled, refund.succeeded
	// ObjectType is "payment" or "refund", from the event's first part.
	ObjectType string
	ObjectID   string
}

// ErrBadNotification is returned (wrapped) for a body that is not a
// notification we handle.
var ErrBadNotification = errors.New("not a payment notification")

// ParseNotification reads a webhook body.
func ParseNotification(body []byte) (Notification, error) {
	var n struct {
		Type   string `json:"type"`
		Event  string `json:"event"`
		Object struct {
			ID string `json:"id"`
		} `json:"object"`
	}
	if err := json.Unmarshal(body, &n); err != nil {
		return Notification{}, fmt.Errorf("%w: %v", ErrBadNotification, err)
	}
	kind, _, _ := strings.Cut(n.Event, ".")
	if n.Type != "notification" || (kind != "payment" && kind != "refund") || n.Object.ID == "" {
		return Notification{}, fmt.Errorf("%w: type %q, event %q", ErrBadNotification, n.Type, n.Event)
	}
	return Notification{Event: n.Event, ObjectType: kind, ObjectID: n.Object.ID}, nil
}

// Expected is what we know about a payment: what the order asked for.
type Expected struct {
	OrderID string
	Amount  Amount
}

// ErrMismatch is returned (wrapped) when the provider's object does not
// match what we asked for: it is not our payment, or not for this order or
// sum, and nothing may be applied.
var ErrMismatch = errors.New("payment does not match the order")

// VerifyPayment re-fetches a notified payment from the provider and checks
// it against the order: the order id in its metadata, amount and currency.
// The payment returned, not the notification, is what to act on: its status
// may already be past the notified one.
func VerifyPayment(ctx context.Context, p Provider, n Notification, want Expected) (Payment, error) {
	if n.ObjectType != "payment" {
		return Payment{}, fmt.Errorf("%w: %s is not a payment event", ErrBadNotification, n.Event)
	}
	pay, err := p.GetPayment(ctx, n.ObjectID)
	if err != nil {
		return Payment{}, fmt.Errorf("re-fetch payment %s: %w", n.ObjectID, err)
	}
	if err := CheckPayment(pay, want); err != nil {
		return Payment{}, err
	}
	return pay, nil
}

// CheckPayment compares a fetched payment with the order.
func CheckPayment(pay Payment, want Expected) error {
	switch {
	case pay.Metadata[MetadataOrderID] != want.OrderID:
		return fmt.Errorf("%w: payment %s is for order %q, not %q", ErrMismatch, pay.ID, pay.Metadata[MetadataOrderID], want.OrderID)
	case pay.Amount != want.Amount:
		return fmt.Errorf("%w: payment %s is %s, the order expects %s", ErrMismatch, pay.ID, pay.Amount, want.Amount)
	}
	return nil
}

// VerifyRefund re-fetches a notified refund and checks that it belongs to
// the payment we know and is the amount we asked for.
func VerifyRefund(ctx context.Context, p Provider, n Notification, paymentID string, amount Amount) (Refund, error) {
	if n.ObjectType != "refund" {
		return Refund{}, fmt.Errorf("%w: %s is not a refund event", ErrBadNotification, n.Event)
	}
	r, err := p.GetRefund(ctx, n.ObjectID)
	if err != nil {
		return Refund{}, fmt.Errorf("re-fetch refund %s: %w", n.ObjectID, err)
	}
	if r.PaymentID != paymentID || r.Amount != amount {
		return Refund{}, fmt.Errorf("%w: refund %s is %s of payment %s", ErrMismatch, r.ID, r.Amount, r.PaymentID)
	}
	return r, nil
}

// Event is a verified state of a provider's object, to be recorded once.
type Event struct {
	Provider   string
	ObjectType string // payment or refund
	ObjectID   string
	// Status is the re-fetched object's status, not the notified one.
	Status string
	Event  string
}

// RecordEvent stores that the object reached the status, and reports
// whether this is the first time. Run it in the transaction that applies
// the event's effect, so that the record and the effect commit together:
// a repeated or concurrent notification then finds the record (the unique
// key makes a concurrent insert wait for the first transaction) and applies
// nothing.
func RecordEvent(ctx context.Context, q *db.Queries, e Event) (bool, error) {
	_, err := q.RecordPaymentEvent(ctx, db.RecordPaymentEventParams{
		Provider: e.Provider, ObjectType: e.ObjectType, ObjectID: e.ObjectID, Status: e.Status, Event: e.Event,
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("record payment event: %w", err)
	}
	return true, nil
}
