// Package store opens the PostgreSQL pool, runs migrations (River's and
// ours) and wraps transactions around the sqlc queries in gen/db.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/kabinet-edu/kabinet/db/migrations"
	"github.com/kabinet-edu/kabinet/gen/db"
)

// defaultConnectTimeout bounds one attempt to open a connection.
const defaultConnectTimeout = 5 * time.Second

// ErrNotFound is returned (wrapped) when a row that must exist does not.
var ErrNotFound = errors.New("not found")

// Open connects a pool to databaseURL and checks that the server answers.
func Open(ctx context.Context, databaseURL string, maxConns int32) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(databaseURL)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	if maxConns > 0 {
		cfg.MaxConns = maxConns
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		// Without a bound, a connection to a host that dropped off the
		// network waits for the kernel (minutes); with it, the request is
		// answered 503 (Unavailable) while the client is still there.
		// connect_timeout in the URL overrides it.
		cfg.ConnConfig.ConnectTimeout = defaultConnectTimeout
	}
	cfg.AfterConnect = registerUUID
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	return pool, nil
}

// Migrate applies every pending migration embedded in the binary: first
// River's (its job tables, see internal/jobs), then ours, which may refer
// to them.
func Migrate(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) error {
	if err := migrateRiver(ctx, pool, log); err != nil {
		return err
	}
	sqlDB := stdlib.OpenDBFromPool(pool)
	defer sqlDB.Close()
	return migrateDB(ctx, sqlDB, log)
}

// RiverMigrations lists River's migrations, in order, as this binary would
// apply them (the test template database hashes them).
func RiverMigrations() ([]rivermigrate.Migration, error) {
	m, err := rivermigrate.New(riverpgxv5.New(nil), nil)
	if err != nil {
		return nil, fmt.Errorf("river migrations: %w", err)
	}
	return m.AllVersions(), nil
}

func migrateRiver(ctx context.Context, pool *pgxpool.Pool, log *slog.Logger) error {
	m, err := rivermigrate.New(riverpgxv5.New(pool), &rivermigrate.Config{Logger: log})
	if err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	res, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil)
	if err != nil {
		return fmt.Errorf("apply river migrations: %w", err)
	}
	for _, v := range res.Versions {
		log.Info("river migration applied", "version", v.Version, "name", v.Name, "duration", v.Duration)
	}
	return nil
}

func migrateDB(ctx context.Context, sqlDB *sql.DB, log *slog.Logger) error {
	// Out-of-order: migrations written on parallel branches get numbers in
	// the order the work started, not the order it landed.
	provider, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations.FS, goose.WithAllowOutofOrder(true))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	results, err := provider.Up(ctx)
	if err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	for _, r := range results {
		log.Info("migration applied", "version", r.Source.Version, "path", r.Source.Path, "duration", r.Duration)
	}
	return nil
}

// InTx runs fn in a transaction with queries bound to it; it commits when fn
// returns nil and rolls back otherwise.
func InTx(ctx context.Context, pool *pgxpool.Pool, fn func(q *db.Queries) error) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return fn(db.New(tx))
	})
}

// InTxJobs is InTx for a change that also writes outside sqlc in the same
// transaction — above all jobs inserted with River's InsertTx (through
// outbox.Enqueue or a jobs.Inserter), so that a job exists exactly when its
// change was committed. fn gets the queries and the transaction itself.
func InTxJobs(ctx context.Context, pool *pgxpool.Pool, fn func(q *db.Queries, tx pgx.Tx) error) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		return fn(db.New(tx), tx)
	})
}

// NotFound turns pgx.ErrNoRows into ErrNotFound and leaves other errors alone.
func NotFound(err error) error {
	if errors.Is(err, pgx.ErrNoRows) {
		return ErrNotFound
	}
	return err
}

// UniqueViolation reports whether err is a unique-constraint violation and,
// if so, the name of the violated constraint or index.
func UniqueViolation(err error) (constraint string, ok bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return pgErr.ConstraintName, true
	}
	return "", false
}
