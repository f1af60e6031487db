package main

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/workers"
)

// newJobs builds the process's jobs client: working every domain's jobs
// when work is true (it starts with startJobs), insert-only otherwise.
func newJobs(cfg config.Config, pool *pgxpool.Pool, log *slog.Logger, work bool) (*jobs.Client, error) {
	jc, err := workers.NewClient(cfg, pool, log, work)
	if err != nil {
		return nil, fmt.Errorf("jobs: %w", err)
	}
	return jc, nil
}

// startJobs starts jc's workers, if it has any, and says so.
func startJobs(ctx context.Context, cfg config.Config, jc *jobs.Client, log *slog.Logger) error {
	if !jc.Works() {
		log.Info("job workers off (KABINET_WORKERS=false): run `kabinet worker` to deliver messages and run housekeeping")
		return nil
	}
	if err := jc.Start(ctx); err != nil {
		return err
	}
	log.Info("job workers started", "concurrency", cfg.Jobs.Concurrency, "messages_concurrency", cfg.Outbox.Concurrency)
	return nil
}

// stopJobs stops jc's workers within ctx: the jobs in hand finish, or are
// cancelled and retried later.
func stopJobs(ctx context.Context, jc *jobs.Client, log *slog.Logger) {
	if err := jc.Stop(ctx); err != nil {
		log.Warn("job workers did not stop cleanly; unfinished jobs are retried", "err", err)
	}
}

// worker runs `kabinet worker`: the job workers alone, without the API,
// until ctx ends; then it stops them within the shutdown timeout.
func worker(ctx context.Context, cfg config.Config, log *slog.Logger) error {
	applyMemoryLimit(cfg, log)
	// A worker process's pool is its jobs' (config.JobsDBConns), or
	// KABINET_DB_MAX_CONNS if larger.
	pool, err := store.Open(ctx, cfg.DatabaseURL, max(cfg.DBMaxConns, cfg.JobsDBConns()))
	if err != nil {
		return err
	}
	defer pool.Close()
	jc, err := newJobs(cfg, pool, log, true)
	if err != nil {
		return err
	}
	if err := startJobs(ctx, cfg, jc, log); err != nil {
		return err
	}
	releaseStartupPages(cfg, log)
	<-ctx.Done()
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	shutCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	stopJobs(shutCtx, jc, log)
	log.Info("stopped")
	return nil
}
