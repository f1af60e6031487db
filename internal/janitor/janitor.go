// Package janitor deletes rows that can no longer matter: old rate-limit
// counters, spent one-time codes, long-ended sessions, expired sign-in
// challenges and, after the retention period, sent and failed outbox
// messages. It runs as a River periodic job: the elected leader among the
// working processes enqueues it every KABINET_JANITOR_INTERVAL, so one
// process sweeps however many run. The statements are idempotent anyway.
package janitor

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/jobs"
)

// sweepTimeout bounds one sweep: large deletes after a long pause may take
// a while.
const sweepTimeout = 5 * time.Minute

// Sweep runs every purge once and returns how many rows each deleted.
// Outbox messages older than outboxRetention are purged too, unless it is 0.
func Sweep(ctx context.Context, q *db.Queries, outboxRetention time.Duration) (map[string]int64, error) {
	type purge struct {
		name string
		run  func(context.Context) (int64, error)
	}
	purges := []purge{
		{"rate_limits", q.PurgeRateLimits},
		{"one_time_codes", q.PurgeOneTimeCodes},
		{"sessions", q.PurgeEndedSessions},
		{"second_factor_challenges", q.PurgeSecondFactorChallenges},
		{"certificate_challenges", q.PurgeCertificateChallenges},
		{"sso_states", q.PurgeSSOStates},
	}
	if outboxRetention > 0 {
		purges = append(purges, purge{"outbox", func(ctx context.Context) (int64, error) {
			return q.PurgeOldMessages(ctx, outboxRetention.Seconds())
		}})
	}
	deleted := make(map[string]int64, len(purges))
	for _, p := range purges {
		n, err := p.run(ctx)
		if err != nil {
			return deleted, fmt.Errorf("purge %s: %w", p.name, err)
		}
		deleted[p.name] = n
	}
	return deleted, nil
}

// SweepArgs is the periodic job that runs Sweep.
type SweepArgs struct{}

// Kind names the job in River.
func (SweepArgs) Kind() string { return "janitor_sweep" }

// InsertOpts keep at most one sweep waiting or running: after a long
// pause of the workers, one sweep catches up on every missed one.
func (SweepArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{
		Queue:       jobs.QueueDefault,
		MaxAttempts: 3,
		UniqueOpts: river.UniqueOpts{ByState: []rivertype.JobState{
			rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRetryable,
			rivertype.JobStateRunning, rivertype.JobStateScheduled,
		}},
	}
}

// Worker runs the sweep job.
type Worker struct {
	river.WorkerDefaults[SweepArgs]
	q         *db.Queries
	retention time.Duration
	log       *slog.Logger
}

// Register adds the sweep, every interval and once when a leader is
// elected, to reg; outboxRetention is KABINET_OUTBOX_RETENTION.
func Register(reg *jobs.Registry, pool *pgxpool.Pool, interval, outboxRetention time.Duration, log *slog.Logger) error {
	reg.Periodic(river.NewPeriodicJob(river.PeriodicInterval(interval),
		func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil },
		&river.PeriodicJobOpts{ID: "janitor_sweep", RunOnStart: true}))
	return jobs.Add(reg, &Worker{q: db.New(pool), retention: outboxRetention, log: log})
}

// Timeout bounds one sweep.
func (w *Worker) Timeout(*river.Job[SweepArgs]) time.Duration { return sweepTimeout }

// Work sweeps once; River retries a failed sweep.
func (w *Worker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	deleted, err := Sweep(ctx, w.q, w.retention)
	if err != nil {
		return fmt.Errorf("janitor: %w", err)
	}
	var total int64
	for _, n := range deleted {
		total += n
	}
	if total > 0 {
		w.log.InfoContext(ctx, "janitor: old rows deleted", "deleted", deleted)
	}
	return nil
}
