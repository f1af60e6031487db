package assessment

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/quiz"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// codeTestNotOpen: the lesson's opening date has not come.
const codeTestNotOpen = "test_not_open"

// myTestLesson loads the test lesson and its settings for a learner with
// access; a lesson without settings is no test yet (404).
func (s *Handler) myTestLesson(ctx context.Context, programID, lessonID uuid.UUID) (uuid.UUID, db.GetTestLessonRow, testConfig, error) {
	user, err := s.learner(ctx, programID)
	if err != nil {
		return user, db.GetTestLessonRow{}, testConfig{}, err
	}
	l, err := s.testLesson(ctx, s.Q, programID, lessonID)
	if err != nil {
		return user, l, testConfig{}, err
	}
	t, err := s.Q.GetAssessmentTest(ctx, l.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		return user, l, testConfig{}, notFound(ctx, "There is no such test.")
	}
	if err != nil {
		return user, l, testConfig{}, err
	}
	c, err := decodeConfig(t.Settings)
	c.CloseAt = l.DueAt
	return user, l, c, err
}

// GetMyTest is the test for its learner: the rules, my attempts, my best.
func (s *Handler) GetMyTest(ctx context.Context, req api.GetMyTestRequestObject) (api.GetMyTestResponseObject, error) {
	user, l, c, err := s.myTestLesson(ctx, req.ProgramID, req.LessonID)
	if err != nil {
		return nil, err
	}
	rows, err := s.Q.ListMyAttempts(ctx, db.ListMyAttemptsParams{LessonID: l.ID, UserID: user})
	if err != nil {
		return nil, err
	}
	bank, err := s.Q.ProgramBank(ctx, l.ProgramID)
	if err != nil {
		return nil, err
	}
	qs, err := c.candidates(bank)
	if err != nil {
		return nil, err
	}
	count := len(qs)
	if p := c.Pool; p != nil {
		count = p.Count
		if p.Count == 0 {
			count = 0
			for _, n := range p.PerTag {
				count += n
			}
		}
	}
	out := api.MyTest{
		LessonID: l.ID, ProgramID: l.ProgramID, Title: l.Title, Final: l.Final, CloseAt: utc(l.DueAt),
		TimeLimitSeconds: int(c.TimeLimit / time.Second), AttemptLimit: c.AttemptLimit, AttemptsUsed: len(rows),
		PassingScore: c.PassingScore, QuestionCount: count, Review: api.ReviewPolicy(c.Review),
		Attempts: make([]api.AttemptSummary, 0, len(rows)),
	}
	if c.AttemptLimit > 0 {
		out.AttemptsLeft = new(max(0, c.AttemptLimit-len(rows)))
	}
	for _, r := range rows {
		a, err := s.fresh(ctx, attemptOfRow(r))
		if err != nil {
			return nil, err
		}
		if a.attempt.Status == quiz.Started {
			out.OpenAttemptID = new(a.row.ID)
		}
		if res := a.attempt.Result; res != nil {
			if out.BestPercent == nil || res.Percent > *out.BestPercent {
				out.BestPercent = new(res.Percent)
			}
			out.Passed = out.Passed || res.Passed
		}
		out.Attempts = append(out.Attempts, summary(a, r.LearnerName))
	}
	return api.GetMyTest200JSONResponse(out), nil
}

func attemptOfRow(r db.ListMyAttemptsRow) db.AssessmentAttempt {
	return db.AssessmentAttempt{
		ID: r.ID, OrganizationID: r.OrganizationID, ProgramID: r.ProgramID, LessonID: r.LessonID, UserID: r.UserID,
		Number: r.Number, Seed: r.Seed, QuestionIds: r.QuestionIds, Questions: r.Questions, Settings: r.Settings,
		Status: r.Status, StartedAt: r.StartedAt, Deadline: r.Deadline, GraceMs: r.GraceMs, Answers: r.Answers,
		AnswersVersion: r.AnswersVersion, ClosedAt: r.ClosedAt, Result: r.Result, Score: r.Score, MaxScore: r.MaxScore,
		Percent: r.Percent, Passed: r.Passed,
	}
}

