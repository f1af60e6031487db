package notifications

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/outbox"
)

// mailer fans a mailing out into the outbox: one e-mail per recipient,
// each with its own one-click unsubscribe link, a batch per transaction.
type mailer struct {
	pool        *pgxpool.Pool
	tpl         *notify.Templates
	publicURL   string
	batch       int
	maxAttempts int // of each message's delivery job
}

// step writes the next batch of a mailing's messages and records how far
// it got, in one transaction; done reports the mailing complete. The
// mailing's row is locked, so two workers never write the same batch, and
// a batch that failed is written again from where the last one ended.
func (m *mailer) step(ctx context.Context, ins jobs.Inserter, mailingID uuid.UUID) (done bool, err error) {
	err = pgx.BeginFunc(ctx, m.pool, func(tx pgx.Tx) error {
		q := db.New(tx)
		ml, err := q.LockMailing(ctx, mailingID)
		if err != nil {
			return err
		}
		if ml.Status == db.MailingStatusSent {
			done = true
			return nil
		}
		after := uuid.Nil
		if ml.LastUserID != nil {
			after = *ml.LastUserID
		}
		rows, err := q.MailingRecipients(ctx, db.MailingRecipientsParams{
			OrganizationID: ml.OrganizationID, List: ml.List, AfterUserID: after, MaxRows: int32(m.batch),
		})
		if err != nil {
			return err
		}
		orgName, err := q.OrganizationName(ctx, ml.OrganizationID)
		if err != nil {
			return err
		}
		for _, r := range rows {
			if err := m.write(ctx, ins, tx, q, ml, orgName, r); err != nil {
				return err
			}
		}
		if len(rows) > 0 {
			last := rows[len(rows)-1].ID
			if err := q.AdvanceMailing(ctx, db.AdvanceMailingParams{ID: ml.ID, LastUserID: &last, Added: int32(len(rows))}); err != nil {
				return err
			}
		}
		if len(rows) < m.batch {
			done = true
			return q.FinishMailing(ctx, ml.ID)
		}
		return nil
	})
	return done, err
}

// write renders one recipient's e-mail with a fresh unsubscribe token and
// puts it into the outbox.
func (m *mailer) write(ctx context.Context, ins jobs.Inserter, tx pgx.Tx, q *db.Queries, ml db.Mailing, orgName string, r db.MailingRecipientsRow) error {
	token := "un_" + rand.Text() + rand.Text()
	if err := q.CreateUnsubscribeToken(ctx, db.CreateUnsubscribeTokenParams{
		TokenHash: hashToken(token), UserID: r.ID, OrganizationID: ml.OrganizationID, List: ml.List,
	}); err != nil {
		return err
	}
	link := m.publicURL + "/api/v1/mailings/unsubscribe?token=" + url.QueryEscape(token)
	msg, err := m.tpl.Render(notify.Message{Channel: notify.Email, Template: "mailing", Locale: r.Locale, Data: map[string]any{
		"Subject": ml.Subject, "Body": ml.Body, "Paragraphs": paragraphs(ml.Body), "OrganizationName": orgName, "UnsubscribeURL": link,
	}})
	if err != nil {
		return err
	}
	// RFC 8058: a mail client's own "Unsubscribe" button POSTs
	// List-Unsubscribe=One-Click to the https link, without opening it.
	headers, err := json.Marshal(map[string]string{
		"List-Unsubscribe":      "<" + link + ">",
		"List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
		"Precedence":            "bulk",
	})
	if err != nil {
		return err
	}
	locale := r.Locale
	if locale != "en" {
		locale = "ru"
	}
	id, err := q.EnqueueMailMessage(ctx, db.EnqueueMailMessageParams{
		Recipient: r.Email, Template: "mailing", Locale: locale,
		Subject: msg.Subject, BodyText: msg.Text, BodyHtml: msg.HTML, Headers: headers,
	})
	if err != nil {
		return fmt.Errorf("mailing %s: %w", ml.ID, err)
	}
	// Its delivery job, as outbox.Enqueue makes for every other message.
	if _, err := ins.InsertTx(ctx, tx, outbox.DeliverArgs{MessageID: id}, &river.InsertOpts{MaxAttempts: m.maxAttempts}); err != nil {
		return fmt.Errorf("mailing %s: %w", ml.ID, err)
	}
	return nil
}

// paragraphs splits plain text at blank lines, for the HTML part.
func paragraphs(body string) []string {
	var out []string
	for _, p := range strings.Split(strings.ReplaceAll(body, "\r\n", "\n"), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
