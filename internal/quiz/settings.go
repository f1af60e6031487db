package quiz

import (
	"slices"
	"time"
)

// ReviewPolicy says when a learner may see the correct answers.
type ReviewPolicy string

// The review policies.
const (
	// AfterSubmission: once the attempt is submitted or expired.
	AfterSubmission ReviewPolicy = "after_submission"
	// AfterCloseDate: once the attempt is closed and the test's close date
	// has passed; a test without a close date never shows answers.
	AfterCloseDate ReviewPolicy = "after_close_date"
	// Never: only the score is shown.
	Never ReviewPolicy = "never"
)

// Pool draws a subset of the bank for each attempt. Set Count to draw that
// many of all questions, or PerTag to draw so many of each tag (section);
// questions without a drawn tag are then left out.
type Pool struct {
	Count  int            `json:"count,omitempty"`
	PerTag map[string]int `json:"perTag,omitempty"`
}

// Settings are a test's rules.
type Settings struct {
	// TimeLimit per attempt; 0 means none.
	TimeLimit time.Duration `json:"timeLimit,omitempty"`
	// Grace is added to the deadline before answers are refused, for the
	// request in flight when the timer ran out (a few seconds).
	Grace time.Duration `json:"grace,omitempty"`
	// AttemptLimit is the number of attempts a learner has; 0 means no limit.
	AttemptLimit int `json:"attemptLimit,omitempty"`
	// PassingScore in percent, 0–100.
	PassingScore float64 `json:"passingScore"`
	// ShuffleQuestions shows the (drawn) questions in an order of the
	// attempt's own; otherwise in the bank's order.
	ShuffleQuestions bool `json:"shuffleQuestions,omitempty"`
	// ShuffleOptions shuffles choices. Items to order and matching targets
	// are always shuffled, since their authored order may give the answer
	// away.
	ShuffleOptions bool `json:"shuffleOptions,omitempty"`
	// Pool, when set, draws a subset of the bank per attempt.
	Pool *Pool `json:"pool,omitempty"`
	// Review says when the answers are shown.
	Review ReviewPolicy `json:"review"`
	// CloseAt, when set, ends the test: no attempt starts after it and a
	// running attempt's deadline is no later than it.
	CloseAt *time.Time `json:"closeAt,omitempty"`
}

// Validate checks settings against the bank they draw from; fields are named
// as in the JSON ("pool.perTag.algebra").
func (s *Settings) Validate(bank *Bank) error {
	var errs FieldErrors
	add := func(field, code, format string, args ...any) {
		errs = append(errs, fieldErr(field, code, format, args...))
	}
	if s.TimeLimit < 0 {
		add("timeLimit", "invalid_value", "must not be negative")
	}
	if s.Grace < 0 || s.Grace > 10*time.Minute {
		add("grace", "invalid_value", "must be between 0 and 10 minutes")
	}
	if s.AttemptLimit < 0 {
		add("attemptLimit", "invalid_value", "must not be negative")
	}
	if s.PassingScore < 0 || s.PassingScore > 100 {
		add("passingScore", "invalid_value", "must be a percentage between 0 and 100")
	}
	switch s.Review {
	case AfterSubmission, AfterCloseDate, Never:
	default:
		add("review", "invalid_value", "must be after_submission, after_close_date or never")
	}
	if bank.Len() == 0 {
		add("questions", "required", "the test has no questions")
	}
	if p := s.Pool; p != nil {
		switch {
		case p.Count != 0 && len(p.PerTag) != 0:
			add("pool", "invalid_value", "set count or perTag, not both")
		case p.Count < 0 || p.Count > bank.Len():
			add("pool.count", "invalid_value", "must be between 1 and the %d questions of the bank", bank.Len())
		case p.Count == 0 && len(p.PerTag) == 0:
			add("pool", "required", "draws no questions")
		}
		tags := bank.tags()
		for _, tag := range sortedKeys(p.PerTag) {
			if n := p.PerTag[tag]; n < 1 || n > tags[tag] {
				add("pool.perTag."+tag, "invalid_value", "must be between 1 and the %d questions tagged %q", tags[tag], tag)
			}
		}
	}
	return collect(errs)
}

func (b *Bank) tags() map[string]int {
	n := map[string]int{}
	for _, q := range b.questions {
		n[q.Tag]++
	}
	return n
}

// draw picks the questions of a new attempt, in the order it shows them.
func (s *Settings) draw(bank *Bank, seed int64) []string {
	var picked []int // indexes into the bank
	switch {
	case s.Pool == nil:
		for i := range bank.questions {
			picked = append(picked, i)
		}
	case s.Pool.Count > 0:
		all := make([]int, bank.Len())
		for i := range all {
			all[i] = i
		}
		shuffle(newStream(seed, "pool"), all)
		picked = all[:s.Pool.Count]
	default:
		for _, tag := range sortedKeys(s.Pool.PerTag) {
			var of []int
			for i, q := range bank.questions {
				if q.Tag == tag {
					of = append(of, i)
				}
			}
			shuffle(newStream(seed, "pool:"+tag), of)
			picked = append(picked, of[:min(s.Pool.PerTag[tag], len(of))]...)
		}
	}
	if s.ShuffleQuestions {
		shuffle(newStream(seed, "questions"), picked)
	} else {
		slices.Sort(picked) // the bank's order
	}
	ids := make([]string, len(picked))
	for i, k := range picked {
		ids[i] = bank.questions[k].ID
	}
	return ids
}