// StartTestAttempt starts an attempt, or returns the one in progress.
func (s *Handler) StartTestAttempt(ctx context.Context, req api.StartTestAttemptRequestObject) (api.StartTestAttemptResponseObject, error) {
	user, l, c, err := s.myTestLesson(ctx, req.ProgramID, req.LessonID)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	if l.OpensAt != nil && now.Before(*l.OpensAt) {
		return nil, conflict(ctx, codeTestNotOpen, fmt.Sprintf("The test opens at %s.", l.OpensAt.UTC().Format(time.RFC3339)))
	}
	// An overdue attempt in progress is closed on its own first, so that a
	// refusal below (attempts exhausted) does not roll its closing back.
	if open, err := s.Q.GetOpenAttempt(ctx, db.GetOpenAttemptParams{LessonID: l.ID, UserID: user}); err == nil {
		if _, err := s.fresh(ctx, open); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	var (
		started *loaded
		resumed bool
	)
	err = store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		open, err := q.GetOpenAttempt(ctx, db.GetOpenAttemptParams{LessonID: l.ID, UserID: user})
		switch {
		case err == nil:
			lo, err := load(open)
			if err != nil {
				return err
			}
			if !lo.attempt.Overdue(now) {
				started, resumed = lo, true
				return nil
			}
			if _, err := expireLocked(ctx, tx, s.jobs, lo, now); err != nil {
				return err
			}
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		previous, err := q.CountTestAttempts(ctx, db.CountTestAttemptsParams{LessonID: l.ID, UserID: user})
		if err != nil {
			return err
		}
		rows, err := q.ProgramBank(ctx, l.ProgramID)
		if err != nil {
			return err
		}
		qs, err := configBank(c, rows)
		if err != nil {
			return conflict(ctx, codeTestUnavailable, "The test's settings no longer fit its questions; its teachers must fix them.")
		}
		bank, _ := quiz.NewBank(qs)
		a, err := quiz.Start(&c.Settings, bank, int(previous), quiz.NewSeed(), now)
		switch {
		case errors.Is(err, quiz.ErrAttemptLimit):
			return conflict(ctx, codeAttemptsExhausted, fmt.Sprintf("All %d attempts at this test are used.", c.AttemptLimit))
		case errors.Is(err, quiz.ErrTestClosed):
			return conflict(ctx, codeTestClosed, "The test closed at "+c.CloseAt.UTC().Format(time.RFC3339)+".")
		case err != nil:
			return err
		}
		drawn := make([]quiz.Question, 0, len(a.QuestionIDs))
		for _, id := range a.QuestionIDs {
			q, _ := bank.Question(id)
			drawn = append(drawn, *q)
		}
		snapshot, err := json.Marshal(drawn)
		if err != nil {
			return err
		}
		settings, err := json.Marshal(c.Settings)
		if err != nil {
			return err
		}
		row, err := q.CreateAttempt(ctx, db.CreateAttemptParams{
			OrganizationID: l.OrganizationID, ProgramID: l.ProgramID, LessonID: l.ID, UserID: user, Number: int32(a.Number),
			Seed: a.Seed, QuestionIds: a.QuestionIDs, Questions: snapshot, Settings: settings, StartedAt: a.StartedAt,
			Deadline: a.Deadline, GraceMs: a.Grace.Milliseconds(),
		})
		if _, dup := store.UniqueViolation(err); dup {
			return conflict(ctx, "attempt_in_progress", "Another attempt at this test was started at the same moment; open it from the test.")
		}
		if err != nil {
			return err
		}
		if a.Deadline != nil {
			at := a.Deadline.Add(a.Grace + time.Second)
			if _, err := s.jobs.InsertTx(ctx, tx, CloseAttemptArgs{AttemptID: row.ID}, &river.InsertOpts{ScheduledAt: at}); err != nil {
				return err
			}
		}
		started, err = load(row)
		return err
	})
	if err != nil {
		return nil, err
	}
	ok, at := s.reviewState(ctx, started)
	view := learnerView(started, now, ok, at)
	if resumed {
		return api.StartTestAttempt200JSONResponse(view), nil
	}
	return api.StartTestAttempt201JSONResponse(view), nil
}

