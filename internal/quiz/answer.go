package quiz

import (
	"fmt"
	"slices"
)

// Answer is a learner's answer to one question, as saved; only the fields
// of the question's type are read.
type Answer struct {
	// Options: the selected option ids (single: at most one), or for
	// ordering every option id in the learner's order.
	Options []string `json:"options,omitempty"`
	// Pairs, for matching: option id → target id; options left out are
	// unanswered.
	Pairs map[string]string `json:"pairs,omitempty"`
	// Text: a short-text answer, or a numeric one as typed ("3,14").
	Text string `json:"text,omitempty"`
}

// Empty reports whether nothing is answered.
func (a Answer) Empty() bool { return len(a.Options) == 0 && len(a.Pairs) == 0 && a.Text == "" }

// ValidateAnswer checks an answer against its question before it is saved:
// unknown or repeated option ids, an incomplete ordering, a numeric answer
// that is not a number. Fields are named relative to the answer
// ("options[1]", "pairs.o2", "text"). An empty answer is always valid: it
// clears the question.
func ValidateAnswer(q *Question, a Answer) error {
	if a.Empty() {
		return nil
	}
	var errs FieldErrors
	add := func(field, code, format string, args ...any) {
		errs = append(errs, fieldErr(field, code, format, args...))
	}
	unused := func(field string, set bool) {
		if set {
			add(field, "not_applicable", "is not used by %s questions", q.Type)
		}
	}
	ids := func() {
		seen := map[string]bool{}
		for i, id := range a.Options {
			if !slices.ContainsFunc(q.Options, func(o Option) bool { return o.ID == id }) {
				add(fmt.Sprintf("options[%d]", i), "unknown_option", "%q is not an option of the question", id)
			} else if seen[id] {
				add(fmt.Sprintf("options[%d]", i), "duplicate", "%q is given twice", id)
			}
			seen[id] = true
		}
	}
	switch q.Type {
	case SingleChoice, MultipleChoice:
		unused("pairs", len(a.Pairs) > 0)
		unused("text", a.Text != "")
		ids()
		if q.Type == SingleChoice && len(a.Options) > 1 {
			add("options", "too_many", "choose one option")
		}
	case Ordering:
		unused("pairs", len(a.Pairs) > 0)
		unused("text", a.Text != "")
		ids()
		if len(errs) == 0 && len(a.Options) != len(q.Options) {
			add("options", "incomplete", "order all %d items", len(q.Options))
		}
	case Matching:
		unused("options", len(a.Options) > 0)
		unused("text", a.Text != "")
		for _, id := range sortedKeys(a.Pairs) {
			t := a.Pairs[id]
			switch {
			case !slices.ContainsFunc(q.Options, func(o Option) bool { return o.ID == id }):
				add("pairs."+id, "unknown_option", "%q is not an option of the question", id)
			case !slices.ContainsFunc(q.Targets, func(o Option) bool { return o.ID == t }):
				add("pairs."+id, "unknown_target", "%q is not a target of the question", t)
			}
		}
	case ShortText:
		unused("options", len(a.Options) > 0)
		unused("pairs", len(a.Pairs) > 0)
		if len([]rune(a.Text)) > maxTextAnswer {
			add("text", "too_long", "at most %d characters", maxTextAnswer)
		}
	case Numeric:
		unused("options", len(a.Options) > 0)
		unused("pairs", len(a.Pairs) > 0)
		if _, err := ParseNumber(a.Text); err != nil {
			add("text", "not_a_number", "%q is not a number", a.Text)
		}
	}
	return collect(errs)
}

const maxTextAnswer = 1000

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
