package quiz_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/internal/quiz"
)

var t0 = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func newBank(t *testing.T, qs ...quiz.Question) *quiz.Bank {
	t.Helper()
	b, err := quiz.NewBank(qs)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// bigBank has n single-choice questions tagged by their parity.
func bigBank(t *testing.T, n int) *quiz.Bank {
	qs := make([]quiz.Question, n)
	for i := range qs {
		qs[i] = quiz.Question{ID: fmt.Sprintf("q%02d", i), Type: quiz.SingleChoice, Tag: []string{"even", "odd"}[i%2],
			Options: opts("a", "b", "c", "d", "e", "f"), Key: quiz.Key{Options: []string{"a"}}}
	}
	return newBank(t, qs...)
}

func start(t *testing.T, s *quiz.Settings, b *quiz.Bank, seed int64) *quiz.Attempt {
	t.Helper()
	if err := s.Validate(b); err != nil {
		t.Fatal(err)
	}
	a, err := quiz.Start(s, b, 0, seed, t0)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestShuffleIsDeterministic(t *testing.T) {
	b := bigBank(t, 20)
	s := &quiz.Settings{PassingScore: 50, Review: quiz.AfterSubmission, ShuffleQuestions: true, ShuffleOptions: true}
	a1, a2 := start(t, s, b, 42), start(t, s, b, 42)
	v1, v2 := a1.View(s, b), a2.View(s, b)
	j1, _ := json.Marshal(v1.Questions)
	j2, _ := json.Marshal(v2.Questions)
	if string(j1) != string(j2) {
		t.Fatal("the same seed gave different views")
	}
	// Stored and loaded again (a reload): the same view.
	raw, _ := json.Marshal(a1)
	var loaded quiz.Attempt
	if err := json.Unmarshal(raw, &loaded); err != nil {
		t.Fatal(err)
	}
	j3, _ := json.Marshal(loaded.View(s, b).Questions)
	if string(j3) != string(j1) {
		t.Fatal("a reloaded attempt shows another order")
	}
	// Another seed: another order, same set of option ids.
	v3 := start(t, s, b, 43).View(s, b)
	if slices.Equal(a1.QuestionIDs, start(t, s, b, 43).QuestionIDs) {
		t.Error("seeds 42 and 43 gave the same question order")
	}
	if slices.IsSorted(a1.QuestionIDs) {
		t.Error("questions were not shuffled")
	}
	ids := func(o []quiz.Option) []string {
		var s []string
		for _, x := range o {
			s = append(s, x.ID+"="+x.Text)
		}
		slices.Sort(s)
		return s
	}
	q, _ := b.Question(v3.Questions[0].ID)
	if !slices.Equal(ids(v3.Questions[0].Options), ids(q.Options)) {
		t.Error("shuffled options changed ids or texts")
	}
	// Without ShuffleOptions choices keep the authored order.
	plain := &quiz.Settings{PassingScore: 50, Review: quiz.AfterSubmission}
	pv := start(t, plain, b, 42).View(plain, b)
	if pv.Questions[0].ID != "q00" || pv.Questions[0].Options[0].ID != "a" {
		t.Error("without shuffling the bank's order should show")
	}
}

func TestOrderingAndTargetsNeverShowTheKeyOrder(t *testing.T) {
	two := quiz.Question{ID: "o", Type: quiz.Ordering, Options: opts("1", "2"), Key: quiz.Key{Options: []string{"1", "2"}}}
	m := quiz.Question{ID: "m", Type: quiz.Matching, Options: opts("a", "b"), Targets: opts("x", "y"), Key: quiz.Key{Pairs: map[string]string{"a": "x", "b": "y"}}}
	b := newBank(t, two, m)
	s := &quiz.Settings{Review: quiz.Never}
	for seed := range int64(50) {
		v := start(t, s, b, seed).View(s, b)
		if v.Questions[0].Options[0].ID == "1" {
			t.Fatalf("seed %d shows the items in the right order", seed)
		}
		if v.Questions[1].Targets[0].ID == "x" {
			t.Fatalf("seed %d shows the targets in the key's order", seed)
		}
	}
}

func TestPoolDraw(t *testing.T) {
	b := bigBank(t, 10)
	t.Run("count", func(t *testing.T) {
		s := &quiz.Settings{Review: quiz.Never, Pool: &quiz.Pool{Count: 4}}
		seen := map[string]bool{}
		for seed := range int64(30) {
			a := start(t, s, b, seed)
			if len(a.QuestionIDs) != 4 || len(slices.Compact(slices.Sorted(slices.Values(a.QuestionIDs)))) != 4 {
				t.Fatalf("seed %d drew %v", seed, a.QuestionIDs)
			}
			if !slices.IsSorted(a.QuestionIDs) {
				t.Fatalf("without shuffling the drawn questions keep the bank's order: %v", a.QuestionIDs)
			}
			for _, id := range a.QuestionIDs {
				seen[id] = true
			}
			if !slices.Equal(a.QuestionIDs, start(t, s, b, seed).QuestionIDs) {
				t.Fatal("the draw is not deterministic")
			}
		}
		if len(seen) != 10 {
			t.Errorf("30 draws reached only %d of 10 questions", len(seen))
		}
	})
	t.Run("per tag", func(t *testing.T) {
		s := &quiz.Settings{Review: quiz.Never, Pool: &quiz.Pool{PerTag: map[string]int{"even": 2, "odd": 1}}}
		a := start(t, s, b, 7)
		var even, odd int
		for _, id := range a.QuestionIDs {
			q, _ := b.Question(id)
			if q.Tag == "even" {
				even++
			} else {
				odd++
			}
		}
		if even != 2 || odd != 1 {
			t.Errorf("drew %d even and %d odd, want 2 and 1", even, odd)
		}
	})
	t.Run("invalid", func(t *testing.T) {
		for name, p := range map[string]*quiz.Pool{
			"too many":     {Count: 11},
			"both":         {Count: 2, PerTag: map[string]int{"odd": 1}},
			"unknown tag":  {PerTag: map[string]int{"geometry": 1}},
			"tag too many": {PerTag: map[string]int{"odd": 6}},
			"nothing":      {},
		} {
			s := &quiz.Settings{Review: quiz.Never, Pool: p}
			var fes quiz.FieldErrors
			if err := s.Validate(b); !errors.As(err, &fes) || !strings.HasPrefix(fes[0].Field, "pool") {
				t.Errorf("%s: Validate = %v", name, err)
			}
		}
	})
}

func TestDeadlineWithGrace(t *testing.T) {
	b := newBank(t, single, numAbs)
	s := &quiz.Settings{TimeLimit: 30 * time.Minute, Grace: 10 * time.Second, PassingScore: 50, Review: quiz.AfterSubmission}
	deadline := t0.Add(30 * time.Minute)
	right := quiz.Answer{Options: []string{"b"}}

	t.Run("submit within grace", func(t *testing.T) {
		a := start(t, s, b, 1)
		if err := a.SaveAnswer(b, "s", right, deadline.Add(5*time.Second)); err != nil {
			t.Fatal(err)
		}
		r, err := a.Submit(s, b, deadline.Add(10*time.Second))
		if err != nil || a.Status != quiz.Submitted || r.Score != 1 || r.Max != 2 || r.Percent != 50 || !r.Passed {
			t.Fatalf("Submit = %+v, %v (status %s)", r, err, a.Status)
		}
		if _, err := a.Submit(s, b, deadline); !errors.Is(err, quiz.ErrAttemptClosed) {
			t.Errorf("second submit: %v", err)
		}
		if err := a.SaveAnswer(b, "s", right, deadline); !errors.Is(err, quiz.ErrAttemptClosed) {
			t.Errorf("save after submit: %v", err)
		}
	})
	t.Run("after grace refused, then closed by the server", func(t *testing.T) {
		a := start(t, s, b, 1)
		if err := a.SaveAnswer(b, "s", right, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		late := deadline.Add(11 * time.Second)
		if err := a.SaveAnswer(b, "n", quiz.Answer{Text: "3,14"}, late); !errors.Is(err, quiz.ErrDeadlinePassed) {
			t.Errorf("late save: %v", err)
		}
		if _, err := a.Submit(s, b, late); !errors.Is(err, quiz.ErrDeadlinePassed) {
			t.Errorf("late submit: %v", err)
		}
		if a.CloseExpired(s, b, deadline.Add(10*time.Second)) {
			t.Error("closed while the grace lasted")
		}
		if !a.CloseExpired(s, b, late) {
			t.Fatal("CloseExpired did not close an overdue attempt")
		}
		if a.Status != quiz.Expired || a.Result.Score != 1 || !a.ClosedAt.Equal(late) {
			t.Errorf("expired attempt: %s %+v", a.Status, a.Result)
		}
		if a.CloseExpired(s, b, late.Add(time.Hour)) {
			t.Error("closed twice")
		}
	})
	t.Run("close date caps the deadline", func(t *testing.T) {
		closeAt := t0.Add(10 * time.Minute)
		sc := *s
		sc.CloseAt = &closeAt
		a := start(t, &sc, b, 1)
		if !a.Deadline.Equal(closeAt) {
			t.Errorf("deadline %v, want the close date %v", a.Deadline, closeAt)
		}
		if _, err := quiz.Start(&sc, b, 0, 1, closeAt); !errors.Is(err, quiz.ErrTestClosed) {
			t.Errorf("start at the close date: %v", err)
		}
	})
	t.Run("no limit", func(t *testing.T) {
		nl := &quiz.Settings{Review: quiz.Never}
		a := start(t, nl, b, 1)
		if a.Deadline != nil || a.Overdue(t0.Add(1000*time.Hour)) {
			t.Error("an attempt without a limit has a deadline")
		}
	})
}

func TestAttemptLimitAndAnswers(t *testing.T) {
	b := newBank(t, single, match)
	s := &quiz.Settings{AttemptLimit: 2, Review: quiz.Never}
	if a, err := quiz.Start(s, b, 1, 1, t0); err != nil || a.Number != 2 {
		t.Fatalf("second attempt: %v", err)
	}
	if _, err := quiz.Start(s, b, 2, 1, t0); !errors.Is(err, quiz.ErrAttemptLimit) {
		t.Errorf("third attempt: %v", err)
	}
	a := start(t, s, b, 1)
	var fes quiz.FieldErrors
	if err := a.SaveAnswer(b, "nope", quiz.Answer{Text: "x"}, t0); !errors.As(err, &fes) || fes[0].Field != "questionId" {
		t.Errorf("unknown question: %v", err)
	}
	if err := a.SaveAnswer(b, "s", quiz.Answer{Options: []string{"zz"}}, t0); !errors.As(err, &fes) || fes[0].Field != "options[0]" || fes[0].Code != "unknown_option" {
		t.Errorf("unknown option: %v", err)
	}
	_ = a.SaveAnswer(b, "s", quiz.Answer{Options: []string{"a"}}, t0)
	_ = a.SaveAnswer(b, "s", quiz.Answer{Options: []string{"b"}}, t0) // changed mind
	_ = a.SaveAnswer(b, "x", quiz.Answer{Pairs: map[string]string{"ru": "moscow"}}, t0)
	_ = a.SaveAnswer(b, "x", quiz.Answer{}, t0) // cleared
	if len(a.Answers) != 1 || a.Answers["s"].Options[0] != "b" {
		t.Errorf("answers %+v", a.Answers)
	}
}

func TestReviewPolicy(t *testing.T) {
	b := newBank(t, single, text, match)
	closeAt := t0.Add(24 * time.Hour)
	cases := []struct {
		policy  quiz.ReviewPolicy
		closeAt *time.Time
		at      time.Time
		allowed bool
	}{
		{quiz.AfterSubmission, nil, t0.Add(time.Minute), true},
		{quiz.AfterCloseDate, &closeAt, t0.Add(time.Minute), false},
		{quiz.AfterCloseDate, &closeAt, closeAt, true},
		{quiz.AfterCloseDate, nil, t0.Add(1000 * time.Hour), false},
		{quiz.Never, nil, t0.Add(1000 * time.Hour), false},
	}
	for _, c := range cases {
		t.Run(fmt.Sprintf("%s at %s", c.policy, c.at.Sub(t0)), func(t *testing.T) {
			s := &quiz.Settings{Review: c.policy, CloseAt: c.closeAt, PassingScore: 60}
			a := start(t, s, b, 3)
			if _, err := quiz.Review(a, s, b, c.at); !errors.Is(err, quiz.ErrReviewNotAllowed) {
				t.Errorf("review of a running attempt: %v", err)
			}
			_ = a.SaveAnswer(b, "t", quiz.Answer{Text: "петр i"}, t0)
			if _, err := a.Submit(s, b, t0.Add(time.Second)); err != nil {
				t.Fatal(err)
			}
			rv, err := quiz.Review(a, s, b, c.at)
			if c.allowed != (err == nil) || quiz.ReviewAllowed(a, s, c.at) != c.allowed {
				t.Fatalf("Review err = %v, want allowed=%v", err, c.allowed)
			}
			if c.allowed {
				if len(rv) != 3 || rv[1].Key.Texts[0] != "Пётр Первый" || rv[1].Score.Score != 1 || rv[0].Answer.Options != nil {
					t.Errorf("review %+v", rv)
				}
			}
			// Whatever the policy, the learner's view carries no key.
			assertNoKey(t, a.View(s, b))
		})
	}
}

// assertNoKey fails when the JSON of a learner's view mentions a key.
func assertNoKey(t *testing.T, v quiz.LearnerView) {
	t.Helper()
	raw, _ := json.Marshal(v.Questions)
	for _, leak := range []string{"key", "Пётр", "pairs", "explanation", "moscow\",\"paris"} {
		if strings.Contains(strings.ToLower(string(raw)), strings.ToLower(leak)) {
			t.Errorf("learner view contains %q: %s", leak, raw)
		}
	}
	if v.Summary != nil {
		raw, _ = json.Marshal(v.Summary)
		if strings.Contains(string(raw), "question") {
			t.Errorf("summary has per-question detail: %s", raw)
		}
	}
}
