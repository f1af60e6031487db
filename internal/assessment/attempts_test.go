package assessment_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

func TestAttemptFlow(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	bank := f.sixTypes(t)
	lesson := f.lesson(t, "test", true, nil)
	f.putTest(t, lesson, client.TestSettings{PassingScore: 80, Review: "after_submission", TimeLimitSeconds: new(600),
		ShuffleQuestions: new(true), ShuffleOptions: new(true), AttemptLimit: new(2)})
	token, user := f.learner(t)
	c := f.env.Client

	a := f.start(t, token, lesson)
	if len(a.Questions) != 6 || a.Status != "started" || a.Deadline == nil || a.RemainingSeconds == nil || *a.RemainingSeconds < 590 || a.Result != nil {
		t.Fatalf("started: %+v", a)
	}
	// The expiry job is enqueued with the attempt, for the deadline plus grace.
	var at time.Time
	if err := f.env.Pool.QueryRow(ctx, `SELECT scheduled_at FROM river_job WHERE kind = 'assessment_close_attempt' AND args->>'attempt_id' = $1`,
		a.ID.String()).Scan(&at); err != nil {
		t.Fatalf("close job: %v", err)
	}
	if d := at.Sub(*a.Deadline); d < 10*time.Second || d > 12*time.Second {
		t.Fatalf("close job at deadline + %s", d)
	}
	// Starting again returns the attempt in progress.
	again, _ := c.StartTestAttemptWithResponse(ctx, f.program, lesson, apitest.Bearer(token))
	if again.JSON200 == nil || again.JSON200.ID != a.ID {
		t.Fatalf("start again: %d %s", again.StatusCode(), again.Body)
	}

	// Refused answers name the field.
	res := f.save(t, token, a.ID, bank["single_choice"].ID, client.AttemptAnswer{Options: &[]string{"nope"}})
	p := apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "options.0:unknown_option") {
		t.Fatalf("fields %v", apitest.Fields(p))
	}
	nan := "три"
	res = f.save(t, token, a.ID, bank["numeric"].ID, client.AttemptAnswer{Text: &nan})
	p = apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "text:not_a_number") {
		t.Fatalf("fields %v", apitest.Fields(p))
	}
	res = f.save(t, token, a.ID, uuid.New(), client.AttemptAnswer{Options: &[]string{"a"}})
	p = apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "path.questionId:unknown_question") {
		t.Fatalf("fields %v", apitest.Fields(p))
	}

	// Save every right answer but one (ordering wrong): 5 of 6 ≈ 83 % ≥ 80.
	version := 0
	for id, ans := range rightAnswers(bank) {
		if id == bank["ordering"].ID {
			ans = client.AttemptAnswer{Options: &[]string{"i3", "i2", "i1"}}
		}
		res := f.save(t, token, a.ID, id, ans)
		if res.JSON200 == nil || res.JSON200.AnswersVersion <= version {
			t.Fatalf("save: %d %s", res.StatusCode(), res.Body)
		}
		version = res.JSON200.AnswersVersion
	}
	g, _ := c.GetMyAttemptWithResponse(ctx, a.ID, apitest.Bearer(token))
	if g.JSON200 == nil || len(g.JSON200.Answers) != 6 || g.JSON200.AnswersVersion != version {
		t.Fatalf("reload: %d %s", g.StatusCode(), g.Body)
	}
	// The reload shows the same questions in the same order.
	for i := range a.Questions {
		if g.JSON200.Questions[i].ID != a.Questions[i].ID {
			t.Fatalf("question %d changed on reload", i)
		}
	}

	s := f.submit(t, token, a.ID)
	if s.JSON200 == nil || s.JSON200.Status != "submitted" || s.JSON200.Result == nil || !s.JSON200.Result.Passed ||
		s.JSON200.Result.Score != 5 || s.JSON200.Result.MaxScore != 6 || !s.JSON200.ReviewAvailable {
		t.Fatalf("submit: %d %s", s.StatusCode(), s.Body)
	}
	// Passing completed the (final) test lesson and asked for the completion check.
	var source string
	if err := f.env.Pool.QueryRow(ctx, `SELECT source FROM lesson_completions WHERE user_id = $1 AND lesson_id = $2`, user, lesson).Scan(&source); err != nil || source != "test" {
		t.Fatalf("completion: %q %v", source, err)
	}
	if n := countJobs(t, f, "completion_check", user); n != 1 {
		t.Fatalf("%d completion checks", n)
	}

	// Closed: a second submission and late saves are refused.
	s = f.submit(t, token, a.ID)
	p = apitest.WantProblem(t, s.HTTPResponse, s.Body, http.StatusConflict, "attempt_closed")
	if p.Detail == nil || !strings.Contains(*p.Detail, "submitted") {
		t.Fatalf("detail %v", p.Detail)
	}
	res = f.save(t, token, a.ID, bank["ordering"].ID, rightAnswers(bank)[bank["ordering"].ID])
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusConflict, "attempt_closed")

	// The review shows the keys now.
	r, _ := c.GetAttemptReviewWithResponse(ctx, a.ID, apitest.Bearer(token))
	if r.JSON200 == nil || len(r.JSON200.Questions) != 6 || !strings.Contains(string(r.Body), secretText) {
		t.Fatalf("review: %d %s", r.StatusCode(), r.Body)
	}
	for _, q := range r.JSON200.Questions {
		if want := q.ID != bank["ordering"].ID; (q.Score == q.Points) != want {
			t.Errorf("question %s scored %v of %v", q.ID, q.Score, q.Points)
		}
	}

	// My test: one attempt used of two, passed.
	m, _ := c.GetMyTestWithResponse(ctx, f.program, lesson, apitest.Bearer(token))
	if m.JSON200 == nil || m.JSON200.AttemptsUsed != 1 || *m.JSON200.AttemptsLeft != 1 || !m.JSON200.Passed ||
		m.JSON200.BestPercent == nil || *m.JSON200.BestPercent != 83.33 || m.JSON200.OpenAttemptID != nil || !m.JSON200.Final {
		t.Fatalf("my test: %d %s", m.StatusCode(), m.Body)
	}

	// Staff see it in the list and in full.
	st := "submitted"
	l, _ := c.ListLessonAttemptsWithResponse(ctx, f.org.ID, f.program, lesson, &client.ListLessonAttemptsParams{UserID: &user, Status: (*client.AttemptStatus)(&st)}, f.org.As("teacher"))
	if l.JSON200 == nil || len(l.JSON200.Items) != 1 || l.JSON200.Items[0].ID != a.ID || l.JSON200.Items[0].LearnerName == "" {
		t.Fatalf("staff list: %d %s", l.StatusCode(), l.Body)
	}
	one, _ := c.GetLessonAttemptWithResponse(ctx, f.org.ID, f.program, lesson, a.ID, f.org.As("manager"))
	if one.JSON200 == nil || len(one.JSON200.Questions) != 6 {
		t.Fatalf("staff attempt: %d %s", one.StatusCode(), one.Body)
	}
}

