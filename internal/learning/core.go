// Package learning is the learner's side of a program's content: modules
// and lessons, who may open them, completed lessons, progress and the
// completion verdict. The functions in this file are what other domains use
// (assessment completes a test lesson when its test is passed; completion
// documents ask for the verdict); they take q so that callers can use them
// inside their own transactions.
package learning

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/commerce"
	"github.com/kabinet-edu/kabinet/internal/enrollment"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/progress"
)

// Access is the one access decision for a program's content: userID has an
// approved application to a running or finished group of programID
// (enrollment.HasAccess), and no installment of its order is overdue past
// its grace period (commerce.AccessSuspended). Callers answer 404 when it
// is false, so that nobody learns what they may not open.
func Access(ctx context.Context, q *db.Queries, userID, programID uuid.UUID) (bool, error) {
	ok, err := enrollment.HasAccess(ctx, q, userID, programID)
	if err != nil || !ok {
		return false, err
	}
	suspended, err := commerce.AccessSuspended(ctx, q, userID, programID)
	if err != nil {
		return false, err
	}
	return !suspended, nil
}

// Completion sources.
const (
	SourceManual = "manual"
	SourceTest   = "test"
)

// CompleteLesson records that userID completed lessonID of programID
// (source SourceManual or SourceTest) at t, once; it reports whether this
// call recorded it. With tx and ins given, a new completion also enqueues
// jobs.CompletionCheckArgs in tx, so the completion document is issued when
// this was the last requirement. A lesson not of the program is a wrapped
// pgx.ErrNoRows-free false: nothing is recorded.
func CompleteLesson(ctx context.Context, tx pgx.Tx, ins jobs.Inserter, userID, programID, lessonID uuid.UUID, source string, t time.Time) (bool, error) {
	q := db.New(tx)
	_, err := q.CompleteLesson(ctx, db.CompleteLessonParams{
		UserID: userID, LessonID: lessonID, ProgramID: programID, Source: source, CompletedAt: t,
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("complete lesson: %w", err)
	}
	if ins != nil {
		if _, err := ins.InsertTx(ctx, tx, jobs.CompletionCheckArgs{UserID: userID, ProgramID: programID}, nil); err != nil {
			return false, err
		}
	}
	return true, nil
}

// Content loads programID's lessons as internal/progress sees them, with
// lessons that open days after the group's start resolved against
// groupStart (nil: such a lesson stays closed).
func Content(ctx context.Context, q *db.Queries, programID uuid.UUID, groupStart *time.Time) (progress.Program, error) {
	rows, err := q.ProgramLessonsInOrder(ctx, programID)
	if err != nil {
		return progress.Program{}, fmt.Errorf("program lessons: %w", err)
	}
	return programFrom(rows, groupStart), nil
}

// programFrom is Content over lessons already loaded.
func programFrom(rows []db.ProgramLessonsInOrderRow, groupStart *time.Time) progress.Program {
	p := progress.Program{Lessons: make([]progress.Lesson, 0, len(rows))}
	for _, r := range rows {
		l := progress.Lesson{ID: r.ID.String(), Title: r.Title, Mandatory: r.Mandatory, OpensAt: r.OpensAt, AfterPrevious: r.AfterPrevious}
		if r.OpensAfterDays.Valid {
			at := farFuture
			if groupStart != nil {
				at = groupStart.AddDate(0, 0, int(r.OpensAfterDays.Int32))
			}
			if l.OpensAt == nil || at.After(*l.OpensAt) {
				l.OpensAt = &at
			}
		}
		if r.Final {
			p.FinalTest = l.ID
		}
		p.Lessons = append(p.Lessons, l)
	}
	return p
}

var farFuture = time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)

// Completions loads userID's completed lessons of programID.
func Completions(ctx context.Context, q *db.Queries, userID, programID uuid.UUID) (progress.Completions, error) {
	rows, err := q.LearnerCompletions(ctx, db.LearnerCompletionsParams{UserID: userID, ProgramID: programID})
	if err != nil {
		return nil, fmt.Errorf("completions: %w", err)
	}
	c := make(progress.Completions, len(rows))
	for _, r := range rows {
		c[r.LessonID.String()] = r.CompletedAt
	}
	return c, nil
}

// Verdict applies the completion requirements to userID in programID:
// every mandatory lesson completed, the final test passed when the program
// has one, and the program paid in full (commerce.PaidInFull). A program
// without content is met by payment alone.
func Verdict(ctx context.Context, q *db.Queries, userID, programID uuid.UUID) (progress.Verdict, error) {
	p, err := Content(ctx, q, programID, nil)
	if err != nil {
		return progress.Verdict{}, err
	}
	c, err := Completions(ctx, q, userID, programID)
	if err != nil {
		return progress.Verdict{}, err
	}
	return progress.Check(p, c, func() (bool, error) { return commerce.PaidInFull(ctx, q, userID, programID) })
}
