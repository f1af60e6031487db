package assessment

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/riverqueue/river"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/quiz"
)

// CloseAttemptArgs closes one attempt that is still open at its deadline
// plus grace: inserted with the attempt, scheduled for then.
type CloseAttemptArgs struct {
	AttemptID uuid.UUID `json:"attempt_id"`
}

// Kind names the job in River.
func (CloseAttemptArgs) Kind() string { return "assessment_close_attempt" }

// SweepArgs is the periodic backstop: it closes every overdue open attempt
// (a lost or late close job changes nothing then).
type SweepArgs struct{}

// Kind names the job in River.
func (SweepArgs) Kind() string { return "assessment_sweep_attempts" }

// sweepInterval is how often the sweep runs.
const sweepInterval = time.Minute

// sweepBatch bounds one sweep; the next takes the rest.
const sweepBatch = 500

// Register adds the attempt-closing workers and the periodic sweep to reg.
// The completion checks they enqueue go through an insert-only client (see
// New).
func Register(reg *jobs.Registry, cfg config.Jobs, pool *pgxpool.Pool, log *slog.Logger) error {
	ins, err := jobs.New(pool, cfg, nil, log)
	if err != nil {
		return err
	}
	if err := jobs.Add(reg, &closeWorker{pool: pool, ins: ins}); err != nil {
		return err
	}
	if err := jobs.Add(reg, &sweepWorker{pool: pool, ins: ins, log: log}); err != nil {
		return err
	}
	reg.Periodic(river.NewPeriodicJob(river.PeriodicInterval(sweepInterval),
		func() (river.JobArgs, *river.InsertOpts) { return SweepArgs{}, nil },
		&river.PeriodicJobOpts{ID: "assessment_sweep_attempts"}))
	return nil
}

type closeWorker struct {
	river.WorkerDefaults[CloseAttemptArgs]
	pool *pgxpool.Pool
	ins  jobs.Inserter
}

func (w *closeWorker) Work(ctx context.Context, job *river.Job[CloseAttemptArgs]) error {
	l, err := expire(ctx, w.pool, w.ins, job.Args.AttemptID, time.Now())
	if errors.Is(err, pgx.ErrNoRows) {
		return nil // deleted with its test
	}
	if err != nil {
		return err
	}
	if l.attempt.Status == quiz.Started && l.attempt.Deadline != nil {
		// Run early (a clock ahead of ours): come back when it is due.
		return river.JobSnooze(time.Until(l.attempt.Deadline.Add(l.attempt.Grace)) + time.Second)
	}
	return nil
}

type sweepWorker struct {
	river.WorkerDefaults[SweepArgs]
	pool *pgxpool.Pool
	ins  jobs.Inserter
	log  *slog.Logger
}

func (w *sweepWorker) Work(ctx context.Context, _ *river.Job[SweepArgs]) error {
	return Sweep(ctx, w.pool, w.ins, time.Now(), w.log)
}

// Sweep closes every attempt still open after its deadline and grace at
// now, each in its own transaction; ins enqueues the completion checks of
// those that passed.
func Sweep(ctx context.Context, pool *pgxpool.Pool, ins jobs.Inserter, now time.Time, log *slog.Logger) error {
	ids, err := db.New(pool).OverdueAttempts(ctx, db.OverdueAttemptsParams{Now: now, Max: sweepBatch})
	if err != nil {
		return err
	}
	for _, id := range ids {
		if _, err := expire(ctx, pool, ins, id, now); err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
	}
	if len(ids) > 0 {
		log.Info("assessment sweep closed overdue attempts", "count", len(ids))
	}
	return nil
}
