// Package testdb gives each test its own PostgreSQL database, created from a
// template database that holds the migrated schema, so tests run in
// parallel against a real server without seeing each other's rows.
//
// It needs KABINET_TEST_DATABASE_URL: a URL of a database on the server where
// the test may create databases (make test sets it to the project-local
// cluster).
package testdb

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/db/migrations"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// EnvURL names the variable that points tests at a PostgreSQL server.
const EnvURL = "KABINET_TEST_DATABASE_URL"

var (
	templateOnce sync.Once
	templateName string
	templateErr  error
)

// New returns a pool connected to a fresh, migrated database that is dropped
// when the test ends.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, _ := NewWithURL(t)
	return pool
}

// NewWithConfig is New with a second pool of the test's making on the same
// fresh database (a tracer, a small MaxConns); it is closed when the test
// ends.
func NewWithConfig(t testing.TB, mutate func(*pgxpool.Config)) *pgxpool.Pool {
	t.Helper()
	_, url := NewWithURL(t)
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	mutate(cfg)
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// NewWithURL is New that also returns the database's URL.
func NewWithURL(t testing.TB) (*pgxpool.Pool, string) {
	t.Helper()
	pool, url, drop, err := Create(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	return pool, url
}

// Create makes a fresh, migrated database and returns a pool to it, its URL
// and a function that closes the pool and drops the database. It is for
// TestMain and examples, which have no testing.TB; tests use New.
func Create(ctx context.Context) (pool *pgxpool.Pool, url string, drop func(), err error) {
	adminURL := os.Getenv(EnvURL)
	if adminURL == "" {
		return nil, "", nil, fmt.Errorf("%s is not set: run the tests with `make test`, or point it at a PostgreSQL database where the test may create databases", EnvURL)
	}
	templateOnce.Do(func() { templateName, templateErr = ensureTemplate(ctx, adminURL) })
	if templateErr != nil {
		return nil, "", nil, fmt.Errorf("prepare template database: %w", templateErr)
	}
	name := "kabinet_test_" + strings.ToLower(rand.Text()[:12])
	if err := admin(ctx, adminURL, fmt.Sprintf("CREATE DATABASE %s TEMPLATE %s", name, templateName)); err != nil {
		return nil, "", nil, fmt.Errorf("create test database: %w", err)
	}
	dropDB := func() {
		_ = admin(context.Background(), adminURL, fmt.Sprintf("DROP DATABASE IF EXISTS %s WITH (FORCE)", name))
	}
	if url, err = withDatabase(adminURL, name); err == nil {
		pool, err = store.Open(ctx, url, 10)
	}
	if err != nil {
		dropDB()
		return nil, "", nil, fmt.Errorf("connect to test database: %w", err)
	}
	return pool, url, func() { pool.Close(); dropDB() }, nil
}

// ensureTemplate creates, once per schema version, a template database
// holding the migrated schema (River's tables and ours, as store.Migrate
// makes them). Its name carries a hash of both sets of migrations, so a
// changed migration or a River upgrade gets a new template; an advisory lock keeps parallel
// test binaries from building it twice.
func ensureTemplate(ctx context.Context, adminURL string) (string, error) {
	sum, err := migrationsHash()
	if err != nil {
		return "", err
	}
	name := "kabinet_tpl_" + sum[:16]
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return "", err
	}
	defer conn.Close(ctx)
	lockID := int64(binary.BigEndian.Uint64([]byte(sum[:8])))
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", lockID); err != nil {
		return "", err
	}
	defer conn.Exec(context.Background(), "SELECT pg_advisory_unlock($1)", lockID) //nolint:errcheck // released on close anyway

	var exists bool
	if err := conn.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return "", err
	}
	if exists {
		return name, nil
	}
	// Build under a temporary name and rename when complete, so a run that
	// dies half-way never leaves a broken template behind.
	building := name + "_building"
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+building+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+building); err != nil {
		return "", err
	}
	url, err := withDatabase(adminURL, building)
	if err != nil {
		return "", err
	}
	pool, err := store.Open(ctx, url, 2)
	if err != nil {
		return "", err
	}
	err = store.Migrate(ctx, pool, slog.New(slog.DiscardHandler))
	pool.Close()
	if err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "ALTER DATABASE "+building+" RENAME TO "+name); err != nil {
		return "", err
	}
	return name, nil
}

func migrationsHash() (string, error) {
	h := sha256.New()
	river, err := store.RiverMigrations()
	if err != nil {
		return "", err
	}
	for _, m := range river {
		fmt.Fprintf(h, "river %d %s\n", m.Version, m.Name)
		h.Write([]byte(m.SQLUp))
	}
	err = fs.WalkDir(migrations.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(migrations.FS, path)
		if err != nil {
			return err
		}
		h.Write([]byte(path))
		h.Write(data)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

func admin(ctx context.Context, adminURL, sql string) error {
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	_, err = conn.Exec(ctx, sql)
	return err
}

// withDatabase returns url (a URL or a key=value string) with its database
// name replaced, keeping every other setting.
func withDatabase(raw, name string) (string, error) {
	if strings.HasPrefix(raw, "postgres://") || strings.HasPrefix(raw, "postgresql://") {
		u, err := url.Parse(raw)
		if err != nil {
			return "", err
		}
		u.Path = "/" + name
		return u.String(), nil
	}
	return raw + " dbname=" + name, nil // a later key wins
}
