// Package notifications is the domain of what Kabinet tells its users: the
// in-app inbox, preferences per category and channel, the live stream
// (Server-Sent Events, fanned out between instances by PostgreSQL
// LISTEN/NOTIFY), devices for mobile pushes, and the organizations' opt-in
// mailings with one-click unsubscribe.
//
// # Publishing from another domain
//
// A domain that has something to tell a user (an application reviewed, a
// payment received, a ticket answered, a new document, a news item) builds
// an Event and calls Publisher.Publish inside the transaction of the change
// that causes it:
//
//	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
//		q := db.New(tx)
//		// … the change itself, through q …
//		return s.notifications.Publish(ctx, tx, notifications.Event{
//			UserID:         learnerID,
//			OrganizationID: &orgID,
//			Category:       notifications.CategoryPayment,
//			Title:          notifications.Text{RU: "Оплата получена", EN: "Payment received"},
//			Body:           notifications.Text{RU: "Мы получили 12 000 ₽.", EN: "We received 12,000 ₽."},
//			Link:           &notifications.Link{Kind: "invoice", ID: invoiceID.String(), Path: "/payments/invoices/" + invoiceID.String()},
//		})
//	})
//
// Publish reads the recipient's settings (GET /api/v1/me/notification-settings)
// and, in that same transaction, writes the inbox row and wakes the
// recipient's live streams on every instance (pg_notify, delivered only on
// commit) when in-app is on, and renders the "notification" e-mail and SMS
// templates into the outbox when those channels are on. Nothing is sent if
// the transaction rolls back, and nothing is lost if it commits. With FCM
// configured it also inserts a push job (River) per device of the
// recipient's live sessions. The
// Publisher is built once (NewPublisher) and handed to the domains that
// need it, like the message templates.
package notifications

import (
	"html/template"

	"github.com/kabinet-edu/kabinet/internal/web"
)

// Handler implements the notification operations of the generated
// strict-server interface.
type Handler struct {
	web.Base
	pub   *Publisher
	hub   *hub
	pages *template.Template // the unsubscribe pages
}

// New builds the notification handlers; pub is the Publisher the other
// domains use too.
func New(base web.Base, pub *Publisher) *Handler {
	return &Handler{
		Base: base, pub: pub, hub: newHub(base.Pool, base.Log),
		pages: template.Must(template.New("unsubscribe").Parse(unsubscribePage)),
	}
}
