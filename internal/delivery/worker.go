package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/outbox"
)

// recordTimeout bounds one attempt to write an outcome, which must happen
// even while the worker is stopping (the message was sent; forgetting that
// would send it again). A failed attempt is repeated every recordRetry while
// the job's timeout leaves room.
const (
	recordTimeout = 10 * time.Second
	recordRetry   = time.Second
)

// Worker is the River worker of the deliver_message job: it sends one
// outbox message through the sender of its channel and records the outcome
// on the message's row. River brings each job to one worker at a time and
// retries failed attempts; the row's status keeps a message once sent from
// being sent again by a later attempt of its job.
type Worker struct {
	river.WorkerDefaults[outbox.DeliverArgs]
	q       *db.Queries
	senders map[string]Sender
	cfg     config.Outbox
	log     *slog.Logger
	jitter  func() float64 // in [0, 1)
}

// NewWorker returns a worker that sends each channel's messages through
// senders[channel].
func NewWorker(pool *pgxpool.Pool, senders map[string]Sender, cfg config.Outbox, log *slog.Logger) *Worker {
	return &Worker{q: db.New(pool), senders: senders, cfg: cfg, log: log, jitter: rand.Float64}
}

// Register adds w and the messages queue, with KABINET_OUTBOX_CONCURRENCY
// workers, to reg.
func Register(reg *jobs.Registry, w *Worker) error {
	reg.Queue(jobs.QueueMessages, w.cfg.Concurrency)
	return jobs.Add(reg, w)
}

// Timeout bounds one attempt: the send and the writing of its outcome. River
// does not rescue a running delivery before it has passed, so a slow but
// live worker is never joined by a second one.
func (w *Worker) Timeout(*river.Job[outbox.DeliverArgs]) time.Duration {
	return w.cfg.JobTimeout()
}

// NextRetry spaces the attempts of a message with Backoff.
func (w *Worker) NextRetry(job *river.Job[outbox.DeliverArgs]) time.Time {
	return time.Now().Add(Backoff(job.Attempt, w.cfg.BackoffBase, w.cfg.BackoffMax, w.jitter()))
}

