package notifications

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/outbox"
)

// Categories of notifications: what they are about.
const (
	CategoryApplication = db.NotificationCategoryApplication
	CategoryPayment     = db.NotificationCategoryPayment
	CategoryMessage     = db.NotificationCategoryMessage
	CategorySupport     = db.NotificationCategorySupport
	CategoryDocument    = db.NotificationCategoryDocument
	CategoryNews        = db.NotificationCategoryNews
	CategoryAccount     = db.NotificationCategoryAccount
)

// Text is a notification's text in the languages of the interface; the
// recipient gets their locale's, or Russian when English is missing.
type Text struct {
	RU, EN string
}

// In returns the text for locale.
func (t Text) In(locale string) string {
	if locale == "en" && t.EN != "" {
		return t.EN
	}
	return t.RU
}

// Link is what a notification opens: a resource and, when the domain knows
// it, the SPA's relative path to it (which the e-mail turns into a link).
type Link struct {
	Kind string // e.g. "invoice", "application", "ticket", "document"
	ID   string
	Path string // "/payments/invoices/…"; optional
}

// Event is one thing to tell one user.
type Event struct {
	UserID         uuid.UUID
	OrganizationID *uuid.UUID // nil for account notices
	Category       db.NotificationCategory
	Title          Text // required, up to 200 characters
	Body           Text // optional, up to 4000 characters
	Link           *Link
	// OwnEmail says the domain sends an e-mail of its own about the same
	// thing (a template with more detail, such as an application's
	// decision): the publisher then writes the inbox, SMS and pushes but
	// not its generic e-mail, so the user gets one letter.
	OwnEmail bool
}

func (e Event) check() error {
	var problems []string
	if e.UserID == uuid.Nil {
		problems = append(problems, "no recipient")
	}
	if !e.Category.Valid() {
		problems = append(problems, fmt.Sprintf("unknown category %q", e.Category))
	}
	for _, t := range []string{e.Title.RU, e.Title.EN} {
		if utf8.RuneCountInString(t) > 200 {
			problems = append(problems, "title over 200 characters")
		}
	}
	if strings.TrimSpace(e.Title.RU) == "" {
		problems = append(problems, "no title")
	}
	for _, t := range []string{e.Body.RU, e.Body.EN} {
		if utf8.RuneCountInString(t) > 4000 {
			problems = append(problems, "body over 4000 characters")
		}
	}
	if l := e.Link; l != nil {
		if l.Kind == "" || l.ID == "" {
			problems = append(problems, "link without kind or id")
		}
		if l.Path != "" && (!strings.HasPrefix(l.Path, "/") || strings.HasPrefix(l.Path, "//")) {
			problems = append(problems, "link path is not a relative path such as /payments/…")
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("notifications: invalid event: %s", strings.Join(problems, "; "))
	}
	return nil
}

// Publisher writes notifications and the messages that go with them.
type Publisher struct {
	out       *outbox.Outbox
	jobs      jobs.Inserter
	push      bool   // FCM is configured: push jobs are inserted
	publicURL string // the SPA's origin: e-mails link to publicURL + Link.Path
}

// NewPublisher returns the publisher every domain shares: its e-mails and
// SMS go through out, its push jobs (when cfg names FCM credentials) and
// mailings' jobs through ins.
func NewPublisher(out *outbox.Outbox, ins jobs.Inserter, cfg config.Config) *Publisher {
	return &Publisher{out: out, jobs: ins, push: cfg.Notifications.FCMCredentialsFile != "", publicURL: trimURL(cfg.PublicURL)}
}

func trimURL(u string) string { return strings.TrimRight(u, "/") }

// Publish tells e.UserID about e through the channels their settings allow,
// inside tx, the transaction of the change that causes it (see the package
// documentation). An account that is closed or blocked gets nothing. An
// invalid event is an error: a bug of the caller.
func (p *Publisher) Publish(ctx context.Context, tx pgx.Tx, e Event) error {
	if err := e.check(); err != nil {
		return err
	}
	q := db.New(tx)
	to, err := q.GetNotificationRecipient(ctx, e.UserID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil
	}
	if err != nil {
		return err
	}
	ch, err := channelsOf(ctx, q, e.UserID, e.Category)
	if err != nil {
		return err
	}
	title, body := e.Title.In(to.Locale), e.Body.In(to.Locale)
	if ch.InApp {
		if err := p.writeInbox(ctx, tx, q, e, title, body); err != nil {
			return err
		}
	}
	data := map[string]any{"Title": title, "Body": body, "URL": p.url(e.Link), "Short": shorten(title, 140)}
	if ch.Email && !e.OwnEmail {
		err := p.out.Enqueue(ctx, tx, notify.Message{Channel: notify.Email, To: to.Email, Template: "notification", Locale: to.Locale, Data: data})
		if err != nil {
			return err
		}
	}
	if ch.Sms && to.Phone != nil && to.PhoneVerifiedAt != nil {
		err := p.out.Enqueue(ctx, tx, notify.Message{Channel: notify.SMS, To: *to.Phone, Template: "notification_sms", Locale: to.Locale, Data: data})
		if err != nil {
			return err
		}
	}
	return nil
}

func (p *Publisher) writeInbox(ctx context.Context, tx pgx.Tx, q *db.Queries, e Event, title, body string) error {
	seq, err := q.NextNotificationSeq(ctx, e.UserID)
	if err != nil {
		return err
	}
	in := db.InsertNotificationParams{
		UserID: e.UserID, Seq: seq, OrganizationID: e.OrganizationID, Category: e.Category, Title: title, Body: body,
	}
	if l := e.Link; l != nil {
		in.LinkKind, in.LinkID = &l.Kind, &l.ID
		if l.Path != "" {
			in.LinkPath = &l.Path
		}
	}
	n, err := q.InsertNotification(ctx, in)
	if err != nil {
		return err
	}
	if err := p.queuePushes(ctx, tx, q, n); err != nil {
		return err
	}
	return q.NotifyInboxChanged(ctx, e.UserID.String())
}

// queuePushes inserts a push job per device of the user's live sessions:
// one job per device, so a retry resends to nobody who already has it.
func (p *Publisher) queuePushes(ctx context.Context, tx pgx.Tx, q *db.Queries, n db.Notification) error {
	if !p.push {
		return nil
	}
	devices, err := q.ListPushTargets(ctx, n.UserID)
	if err != nil {
		return err
	}
	for _, d := range devices {
		if _, err := p.jobs.InsertTx(ctx, tx, PushArgs{NotificationID: n.ID, DeviceID: d.ID}, nil); err != nil {
			return fmt.Errorf("notifications: push job: %w", err)
		}
	}
	return nil
}

// url is the absolute address of what a notification opens, for messages
// read outside the SPA; empty when it opens nothing.
func (p *Publisher) url(l *Link) string {
	if l == nil || l.Path == "" {
		return ""
	}
	return p.publicURL + l.Path
}

// shorten cuts s to at most n characters, so an SMS stays one message.
func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
