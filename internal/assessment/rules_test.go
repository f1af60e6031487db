package assessment_test

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/assessment"
	"github.com/kabinet-edu/kabinet/internal/jobs"
)

func TestAnotherLearnersAttemptIs404(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	bank := f.sixTypes(t)
	lesson := f.lesson(t, "test", false, nil)
	f.putTest(t, lesson, client.TestSettings{PassingScore: 50, Review: "after_submission"})
	owner, _ := f.learner(t)
	other, _ := f.learner(t)
	a := f.start(t, owner, lesson)
	c := f.env.Client
	q := bank["single_choice"].ID

	g, _ := c.GetMyAttemptWithResponse(ctx, a.ID, apitest.Bearer(other))
	apitest.WantProblem(t, g.HTTPResponse, g.Body, http.StatusNotFound, "not_found")
	s := f.save(t, other, a.ID, q, client.AttemptAnswer{Options: &[]string{"b"}})
	apitest.WantProblem(t, s.HTTPResponse, s.Body, http.StatusNotFound, "not_found")
	sub := f.submit(t, other, a.ID)
	apitest.WantProblem(t, sub.HTTPResponse, sub.Body, http.StatusNotFound, "not_found")
	r, _ := c.GetAttemptReviewWithResponse(ctx, a.ID, apitest.Bearer(other))
	apitest.WantProblem(t, r.HTTPResponse, r.Body, http.StatusNotFound, "not_found")
	// The other learner's own test shows none of the owner's attempts.
	m, _ := c.GetMyTestWithResponse(ctx, f.program, lesson, apitest.Bearer(other))
	if m.JSON200 == nil || len(m.JSON200.Attempts) != 0 || m.JSON200.OpenAttemptID != nil {
		t.Fatalf("other's test: %d %s", m.StatusCode(), m.Body)
	}
	// Nothing changed for the owner.
	if g, _ := c.GetMyAttemptWithResponse(ctx, a.ID, apitest.Bearer(owner)); g.JSON200 == nil || len(g.JSON200.Answers) != 0 || g.JSON200.Status != "started" {
		t.Fatalf("owner's attempt: %s", g.Body)
	}

	// Without access to the program (no approved application): 404 everywhere.
	outsider := apitest.Register(t, f.env, apitest.NewAccount()).AccessToken
	m, _ = c.GetMyTestWithResponse(ctx, f.program, lesson, apitest.Bearer(outsider))
	apitest.WantProblem(t, m.HTTPResponse, m.Body, http.StatusNotFound, "not_found")
	st, _ := c.StartTestAttemptWithResponse(ctx, f.program, lesson, apitest.Bearer(outsider))
	apitest.WantProblem(t, st.HTTPResponse, st.Body, http.StatusNotFound, "not_found")
	// A lesson that is not a test.
	text := f.lesson(t, "text", false, nil)
	m, _ = c.GetMyTestWithResponse(ctx, f.program, text, apitest.Bearer(owner))
	apitest.WantProblem(t, m.HTTPResponse, m.Body, http.StatusNotFound, "not_found")
	// Staff of another program cannot read the attempt either.
	otherProgram, _ := f.newProgram(t)
	one, _ := c.GetLessonAttemptWithResponse(ctx, f.org.ID, otherProgram, lesson, a.ID, f.org.As("admin"))
	apitest.WantProblem(t, one.HTTPResponse, one.Body, http.StatusNotFound, "not_found")
}

// overdue moves an attempt's deadline (and start) into the past, beyond
// its grace.
func overdue(t *testing.T, f *fixture, attempt uuid.UUID) {
	t.Helper()
	f.exec(t, `UPDATE assessment_attempts SET started_at = started_at - interval '2 hours', deadline = now() - interval '1 minute' WHERE id = $1`, attempt)
}

func TestSubmittingAfterTheTimeLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	bank := f.sixTypes(t)
	lesson := f.lesson(t, "test", true, nil)
	f.putTest(t, lesson, client.TestSettings{PassingScore: 50, Review: "after_submission", TimeLimitSeconds: new(60), GraceSeconds: new(5)})
	token, user := f.learner(t)
	a := f.start(t, token, lesson)
	right := rightAnswers(bank)
	for _, typ := range []client.QuestionType{"single_choice", "multiple_choice", "short_text", "numeric"} {
		if res := f.save(t, token, a.ID, bank[typ].ID, right[bank[typ].ID]); res.JSON200 == nil {
			t.Fatalf("save: %s", res.Body)
		}
	}
	overdue(t, f, a.ID)

	res := f.save(t, token, a.ID, bank["ordering"].ID, right[bank["ordering"].ID])
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusConflict, "attempt_closed")
	s := f.submit(t, token, a.ID)
	apitest.WantProblem(t, s.HTTPResponse, s.Body, http.StatusConflict, "attempt_closed")

	// The save found it overdue and closed it: expired, graded with the
	// four answers saved in time (4 of 6 ≥ 50 %), the lesson completed.
	g, _ := f.env.Client.GetMyAttemptWithResponse(ctx, a.ID, apitest.Bearer(token))
	if g.JSON200 == nil || g.JSON200.Status != "expired" || g.JSON200.Result == nil || g.JSON200.Result.Score != 4 || !g.JSON200.Result.Passed {
		t.Fatalf("expired attempt: %s", g.Body)
	}
	if n := apitest.CountRows(t, f.env, "lesson_completions WHERE user_id = '"+user.String()+"'"); n != 1 {
		t.Fatalf("%d completions", n)
	}

	// A submission that is itself the first to find the attempt overdue.
	b := f.start(t, token, lesson)
	overdue(t, f, b.ID)
	s = f.submit(t, token, b.ID)
	apitest.WantProblem(t, s.HTTPResponse, s.Body, http.StatusConflict, "deadline_passed")
	if g, _ := f.env.Client.GetMyAttemptWithResponse(ctx, b.ID, apitest.Bearer(token)); g.JSON200 == nil || g.JSON200.Status != "expired" || g.JSON200.Result.Passed {
		t.Fatalf("second attempt: %s", g.Body)
	}
}

func TestAttemptLimitAndCloseDate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.sixTypes(t)
	lesson := f.lesson(t, "test", false, nil)
	f.putTest(t, lesson, client.TestSettings{PassingScore: 50, Review: "never", AttemptLimit: new(1)})
	token, _ := f.learner(t)
	a := f.start(t, token, lesson)
	if s := f.submit(t, token, a.ID); s.JSON200 == nil {
		t.Fatalf("submit: %s", s.Body)
	}
	res, _ := f.env.Client.StartTestAttemptWithResponse(ctx, f.program, lesson, apitest.Bearer(token))
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusConflict, "attempts_exhausted")
	m, _ := f.env.Client.GetMyTestWithResponse(ctx, f.program, lesson, apitest.Bearer(token))
	if m.JSON200 == nil || *m.JSON200.AttemptsLeft != 0 || m.JSON200.Passed {
		t.Fatalf("my test: %s", m.Body)
	}
	// Review policy never: the score only.
	r, _ := f.env.Client.GetAttemptReviewWithResponse(ctx, a.ID, apitest.Bearer(token))
	apitest.WantProblem(t, r.HTTPResponse, r.Body, http.StatusConflict, "review_not_available")

	past := time.Now().Add(-time.Hour)
	closed := f.lesson(t, "test", false, &past)
	f.putTest(t, closed, client.TestSettings{PassingScore: 50, Review: "after_close_date"})
	res, _ = f.env.Client.StartTestAttemptWithResponse(ctx, f.program, closed, apitest.Bearer(token))
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusConflict, "test_closed")
}

