package janitor_test

import (
	"context"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/janitor"
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
