package delivery_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/delivery"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/outbox"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/testdb"
)

// These tests run the delivery worker under real River clients, as serve
// and `kabinet worker` do.

var discard = slog.New(slog.DiscardHandler)

func testJobs() config.Jobs {
	return config.Jobs{Workers: true, Concurrency: 2, RescueAfter: time.Minute}
}

// newClient builds a River client over pool that works deliveries through
// senders.
func newClient(t *testing.T, pool *pgxpool.Pool, senders map[string]delivery.Sender, cfg config.Outbox) *jobs.Client {
	t.Helper()
	reg := jobs.NewRegistry()
	if err := delivery.Register(reg, delivery.NewWorker(pool, senders, cfg, discard)); err != nil {
		t.Fatal(err)
	}
	jc, err := jobs.New(pool, testJobs(), reg, discard)
	if err != nil {
		t.Fatal(err)
	}
	return jc
}

// startClient starts a client working deliveries through s; it stops when
// the test ends.
func startClient(t *testing.T, pool *pgxpool.Pool, s delivery.Sender, cfg config.Outbox) *jobs.Client {
	t.Helper()
	jc := newClient(t, pool, map[string]delivery.Sender{notify.Email: s, notify.SMS: s}, cfg)
	if err := jc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = jc.Stop(ctx)
	})
	return jc
}

// inserter is an insert-only client, as an API instance without workers has.
func inserter(t *testing.T, pool *pgxpool.Pool) *jobs.Client {
	t.Helper()
	jc, err := jobs.New(pool, testJobs(), nil, discard)
	if err != nil {
		t.Fatal(err)
	}
	return jc
}