// TestNoKeysBeforeReview scans every learner-facing answer for the keys'
// values while the review policy (after the close date, a week away) does
// not allow them.
func TestNoKeysBeforeReview(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	bank := f.sixTypes(t)
	closes := time.Now().Add(7 * 24 * time.Hour)
	lesson := f.lesson(t, "test", false, &closes)
	f.putTest(t, lesson, client.TestSettings{PassingScore: 50, Review: "after_close_date", ShuffleOptions: new(true)})
	token, _ := f.learner(t)
	c := f.env.Client
	var bodies [][]byte
	keep := func(b []byte) { bodies = append(bodies, b) }

	m, _ := c.GetMyTestWithResponse(ctx, f.program, lesson, apitest.Bearer(token))
	keep(m.Body)
	st, _ := c.StartTestAttemptWithResponse(ctx, f.program, lesson, apitest.Bearer(token))
	keep(st.Body)
	a := st.JSON201
	for id, ans := range rightAnswers(bank) {
		res := f.save(t, token, a.ID, id, ans)
		if id != bank["short_text"].ID && id != bank["numeric"].ID { // those echo the learner's own typing
			keep(res.Body)
		}
	}
	g, _ := c.GetMyAttemptWithResponse(ctx, a.ID, apitest.Bearer(token))
	for id, ans := range g.JSON200.Answers { // drop the typed answers, then keep the rest
		if ans.Text != nil {
			delete(g.JSON200.Answers, id)
		}
	}
	withoutTyped, _ := json.Marshal(g.JSON200)
	keep(withoutTyped)
	r, _ := c.GetAttemptReviewWithResponse(ctx, a.ID, apitest.Bearer(token))
	apitest.WantProblem(t, r.HTTPResponse, r.Body, http.StatusConflict, "review_not_available")
	keep(r.Body)
	s := f.submit(t, token, a.ID)
	if s.JSON200 == nil || s.JSON200.ReviewAvailable || s.JSON200.ReviewOpensAt == nil {
		t.Fatalf("submit: %s", s.Body)
	}
	s.JSON200.Answers = nil
	submitted, _ := json.Marshal(s.JSON200)
	keep(submitted)
	r, _ = c.GetAttemptReviewWithResponse(ctx, a.ID, apitest.Bearer(token))
	p := apitest.WantProblem(t, r.HTTPResponse, r.Body, http.StatusConflict, "review_not_available")
	if p.Detail == nil || !strings.Contains(*p.Detail, closes.UTC().Format("2006-01-02T15:04")) {
		t.Fatalf("detail names no date: %v", p.Detail)
	}
	keep(r.Body)
	m, _ = c.GetMyTestWithResponse(ctx, f.program, lesson, apitest.Bearer(token))
	keep(m.Body)

	for i, b := range bodies {
		text := strings.ToLower(string(b))
		for _, secret := range []string{strings.ToLower(secretText), "271828", strings.ToLower(secretExplanation), `"key"`, `"explanation"`} {
			if strings.Contains(text, secret) {
				t.Errorf("response %d holds %q: %s", i, secret, b)
			}
		}
	}
	// Once the test closes, the review opens.
	f.exec(t, `UPDATE lessons SET due_at = now() - interval '1 second' WHERE id = $1`, lesson)
	r, _ = c.GetAttemptReviewWithResponse(ctx, a.ID, apitest.Bearer(token))
	if r.JSON200 == nil || !strings.Contains(string(r.Body), secretText) {
		t.Fatalf("review after close: %d %s", r.StatusCode(), r.Body)
	}
}

// TestClosingRaces runs submissions, the sweep and the expiry job's path
// at once: the database lets exactly one of them close the attempt.
func TestClosingRaces(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	bank := f.sixTypes(t)
	lesson := f.lesson(t, "test", true, nil)
	f.putTest(t, lesson, client.TestSettings{PassingScore: 10, Review: "after_submission", TimeLimitSeconds: new(600)})
	token, user := f.learner(t)

	// Several submissions of an open attempt: one wins.
	a := f.start(t, token, lesson)
	f.save(t, token, a.ID, bank["single_choice"].ID, client.AttemptAnswer{Options: &[]string{"b"}})
	codes := race(8, func() int { return f.submit(t, token, a.ID).StatusCode() })
	if codes[200] != 1 || codes[409] != 7 {
		t.Fatalf("submissions: %v", codes)
	}

	// An overdue attempt: submissions against the sweep.
	b := f.start(t, token, lesson)
	f.save(t, token, b.ID, bank["single_choice"].ID, client.AttemptAnswer{Options: &[]string{"b"}})
	overdue(t, f, b.ID)
	ins, err := jobs.New(f.env.Pool, f.env.Config.Jobs, nil, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	codes = race(6, func() int {
		if n := apitest.Seq.Add(1); n%2 == 0 {
			if err := assessment.Sweep(ctx, f.env.Pool, ins, time.Now(), slog.New(slog.DiscardHandler)); err != nil {
				t.Error(err)
				return 500
			}
			return 0
		}
		return f.submit(t, token, b.ID).StatusCode()
	})
	if codes[200] != 0 || codes[500] != 0 {
		t.Fatalf("overdue: %v", codes)
	}
	var status string
	var closedOnce int
	if err := f.env.Pool.QueryRow(ctx, `SELECT status, (SELECT count(*) FROM assessment_attempts WHERE id = $1 AND closed_at IS NOT NULL) FROM assessment_attempts WHERE id = $1`,
		b.ID).Scan(&status, &closedOnce); err != nil || status != "expired" || closedOnce != 1 {
		t.Fatalf("overdue attempt: %s %d %v", status, closedOnce, err)
	}
	// One completion, one check however many closers passed.
	if n := apitest.CountRows(t, f.env, "lesson_completions WHERE user_id = '"+user.String()+"'"); n != 1 {
		t.Fatalf("%d completions", n)
	}
}

// race runs fn n times at once and counts the results.
func race(n int, fn func() int) map[int]int {
	var (
		mu    sync.Mutex
		wg    sync.WaitGroup
		gate  = make(chan struct{})
		count = map[int]int{}
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			code := fn()
			mu.Lock()
			count[code]++
			mu.Unlock()
		}()
	}
	close(gate)
	wg.Wait()
	return count
}
