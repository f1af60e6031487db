package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"riverqueue.com/riverui"

	"github.com/kabinet-edu/kabinet/internal/config"
)

// cancelGrace is how long Stop waits, once its context has ended, for the
// jobs whose contexts it then cancels to return (and be recorded as errored,
// so that they are retried rather than left running until rescued).
const cancelGrace = 5 * time.Second

// Client is the River client of one process. Built with a registry it works
// jobs once started; without one it only inserts them.
type Client struct {
	river *river.Client[pgx.Tx]
	works bool
	log   *slog.Logger
}

var _ Inserter = (*Client)(nil)

// New builds the River client over pool. With a registry, Start makes it
// work the default queue (cfg.Concurrency at once), the registry's queues
// and workers, and take part in the election of the leader that runs River's
// maintenance (rescuing jobs of dead workers, retries, cleanup) and enqueues
// the periodic jobs. With reg nil it is insert-only: what an API instance
// with KABINET_WORKERS=false, and the HTTP tests, need.
func New(pool *pgxpool.Pool, cfg config.Jobs, reg *Registry, log *slog.Logger) (*Client, error) {
	rc := &river.Config{Logger: log}
	if reg != nil {
		queues := map[string]river.QueueConfig{QueueDefault: {MaxWorkers: cfg.Concurrency}}
		for name, n := range reg.queues {
			queues[name] = river.QueueConfig{MaxWorkers: n}
		}
		rc.Workers = reg.workers
		rc.Queues = queues
		rc.PeriodicJobs = reg.periodic
		rc.RescueStuckJobsAfter = cfg.RescueAfter
		// River's default, unless rescues come sooner (tests): River requires
		// the timeout not to exceed the rescue delay.
		rc.JobTimeout = min(time.Minute, cfg.RescueAfter)
	}
	c, err := river.NewClient(riverpgxv5.New(pool), rc)
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	return &Client{river: c, works: reg != nil, log: log}, nil
}

// Works reports whether the client works jobs (it was built with a
// registry).
func (c *Client) Works() bool { return c.works }

// InsertTx adds a job to tx: it becomes visible to workers when tx commits
// and vanishes if tx rolls back. Workers are woken at commit.
func (c *Client) InsertTx(ctx context.Context, tx pgx.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	res, err := c.river.InsertTx(ctx, tx, args, opts)
	if err != nil {
		return nil, fmt.Errorf("insert %s job: %w", args.Kind(), err)
	}
	return res, nil
}

// Start begins working jobs in the background; for an insert-only client it
// does nothing. ctx bounds only the start itself: the client runs until
// Stop.
func (c *Client) Start(ctx context.Context) error {
	if !c.works {
		return nil
	}
	// Cancelling Start's context would hard-stop River (cancelling the jobs
	// in hand); shutdown goes through Stop instead.
	if err := c.river.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start job workers: %w", err)
	}
	return nil
}

// Stop shuts the workers down gracefully: no new jobs are fetched, and the
// jobs in hand may finish until ctx ends. Then their contexts are cancelled
// and, within a few seconds, they return and are recorded as errored, to be
// retried by any process; a job that still does not return is rescued once
// KABINET_JOBS_RESCUE_AFTER has passed. It does nothing for an insert-only
// client.
func (c *Client) Stop(ctx context.Context) error {
	if !c.works {
		return nil
	}
	err := c.river.Stop(ctx)
	if err == nil {
		return nil
	}
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		return fmt.Errorf("stop job workers: %w", err)
	}
	c.log.Warn("jobs: running jobs did not finish in time; cancelling them (they are retried)")
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cancelGrace)
	defer cancel()
	if err := c.river.StopAndCancel(cctx); err != nil {
		return fmt.Errorf("stop job workers: %w", err)
	}
	return nil
}

// UIHandler returns River UI (jobs and queues: inspect, retry, cancel,
// pause), with its links under prefix (e.g. /admin/jobs). It has no access
// control of its own: serve it only behind operator authentication. Its
// background queries run until ctx ends.
func (c *Client) UIHandler(ctx context.Context, prefix string) (http.Handler, error) {
	h, err := riverui.NewHandler(&riverui.HandlerOpts{
		Endpoints: riverui.NewEndpoints(c.river, nil),
		Logger:    c.log,
		Prefix:    prefix,
		// Job args may hold personal data one day; show them on demand.
		JobListHideArgsByDefault: true,
	})
	if err != nil {
		return nil, fmt.Errorf("jobs UI: %w", err)
	}
	if err := h.Start(ctx); err != nil {
		return nil, fmt.Errorf("jobs UI: %w", err)
	}
	return h, nil
}
