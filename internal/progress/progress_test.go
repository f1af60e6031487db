package progress_test

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/internal/progress"
)

var (
	day0 = time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	day7 = day0.AddDate(0, 0, 7)
)

// program: intro (mandatory), extra (optional), webinar (mandatory, opens
// on day 7), practice (mandatory, after webinar), final test (after
// practice).
func program() progress.Program {
	return progress.Program{
		Lessons: []progress.Lesson{
			{ID: "intro", Title: "Введение", Mandatory: true},
			{ID: "extra", Title: "Дополнительно", Mandatory: false},
			{ID: "webinar", Title: "Вебинар", Mandatory: true, OpensAt: &day7},
			{ID: "practice", Title: "Практика", Mandatory: true, AfterPrevious: true},
			{ID: "final", Title: "Итоговый тест", Mandatory: true, AfterPrevious: true},
		},
		FinalTest: "final",
	}
}

func done(ids ...string) progress.Completions {
	c := progress.Completions{}
	for i, id := range ids {
		c[id] = day0.Add(time.Duration(i+1) * 24 * time.Hour)
	}
	return c
}

func openIDs(states []progress.LessonState) []string {
	var ids []string
	for _, s := range states {
		if s.Open {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

func TestStates(t *testing.T) {
	p := program()
	tests := []struct {
		name string
		c    progress.Completions
		at   time.Time
		open []string
	}{
		{"start", done(), day0, []string{"intro", "extra"}},
		{"webinar date reached", done(), day7, []string{"intro", "extra", "webinar"}},
		{"webinar done opens practice", done("webinar"), day7, []string{"intro", "extra", "webinar", "practice"}},
		{"chain", done("webinar", "practice"), day7, []string{"intro", "extra", "webinar", "practice", "final"}},
		{"completed stays open even before its date", done("webinar"), day0, []string{"intro", "extra", "webinar", "practice"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := openIDs(progress.States(p, tt.c, tt.at)); !slices.Equal(got, tt.open) {
				t.Errorf("open %v, want %v", got, tt.open)
			}
		})
	}
	st := progress.States(p, done(), day0)
	if st[2].OpensAt == nil || !st[2].OpensAt.Equal(day7) || st[3].WaitsFor != "webinar" {
		t.Errorf("reasons: %+v", st)
	}
	if progress.IsOpen(p, done(), "practice", day7) || !progress.IsOpen(p, done(), "intro", day0) || progress.IsOpen(p, done(), "nope", day0) {
		t.Error("IsOpen disagrees with States")
	}
	// Both rules on one lesson: the date and the previous lesson.
	both := progress.Program{Lessons: []progress.Lesson{{ID: "a"}, {ID: "b", OpensAt: &day7, AfterPrevious: true}}}
	if progress.IsOpen(both, done("a"), "b", day0) || progress.IsOpen(both, done(), "b", day7) || !progress.IsOpen(both, done("a"), "b", day7) {
		t.Error("a lesson with a date and sequential mode needs both")
	}
}

func TestSummarize(t *testing.T) {
	p := program()
	s := progress.Summarize(p, done("intro", "extra", "gone-lesson"))
	if s.Completed != 2 || s.Total != 5 || s.Percent != 40 || s.MandatoryDone != 1 || s.MandatoryTotal != 4 || s.FinalTestPassed {
		t.Errorf("summary %+v", s)
	}
	if s.LastActivity == nil || !s.LastActivity.Equal(day0.Add(48*time.Hour)) {
		t.Errorf("last activity %v (a deleted lesson's completion must not count)", s.LastActivity)
	}
	two := progress.Program{Lessons: []progress.Lesson{{ID: "a"}, {ID: "b"}, {ID: "c"}}}
	if got := progress.Summarize(two, done("a", "b")).Percent; got != 66 {
		t.Errorf("2 of 3 = %d%%, want 66 (rounded down)", got)
	}
	if got := progress.Summarize(progress.Program{}, done()); got.Percent != 0 || got.LastActivity != nil {
		t.Errorf("empty program %+v", got)
	}
}

func TestCheck(t *testing.T) {
	p := program()
	all := done("intro", "webinar", "practice", "final")
	paid := func(ok bool) progress.PaidInFull { return func() (bool, error) { return ok, nil } }
	tests := []struct {
		name    string
		p       progress.Program
		c       progress.Completions
		paid    progress.PaidInFull
		met     bool
		missing []string
	}{
		{"all done, no payment rule yet", p, all, nil, true, nil},
		{"all done and paid", p, all, paid(true), true, nil},
		{"all done, not paid", p, all, paid(false), false, nil},
		{"optional not needed", p, all, nil, true, nil},
		{"final test missing", p, done("intro", "webinar", "practice"), nil, false, []string{"final"}},
		{"mandatory missing", p, done("webinar", "practice", "final"), paid(false), false, []string{"intro"}},
		{"optional final test lesson still required", progress.Program{
			Lessons: []progress.Lesson{{ID: "a", Mandatory: true}, {ID: "t"}}, FinalTest: "t"}, done("a"), nil, false, []string{"t"}},
		{"no final test required", progress.Program{Lessons: []progress.Lesson{{ID: "a", Mandatory: true}}}, done("a"), nil, true, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := progress.Check(tt.p, tt.c, tt.paid)
			if err != nil {
				t.Fatal(err)
			}
			if v.Met != tt.met || !slices.Equal(v.MissingMandatory, tt.missing) {
				t.Errorf("verdict %+v, want met=%v missing=%v", v, tt.met, tt.missing)
			}
		})
	}
	boom := errors.New("commerce is down")
	if _, err := progress.Check(p, all, func() (bool, error) { return false, boom }); !errors.Is(err, boom) {
		t.Errorf("payment error: %v", err)
	}
	v, _ := progress.Check(p, all, nil)
	if !v.FinalTestRequired || !v.FinalTestPassed || !v.PaidInFull {
		t.Errorf("verdict flags %+v", v)
	}
}
