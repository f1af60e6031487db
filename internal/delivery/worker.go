package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/config"
)

// purgeEvery is how often an instance deletes messages older than the
// retention period.
const purgeEvery = time.Hour

// recordTimeout bounds one attempt to write an outcome, which must happen
// even while the worker is stopping (the message was sent; forgetting that
// would resend it). A failed attempt is repeated every recordRetry while the
// claim lasts.
const (
	recordTimeout = 10 * time.Second
	recordRetry   = time.Second
)

// Worker delivers due outbox messages. Run it in every instance: claims are
// leased rows, so workers never send the same claim twice.
type Worker struct {
	pool    *pgxpool.Pool
	q       *db.Queries
	senders map[string]Sender
	cfg     config.Outbox
	log     *slog.Logger
	jitter  func() float64 // in [0, 1)
}

// NewWorker returns a worker that sends each channel's messages through
// senders[channel].
func NewWorker(pool *pgxpool.Pool, senders map[string]Sender, cfg config.Outbox, log *slog.Logger) *Worker {
	return &Worker{pool: pool, q: db.New(pool), senders: senders, cfg: cfg, log: log, jitter: rand.Float64}
}

// lease is how long a claimed message stays invisible to other workers. It
// outlasts a send (SMTP's connection deadlines may stretch one to twice the
// send timeout), so a live worker always records its outcome first; after a
// crash the message becomes due again when the lease ends.
func (w *Worker) lease() time.Duration { return 2*w.cfg.SendTimeout + time.Minute }

// Run delivers messages until ctx ends: at once when a message is committed
// (LISTEN/NOTIFY), and every poll interval in case a notification was missed
// or a retry fell due. When ctx ends it finishes the messages in hand
// (each within the send timeout) and returns.
func (w *Worker) Run(ctx context.Context) {
	wake := make(chan struct{}, 1)
	var wg sync.WaitGroup
	wg.Go(func() { w.listen(ctx, wake) })
	defer wg.Wait()

	timer := time.NewTimer(0)
	defer timer.Stop()
	var lastPurge time.Time
	for {
		n, err := w.DeliverDue(ctx)
		if err != nil && ctx.Err() == nil {
			w.log.WarnContext(ctx, "outbox: claiming messages failed", "err", err)
		}
		if w.cfg.Retention > 0 && time.Since(lastPurge) >= purgeEvery && ctx.Err() == nil {
			lastPurge = time.Now()
			if _, err := w.q.PurgeOldMessages(ctx, w.cfg.Retention.Seconds()); err != nil && ctx.Err() == nil {
				w.log.WarnContext(ctx, "outbox: purging old messages failed", "err", err)
			}
		}
		if ctx.Err() != nil {
			return
		}
		if err == nil && n == w.cfg.Concurrency {
			continue // a full batch: more may be due right now
		}
		timer.Reset(w.cfg.PollInterval)
		select {
		case <-ctx.Done():
			return
		case <-wake:
		case <-timer.C:
		}
	}
}

// DeliverDue claims up to Concurrency due messages, sends them in parallel
// and records each outcome. It returns how many it claimed. Sends and
// outcomes are not cut short when ctx ends, so a stopping worker never
// leaves a sent message unrecorded.
func (w *Worker) DeliverDue(ctx context.Context) (int, error) {
	msgs, err := w.q.ClaimDueMessages(ctx, db.ClaimDueMessagesParams{
		LeaseSeconds: w.lease().Seconds(), MaxRows: int32(w.cfg.Concurrency),
	})
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	for _, m := range msgs {
		wg.Go(func() { w.deliver(context.WithoutCancel(ctx), m) })
	}
	wg.Wait()
	return len(msgs), nil
}

func (w *Worker) deliver(ctx context.Context, m db.Outbox) {
	err := w.send(ctx, m)
	log := w.log.With("outbox_id", m.ID, "channel", m.Channel, "template", m.Template, "attempt", m.Attempts)
	var write func(context.Context) (int64, error)
	switch {
	case err == nil:
		write = func(ctx context.Context) (int64, error) {
			return w.q.MarkMessageSent(ctx, db.MarkMessageSentParams{ID: m.ID, KeepBody: w.cfg.KeepSentBodies})
		}
		log.InfoContext(ctx, "outbox: message sent")
	case IsPermanent(err) || int(m.Attempts) >= w.cfg.MaxAttempts:
		write = func(ctx context.Context) (int64, error) {
			return w.q.MarkMessageFailed(ctx, db.MarkMessageFailedParams{ID: m.ID, Attempts: m.Attempts, LastError: errText(err)})
		}
		log.ErrorContext(ctx, "outbox: message failed, giving up", "err", err, "permanent", IsPermanent(err))
	default:
		delay := Backoff(int(m.Attempts), w.cfg.BackoffBase, w.cfg.BackoffMax, w.jitter())
		write = func(ctx context.Context) (int64, error) {
			return w.q.ScheduleMessageRetry(ctx, db.ScheduleMessageRetryParams{
				ID: m.ID, Attempts: m.Attempts, LastError: errText(err), DelaySeconds: delay.Seconds(),
			})
		}
		log.WarnContext(ctx, "outbox: sending failed, will retry", "err", err, "retry_in", delay)
	}
	rows, dbErr := w.record(ctx, m.NextAttemptAt, write)
	switch {
	case dbErr != nil:
		// The lease ends and the message is tried again: a resend is better
		// than a lost code.
		log.ErrorContext(ctx, "outbox: recording the outcome failed", "err", dbErr)
	case rows == 0:
		log.WarnContext(ctx, "outbox: the claim had expired; another worker took the message over")
	}
}

// record writes an outcome, trying again after a failure (a dropped
// connection, a database restart) for as long as the claim, which ends at
// leaseEnd, leaves time for another attempt: a sent message still pending
// when its lease ends would be sent again.
func (w *Worker) record(ctx context.Context, leaseEnd time.Time, write func(context.Context) (int64, error)) (int64, error) {
	for {
		rctx, cancel := context.WithTimeout(ctx, recordTimeout)
		rows, err := write(rctx)
		cancel()
		if err == nil || time.Until(leaseEnd) < recordRetry+recordTimeout {
			return rows, err
		}
		w.log.WarnContext(ctx, "outbox: recording the outcome failed; trying again", "err", err)
		time.Sleep(recordRetry)
	}
}

// send calls the channel's sender within the send timeout, turning a panic
// into an error so one bad message cannot stop the worker.
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
