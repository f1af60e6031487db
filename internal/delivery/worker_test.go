package delivery_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/delivery"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/outbox"
	"github.com/kabinet-edu/kabinet/internal/testdb"
)

// These tests call the worker as River would, one attempt at a time, to pin
// down what each outcome writes; river_test.go runs it under real River
// clients.

// recorder is a sender that counts deliveries per message and fails as told.
type recorder struct {
	mu    sync.Mutex
	sent  map[int64]int
	calls atomic.Int32
	fail  func(call int32, m db.Outbox) error // nil: always succeed
	delay time.Duration
}

func newRecorder() *recorder { return &recorder{sent: map[int64]int{}} }

func (r *recorder) Send(ctx context.Context, m db.Outbox) error {
	call := r.calls.Add(1)
	if r.delay > 0 {
		select {
		case <-time.After(r.delay):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if r.fail != nil {
		if err := r.fail(call, m); err != nil {
			return err
		}
	}
	r.mu.Lock()
	r.sent[m.ID]++
	r.mu.Unlock()
	return nil
}

func (r *recorder) count(id int64) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.sent[id]
}

func testOutbox() config.Outbox {
	return config.Outbox{
		SendTimeout: 5 * time.Second,
		MaxAttempts: 3,
		BackoffBase: time.Minute,
		BackoffMax:  time.Hour,
		Concurrency: 4,
	}
}

func newWorker(pool *pgxpool.Pool, s delivery.Sender, cfg config.Outbox) *delivery.Worker {
	return delivery.NewWorker(pool, map[string]delivery.Sender{notify.Email: s, notify.SMS: s}, cfg, slog.New(slog.DiscardHandler))
}

// insertMessages writes n pending e-mail messages without jobs.
func insertMessages(t *testing.T, pool *pgxpool.Pool, n int) []int64 {
	t.Helper()
	var ids []int64
	for i := range n {
		id, err := db.New(pool).EnqueueMessage(context.Background(), db.EnqueueMessageParams{
			Channel: notify.Email, Recipient: fmt.Sprintf("user%d@example.org", i), Template: "welcome",
			Locale: "ru", Subject: "Тема", BodyText: "Текст", BodyHtml: "<p>Текст</p>",
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// job is attempt number attempt of the delivery of message id.
func job(id int64, attempt, maxAttempts int) *river.Job[outbox.DeliverArgs] {
	return &river.Job[outbox.DeliverArgs]{
		JobRow: &rivertype.JobRow{ID: id, Kind: outbox.DeliverArgs{}.Kind(), Attempt: attempt, MaxAttempts: maxAttempts},
		Args:   outbox.DeliverArgs{MessageID: id},
	}
}

// work runs one attempt with the deadline River would give it.
func work(w *delivery.Worker, id int64, attempt, maxAttempts int) error {
	j := job(id, attempt, maxAttempts)
	ctx, cancel := context.WithTimeout(context.Background(), w.Timeout(j))
	defer cancel()
	return w.Work(ctx, j)
}

type row struct {
	status    string
	attempts  int
	lastError *string
	sent      bool
}

func readRow(t *testing.T, pool *pgxpool.Pool, id int64) row {
	t.Helper()
	var r row
	err := pool.QueryRow(context.Background(),
		`SELECT status, attempts, last_error, sent_at IS NOT NULL FROM outbox WHERE id = $1`, id).
		Scan(&r.status, &r.attempts, &r.lastError, &r.sent)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// A transient failure is recorded on the row and returned, so River retries
// the job after the backoff; the next attempt delivers.
func TestTransientFailureIsRecordedAndRetried(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	id := insertMessages(t, pool, 1)[0]
	rec := newRecorder()
	rec.fail = func(call int32, _ db.Outbox) error {
		if call == 1 {
			return errors.New("451 try again later")
		}
		return nil
	}
	w := newWorker(pool, rec, testOutbox())

	err := work(w, id, 1, 3)
	var cancelled *rivertype.JobCancelError
	if err == nil || errors.As(err, &cancelled) {
		t.Fatalf("a transient failure returned %v; want an error River retries", err)
	}
	if r := readRow(t, pool, id); r.status != "pending" || r.attempts != 1 || r.lastError == nil || *r.lastError != "451 try again later" {
		t.Fatalf("after a transient failure: %+v", r)
	}
	// Base one minute with equal jitter: between 30 s and 60 s.
	if d := time.Until(w.NextRetry(job(id, 1, 3))); d < 29*time.Second || d > 61*time.Second {
		t.Errorf("first retry in %v", d)
	}
	if err := work(w, id, 2, 3); err != nil {
		t.Fatal(err)
	}
	if r := readRow(t, pool, id); r.status != "sent" || r.attempts != 2 || r.lastError != nil || !r.sent || rec.count(id) != 1 {
		t.Fatalf("after the retry: %+v, delivered %d times", r, rec.count(id))
	}
}

// After the last attempt the message is failed with the last error; a later
// run of its job (River would not make one) sends nothing.
func TestGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	id := insertMessages(t, pool, 1)[0]
	rec := newRecorder()
	rec.fail = func(call int32, _ db.Outbox) error { return fmt.Errorf("gateway down (call %d)", call) }
	w := newWorker(pool, rec, testOutbox())

	var delays []time.Duration
	for attempt := 1; attempt <= 3; attempt++ {
		if err := work(w, id, attempt, 3); err == nil {
			t.Fatalf("attempt %d succeeded", attempt)
		}
		r := readRow(t, pool, id)
		if attempt < 3 {
			if r.status != "pending" || r.attempts != attempt {
				t.Fatalf("attempt %d: %+v", attempt, r)
			}
			delays = append(delays, time.Until(w.NextRetry(job(id, attempt, 3))))
		} else if r.status != "failed" || r.attempts != 3 || r.lastError == nil || *r.lastError != "gateway down (call 3)" || r.sent {
			t.Fatalf("after the last attempt: %+v", r)
		}
	}
	// The second delay is drawn from [1 m, 2 m), the first from [30 s, 1 m).
	if delays[1] < 59*time.Second || delays[0] > 61*time.Second {
		t.Errorf("backoff did not grow: %v", delays)
	}
	if err := work(w, id, 4, 4); err != nil || rec.calls.Load() != 3 {
		t.Fatalf("a failed message was tried again (%v, %d calls)", err, rec.calls.Load())
	}
}

// A permanent failure (unknown mailbox, refused number) cancels the job at
// once; a message of a channel without a sender too.
func TestPermanentFailureIsNotRetried(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ids := insertMessages(t, pool, 2)
	rec := newRecorder()
	rec.fail = func(int32, db.Outbox) error { return delivery.Permanent(errors.New("550 no such mailbox")) }
	err := work(newWorker(pool, rec, testOutbox()), ids[0], 1, 3)
	var cancelled *rivertype.JobCancelError
	if !errors.As(err, &cancelled) {
		t.Fatalf("a permanent failure returned %v; want river.JobCancel", err)
	}
	if r := readRow(t, pool, ids[0]); r.status != "failed" || r.attempts != 1 || *r.lastError != "550 no such mailbox" {
		t.Fatalf("after a permanent failure: %+v", r)
	}

	if _, err := pool.Exec(context.Background(), "UPDATE outbox SET channel = 'sms' WHERE id = $1", ids[1]); err != nil {
		t.Fatal(err)
	}
	emailOnly := delivery.NewWorker(pool, map[string]delivery.Sender{notify.Email: rec}, testOutbox(), slog.New(slog.DiscardHandler))
	if err := work(emailOnly, ids[1], 1, 3); !errors.As(err, &cancelled) {
		t.Fatalf("a message without a sender: %v", err)
	}
	if r := readRow(t, pool, ids[1]); r.status != "failed" || r.lastError == nil {
		t.Fatalf("a message without a sender: %+v", r)
	}
}

// A sent message is never sent again: a second run of its job — the process
// died after recording the send but before River recorded the job's end, and
// the job was rescued — does nothing. A message that was purged meanwhile
// is no error either.
func TestSentMessageIsNotSentAgain(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	id := insertMessages(t, pool, 1)[0]
	rec := newRecorder()
	w := newWorker(pool, rec, testOutbox())
	if err := work(w, id, 1, 3); err != nil {
		t.Fatal(err)
	}
	if err := work(w, id, 2, 3); err != nil {
		t.Fatal(err)
	}
	if rec.calls.Load() != 1 || rec.count(id) != 1 {
		t.Fatalf("sender called %d times", rec.calls.Load())
	}
	if r := readRow(t, pool, id); r.status != "sent" || r.attempts != 1 {
		t.Fatalf("the second run changed the row: %+v", r)
	}
	if err := work(w, id+1000, 1, 3); err != nil || rec.calls.Load() != 1 {
		t.Fatalf("a missing message: %v, %d calls", err, rec.calls.Load())
	}
}

func TestBackoffDoublesWithJitterUpToTheCap(t *testing.T) {
	base, maxDelay := 30*time.Second, 10*time.Minute
	for _, tc := range []struct {
		attempt int
		full    time.Duration // before jitter
	}{{1, 30 * time.Second}, {2, time.Minute}, {3, 2 * time.Minute}, {5, 8 * time.Minute}, {6, 10 * time.Minute}, {60, 10 * time.Minute}} {
		lo := delivery.Backoff(tc.attempt, base, maxDelay, 0)
		hi := delivery.Backoff(tc.attempt, base, maxDelay, 0.999999)
		if lo != tc.full/2 || hi <= lo || hi > tc.full {
			t.Errorf("attempt %d: delays [%v, %v], want [%v, %v]", tc.attempt, lo, hi, tc.full/2, tc.full)
		}
	}
}

// A sent message keeps its subject but loses its bodies (they may hold a
// code or a link) unless bodies are kept, as in development.
func TestSentBodiesAreBlankedUnlessKept(t *testing.T) {
	for _, keep := range []bool{false, true} {
		pool := testdb.New(t)
		cfg := testOutbox()
		cfg.KeepSentBodies = keep
		id := insertMessages(t, pool, 1)[0]
		if err := work(newWorker(pool, newRecorder(), cfg), id, 1, 3); err != nil {
			t.Fatal(err)
		}
		var subject, text, html string
		if err := pool.QueryRow(context.Background(), "SELECT subject, body_text, body_html FROM outbox WHERE id = $1", id).Scan(&subject, &text, &html); err != nil {
			t.Fatal(err)
		}
		if subject != "Тема" || (text != "") == !keep || (html != "") == !keep {
			t.Errorf("keep=%v: subject %q, text %q, html %q", keep, subject, text, html)
		}
	}
}

// A sent message whose outcome cannot be written at first (the database
// dropped the worker's connections meanwhile) is still recorded as sent
// within the job's timeout, so it is not sent again.
func TestSentOutcomeIsRecordedAfterALostConnection(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	id := insertMessages(t, pool, 1)[0]
	admin, err := pgxpool.New(context.Background(), pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	rec := newRecorder()
	rec.fail = func(int32, db.Outbox) error { return terminateOthers(admin) }
	if err := work(newWorker(pool, rec, testOutbox()), id, 1, 3); err != nil {
		t.Fatal(err)
	}
	if r := readRow(t, pool, id); r.status != "sent" || r.attempts != 1 || rec.count(id) != 1 {
		t.Fatalf("after a lost connection: %+v, delivered %d times", r, rec.count(id))
	}
}

// terminateOthers ends every connection to admin's database but its own.
func terminateOthers(admin *pgxpool.Pool) error {
	ctx := context.Background()
	rows, err := admin.Query(ctx, `
		SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`)
	if err != nil {
		return err
	}
	rows.Close()
	for range 100 { // termination is asynchronous
		var left int
		if err := admin.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'`).Scan(&left); err != nil {
			return err
		}
		if left == 0 {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return errors.New("the worker's connections did not end")
}