// enqueue commits n messages, each with its delivery job, in one
// transaction.
func enqueue(t *testing.T, pool *pgxpool.Pool, n int) []int64 {
	t.Helper()
	ins := inserter(t, pool)
	var ids []int64
	err := store.InTxJobs(context.Background(), pool, func(q *db.Queries, tx pgx.Tx) error {
		for i := range n {
			id, err := q.EnqueueMessage(context.Background(), db.EnqueueMessageParams{
				Channel: notify.Email, Recipient: fmt.Sprintf("user%d@example.org", i), Template: "welcome",
				Locale: "ru", Subject: "Тема", BodyText: "Текст", BodyHtml: "<p>Текст</p>",
			})
			if err != nil {
				return err
			}
			if _, err := ins.InsertTx(context.Background(), tx, outbox.DeliverArgs{MessageID: id}, nil); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

// waitStatus waits until message id has status.
func waitStatus(t *testing.T, pool *pgxpool.Pool, id int64, status string) row {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		r := readRow(t, pool, id)
		if r.status == status {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("message %d: %+v, want status %s", id, r, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func count(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// The whole path: a message rendered from its template, committed with the
// change that causes it, is delivered by a running worker to the SMTP server
// and marked sent — at once, woken by the commit.
func TestCommittedMessageIsDeliveredOverSMTP(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	mb := &mailbox{}
	startMailbox(t, mb, config.SMTPTLSNone)
	s, err := delivery.NewSMTPSender(smtpConfig(mb, config.SMTPTLSNone), nil)
	if err != nil {
		t.Fatal(err)
	}
	startClient(t, pool, s, testOutbox())
	tpl, err := notify.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	out := outbox.New(tpl, inserter(t, pool), testOutbox())
	for _, locale := range []string{"ru", "en"} {
		err := store.InTxJobs(context.Background(), pool, func(_ *db.Queries, tx pgx.Tx) error {
			return out.Enqueue(context.Background(), tx, notify.Message{
				Channel: notify.Email, To: locale + "@example.org", Template: "welcome", Locale: locale,
				Data: map[string]any{"FirstName": "Анна"},
			})
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	var ids []int64
	rows, _ := pool.Query(context.Background(), "SELECT id FROM outbox ORDER BY id")
	ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(ids) != 2 {
		t.Fatalf("outbox rows %v: %v", ids, err)
	}
	for _, id := range ids {
		waitStatus(t, pool, id, "sent")
	}
	got := map[string]parsedMail{}
	for _, e := range mb.messages() {
		got[e.to[0]] = parseMail(t, e.data)
	}
	ru, en := got["ru@example.org"], got["en@example.org"]
	if len(got) != 2 || ru.subject != "Добро пожаловать в личный кабинет" || !strings.Contains(ru.parts["text/plain"], "Здравствуйте, Анна!") ||
		!strings.Contains(ru.parts["text/html"], "<p>Здравствуйте, Анна!</p>") {
		t.Errorf("ru mail: %q %v", ru.subject, ru.parts)
	}
	if !strings.Contains(en.parts["text/plain"], "Hello Анна") || en.subject == ru.subject {
		t.Errorf("en mail: %q %v", en.subject, en.parts)
	}
}

// A change that rolls back leaves neither its message nor its job, so
// nothing is ever sent.
func TestRolledBackChangeSendsNothing(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	rec := newRecorder()
	startClient(t, pool, rec, testOutbox())
	tpl, err := notify.LoadTemplates()
	if err != nil {
		t.Fatal(err)
	}
	out := outbox.New(tpl, inserter(t, pool), testOutbox())
	errChange := errors.New("the change failed after its message was queued")
	err = store.InTxJobs(context.Background(), pool, func(_ *db.Queries, tx pgx.Tx) error {
		if err := out.Enqueue(context.Background(), tx, notify.Message{
			Channel: notify.Email, To: "rolled-back@example.org", Template: "welcome", Locale: "ru",
			Data: map[string]any{"FirstName": "Анна"},
		}); err != nil {
			return err
		}
		return errChange
	})
	if !errors.Is(err, errChange) {
		t.Fatalf("InTxJobs = %v", err)
	}
	// A committed message after it shows the worker is running.
	id := enqueue(t, pool, 1)[0]
	waitStatus(t, pool, id, "sent")
	if n := count(t, pool, "SELECT count(*) FROM outbox WHERE recipient = 'rolled-back@example.org'"); n != 0 {
		t.Errorf("%d outbox rows of the rolled-back change", n)
	}
	if n := count(t, pool, "SELECT count(*) FROM river_job WHERE kind = 'deliver_message'"); n != 1 {
		t.Errorf("%d delivery jobs; want only the committed message's", n)
	}
	if rec.calls.Load() != 1 {
		t.Errorf("sender called %d times; want once, for the committed message", rec.calls.Load())
	}
}

// Two processes (two pools, two River clients) working one queue at once
// deliver every message exactly once.
func TestTwoWorkersDeliverEachMessageOnce(t *testing.T) {
	t.Parallel()
	pool, url := testdb.NewWithURL(t)
	other, err := store.Open(context.Background(), url, 10)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)
	rec := newRecorder()
	rec.delay = 2 * time.Millisecond // widen the window in which fetches could overlap
	ids := enqueue(t, pool, 60)
	startClient(t, pool, rec, testOutbox())
	startClient(t, other, rec, testOutbox())

	for _, id := range ids {
		if r := waitStatus(t, pool, id, "sent"); r.attempts != 1 || !r.sent || r.lastError != nil {
			t.Errorf("message %d: %+v", id, r)
		}
	}
	for _, id := range ids {
		if c := rec.count(id); c != 1 {
			t.Errorf("message %d delivered %d times", id, c)
		}
	}
	if got := int(rec.calls.Load()); got != len(ids) {
		t.Errorf("sender called %d times for %d messages", got, len(ids))
	}
	// Both took part (each works 4 at once; 60 sends of 2 ms each).
	if n := count(t, pool, `SELECT count(DISTINCT attempted_by[1]) FROM river_job WHERE kind = 'deliver_message'`); n != 2 {
		t.Logf("jobs were worked by %d clients", n)
	}
}

// A worker asked to stop mid-send finishes the send and records it before
// Stop returns.
func TestStoppingWorkerFinishesTheMessageInHand(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	started, release := make(chan struct{}), make(chan struct{})
	rec := newRecorder()
	var once sync.Once
	rec.fail = func(int32, db.Outbox) error {
		once.Do(func() { close(started) })
		<-release
		return nil
	}
	jc := newClient(t, pool, map[string]delivery.Sender{notify.Email: rec}, testOutbox())
	if err := jc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	id := enqueue(t, pool, 1)[0]
	<-started
	stopped := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		stopped <- jc.Stop(ctx)
	}()
	time.Sleep(50 * time.Millisecond) // Stop is waiting for the send
	close(release)
	if err := <-stopped; err != nil {
		t.Fatal(err)
	}
	if r := readRow(t, pool, id); r.status != "sent" || rec.count(id) != 1 {
		t.Fatalf("after stopping: %+v, delivered %d times", r, rec.count(id))
	}
}

// A send that outlasts the shutdown deadline is cancelled and released: the
// message stays pending and its job is available again at once, even when
// that was its last attempt.
func TestStopDeadlineReleasesTheMessageInHand(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	started := make(chan struct{})
	var once sync.Once
	// The send returns only when its context is cancelled.
	hang := senderFunc(func(ctx context.Context, m db.Outbox) error {
		once.Do(func() { close(started) })
		<-ctx.Done()
		return ctx.Err()
	})
	id := enqueue(t, pool, 1)[0]
	// Its only attempt: a stop must not spend it.
	if _, err := pool.Exec(context.Background(), "UPDATE river_job SET max_attempts = 1"); err != nil {
		t.Fatal(err)
	}
	jc := newClient(t, pool, map[string]delivery.Sender{notify.Email: hang}, testOutbox())
	if err := jc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	<-started
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := jc.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if r := readRow(t, pool, id); r.status != "pending" || r.attempts != 0 || r.lastError != nil {
		t.Fatalf("after a stop that cut the send short: %+v", r)
	}
	// River puts the job back as it was, for any worker to take.
	var state string
	var attempt int
	err := pool.QueryRow(context.Background(), "SELECT state, attempt FROM river_job WHERE kind = 'deliver_message'").Scan(&state, &attempt)
	if err != nil || state != "available" || attempt != 0 {
		t.Fatalf("job %s, attempt %d (%v); want available again, attempt 0", state, attempt, err)
	}
}

type senderFunc func(context.Context, db.Outbox) error

func (f senderFunc) Send(ctx context.Context, m db.Outbox) error { return f(ctx, m) }

// An operator who cancels a running delivery (jobs UI) ends it for good: the
// message is failed, saying why, and its job cancelled.
func TestOperatorCancelFailsTheMessage(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	started := make(chan struct{})
	var once sync.Once
	hang := senderFunc(func(ctx context.Context, _ db.Outbox) error {
		once.Do(func() { close(started) })
		<-ctx.Done()
		return ctx.Err()
	})
	jc := newClient(t, pool, map[string]delivery.Sender{notify.Email: hang}, testOutbox())
	if err := jc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = jc.Stop(ctx)
	})
	id := enqueue(t, pool, 1)[0]
	<-started
	var jobID int64
	if err := pool.QueryRow(context.Background(), "SELECT id FROM river_job WHERE kind = 'deliver_message'").Scan(&jobID); err != nil {
		t.Fatal(err)
	}
	operator, err := river.NewClient(riverpgxv5.New(pool), &river.Config{Logger: discard})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := operator.JobCancel(context.Background(), jobID); err != nil {
		t.Fatal(err)
	}
	r := waitStatus(t, pool, id, "failed")
	if r.lastError == nil || *r.lastError != "cancelled by an operator" {
		t.Errorf("after the cancel: %+v", r)
	}
}
