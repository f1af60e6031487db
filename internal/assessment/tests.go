package assessment

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/quiz"
)

// GetLessonTest shows a test lesson's settings.
func (s *Handler) GetLessonTest(ctx context.Context, req api.GetLessonTestRequestObject) (api.GetLessonTestResponseObject, error) {
	if err := s.staff(ctx, req.OrganizationID, req.ProgramID, read); err != nil {
		return nil, err
	}
	l, err := s.testLesson(ctx, s.Q, req.ProgramID, req.LessonID)
	if err != nil {
		return nil, err
	}
	t, err := s.Q.GetAssessmentTest(ctx, l.ID)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(ctx, "This test lesson has no settings yet (PUT them).")
	}
	if err != nil {
		return nil, err
	}
	out, err := s.lessonTest(ctx, l, t)
	if err != nil {
		return nil, err
	}
	return api.GetLessonTest200JSONResponse{Body: out, Headers: api.GetLessonTest200ResponseHeaders{ETag: etag(t.Version)}}, nil
}

// PutLessonTest sets a test lesson's settings, checked against the bank
// questions they draw from.
func (s *Handler) PutLessonTest(ctx context.Context, req api.PutLessonTestRequestObject) (api.PutLessonTestResponseObject, error) {
	if err := s.staff(ctx, req.OrganizationID, req.ProgramID, write); err != nil {
		return nil, err
	}
	l, err := s.testLesson(ctx, s.Q, req.ProgramID, req.LessonID)
	if err != nil {
		return nil, err
	}
	cfg := configOf(req.Body)
	rows, err := s.Q.ProgramBank(ctx, req.ProgramID)
	if err != nil {
		return nil, err
	}
	if err := checkConfig(ctx, cfg, rows); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(cfg)
	if err != nil {
		return nil, err
	}
	cur, err := s.Q.GetAssessmentTest(ctx, l.ID)
	var t db.AssessmentTest
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		t, err = s.Q.CreateAssessmentTest(ctx, db.CreateAssessmentTestParams{LessonID: l.ID, OrganizationID: l.OrganizationID, ProgramID: l.ProgramID, Settings: raw})
		if errors.Is(err, pgx.ErrNoRows) { // created concurrently: this PUT is based on nothing
			return nil, stale(ctx)
		}
	case err != nil:
		return nil, err
	default:
		if err := ifMatch(ctx, req.Params.IfMatch, cur.Version); err != nil {
			return nil, err
		}
		t, err = s.Q.UpdateAssessmentTest(ctx, db.UpdateAssessmentTestParams{LessonID: l.ID, Version: cur.Version, Settings: raw})
		if errors.Is(err, pgx.ErrNoRows) {
			return nil, stale(ctx)
		}
	}
	if err != nil {
		return nil, err
	}
	out, err := s.lessonTest(ctx, l, t)
	if err != nil {
		return nil, err
	}
	return api.PutLessonTest200JSONResponse(out), nil
}

func configOf(in *api.TestSettings) testConfig {
	c := testConfig{Settings: quiz.Settings{
		PassingScore: in.PassingScore, Review: quiz.ReviewPolicy(in.Review), Grace: defaultGrace,
	}}
	if in.TimeLimitSeconds != nil {
		c.TimeLimit = time.Duration(*in.TimeLimitSeconds) * time.Second
	}
	if in.GraceSeconds != nil {
		c.Grace = time.Duration(*in.GraceSeconds) * time.Second
	}
	if in.AttemptLimit != nil {
		c.AttemptLimit = *in.AttemptLimit
	}
	c.ShuffleQuestions = in.ShuffleQuestions != nil && *in.ShuffleQuestions
	c.ShuffleOptions = in.ShuffleOptions != nil && *in.ShuffleOptions
	if p := in.Pool; p != nil {
		c.Pool = &quiz.Pool{}
		if p.Count != nil {
			c.Pool.Count = *p.Count
		}
		if p.PerTag != nil {
			c.Pool.PerTag = *p.PerTag
		}
	}
	if in.QuestionIds != nil {
		for _, id := range *in.QuestionIds {
			c.QuestionIDs = append(c.QuestionIDs, id.String())
		}
	}
	if in.Tags != nil {
		c.Tags = *in.Tags
	}
	return c
}

// checkConfig validates settings against the questions they draw from;
// question ids must be of the bank.
func checkConfig(ctx context.Context, c testConfig, rows []db.AssessmentQuestion) error {
	if len(c.QuestionIDs) > 0 {
		have := map[string]bool{}
		for _, r := range rows {
			have[r.ID.String()] = true
		}
		var errs quiz.FieldErrors
		for i, id := range c.QuestionIDs {
			if !have[id] {
				errs = append(errs, &quiz.FieldError{Field: "questionIds[" + strconv.Itoa(i) + "]", Code: "unknown_question", Message: "is not a question of this program's bank"})
			}
		}
		if len(errs) > 0 {
			return fieldProblem(ctx, "", errs)
		}
	}
	_, err := configBank(c, rows)
	if err != nil {
		return fieldProblem(ctx, "", err)
	}
	return nil
}

// configBank is the bank a test draws from, checked against its settings.
func configBank(c testConfig, rows []db.AssessmentQuestion) ([]quiz.Question, error) {
	qs, err := c.candidates(rows)
	if err != nil {
		return nil, err
	}
	bank, err := quiz.NewBank(qs)
	if err != nil {
		return nil, err
	}
	if err := c.Validate(bank); err != nil {
		return nil, err
	}
	return qs, nil
}

func (s *Handler) lessonTest(ctx context.Context, l db.GetTestLessonRow, t db.AssessmentTest) (api.LessonTest, error) {
	c, err := decodeConfig(t.Settings)
	if err != nil {
		return api.LessonTest{}, err
	}
	rows, err := s.Q.ProgramBank(ctx, l.ProgramID)
	if err != nil {
		return api.LessonTest{}, err
	}
	qs, err := c.candidates(rows)
	if err != nil {
		return api.LessonTest{}, err
	}
	return api.LessonTest{
		LessonID: l.ID, ProgramID: l.ProgramID, Title: l.Title, Final: l.Final, CloseAt: utc(l.DueAt),
		Settings: apiSettings(c), QuestionCount: len(qs), Version: int(t.Version), UpdatedAt: t.UpdatedAt.UTC(),
	}, nil
}

func apiSettings(c testConfig) api.TestSettings {
	out := api.TestSettings{
		PassingScore: c.PassingScore, Review: api.ReviewPolicy(c.Review),
		TimeLimitSeconds: new(int(c.TimeLimit / time.Second)), GraceSeconds: new(int(c.Grace / time.Second)),
		AttemptLimit: new(c.AttemptLimit), ShuffleQuestions: new(c.ShuffleQuestions), ShuffleOptions: new(c.ShuffleOptions),
	}
	if c.Pool != nil {
		out.Pool = &api.TestPool{}
		if c.Pool.Count > 0 {
			out.Pool.Count = new(c.Pool.Count)
		}
		if len(c.Pool.PerTag) > 0 {
			out.Pool.PerTag = &c.Pool.PerTag
		}
	}
	if len(c.QuestionIDs) > 0 {
		ids := make([]uuid.UUID, 0, len(c.QuestionIDs))
		for _, id := range c.QuestionIDs {
			if u, err := uuid.Parse(id); err == nil {
				ids = append(ids, u)
			}
		}
		out.QuestionIds = &ids
	}
	if len(c.Tags) > 0 {
		out.Tags = &c.Tags
	}
	return out
}