func countJobs(t *testing.T, f *fixture, kind string, user uuid.UUID) int {
	t.Helper()
	var n int
	if err := f.env.Pool.QueryRow(ctx, `SELECT count(*) FROM river_job WHERE kind = $1 AND args->>'user_id' = $2`, kind, user.String()).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestEditingTheBankKeepsGradedHistory(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	q := f.question(t, client.BankQuestionInput{Type: "short_text", Prompt: "Столица?", Key: client.QuestionKey{Texts: &[]string{"Москва"}}})
	lesson := f.lesson(t, "test", false, nil)
	f.putTest(t, lesson, client.TestSettings{PassingScore: 100, Review: "after_submission"})
	token, _ := f.learner(t)
	a := f.start(t, token, lesson)
	answer := "москва"
	if res := f.save(t, token, a.ID, q.ID, client.AttemptAnswer{Text: &answer}); res.JSON200 == nil {
		t.Fatalf("save: %s", res.Body)
	}
	// The teacher changes the key, then deletes the question, mid-attempt.
	g, _ := f.env.Client.GetBankQuestionWithResponse(ctx, f.org.ID, f.program, q.ID, f.org.As("teacher"))
	u, _ := f.env.Client.UpdateBankQuestionWithResponse(ctx, f.org.ID, f.program, q.ID, &client.UpdateBankQuestionParams{IfMatch: new(g.HTTPResponse.Header.Get("ETag"))},
		client.BankQuestionInput{Type: "short_text", Prompt: "Столица?", Key: client.QuestionKey{Texts: &[]string{"Петербург"}}}, f.org.As("teacher"))
	wantStatus(t, "update", u.StatusCode(), 200, u.Body)
	d, _ := f.env.Client.DeleteBankQuestionWithResponse(ctx, f.org.ID, f.program, q.ID, f.org.As("teacher"))
	wantStatus(t, "delete", d.StatusCode(), 204, d.Body)

	s := f.submit(t, token, a.ID)
	if s.JSON200 == nil || !s.JSON200.Result.Passed || len(s.JSON200.Questions) != 1 {
		t.Fatalf("submit: %d %s", s.StatusCode(), s.Body)
	}
	r, _ := f.env.Client.GetAttemptReviewWithResponse(ctx, a.ID, apitest.Bearer(token))
	if r.JSON200 == nil || (*r.JSON200.Questions[0].Key.Texts)[0] != "Москва" {
		t.Fatalf("review: %s", r.Body)
	}
}
