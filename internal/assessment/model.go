package assessment

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/quiz"
)

// defaultGrace is the grace of a test whose settings name none.
const defaultGrace = 10 * time.Second

// testConfig is what assessment_tests.settings holds: the engine's
// settings (without the close date, which is the lesson's due_at) and
// which bank questions the test draws from.
type testConfig struct {
	quiz.Settings
	QuestionIDs []string `json:"questionIds,omitempty"`
	Tags        []string `json:"tags,omitempty"`
}

func decodeConfig(raw []byte) (testConfig, error) {
	var c testConfig
	if err := json.Unmarshal(raw, &c); err != nil {
		return c, fmt.Errorf("test settings: %w", err)
	}
	return c, nil
}

// questionOf turns a bank row into the engine's question (its id is the
// row's).
func questionOf(r db.AssessmentQuestion) (quiz.Question, error) {
	var q quiz.Question
	if err := json.Unmarshal(r.Body, &q); err != nil {
		return q, fmt.Errorf("question %s: %w", r.ID, err)
	}
	q.ID, q.Type, q.Tag = r.ID.String(), quiz.Type(r.Type), r.Tag
	return q, nil
}

// candidates are the bank questions the test draws from, in bank order.
func (c testConfig) candidates(rows []db.AssessmentQuestion) ([]quiz.Question, error) {
	ids := map[string]bool{}
	for _, id := range c.QuestionIDs {
		ids[id] = true
	}
	tags := map[string]bool{}
	for _, t := range c.Tags {
		tags[t] = true
	}
	out := make([]quiz.Question, 0, len(rows))
	for _, r := range rows {
		switch {
		case len(ids) > 0 && !ids[r.ID.String()]:
			continue
		case len(ids) == 0 && len(tags) > 0 && !tags[r.Tag]:
			continue
		}
		q, err := questionOf(r)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, nil
}

// loaded is a stored attempt as the engine sees it: the attempt, the bank
// of the questions it drew (as they were at its start) and its settings.
type loaded struct {
	row      db.AssessmentAttempt
	attempt  *quiz.Attempt
	bank     *quiz.Bank
	settings quiz.Settings
}

func load(r db.AssessmentAttempt) (*loaded, error) {
	var qs []quiz.Question
	if err := json.Unmarshal(r.Questions, &qs); err != nil {
		return nil, fmt.Errorf("attempt %s questions: %w", r.ID, err)
	}
	bank, err := quiz.NewBank(qs)
	if err != nil {
		return nil, fmt.Errorf("attempt %s bank: %w", r.ID, err)
	}
	l := &loaded{row: r, bank: bank}
	if err := json.Unmarshal(r.Settings, &l.settings); err != nil {
		return nil, fmt.Errorf("attempt %s settings: %w", r.ID, err)
	}
	a := &quiz.Attempt{
		Number: int(r.Number), Seed: r.Seed, QuestionIDs: r.QuestionIds, Status: quiz.Status(r.Status),
		StartedAt: r.StartedAt, Deadline: r.Deadline, Grace: time.Duration(r.GraceMs) * time.Millisecond,
		Answers: map[string]quiz.Answer{}, ClosedAt: r.ClosedAt,
	}
	if err := json.Unmarshal(r.Answers, &a.Answers); err != nil {
		return nil, fmt.Errorf("attempt %s answers: %w", r.ID, err)
	}
	if r.Result != nil {
		a.Result = new(quiz.Result)
		if err := json.Unmarshal(r.Result, a.Result); err != nil {
			return nil, fmt.Errorf("attempt %s result: %w", r.ID, err)
		}
	}
	l.attempt = a
	return l, nil
}

func apiOptions(opts []quiz.Option) []api.QuestionOption {
	out := make([]api.QuestionOption, len(opts))
	for i, o := range opts {
		out[i] = api.QuestionOption{ID: o.ID, Text: o.Text}
	}
	return out
}

func quizOptions(opts *[]api.QuestionOption) []quiz.Option {
	if opts == nil {
		return nil
	}
	out := make([]quiz.Option, len(*opts))
	for i, o := range *opts {
		out[i] = quiz.Option{ID: o.ID, Text: o.Text}
	}
	return out
}

func apiKey(k quiz.Key) api.QuestionKey {
	out := api.QuestionKey{}
	if len(k.Options) > 0 {
		out.Options = &k.Options
	}
	if len(k.Pairs) > 0 {
		out.Pairs = &k.Pairs
	}
	if len(k.Texts) > 0 {
		out.Texts = &k.Texts
	}
	if k.Number != 0 || k.Tolerance != 0 || k.Relative {
		out.Number, out.Tolerance, out.Relative = &k.Number, &k.Tolerance, &k.Relative
	}
	return out
}

func quizKey(k api.QuestionKey) quiz.Key {
	out := quiz.Key{}
	if k.Options != nil {
		out.Options = *k.Options
	}
	if k.Pairs != nil {
		out.Pairs = *k.Pairs
	}
	if k.Texts != nil {
		out.Texts = *k.Texts
	}
	if k.Number != nil {
		out.Number = *k.Number
	}
	if k.Tolerance != nil {
		out.Tolerance = *k.Tolerance
	}
	if k.Relative != nil {
		out.Relative = *k.Relative
	}
	return out
}

func apiAnswer(a quiz.Answer) api.AttemptAnswer {
	out := api.AttemptAnswer{}
	if len(a.Options) > 0 {
		out.Options = &a.Options
	}
	if len(a.Pairs) > 0 {
		out.Pairs = &a.Pairs
	}
	if a.Text != "" {
		out.Text = &a.Text
	}
	return out
}

func quizAnswer(a api.AttemptAnswer) quiz.Answer {
	out := quiz.Answer{}
	if a.Options != nil {
		out.Options = *a.Options
	}
	if a.Pairs != nil {
		out.Pairs = *a.Pairs
	}
	if a.Text != nil {
		out.Text = *a.Text
	}
	return out
}

func apiResult(r *quiz.Result) *api.AttemptResult {
	if r == nil {
		return nil
	}
	return &api.AttemptResult{Score: r.Score, MaxScore: r.Max, Percent: r.Percent, Passed: r.Passed}
}

func summary(l *loaded, learnerName string) api.AttemptSummary {
	r := l.row
	return api.AttemptSummary{
		ID: r.ID, LessonID: r.LessonID, ProgramID: r.ProgramID, UserID: r.UserID, LearnerName: learnerName,
		Number: int(r.Number), Status: api.AttemptStatus(r.Status), StartedAt: r.StartedAt.UTC(),
		Deadline: utc(r.Deadline), ClosedAt: utc(r.ClosedAt), Result: apiResult(l.attempt.Result),
	}
}

// learnerView is the attempt for its learner: questions without keys.
// review says whether the review may be opened now and, if later, when.
func learnerView(l *loaded, now time.Time, reviewOK bool, reviewAt *time.Time) api.LearnerAttempt {
	v := l.attempt.View(&l.settings, l.bank)
	out := api.LearnerAttempt{
		ID: l.row.ID, LessonID: l.row.LessonID, ProgramID: l.row.ProgramID, Number: v.Number,
		Status: api.AttemptStatus(v.Status), StartedAt: v.StartedAt.UTC(), Deadline: utc(v.Deadline),
		GraceSeconds: int(l.row.GraceMs / 1000), ClosedAt: utc(l.row.ClosedAt),
		Questions: make([]api.LearnerQuestion, len(v.Questions)), Answers: map[string]api.AttemptAnswer{},
		AnswersVersion: int(l.row.AnswersVersion), Result: apiResult(l.attempt.Result),
		ReviewAvailable: reviewOK, ReviewOpensAt: utc(reviewAt),
	}
	if left, ok := l.attempt.Remaining(now); ok {
		out.RemainingSeconds = new(int(left / time.Second))
	}
	for i, q := range v.Questions {
		out.Questions[i] = api.LearnerQuestion{
			ID: uuid.MustParse(q.ID), Type: api.QuestionType(q.Type), Prompt: q.Prompt, Points: q.Points,
			Options: apiOptions(q.Options), Targets: apiOptions(q.Targets),
		}
	}
	for id, a := range v.Answers {
		out.Answers[id] = apiAnswer(a)
	}
	return out
}

// reviewQuestions is the attempt with its key, for staff or for a review
// the policy allows (settings say which policy).
func reviewQuestions(l *loaded, s quiz.Settings, now time.Time) ([]api.ReviewQuestion, error) {
	rq, err := quiz.Review(l.attempt, &s, l.bank, now)
	if err != nil {
		return nil, err
	}
	out := make([]api.ReviewQuestion, len(rq))
	for i, q := range rq {
		out[i] = api.ReviewQuestion{
			ID: uuid.MustParse(q.ID), Type: api.QuestionType(q.Type), Prompt: q.Prompt, Points: q.Points,
			Options: apiOptions(q.Options), Targets: apiOptions(q.Targets), Answer: apiAnswer(q.Answer),
			Score: q.Score.Score, Answered: q.Score.Answered, Key: apiKey(q.Key), Explanation: q.Explanation,
		}
	}
	return out, nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
