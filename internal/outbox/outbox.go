// Package outbox writes messages for delivery in the caller's transaction:
// the rendered message goes into the outbox table (the development mailbox
// and retention read it there) and a `deliver_message` River job for it goes
// into the same transaction, so a message and its delivery exist exactly
// when the change that causes them was committed. internal/delivery works
// the jobs.
package outbox

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/notify"
)

// DeliverArgs is the job that delivers one outbox message.
type DeliverArgs struct {
	MessageID int64 `json:"message_id"`
}

// Kind names the job in River.
func (DeliverArgs) Kind() string { return "deliver_message" }

// InsertOpts puts deliveries in their own queue, where longer jobs cannot
// hold up a code someone is waiting for.
func (DeliverArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueMessages}
}

// Outbox renders messages and enqueues them with their delivery jobs.
type Outbox struct {
	tpl         *notify.Templates
	jobs        jobs.Inserter
	maxAttempts int
}

// New returns an outbox that renders with tpl and inserts jobs through ins;
// each message is tried up to cfg.MaxAttempts times.
func New(tpl *notify.Templates, ins jobs.Inserter, cfg config.Outbox) *Outbox {
	return &Outbox{tpl: tpl, jobs: ins, maxAttempts: cfg.MaxAttempts}
}

// Enqueue renders m and writes it, with the job that delivers it, in tx —
// the transaction of the change that causes the message (store.InTxJobs).
func (o *Outbox) Enqueue(ctx context.Context, tx pgx.Tx, m notify.Message) error {
	row, err := o.tpl.Prepare(m)
	if err != nil {
		return err
	}
	id, err := db.New(tx).EnqueueMessage(ctx, row)
	if err != nil {
		return fmt.Errorf("outbox: write %s message: %w", m.Template, err)
	}
	opts := &river.InsertOpts{MaxAttempts: o.maxAttempts}
	if _, err := o.jobs.InsertTx(ctx, tx, DeliverArgs{MessageID: id}, opts); err != nil {
		return fmt.Errorf("outbox: %w", err)
	}
	return nil
}
