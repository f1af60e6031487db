package janitor_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/janitor"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/testdb"
)

func TestSweepDeletesOnlyWhatCannotMatter(t *testing.T) {
	pool := testdb.New(t)
	ctx := context.Background()
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	var user string
	if err := pool.QueryRow(ctx, `INSERT INTO users (email, first_name, last_name) VALUES ('j@example.org', 'J', 'K') RETURNING id`).Scan(&user); err != nil {
		t.Fatal(err)
	}
	// Old and current rows side by side.
	exec(`INSERT INTO rate_limits (key, window_start, hits) VALUES ('old', now() - interval '3 days', 5), ('new', now(), 5)`)
	exec(`INSERT INTO rate_limits (key, window_start, hits, locked_until) VALUES ('locked', now() - interval '3 days', 5, now() + interval '1 hour')`)
	exec(`INSERT INTO one_time_codes (user_id, purpose, code_hash, max_attempts, expires_at, created_at)
	      VALUES ($1, 'old', 'a', 5, now() - interval '8 days', now() - interval '8 days'),
	             ($1, 'live', 'b', 5, now() + interval '1 hour', now() - interval '8 days')`, user)
	exec(`INSERT INTO sessions (user_id, remember_me, expires_at, revoked_at) VALUES
	      ($1, false, now() - interval '40 days', NULL),
	      ($1, false, now() + interval '1 day', now() - interval '31 days'),
	      ($1, false, now() + interval '1 day', NULL),
	      ($1, false, now() - interval '1 day', NULL)`, user)

	deleted, err := janitor.Sweep(ctx, db.New(pool), 0)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int64{"rate_limits": 1, "one_time_codes": 1, "sessions": 2}
	for k, n := range want {
		if deleted[k] != n {
			t.Errorf("%s: deleted %d, want %d (all: %v)", k, deleted[k], n, deleted)
		}
	}
	var keys, codes, sessions int
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM rate_limits`).Scan(&keys)
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM one_time_codes`).Scan(&codes)
	_ = pool.QueryRow(ctx, `SELECT count(*) FROM sessions`).Scan(&sessions)
	if keys != 2 || codes != 1 || sessions != 2 {
		t.Fatalf("left: %d counters, %d codes, %d sessions; want 2, 1, 2", keys, codes, sessions)
	}
	// A second sweep finds nothing more.
	again, err := janitor.Sweep(ctx, db.New(pool), 0)
	if err != nil {
		t.Fatal(err)
	}
	for k, n := range again {
		if n != 0 {
			t.Errorf("second sweep deleted %d from %s", n, k)
		}
	}
}

// Sent and failed messages (codes and links in clear text) are purged after
// the retention period; pending ones, and everything with retention 0, stay.
func TestSweepPurgesOldMessagesAfterRetention(t *testing.T) {
	pool := testdb.New(t)
	ctx := context.Background()
	_, err := pool.Exec(ctx, `
		INSERT INTO outbox (channel, recipient, template, body_text, status, created_at) VALUES
		('email', 'a@example.org', 'welcome', 'x', 'sent', now() - interval '8 days'),
		('email', 'b@example.org', 'welcome', 'x', 'failed', now() - interval '8 days'),
		('email', 'c@example.org', 'welcome', 'x', 'pending', now() - interval '8 days'),
		('email', 'd@example.org', 'welcome', 'x', 'sent', now() - interval '1 day')`)
	if err != nil {
		t.Fatal(err)
	}
	if deleted, err := janitor.Sweep(ctx, db.New(pool), 0); err != nil || deleted["outbox"] != 0 {
		t.Fatalf("retention 0 purged %v (%v)", deleted, err)
	}
	deleted, err := janitor.Sweep(ctx, db.New(pool), 7*24*time.Hour)
	if err != nil || deleted["outbox"] != 2 {
		t.Fatalf("purged %v (%v); want the old sent and failed messages", deleted, err)
	}
	var left []string
	rows, _ := pool.Query(ctx, "SELECT recipient FROM outbox ORDER BY recipient")
	left, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(left) != 2 || left[0] != "c@example.org" || left[1] != "d@example.org" {
		t.Fatalf("left %v (%v)", left, err)
	}
}

// The sweep is a periodic job: among several working processes the elected
// leader enqueues it (once at start, then every interval), so it runs once.
func TestSweepRunsOnceAmongWorkers(t *testing.T) {
	pool, url := testdb.NewWithURL(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO rate_limits (key, window_start, hits) VALUES ('old', now() - interval '3 days', 5)`); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	for range 2 {
		p, err := store.Open(ctx, url, 4)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		reg := jobs.NewRegistry()
		if err := janitor.Register(reg, p, time.Hour, 0, log); err != nil {
			t.Fatal(err)
		}
		jc, err := jobs.New(p, config.Jobs{Workers: true, Concurrency: 1, RescueAfter: time.Minute}, reg, log)
		if err != nil {
			t.Fatal(err)
		}
		if err := jc.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			_ = jc.Stop(sctx)
		})
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var done int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM river_job WHERE kind = 'janitor_sweep' AND state = 'completed'").Scan(&done); err != nil {
			t.Fatal(err)
		}
		if done > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no sweep ran")
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second) // a second enqueue, were there one, would be in by now
	var sweeps, counters int
	_ = pool.QueryRow(ctx, "SELECT count(*) FROM river_job WHERE kind = 'janitor_sweep'").Scan(&sweeps)
	_ = pool.QueryRow(ctx, "SELECT count(*) FROM rate_limits").Scan(&counters)
	if sweeps != 1 || counters != 0 {
		t.Fatalf("%d sweep jobs, %d counters left; want one sweep that purged the old counter", sweeps, counters)
	}
}
