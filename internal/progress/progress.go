// Package progress computes a learner's progress through a program: which
// lessons are open at a time, the share done, the mandatory parts done and
// whether the completion requirements are met; and it exports a group's
// progress table as CSV. It is pure: the learning API loads lessons and
// completions and passes them in.
package progress

import (
	"time"
)

// Lesson is one lesson of a program, in the program's order.
type Lesson struct {
	ID    string
	Title string
	// Mandatory lessons count towards completion; optional ones only
	// towards the percentage.
	Mandatory bool
	// OpensAt, when set, keeps the lesson closed until then. Dates relative
	// to a group's start are resolved by the caller.
	OpensAt *time.Time
	// AfterPrevious (sequential mode) keeps the lesson closed until the
	// lesson before it in the program is completed — the one right before,
	// mandatory or not. With OpensAt too, both must hold.
	AfterPrevious bool
}

// Program is the content that progress is measured against.
type Program struct {
	Lessons []Lesson
	// FinalTest is the id of the lesson holding the final attestation test,
	// when one is required; passing the test completes that lesson.
	FinalTest string
}

// Completions are a learner's completed lessons: lesson id → when. A
// lesson is completed explicitly or by passing its test.
type Completions map[string]time.Time

// LessonState is a lesson as the learner's table of contents shows it.
type LessonState struct {
	ID        string
	Open      bool
	Completed bool
	// OpensAt is when a lesson closed by its date opens.
	OpensAt *time.Time
	// WaitsFor is the lesson that must be completed first, while it is not.
	WaitsFor string
}

// States says for every lesson, in order, whether it is open at t. A
// completed lesson stays open whatever its rules say now (a date moved
// later must not hide what the learner has done).
func States(p Program, c Completions, t time.Time) []LessonState {
	out := make([]LessonState, len(p.Lessons))
	for i, l := range p.Lessons {
		s := LessonState{ID: l.ID}
		_, s.Completed = c[l.ID]
		open := true
		if l.OpensAt != nil && t.Before(*l.OpensAt) {
			open = false
			s.OpensAt = l.OpensAt
		}
		if l.AfterPrevious && i > 0 {
			if prev := p.Lessons[i-1].ID; !has(c, prev) {
				open = false
				s.WaitsFor = prev
			}
		}
		s.Open = open || s.Completed
		out[i] = s
	}
	return out
}

// IsOpen reports whether the lesson is open at t; false for a lesson not in
// the program.
func IsOpen(p Program, c Completions, lessonID string, t time.Time) bool {
	for _, s := range States(p, c, t) {
		if s.ID == lessonID {
			return s.Open
		}
	}
	return false
}

func has(c Completions, id string) bool {
	_, ok := c[id]
	return ok
}

// Summary is a learner's progress in a program.
type Summary struct {
	Completed, Total int
	// Percent is Completed/Total rounded down, so 100 means everything.
	Percent                       int
	MandatoryDone, MandatoryTotal int
	// FinalTestPassed is false when no final test is required.
	FinalTestPassed bool
	// LastActivity is the latest completion, nil before the first.
	LastActivity *time.Time
}

// Summarize counts the learner's progress; completions of lessons no longer
// in the program are ignored.
func Summarize(p Program, c Completions) Summary {
	var s Summary
	s.Total = len(p.Lessons)
	for _, l := range p.Lessons {
		at, done := c[l.ID]
		if l.Mandatory {
			s.MandatoryTotal++
		}
		if !done {
			continue
		}
		s.Completed++
		if l.Mandatory {
			s.MandatoryDone++
		}
		if s.LastActivity == nil || at.After(*s.LastActivity) {
			s.LastActivity = &at
		}
		if l.ID == p.FinalTest {
			s.FinalTestPassed = true
		}
	}
	if s.Total > 0 {
		s.Percent = s.Completed * 100 / s.Total
	}
	return s
}

// Verdict says whether a learner may receive the completion document, and
// if not, what is missing.
type Verdict struct {
	Met bool
	// MissingMandatory are the mandatory lessons not yet completed, in
	// program order (the final test's lesson included).
	MissingMandatory []string
	// FinalTestRequired and FinalTestPassed describe the final attestation.
	FinalTestRequired, FinalTestPassed bool
	// PaidInFull is the payment rule's answer.
	PaidInFull bool
}

// PaidInFull is the payment rule, injected by the caller (commerce, once it
// exists, says whether the learner has paid for the program in full).
type PaidInFull func() (bool, error)

// Check applies the completion requirements: every mandatory lesson
// completed, the final test passed when the program requires one, and the
// payment rule; a nil rule counts as paid. The rule is asked even when
// other requirements fail, so the verdict lists everything missing.
func Check(p Program, c Completions, paid PaidInFull) (Verdict, error) {
	v := Verdict{FinalTestRequired: p.FinalTest != "", PaidInFull: true}
	for _, l := range p.Lessons {
		if (l.Mandatory || l.ID == p.FinalTest) && !has(c, l.ID) {
			v.MissingMandatory = append(v.MissingMandatory, l.ID)
		}
	}
	if v.FinalTestRequired {
		v.FinalTestPassed = has(c, p.FinalTest) && containsLesson(p, p.FinalTest)
	}
	if paid != nil {
		ok, err := paid()
		if err != nil {
			return Verdict{}, err
		}
		v.PaidInFull = ok
	}
	v.Met = len(v.MissingMandatory) == 0 && (!v.FinalTestRequired || v.FinalTestPassed) && v.PaidInFull
	return v, nil
}

func containsLesson(p Program, id string) bool {
	for _, l := range p.Lessons {
		if l.ID == id {
			return true
		}
	}
	return false
}
