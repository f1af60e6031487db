package quiz

import (
	"fmt"
	"math"
)

// Type is a question type.
type Type string

// The question types.
const (
	SingleChoice   Type = "single_choice"
	MultipleChoice Type = "multiple_choice"
	ShortText      Type = "short_text"
	Numeric        Type = "numeric"
	Ordering       Type = "ordering"
	Matching       Type = "matching"
)

// Scoring is how a question with several parts earns credit.
type Scoring string

// The scoring rules. The empty value means AllOrNothing.
const (
	// AllOrNothing: full points for an exactly right answer, else zero.
	AllOrNothing Scoring = "all_or_nothing"
	// Partial, for multiple choice: each correct option selected earns
	// 1/C of the points and each wrong one selected costs 1/W (C and W are
	// the numbers of correct and wrong options), never below zero — so
	// ticking every box earns nothing. For matching: the share of pairs
	// matched right.
	Partial Scoring = "partial"
	// Positions, for ordering: the share of items in their right position.
	Positions Scoring = "positions"
	// Kendall, for ordering: the share of item pairs in the right relative
	// order (1 − normalized Kendall tau distance), which forgives one item
	// moved out of place more than Positions does.
	Kendall Scoring = "kendall"
)

// Option is a choice, an item to order, or the left side of a matching
// pair. Its ID is stable: shuffling changes only where it is shown.
type Option struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// Key is the correct answer of a question; only its type's fields are set.
type Key struct {
	// Options: the correct option ids (single: exactly one; multiple: one
	// or more), or for ordering every option id in the right order.
	Options []string `json:"options,omitempty"`
	// Pairs, for matching: option id → target id.
	Pairs map[string]string `json:"pairs,omitempty"`
	// Texts, for short text: the accepted answers, compared normalized
	// (see NormalizeText).
	Texts []string `json:"texts,omitempty"`
	// Number, Tolerance and Relative, for numeric: an answer x is right when
	// |x − Number| ≤ Tolerance, or with Relative ≤ Tolerance·|Number|.
	Number    float64 `json:"number,omitempty"`
	Tolerance float64 `json:"tolerance,omitempty"`
	Relative  bool    `json:"relative,omitempty"`
}

// Question is an authored question with its key: what the bank stores. It
// is never shown to a learner as it is; see LearnerView and Review.
type Question struct {
	ID     string `json:"id"`
	Type   Type   `json:"type"`
	Prompt string `json:"prompt"`
	// Points is the weight of the question in the total; 0 means 1.
	Points float64 `json:"points,omitempty"`
	// Tag is the question's section, for a pool drawn per tag.
	Tag string `json:"tag,omitempty"`
	// Options are the choices, the items to order, or the left side of a
	// matching question.
	Options []Option `json:"options,omitempty"`
	// Targets are the right side of a matching question (there may be more
	// targets than options: distractors).
	Targets []Option `json:"targets,omitempty"`
	Key     Key      `json:"key"`
	// Scoring applies to multiple choice (AllOrNothing, Partial), ordering
	// (AllOrNothing, Positions, Kendall) and matching (AllOrNothing,
	// Partial); empty is AllOrNothing.
	Scoring Scoring `json:"scoring,omitempty"`
	// Explanation is shown with the key in a review.
	Explanation string `json:"explanation,omitempty"`
}

func (q *Question) points() float64 {
	if q.Points == 0 {
		return 1
	}
	return q.Points
}

