package assessment

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/quiz"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// ListLessonAttempts lists every learner's attempts at a test.
func (s *Handler) ListLessonAttempts(ctx context.Context, req api.ListLessonAttemptsRequestObject) (api.ListLessonAttemptsResponseObject, error) {
	if err := s.staff(ctx, req.OrganizationID, req.ProgramID, read); err != nil {
		return nil, err
	}
	l, err := s.testLesson(ctx, s.Q, req.ProgramID, req.LessonID)
	if err != nil {
		return nil, err
	}
	limit := web.Limit(req.Params.Limit)
	arg := db.ListLessonAttemptsParams{LessonID: l.ID, UserID: req.Params.UserID, Max: int32(limit + 1)}
	if req.Params.Status != nil {
		arg.Status = new(string(*req.Params.Status))
	}
	if req.Params.Cursor != nil {
		at, id, err := web.DecodeCursor(*req.Params.Cursor)
		if err != nil {
			return nil, &web.Error{Problem: web.BadCursor(ctx)}
		}
		arg.AfterAt, arg.AfterID = &at, id
	}
	rows, err := s.Q.ListLessonAttempts(ctx, arg)
	if err != nil {
		return nil, err
	}
	page := api.AttemptSummaryPage{Items: make([]api.AttemptSummary, 0, len(rows))}
	if len(rows) > limit {
		rows = rows[:limit]
		page.NextCursor = new(web.EncodeCursor(rows[limit-1].StartedAt, rows[limit-1].ID))
	}
	for _, r := range rows {
		a, err := load(attemptOfRow(db.ListMyAttemptsRow(r)))
		if err != nil {
			return nil, err
		}
		page.Items = append(page.Items, summary(a, r.LearnerName))
	}
	return api.ListLessonAttempts200JSONResponse(page), nil
}

// GetLessonAttempt shows one attempt in full to staff, whatever the review
// policy; an attempt in progress is graded provisionally for the view.
func (s *Handler) GetLessonAttempt(ctx context.Context, req api.GetLessonAttemptRequestObject) (api.GetLessonAttemptResponseObject, error) {
	if err := s.staff(ctx, req.OrganizationID, req.ProgramID, read); err != nil {
		return nil, err
	}
	row, err := s.Q.GetAttempt(ctx, req.AttemptID)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && (row.ProgramID != req.ProgramID || row.LessonID != req.LessonID) {
		return nil, notFound(ctx, "There is no such attempt at this test.")
	}
	if err != nil {
		return nil, err
	}
	l, err := s.fresh(ctx, row)
	if err != nil {
		return nil, err
	}
	view := *l
	if view.attempt.Status == quiz.Started {
		a := *l.attempt
		r := quiz.Grade(l.bank, a.QuestionIDs, a.Answers, l.settings.PassingScore)
		a.Status, a.Result = quiz.Submitted, &r
		view.attempt = &a
	}
	staffPolicy := l.settings
	staffPolicy.Review = quiz.AfterSubmission
	qs, err := reviewQuestions(&view, staffPolicy, s.Now())
	if err != nil {
		return nil, err
	}
	name, err := s.Q.LearnerName(ctx, row.UserID)
	if err != nil {
		return nil, err
	}
	return api.GetLessonAttempt200JSONResponse{Attempt: summary(l, name), Questions: qs}, nil
}
