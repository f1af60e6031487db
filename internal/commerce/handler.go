// Package commerce is the domain of what learners pay: orders of approved
// applications, their payments through a provider (sandbox or ЮKassa),
// installment schedules, promo codes, refunds under the organization's
// withdrawal policy, 54-ФЗ receipts and the learner's payment statistics;
// for staff, promo codes, installment plans, overdue parts and refunds.
//
// Every purchase goes through an enrollment application: programs that
// need no review are approved on submission (the enrollment domain does
// that), so an order is made of one or more approved applications of one
// organization (enrollment.ApprovedSeat), never of bare programs. Lines
// snapshot the program's title and price and the promo discount.
//
// Money is integer kopecks with the order's currency. Every money-moving
// change (a payment succeeding, a refund) is applied in one transaction
// with its record: the provider event in payment_events (payments.RecordEvent)
// and an order_events row naming the cause. A provider notification is
// never trusted: its source address is checked, the object re-fetched and
// compared; a payment's status only moves forward, and succeeded and
// canceled never reopen. The periodic reconciliation job applies the same
// code to payments left open, so a lost notification or a process that
// died midway is repaired.
//
// For the learning domain: AccessSuspended tells whether an installment
// left unpaid past its grace period suspends a learner's access to a
// program's content; paying the part restores it at once.
package commerce

import (
	"context"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/enrollment"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/notifications"
	"github.com/kabinet-edu/kabinet/internal/payments"
	"github.com/kabinet-edu/kabinet/internal/pdf"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Seats finds a user's approved application to order it (enrollment.ApprovedSeat).
type Seats func(ctx context.Context, q *db.Queries, userID, applicationID uuid.UUID) (enrollment.Seat, error)

// Handler implements the commerce operations of the generated
// strict-server interface.
type Handler struct {
	web.Base
	provider payments.Provider
	sources  payments.Sources
	seats    Seats
	kit      *pdf.Kit // invoices and acts
	// pub tells learners about payments and acts; blobs keeps the copies
	// of invoices and acts published into their archives, by jobs
	// inserted through ins (NewFromConfig sets all three).
	pub   *notifications.Publisher
	blobs *blob.Store
	ins   jobs.Inserter
}

// New builds the commerce handlers over the configured provider; sources
// are the addresses notifications are accepted from.
func New(base web.Base, provider payments.Provider, sources payments.Sources) *Handler {
	return &Handler{Base: base, provider: provider, sources: sources, seats: enrollment.ApprovedSeat}
}

// Provider is the configured payment provider.
func (s *Handler) Provider() payments.Provider { return s.provider }