// Validate checks an authored question: its type, ids, key and scoring.
// Fields are named relative to the question ("options[2].id", "key.pairs").
func (q *Question) Validate() error {
	var errs FieldErrors
	add := func(field, code, format string, args ...any) {
		errs = append(errs, fieldErr(field, code, format, args...))
	}
	if q.ID == "" {
		add("id", "required", "must not be empty")
	}
	if q.Points < 0 || math.IsNaN(q.Points) || math.IsInf(q.Points, 0) {
		add("points", "invalid_value", "must be a positive number")
	}
	options := uniqueIDs("options", q.Options, &errs)
	targets := uniqueIDs("targets", q.Targets, &errs)
	keyIDs := func(min int) {
		seen := map[string]bool{}
		for i, id := range q.Key.Options {
			if !options[id] {
				add(fmt.Sprintf("key.options[%d]", i), "unknown_option", "%q is not an option of the question", id)
			} else if seen[id] {
				add(fmt.Sprintf("key.options[%d]", i), "duplicate", "%q is listed twice", id)
			}
			seen[id] = true
		}
		if len(q.Key.Options) < min {
			add("key.options", "required", "needs at least %d option(s)", min)
		}
	}
	scoring := func(allowed ...Scoring) {
		if q.Scoring == "" {
			return
		}
		for _, s := range allowed {
			if q.Scoring == s {
				return
			}
		}
		add("scoring", "invalid_value", "%q does not apply to %s questions", q.Scoring, q.Type)
	}
	switch q.Type {
	case SingleChoice:
		if len(q.Options) < 2 {
			add("options", "too_few", "needs at least 2 options")
		}
		keyIDs(1)
		if len(q.Key.Options) > 1 {
			add("key.options", "too_many", "a single-choice question has exactly one correct option")
		}
		scoring(AllOrNothing)
	case MultipleChoice:
		if len(q.Options) < 2 {
			add("options", "too_few", "needs at least 2 options")
		}
		keyIDs(1)
		scoring(AllOrNothing, Partial)
	case ShortText:
		n := 0
		for _, t := range q.Key.Texts {
			if NormalizeText(t) != "" {
				n++
			}
		}
		if n == 0 {
			add("key.texts", "required", "needs at least one non-blank accepted answer")
		}
		scoring(AllOrNothing)
	case Numeric:
		if math.IsNaN(q.Key.Number) || math.IsInf(q.Key.Number, 0) {
			add("key.number", "invalid_value", "must be a finite number")
		}
		if q.Key.Tolerance < 0 || math.IsNaN(q.Key.Tolerance) || math.IsInf(q.Key.Tolerance, 0) {
			add("key.tolerance", "invalid_value", "must be a finite number ≥ 0")
		}
		scoring(AllOrNothing)
	case Ordering:
		if len(q.Options) < 2 {
			add("options", "too_few", "needs at least 2 items")
		}
		keyIDs(len(q.Options))
		scoring(AllOrNothing, Positions, Kendall)
	case Matching:
		if len(q.Options) < 1 || len(q.Targets) < 1 {
			add("options", "too_few", "needs at least one option and one target")
		}
		for id := range options {
			t, ok := q.Key.Pairs[id]
			switch {
			case !ok:
				add("key.pairs", "required", "option %q has no target", id)
			case !targets[t]:
				add("key.pairs", "unknown_target", "option %q is paired with %q, not a target", id, t)
			}
		}
		for id := range q.Key.Pairs {
			if !options[id] {
				add("key.pairs", "unknown_option", "%q is not an option of the question", id)
			}
		}
		scoring(AllOrNothing, Partial)
	default:
		add("type", "invalid_value", "unknown question type %q", q.Type)
	}
	return collect(errs)
}

func uniqueIDs(field string, opts []Option, errs *FieldErrors) map[string]bool {
	ids := make(map[string]bool, len(opts))
	for i, o := range opts {
		switch {
		case o.ID == "":
			*errs = append(*errs, fieldErr(fmt.Sprintf("%s[%d].id", field, i), "required", "must not be empty"))
		case ids[o.ID]:
			*errs = append(*errs, fieldErr(fmt.Sprintf("%s[%d].id", field, i), "duplicate", "%q is used twice", o.ID))
		}
		ids[o.ID] = true
	}
	return ids
}

// Bank is a validated set of questions, in authored order.
type Bank struct {
	questions []Question
	byID      map[string]int
}

// NewBank validates every question and returns the bank. Field names are
// prefixed with the question's index ("questions[3].key.options").
func NewBank(questions []Question) (*Bank, error) {
	b := &Bank{questions: questions, byID: make(map[string]int, len(questions))}
	var errs FieldErrors
	for i := range questions {
		prefix := fmt.Sprintf("questions[%d].", i)
		if err := questions[i].Validate(); err != nil {
			for _, fe := range err.(FieldErrors) {
				errs = append(errs, &FieldError{Field: prefix + fe.Field, Code: fe.Code, Message: fe.Message})
			}
		}
		if _, dup := b.byID[questions[i].ID]; dup {
			errs = append(errs, fieldErr(prefix+"id", "duplicate", "%q is used twice", questions[i].ID))
		}
		b.byID[questions[i].ID] = i
	}
	if err := collect(errs); err != nil {
		return nil, err
	}
	return b, nil
}

// Question returns the question with the id.
func (b *Bank) Question(id string) (*Question, bool) {
	i, ok := b.byID[id]
	if !ok {
		return nil, false
	}
	return &b.questions[i], true
}

// Len is the number of questions.
func (b *Bank) Len() int { return len(b.questions) }