// Work delivers the message of job. A message that is no longer pending —
// sent or given up on by an earlier attempt, when the process died before
// River recorded that attempt's end — is left alone.
func (w *Worker) Work(ctx context.Context, job *river.Job[outbox.DeliverArgs]) error {
	id := job.Args.MessageID
	m, err := w.q.GetOutboxMessage(ctx, id)
	if errors.Is(err, pgx.ErrNoRows) {
		w.log.WarnContext(ctx, "outbox: the message to deliver no longer exists", "outbox_id", id)
		return nil
	}
	if err != nil {
		return fmt.Errorf("load outbox message %d: %w", id, err)
	}
	if m.Status != "pending" {
		return nil
	}
	attempt := int32(job.Attempt)
	log := w.log.With("outbox_id", m.ID, "channel", m.Channel, "template", m.Template, "attempt", attempt, "job_id", job.ID)
	sendErr := w.send(ctx, m)

	// Outcomes are written even when ctx has ended (the process is
	// stopping): a sent message left pending would be sent again.
	deadline, ok := ctx.Deadline()
	if !ok {
		deadline = time.Now().Add(recordTimeout)
	}
	rctx := context.WithoutCancel(ctx)
	switch {
	case sendErr == nil:
		log.InfoContext(ctx, "outbox: message sent")
		err := w.record(rctx, deadline, func(ctx context.Context) error {
			_, err := w.q.MarkMessageSent(ctx, db.MarkMessageSentParams{ID: m.ID, Attempts: attempt, KeepBody: w.cfg.KeepSentBodies})
			return err
		})
		if err != nil {
			// The retry sends it again, with the same Message-ID: a
			// duplicate is better than a lost code.
			log.ErrorContext(ctx, "outbox: recording the sent message failed; it will be sent again", "err", err)
			return fmt.Errorf("record outbox message %d as sent: %w", m.ID, err)
		}
		return nil
	case errors.Is(context.Cause(ctx), river.ErrJobCancelledRemotely):
		// An operator cancelled the job (jobs UI) while it ran.
		log.WarnContext(ctx, "outbox: delivery cancelled by an operator", "err", sendErr)
		err := w.record(rctx, deadline, func(ctx context.Context) error {
			_, err := w.q.MarkMessageFailed(ctx, db.MarkMessageFailedParams{ID: m.ID, Attempts: attempt, LastError: "cancelled by an operator"})
			return err
		})
		if err != nil {
			log.ErrorContext(ctx, "outbox: recording the cancellation failed", "err", err)
		}
		return sendErr
	case errors.Is(ctx.Err(), context.Canceled):
		// The process is stopping and cut the send short: River puts the job
		// back as it was, for any worker to take, so the row stays as it was
		// too — even on what would have been the last attempt.
		log.InfoContext(ctx, "outbox: send interrupted by shutdown; released", "err", sendErr)
		return sendErr
	case IsPermanent(sendErr) || job.Attempt >= job.MaxAttempts:
		log.ErrorContext(ctx, "outbox: message failed, giving up", "err", sendErr, "permanent", IsPermanent(sendErr))
		err := w.record(rctx, deadline, func(ctx context.Context) error {
			_, err := w.q.MarkMessageFailed(ctx, db.MarkMessageFailedParams{ID: m.ID, Attempts: attempt, LastError: errText(sendErr)})
			return err
		})
		if err != nil {
			log.ErrorContext(ctx, "outbox: recording the failure failed", "err", err)
		}
		if IsPermanent(sendErr) {
			return river.JobCancel(sendErr) // no attempt left to make
		}
		return sendErr // the last attempt: River discards the job
	default:
		log.WarnContext(ctx, "outbox: sending failed, will retry", "err", sendErr)
		err := w.record(rctx, deadline, func(ctx context.Context) error {
			_, err := w.q.RecordMessageAttempt(ctx, db.RecordMessageAttemptParams{ID: m.ID, Attempts: attempt, LastError: errText(sendErr)})
			return err
		})
		if err != nil {
			log.WarnContext(ctx, "outbox: recording the failed attempt failed", "err", err)
		}
		return sendErr
	}
}

// record writes an outcome, trying again after a failure (a dropped
// connection, a database restart) for as long as the job's deadline leaves
// time for another attempt.
func (w *Worker) record(ctx context.Context, deadline time.Time, write func(context.Context) error) error {
	for {
		rctx, cancel := context.WithTimeout(ctx, recordTimeout)
		err := write(rctx)
		cancel()
		if err == nil || time.Until(deadline) < recordRetry+recordTimeout {
			return err
		}
		w.log.WarnContext(ctx, "outbox: recording the outcome failed; trying again", "err", err)
		time.Sleep(recordRetry)
	}
}

// send calls the channel's sender within the send timeout, turning a panic
// into an error so one bad message cannot take the worker down.
func (w *Worker) send(ctx context.Context, m db.Outbox) (err error) {
	s, ok := w.senders[m.Channel]
	if !ok {
		return Permanent(fmt.Errorf("no sender for channel %q", m.Channel))
	}
	ctx, cancel := context.WithTimeout(ctx, w.cfg.SendTimeout)
	defer cancel()
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("sender panicked: %v", r)
		}
	}()
	return s.Send(ctx, m)
}

// errText keeps last_error readable and bounded.
func errText(err error) string {
	s := err.Error()
	if errors.Is(err, context.DeadlineExceeded) {
		s = "timed out: " + s
	}
	const maxLen = 1000
	if len(s) > maxLen {
		s = strings.ToValidUTF8(s[:maxLen], "") + "…" // never cut a character in half
	}
	return s
}

// Backoff is the delay before the attempt after failed attempt number
// attempt (1-based): base·2^(attempt-1), capped at max, with "equal jitter"
// — a random point in its upper half — so that messages which failed
// together (a gateway outage) do not all retry at the same instant.
// jitter is a number in [0, 1).
func Backoff(attempt int, base, max time.Duration, jitter float64) time.Duration {
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d/2 + time.Duration(jitter*float64(d/2))
}