// GetMyAttempt shows my attempt, closing it first when it is overdue.
func (s *Handler) GetMyAttempt(ctx context.Context, req api.GetMyAttemptRequestObject) (api.GetMyAttemptResponseObject, error) {
	row, err := s.myAttempt(ctx, req.AttemptID)
	if err != nil {
		return nil, err
	}
	l, err := s.fresh(ctx, row)
	if err != nil {
		return nil, err
	}
	ok, at := s.reviewState(ctx, l)
	return api.GetMyAttempt200JSONResponse(learnerView(l, s.Now(), ok, at)), nil
}

// currentSettings are the test's settings now, with its close date: the
// review policy that governs an attempt is the test's current one (a
// teacher may open or close the review later), its grading the one it
// started under.
func (s *Handler) currentSettings(ctx context.Context, l *loaded) (quiz.Settings, error) {
	t, err := s.Q.GetAssessmentTest(ctx, l.row.LessonID)
	if err != nil {
		return quiz.Settings{}, err
	}
	c, err := decodeConfig(t.Settings)
	if err != nil {
		return quiz.Settings{}, err
	}
	lesson, err := s.Q.GetTestLesson(ctx, db.GetTestLessonParams{ProgramID: l.row.ProgramID, ID: l.row.LessonID})
	if err != nil {
		return quiz.Settings{}, err
	}
	c.CloseAt = lesson.DueAt
	return c.Settings, nil
}

// reviewState says whether the review is open now and, when it opens
// later, when. Errors count as "not open".
func (s *Handler) reviewState(ctx context.Context, l *loaded) (bool, *time.Time) {
	cur, err := s.currentSettings(ctx, l)
	if err != nil {
		return false, nil
	}
	if quiz.ReviewAllowed(l.attempt, &cur, s.Now()) {
		return true, nil
	}
	if cur.Review == quiz.AfterCloseDate && cur.CloseAt != nil {
		return false, cur.CloseAt
	}
	return false, nil
}

// GetAttemptReview shows my closed attempt with the key, when the review
// policy allows it.
func (s *Handler) GetAttemptReview(ctx context.Context, req api.GetAttemptReviewRequestObject) (api.GetAttemptReviewResponseObject, error) {
	row, err := s.myAttempt(ctx, req.AttemptID)
	if err != nil {
		return nil, err
	}
	l, err := s.fresh(ctx, row)
	if err != nil {
		return nil, err
	}
	cur, err := s.currentSettings(ctx, l)
	if err != nil {
		return nil, err
	}
	qs, err := reviewQuestions(l, cur, s.Now())
	if errors.Is(err, quiz.ErrReviewNotAllowed) {
		return nil, web.Fail(ctx, http.StatusConflict, codeReviewNotAvailable, reviewWhen(l, cur))
	}
	if err != nil {
		return nil, err
	}
	name, err := s.Q.LearnerName(ctx, l.row.UserID)
	if err != nil {
		return nil, err
	}
	return api.GetAttemptReview200JSONResponse{Attempt: summary(l, name), Questions: qs}, nil
}

func reviewWhen(l *loaded, cur quiz.Settings) string {
	switch {
	case l.attempt.Status == quiz.Started:
		return "The attempt is in progress: the review opens once it is submitted."
	case cur.Review == quiz.AfterCloseDate && cur.CloseAt != nil:
		return "The review opens when the test closes, at " + cur.CloseAt.UTC().Format(time.RFC3339) + "."
	default:
		return "This test never shows its answers; only the score."
	}
}
