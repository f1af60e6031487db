package assessment

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/quiz"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// SaveAttemptAnswer autosaves one answer. The engine validates it against
// the attempt's copy of the question; the database decides whether the
// attempt is still open (a conditional UPDATE of that one answer, so saves
// of different questions never overwrite each other).
func (s *Handler) SaveAttemptAnswer(ctx context.Context, req api.SaveAttemptAnswerRequestObject) (api.SaveAttemptAnswerResponseObject, error) {
	row, err := s.myAttempt(ctx, req.AttemptID)
	if err != nil {
		return nil, err
	}
	l, err := load(row)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	qid := req.QuestionID.String()
	ans := quizAnswer(*req.Body)
	err = l.attempt.SaveAnswer(l.bank, qid, ans, now)
	var fes quiz.FieldErrors
	switch {
	case errors.Is(err, quiz.ErrAttemptClosed):
		return nil, closedProblem(ctx, l.attempt.Status)
	case errors.Is(err, quiz.ErrDeadlinePassed):
		return nil, s.expiredNow(ctx, l, now, codeAttemptClosed)
	case errors.As(err, &fes):
		for _, fe := range fes {
			if fe.Field == "questionId" {
				fe.Field = "path.questionId"
			}
		}
		return nil, fieldProblem(ctx, "", fes)
	case err != nil:
		return nil, err
	}
	var raw []byte
	if !ans.Empty() {
		if raw, err = json.Marshal(ans); err != nil {
			return nil, err
		}
	}
	v, err := s.Q.SaveAttemptAnswer(ctx, db.SaveAttemptAnswerParams{ID: row.ID, UserID: row.UserID, QuestionID: qid, Answer: raw, Now: now})
	if errors.Is(err, pgx.ErrNoRows) {
		// Closed or overdue since it was read: what the database says wins.
		cur, err := s.fresh(ctx, row)
		if err != nil {
			return nil, err
		}
		return nil, closedProblem(ctx, cur.attempt.Status)
	}
	if err != nil {
		return nil, err
	}
	out := api.SavedAnswer{QuestionID: req.QuestionID, Answer: apiAnswer(ans), AnswersVersion: int(v)}
	if left, ok := l.attempt.Remaining(now); ok {
		out.RemainingSeconds = new(int(left / time.Second))
	}
	return api.SaveAttemptAnswer200JSONResponse(out), nil
}

// SubmitAttempt grades and closes the attempt; past the deadline and its
// grace it closes it as expired instead (409 deadline_passed).
func (s *Handler) SubmitAttempt(ctx context.Context, req api.SubmitAttemptRequestObject) (api.SubmitAttemptResponseObject, error) {
	row, err := s.myAttempt(ctx, req.AttemptID)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	var (
		l       *loaded
		refusal error
	)
	err = store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		locked, err := q.LockAttempt(ctx, row.ID)
		if err != nil {
			return err
		}
		if l, err = load(locked); err != nil {
			return err
		}
		_, err = l.attempt.Submit(&l.settings, l.bank, now)
		switch {
		case errors.Is(err, quiz.ErrAttemptClosed):
			refusal = closedProblem(ctx, l.attempt.Status)
			return nil
		case errors.Is(err, quiz.ErrDeadlinePassed):
			refusal = deadlineProblem(ctx, codeDeadlinePassed)
			_, err := expireLocked(ctx, tx, s.jobs, l, now)
			return err
		case err != nil:
			return err
		}
		closed, err := closeIn(ctx, tx, s.jobs, l)
		if errors.Is(err, errLostRace) {
			refusal = closedProblem(ctx, quiz.Status(locked.Status))
			return web.ErrRefused
		}
		l.row = closed
		return err
	})
	if refusal != nil {
		return nil, refusal
	}
	if err != nil {
		return nil, err
	}
	ok, at := s.reviewState(ctx, l)
	return api.SubmitAttempt200JSONResponse(learnerView(l, now, ok, at)), nil
}

// expiredNow closes an overdue attempt and answers the refusal with code.
func (s *Handler) expiredNow(ctx context.Context, l *loaded, now time.Time, code string) error {
	if _, err := expire(ctx, s.Pool, s.jobs, l.row.ID, now); err != nil {
		return err
	}
	return deadlineProblem(ctx, code)
}

func deadlineProblem(ctx context.Context, code string) error {
	return web.Fail(ctx, http.StatusConflict, code,
		"The time is up: the attempt is closed as expired and graded with the answers saved before the deadline.")
}

func closedProblem(ctx context.Context, status quiz.Status) error {
	return web.Fail(ctx, http.StatusConflict, codeAttemptClosed, "The attempt is already "+string(status)+".")
}
