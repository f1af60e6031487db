package assessment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/learning"
	"github.com/kabinet-edu/kabinet/internal/quiz"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// errLostRace: another closer (a submission, the expiry job, the sweep)
// closed the attempt first; the database decided, this caller did nothing.
var errLostRace = errors.New("attempt closed by another request")

// closeIn stores l's closing (the engine has already closed l.attempt) with
// the conditional UPDATE … WHERE status = 'started', and completes the test
// lesson when the attempt passed — all in tx.
func closeIn(ctx context.Context, tx pgx.Tx, ins jobs.Inserter, l *loaded) (db.AssessmentAttempt, error) {
	r := l.attempt.Result
	raw, err := json.Marshal(r)
	if err != nil {
		return db.AssessmentAttempt{}, err
	}
	row, err := db.New(tx).CloseAttempt(ctx, db.CloseAttemptParams{
		ID: l.row.ID, Status: string(l.attempt.Status), ClosedAt: l.attempt.ClosedAt, Result: raw,
		Score:    pgtype.Float8{Float64: r.Score, Valid: true},
		MaxScore: pgtype.Float8{Float64: r.Max, Valid: true},
		Percent:  pgtype.Float8{Float64: r.Percent, Valid: true},
		Passed:   pgtype.Bool{Bool: r.Passed, Valid: true},
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return row, errLostRace
	}
	if err != nil {
		return row, fmt.Errorf("close attempt: %w", err)
	}
	if r.Passed {
		if _, err := learning.CompleteLesson(ctx, tx, ins, row.UserID, row.ProgramID, row.LessonID, learning.SourceTest, *l.attempt.ClosedAt); err != nil {
			return row, err
		}
	}
	return row, nil
}

// expireLocked closes the locked attempt as expired when it is overdue at
// now; it reports whether it did.
func expireLocked(ctx context.Context, tx pgx.Tx, ins jobs.Inserter, l *loaded, now time.Time) (bool, error) {
	if !l.attempt.CloseExpired(&l.settings, l.bank, now) {
		return false, nil
	}
	row, err := closeIn(ctx, tx, ins, l)
	if err != nil {
		return false, err
	}
	l.row = row
	return true, nil
}

// expire closes attempt id as expired if it is still open and overdue at
// now, grading what was saved, in a transaction of its own. It returns the
// attempt as it is afterwards.
func expire(ctx context.Context, pool *pgxpool.Pool, ins jobs.Inserter, id uuid.UUID, now time.Time) (*loaded, error) {
	var out *loaded
	err := store.InTxJobs(ctx, pool, func(q *db.Queries, tx pgx.Tx) error {
		row, err := q.LockAttempt(ctx, id)
		if err != nil {
			return err
		}
		l, err := load(row)
		if err != nil {
			return err
		}
		if _, err := expireLocked(ctx, tx, ins, l, now); err != nil {
			return err
		}
		out = l
		return nil
	})
	return out, err
}

// fresh loads row and, when it is open past its deadline and grace, closes
// it first, so that nobody is shown an attempt the server should have
// closed already.
func (s *Handler) fresh(ctx context.Context, row db.AssessmentAttempt) (*loaded, error) {
	l, err := load(row)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	if l.attempt.Status != quiz.Started || !l.attempt.Overdue(now) {
		return l, nil
	}
	return expire(ctx, s.Pool, s.jobs, row.ID, now)
}
