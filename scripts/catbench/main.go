// Command catbench measures the public catalog search (internal/catalog/search)
// on generated catalogs of several sizes (1,000 and 100,000 programs by
// default) and reports p50/p95 latencies of typical searches, with the
// EXPLAIN (ANALYZE) plans that show which indexes carry them.
//
//	go run ./scripts/catbench -database-url postgres://…/postgres -out .bench
//
// -exact-limit 1000000000 makes every search count all its matches, as the
// search did before broad queries were estimated (internal/catalog/search,
// ExactLimit), for comparison on the same databases.
//
// The URL must be a superuser's (seeding turns triggers off) on a server
// where the command may create databases; each size gets its own database,
// named after the size and the migrations, and is reused by later runs.
// -suffix names them kabinet_catbench_<size>_<suffix> instead, and brings an
// existing one up to date by applying the pending migrations (which
// backfill what they add), so a seeded catalog survives new migrations.
// Results: <out>/catalog-search.txt (the table), catalog-search.json,
// catalog-explain-<size>.txt and catalog-generic-plan.txt.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/db/migrations"
	"github.com/kabinet-edu/kabinet/internal/catalog/search"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// exactLimit is the searchers' exact limit (-exact-limit).
var exactLimit int

// suffix names the databases instead of the migrations' hash (-suffix).
var suffix string

func logf(format string, a ...any) { fmt.Fprintf(os.Stderr, format+"\n", a...) }

func main() {
	adminURL := flag.String("database-url", os.Getenv("BENCH_DATABASE_URL"), "superuser PostgreSQL URL on a server where databases may be created")
	sizesFlag := flag.String("sizes", "1000,100000", "catalog sizes (programs), comma-separated")
	runs := flag.Int("runs", 200, "measured runs of each query at each size (0: only write the plans)")
	out := flag.String("out", ".bench", "folder for the results")
	reseed := flag.Bool("reseed", false, "seed again even when a database of the size exists")
	flag.StringVar(&suffix, "suffix", "", "name the databases kabinet_catbench_<size>_<suffix> and migrate an existing one up instead of seeding anew")
	flag.IntVar(&exactLimit, "exact-limit", search.ExactLimit, "matches a search counts exactly (a huge value: every match, as before estimates)")
	flag.Parse()
	if *adminURL == "" {
		logf("catbench: -database-url (or BENCH_DATABASE_URL) is required")
		os.Exit(2)
	}
	var sizes []int
	for _, s := range strings.Split(*sizesFlag, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 200 {
			logf("catbench: bad size %q (at least 200)", s)
			os.Exit(2)
		}
		sizes = append(sizes, n)
	}
	if err := run(context.Background(), *adminURL, sizes, *runs, *out, *reseed); err != nil {
		logf("catbench: %v", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, adminURL string, sizes []int, runs int, out string, reseed bool) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	pools := make([]*pgxpool.Pool, len(sizes))
	defer func() {
		for _, p := range pools {
			if p != nil {
				p.Close()
			}
		}
	}()
	for i, n := range sizes {
		var err error
		if pools[i], err = prepare(ctx, adminURL, n, reseed); err != nil {
			return fmt.Errorf("%d programs: %w", n, err)
		}
	}
	for i, n := range sizes {
		if err := writeExplains(ctx, pools[i], n, out, i == len(sizes)-1); err != nil {
			return fmt.Errorf("%d programs: %w", n, err)
		}
	}
	if runs == 0 {
		return nil // -runs 0: plans only
	}
	logf("== measuring %d runs of each query at each size, interleaved", runs)
	reports, err := measure(ctx, pools, sizes, runs)
	if err != nil {
		return err
	}
	return writeReport(out, reports)
}

// prepare returns a pool on a seeded database of n programs, creating and
// seeding it when needed.
func prepare(ctx context.Context, adminURL string, n int, reseed bool) (*pgxpool.Pool, error) {
	sum, err := migrationsHash()
	if err != nil {
		return nil, err
	}
	name := fmt.Sprintf("kabinet_catbench_%d_%s", n, sum[:10])
	if suffix != "" {
		name = fmt.Sprintf("kabinet_catbench_%d_%s", n, suffix)
	}
	admin, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return nil, err
	}
	defer admin.Close(ctx)
	var exists bool
	if err := admin.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return nil, err
	}
	dbURL, err := withDatabase(adminURL, name)
	if err != nil {
		return nil, err
	}
	if exists && !reseed {
		pool, err := store.Open(ctx, dbURL, 4)
		if err != nil {
			return nil, err
		}
		if suffix != "" {
			if err := store.Migrate(ctx, pool, slog.New(slog.DiscardHandler)); err != nil {
				pool.Close()
				return nil, err
			}
		}
		var have int
		if err := pool.QueryRow(ctx, "SELECT count(*) FROM programs").Scan(&have); err == nil && have == n {
			logf("== %d programs: reusing database %s", n, name)
			return pool, nil
		}
		pool.Close()
	}
	// Databases of older migrations are dead weight (named ones are kept).
	pattern := fmt.Sprintf("kabinet_catbench_%d_%%", n)
	if suffix != "" {
		pattern = name
	}
	rows, err := admin.Query(ctx, "SELECT datname FROM pg_database WHERE datname LIKE $1", pattern)
	if err != nil {
		return nil, err
	}
	old, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, err
	}
	for _, o := range old {
		if _, err := admin.Exec(ctx, "DROP DATABASE "+pgx.Identifier{o}.Sanitize()+" WITH (FORCE)"); err != nil {
			return nil, err
		}
	}
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return nil, err
	}
	pool, err := store.Open(ctx, dbURL, 4)
	if err != nil {
		return nil, err
	}
	logf("== %d programs: migrating and seeding %s", n, name)
	if err := store.Migrate(ctx, pool, slog.New(slog.DiscardHandler)); err != nil {
		pool.Close()
		return nil, err
	}
	if err := seed(ctx, pool, n); err != nil {
		pool.Close()
		return nil, err
	}
	return pool, nil
}

func withDatabase(raw, name string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		return "", fmt.Errorf("the database URL must be a postgres:// URL")
	}
	u.Path = "/" + name
	return u.String(), nil
}

func migrationsHash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(migrations.FS, path)
		h.Write([]byte(path))
		h.Write(b)
		return err
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

// Elapsed times are rounded for the report.
func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
