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

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/delivery"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/testdb"
)

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
		PollInterval: time.Hour, // tests drive the worker or rely on LISTEN/NOTIFY
		SendTimeout:  5 * time.Second,
		MaxAttempts:  3,
		BackoffBase:  time.Minute,
		BackoffMax:   time.Hour,
		Concurrency:  4,
	}
}

func newWorker(pool *pgxpool.Pool, s delivery.Sender, cfg config.Outbox) *delivery.Worker {
	return delivery.NewWorker(pool, map[string]delivery.Sender{notify.Email: s, notify.SMS: s}, cfg, slog.New(slog.DiscardHandler))
}

func enqueue(t *testing.T, pool *pgxpool.Pool, n int) []int64 {
	t.Helper()
	var ids []int64
	err := store.InTx(context.Background(), pool, func(q *db.Queries) error {
		for i := range n {
			id, err := q.EnqueueMessage(context.Background(), db.EnqueueMessageParams{
				Channel: notify.Email, Recipient: fmt.Sprintf("user%d@example.org", i), Template: "welcome",
				Locale: "ru", Subject: "Тема", BodyText: "Текст", BodyHtml: "<p>Текст</p>",
			})
			ids = append(ids, id)
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

type row struct {
	status    string
	attempts  int
	lastError *string
	dueIn     time.Duration // next_attempt_at - now()
	sent      bool
}

func readRow(t *testing.T, pool *pgxpool.Pool, id int64) row {
	t.Helper()
	var r row
	var dueSeconds float64
	err := pool.QueryRow(context.Background(), `
		SELECT status, attempts, last_error, extract(epoch FROM next_attempt_at - now())::float8, sent_at IS NOT NULL
		FROM outbox WHERE id = $1`, id).Scan(&r.status, &r.attempts, &r.lastError, &dueSeconds, &r.sent)
	if err != nil {
		t.Fatal(err)
	}
	r.dueIn = time.Duration(dueSeconds * float64(time.Second))
	return r
}

// makeDue pretends the retry delay has passed.
func makeDue(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	if _, err := pool.Exec(context.Background(), "UPDATE outbox SET next_attempt_at = now() WHERE status = 'pending'"); err != nil {
		t.Fatal(err)
	}
}

func deliverDue(t *testing.T, w *delivery.Worker) int {
	t.Helper()
	n, err := w.DeliverDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// Two instances (two pools, as two processes would have) drain one outbox
// concurrently: every message is delivered exactly once.
func TestTwoWorkersDeliverEachMessageOnce(t *testing.T) {
	t.Parallel()
	pool, url := testdb.NewWithURL(t)
	other, err := store.Open(context.Background(), url, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)
	ids := enqueue(t, pool, 60)

	rec := newRecorder()
	rec.delay = 2 * time.Millisecond // widen the window in which claims could overlap
	workers := []*delivery.Worker{newWorker(pool, rec, testOutbox()), newWorker(other, rec, testOutbox())}
	var wg sync.WaitGroup
	for _, w := range workers {
		wg.Go(func() {
			for {
				n, err := w.DeliverDue(context.Background())
				if err != nil {
					t.Error(err)
					return
				}
				if n == 0 {
					return
				}
			}
		})
	}
	wg.Wait()

	for _, id := range ids {
		if c := rec.count(id); c != 1 {
			t.Errorf("message %d delivered %d times", id, c)
		}
		if r := readRow(t, pool, id); r.status != "sent" || r.attempts != 1 || !r.sent || r.lastError != nil {
			t.Errorf("message %d: %+v", id, r)
		}
	}
	if got := int(rec.calls.Load()); got != len(ids) {
		t.Errorf("sender called %d times for %d messages", got, len(ids))
	}
	// Sent messages are never claimed again.
	makeDue(t, pool)
	if n := deliverDue(t, workers[0]); n != 0 {
		t.Errorf("claimed %d sent messages", n)
	}
}

// Running workers are woken by the commit of a new message (LISTEN/NOTIFY),
// not by their poll interval (an hour here), and stop when their context
// ends.
func TestRunningWorkersWakeOnCommitAndStop(t *testing.T) {
	t.Parallel()
	pool, url := testdb.NewWithURL(t)
	other, err := store.Open(context.Background(), url, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)
	rec := newRecorder()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for _, p := range []*pgxpool.Pool{pool, other} {
		w := newWorker(p, rec, testOutbox())
		wg.Go(func() { w.Run(ctx) })
	}
	stopped := make(chan struct{})
	go func() { wg.Wait(); close(stopped) }()

	// Wait until both listen and have made their first rounds, so that only
	// a notification can wake them for what follows.
	deadline := time.Now().Add(10 * time.Second)
	for listeners(t, pool) < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the workers do not LISTEN")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond)
	ids := enqueue(t, pool, 5)
	ids = append(ids, enqueue(t, other, 5)...)
	deadline = time.Now().Add(10 * time.Second)
	for _, id := range ids {
		for readRow(t, pool, id).status != "sent" {
			if time.Now().After(deadline) {
				t.Fatalf("message %d not delivered: %+v", id, readRow(t, pool, id))
			}
			time.Sleep(20 * time.Millisecond)
		}
		if c := rec.count(id); c != 1 {
			t.Errorf("message %d delivered %d times", id, c)
		}
	}

	cancel()
	select {
	case <-stopped:
	case <-time.After(10 * time.Second):
		t.Fatal("workers did not stop after their context ended")
	}
}

// listeners counts the connections waiting on the outbox channel.
func listeners(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	err := pool.QueryRow(context.Background(), `
		SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND state = 'idle' AND query = 'LISTEN kabinet_outbox'`).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// A worker asked to stop mid-send finishes the send and records it.
func TestStoppingWorkerRecordsTheMessageInHand(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ids := enqueue(t, pool, 1)
	started, release := make(chan struct{}), make(chan struct{})
	rec := newRecorder()
	rec.fail = func(int32, db.Outbox) error {
		close(started)
		<-release
		return nil
	}
	w := newWorker(pool, rec, testOutbox())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	<-started
	cancel()
	close(release)
	<-done
	if r := readRow(t, pool, ids[0]); r.status != "sent" || rec.count(ids[0]) != 1 {
		t.Fatalf("after stopping: %+v, delivered %d times", r, rec.count(ids[0]))
	}
}

// A transient failure is retried after a backoff; meanwhile the message is
// not claimed again.
func TestTransientFailureIsRetriedWithBackoff(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ids := enqueue(t, pool, 1)
	rec := newRecorder()
	rec.fail = func(call int32, _ db.Outbox) error {
		if call == 1 {
			return errors.New("451 try again later")
		}
		return nil
	}
	w := newWorker(pool, rec, testOutbox())

	if n := deliverDue(t, w); n != 1 {
		t.Fatalf("claimed %d", n)
	}
	r := readRow(t, pool, ids[0])
	// Base one minute with equal jitter: between 30 s and 60 s.
	if r.status != "pending" || r.attempts != 1 || r.lastError == nil || *r.lastError != "451 try again later" ||
		r.dueIn < 29*time.Second || r.dueIn > 61*time.Second {
		t.Fatalf("after a transient failure: %+v", r)
	}
	if n := deliverDue(t, w); n != 0 {
		t.Fatalf("claimed %d messages before their retry time", n)
	}

	makeDue(t, pool)
	if n := deliverDue(t, w); n != 1 {
		t.Fatalf("claimed %d on retry", n)
	}
	if r := readRow(t, pool, ids[0]); r.status != "sent" || r.attempts != 2 || r.lastError != nil || rec.count(ids[0]) != 1 {
		t.Fatalf("after the retry: %+v, delivered %d times", r, rec.count(ids[0]))
	}
}

// After MaxAttempts failures the message is failed with the last error, and
// never tried again.
func TestGivesUpAfterMaxAttempts(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ids := enqueue(t, pool, 1)
	rec := newRecorder()
	rec.fail = func(call int32, _ db.Outbox) error { return fmt.Errorf("gateway down (call %d)", call) }
	w := newWorker(pool, rec, testOutbox()) // MaxAttempts 3

	var delays []time.Duration
	for attempt := 1; attempt <= 3; attempt++ {
		if n := deliverDue(t, w); n != 1 {
			t.Fatalf("attempt %d: claimed %d", attempt, n)
		}
		r := readRow(t, pool, ids[0])
		if attempt < 3 {
			if r.status != "pending" || r.attempts != attempt {
				t.Fatalf("attempt %d: %+v", attempt, r)
			}
			delays = append(delays, r.dueIn)
			makeDue(t, pool)
		} else if r.status != "failed" || r.attempts != 3 || r.lastError == nil || *r.lastError != "gateway down (call 3)" || r.sent {
			t.Fatalf("after the last attempt: %+v", r)
		}
	}
	// The second delay is drawn from [1 m, 2 m), the first from [30 s, 1 m).
	if delays[1] < 59*time.Second || delays[0] > 61*time.Second {
		t.Errorf("backoff did not grow: %v", delays)
	}
	makeDue(t, pool)
	if n := deliverDue(t, w); n != 0 || rec.calls.Load() != 3 {
		t.Fatalf("a failed message was claimed again (claimed %d, %d calls)", n, rec.calls.Load())
	}
}

// A permanent failure (unknown mailbox, refused number) is not retried; a
// message of a channel without a sender neither.
func TestPermanentFailureIsNotRetried(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ids := enqueue(t, pool, 1)
	rec := newRecorder()
	rec.fail = func(int32, db.Outbox) error { return delivery.Permanent(errors.New("550 no such mailbox")) }
	w := newWorker(pool, rec, testOutbox())
	deliverDue(t, w)
	if r := readRow(t, pool, ids[0]); r.status != "failed" || r.attempts != 1 || *r.lastError != "550 no such mailbox" {
		t.Fatalf("after a permanent failure: %+v", r)
	}

	sms := enqueue(t, pool, 1)
	if _, err := pool.Exec(context.Background(), "UPDATE outbox SET channel = 'sms' WHERE id = $1", sms[0]); err != nil {
		t.Fatal(err)
	}
	emailOnly := delivery.NewWorker(pool, map[string]delivery.Sender{notify.Email: rec}, testOutbox(), slog.New(slog.DiscardHandler))
	deliverDue(t, emailOnly)
	if r := readRow(t, pool, sms[0]); r.status != "failed" || r.lastError == nil {
		t.Fatalf("a message without a sender: %+v", r)
	}
}

// A worker that died mid-send leaves a claim; when the lease ends another
// worker delivers the message, and the dead claim can no longer record an
// outcome over it.
func TestExpiredClaimIsTakenOver(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ids := enqueue(t, pool, 1)
	q := db.New(pool)
	claimed, err := q.ClaimDueMessages(context.Background(), db.ClaimDueMessagesParams{LeaseSeconds: 60, MaxRows: 10})
	if err != nil || len(claimed) != 1 {
		t.Fatalf("claim: %v %v", claimed, err)
	}
	rec := newRecorder()
	w := newWorker(pool, rec, testOutbox())
	if n := deliverDue(t, w); n != 0 {
		t.Fatalf("took over a live claim (%d)", n)
	}
	makeDue(t, pool) // the lease ends
	if n := deliverDue(t, w); n != 1 {
		t.Fatalf("did not take over the expired claim (%d)", n)
	}
	if r := readRow(t, pool, ids[0]); r.status != "sent" || r.attempts != 2 {
		t.Fatalf("after the takeover: %+v", r)
	}
	rows, err := q.MarkMessageFailed(context.Background(), db.MarkMessageFailedParams{ID: ids[0], Attempts: claimed[0].Attempts, LastError: "late"})
	if err != nil || rows != 0 {
		t.Fatalf("the stale claim overwrote the outcome: %d rows, %v", rows, err)
	}
}

// Old sent and failed messages (codes and links in clear text) are purged;
// pending ones are kept.
func TestOldMessagesArePurged(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ids := enqueue(t, pool, 3)
	_, err := pool.Exec(context.Background(), `
		UPDATE outbox SET created_at = now() - interval '8 days',
		       status = CASE id WHEN $1 THEN 'sent' WHEN $2 THEN 'failed' ELSE 'pending' END,
		       next_attempt_at = now() + interval '1 hour'`, ids[0], ids[1])
	if err != nil {
		t.Fatal(err)
	}
	cfg := testOutbox()
	cfg.Retention = 7 * 24 * time.Hour
	w := newWorker(pool, newRecorder(), cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var left []int64
		rows, _ := pool.Query(context.Background(), "SELECT id FROM outbox ORDER BY id")
		for rows.Next() {
			var id int64
			_ = rows.Scan(&id)
			left = append(left, id)
		}
		rows.Close()
		if len(left) == 1 && left[0] == ids[2] {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("left after purge: %v (want only %d)", left, ids[2])
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	<-done
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
		id := enqueue(t, pool, 1)[0]
		if n := deliverDue(t, newWorker(pool, newRecorder(), cfg)); n != 1 {
			t.Fatalf("delivered %d", n)
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
// within its claim, so it is not sent again when the lease ends.
func TestSentOutcomeIsRecordedAfterALostConnection(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	ids := enqueue(t, pool, 1)
	admin, err := pgxpool.New(context.Background(), pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	rec := newRecorder()
	rec.fail = func(int32, db.Outbox) error {
		// Every connection of the worker's pool to this database ends now.
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
	w := newWorker(pool, rec, testOutbox())
	if n := deliverDue(t, w); n != 1 {
		t.Fatalf("claimed %d", n)
	}
	if r := readRow(t, pool, ids[0]); r.status != "sent" || r.attempts != 1 || rec.count(ids[0]) != 1 {
		t.Fatalf("after a lost connection: %+v, delivered %d times", r, rec.count(ids[0]))
	}
}
