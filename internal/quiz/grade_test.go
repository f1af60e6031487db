package quiz_test

import (
	"errors"
	"math"
	"testing"

	"github.com/kabinet-edu/kabinet/internal/quiz"
)

func opts(ids ...string) []quiz.Option {
	out := make([]quiz.Option, len(ids))
	for i, id := range ids {
		out[i] = quiz.Option{ID: id, Text: "text " + id}
	}
	return out
}

var (
	single   = quiz.Question{ID: "s", Type: quiz.SingleChoice, Options: opts("a", "b", "c"), Key: quiz.Key{Options: []string{"b"}}}
	multiAll = quiz.Question{ID: "m", Type: quiz.MultipleChoice, Options: opts("a", "b", "c", "d"), Key: quiz.Key{Options: []string{"a", "b"}}}
	multiPar = quiz.Question{ID: "mp", Type: quiz.MultipleChoice, Options: opts("a", "b", "c", "d"), Key: quiz.Key{Options: []string{"a", "b"}}, Scoring: quiz.Partial}
	multiAny = quiz.Question{ID: "ma", Type: quiz.MultipleChoice, Options: opts("a", "b"), Key: quiz.Key{Options: []string{"a", "b"}}, Scoring: quiz.Partial}
	text     = quiz.Question{ID: "t", Type: quiz.ShortText, Key: quiz.Key{Texts: []string{"Пётр Первый", "Петр I"}}}
	numAbs   = quiz.Question{ID: "n", Type: quiz.Numeric, Key: quiz.Key{Number: 3.14, Tolerance: 0.01}}
	numRel   = quiz.Question{ID: "nr", Type: quiz.Numeric, Key: quiz.Key{Number: 1000, Tolerance: 0.05, Relative: true}}
	numExact = quiz.Question{ID: "ne", Type: quiz.Numeric, Key: quiz.Key{Number: 0.3}}
	order    = quiz.Question{ID: "o", Type: quiz.Ordering, Options: opts("1", "2", "3", "4"), Key: quiz.Key{Options: []string{"1", "2", "3", "4"}}}
	orderPos = withScoring(order, quiz.Positions)
	orderKen = withScoring(order, quiz.Kendall)
	match    = quiz.Question{ID: "x", Type: quiz.Matching, Options: opts("ru", "fr", "de"), Targets: opts("moscow", "paris", "berlin", "rome"),
		Key: quiz.Key{Pairs: map[string]string{"ru": "moscow", "fr": "paris", "de": "berlin"}}}
	matchPar = withScoring(match, quiz.Partial)
)

func withScoring(q quiz.Question, s quiz.Scoring) quiz.Question {
	q.Scoring = s
	return q
}

func TestFraction(t *testing.T) {
	tests := []struct {
		name string
		q    quiz.Question
		a    quiz.Answer
		want float64
	}{
		{"single right", single, quiz.Answer{Options: []string{"b"}}, 1},
		{"single wrong", single, quiz.Answer{Options: []string{"a"}}, 0},
		{"single empty", single, quiz.Answer{}, 0},
		{"single two options is invalid", single, quiz.Answer{Options: []string{"b", "a"}}, 0},
		{"single unknown id", single, quiz.Answer{Options: []string{"zz"}}, 0},

		{"multi exact", multiAll, quiz.Answer{Options: []string{"b", "a"}}, 1},
		{"multi one missing", multiAll, quiz.Answer{Options: []string{"a"}}, 0},
		{"multi one extra", multiAll, quiz.Answer{Options: []string{"a", "b", "c"}}, 0},
		{"partial exact", multiPar, quiz.Answer{Options: []string{"a", "b"}}, 1},
		{"partial half", multiPar, quiz.Answer{Options: []string{"a"}}, 0.5},
		{"partial one right one wrong", multiPar, quiz.Answer{Options: []string{"a", "c"}}, 0},
		{"partial both right one wrong", multiPar, quiz.Answer{Options: []string{"a", "b", "c"}}, 0.5},
		{"partial all boxes earns nothing", multiPar, quiz.Answer{Options: []string{"a", "b", "c", "d"}}, 0},
		{"partial only wrong floors at zero", multiPar, quiz.Answer{Options: []string{"c", "d"}}, 0},
		{"partial every option correct: no penalty term", multiAny, quiz.Answer{Options: []string{"a"}}, 0.5},

		{"text exact", text, quiz.Answer{Text: "Пётр Первый"}, 1},
		{"text ё as е, case, spaces", text, quiz.Answer{Text: "  ПЕТР   первый "}, 1},
		{"text second accepted", text, quiz.Answer{Text: "петр i"}, 1},
		{"text NFKC full-width", text, quiz.Answer{Text: "Петр Ｉ"}, 1},
		{"text tab and newline collapse", text, quiz.Answer{Text: "Петр\t\nПервый"}, 1},
		{"text wrong", text, quiz.Answer{Text: "Петр Второй"}, 0},
		{"text blank", text, quiz.Answer{Text: "   "}, 0},

		{"numeric dot", numAbs, quiz.Answer{Text: "3.14"}, 1},
		{"numeric comma", numAbs, quiz.Answer{Text: "3,14"}, 1},
		{"numeric on the tolerance edge", numAbs, quiz.Answer{Text: "3,15"}, 1},
		{"numeric just outside", numAbs, quiz.Answer{Text: "3.151"}, 0},
		{"numeric below", numAbs, quiz.Answer{Text: "3.13"}, 1},
		{"numeric not a number", numAbs, quiz.Answer{Text: "пи"}, 0},
		{"relative inside", numRel, quiz.Answer{Text: "1 049,9"}, 1},
		{"relative edge", numRel, quiz.Answer{Text: "950"}, 1},
		{"relative outside", numRel, quiz.Answer{Text: "1051"}, 0},
		{"exact float rounding", numExact, quiz.Answer{Text: "0.30000000000000004"}, 1},
		{"exact wrong", numExact, quiz.Answer{Text: "0.31"}, 0},

		{"ordering exact", order, quiz.Answer{Options: []string{"1", "2", "3", "4"}}, 1},
		{"ordering swapped", order, quiz.Answer{Options: []string{"2", "1", "3", "4"}}, 0},
		{"positions swapped pair", orderPos, quiz.Answer{Options: []string{"2", "1", "3", "4"}}, 0.5},
		{"positions one moved to front", orderPos, quiz.Answer{Options: []string{"4", "1", "2", "3"}}, 0},
		{"kendall one moved to front", orderKen, quiz.Answer{Options: []string{"4", "1", "2", "3"}}, 0.5},
		{"kendall swapped pair", orderKen, quiz.Answer{Options: []string{"2", "1", "3", "4"}}, 5.0 / 6},
		{"kendall reversed", orderKen, quiz.Answer{Options: []string{"4", "3", "2", "1"}}, 0},
		{"ordering incomplete is invalid", orderPos, quiz.Answer{Options: []string{"1", "2", "3"}}, 0},

		{"matching exact", match, quiz.Answer{Pairs: map[string]string{"ru": "moscow", "fr": "paris", "de": "berlin"}}, 1},
		{"matching one wrong", match, quiz.Answer{Pairs: map[string]string{"ru": "moscow", "fr": "rome", "de": "berlin"}}, 0},
		{"matching partial", matchPar, quiz.Answer{Pairs: map[string]string{"ru": "moscow", "fr": "rome", "de": "berlin"}}, 2.0 / 3},
		{"matching partial incomplete", matchPar, quiz.Answer{Pairs: map[string]string{"ru": "moscow"}}, 1.0 / 3},
		{"matching unknown target is invalid", matchPar, quiz.Answer{Pairs: map[string]string{"ru": "moscow", "fr": "lyon"}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.q.Validate(); err != nil {
				t.Fatalf("question invalid: %v", err)
			}
			if got := quiz.Fraction(&tt.q, tt.a); math.Abs(got-tt.want) > 1e-9 {
				t.Errorf("Fraction = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestValidateAnswer(t *testing.T) {
	tests := []struct {
		name  string
		q     quiz.Question
		a     quiz.Answer
		field string // "" = valid
		code  string
	}{
		{"empty clears", single, quiz.Answer{}, "", ""},
		{"known option", single, quiz.Answer{Options: []string{"a"}}, "", ""},
		{"unknown option", multiAll, quiz.Answer{Options: []string{"a", "zz"}}, "options[1]", "unknown_option"},
		{"duplicate option", multiAll, quiz.Answer{Options: []string{"a", "a"}}, "options[1]", "duplicate"},
		{"single takes one", single, quiz.Answer{Options: []string{"a", "b"}}, "options", "too_many"},
		{"text on a choice", single, quiz.Answer{Text: "b"}, "text", "not_applicable"},
		{"ordering incomplete", order, quiz.Answer{Options: []string{"1", "2"}}, "options", "incomplete"},
		{"ordering unknown", order, quiz.Answer{Options: []string{"1", "2", "3", "9"}}, "options[3]", "unknown_option"},
		{"matching unknown option", match, quiz.Answer{Pairs: map[string]string{"it": "rome"}}, "pairs.it", "unknown_option"},
		{"matching unknown target", match, quiz.Answer{Pairs: map[string]string{"ru": "kyiv"}}, "pairs.ru", "unknown_target"},
		{"matching partial answer is fine", match, quiz.Answer{Pairs: map[string]string{"ru": "rome"}}, "", ""},
		{"numeric garbage", numAbs, quiz.Answer{Text: "3,1,4"}, "text", "not_a_number"},
		{"numeric ambiguous thousands", numAbs, quiz.Answer{Text: "1,000.5"}, "text", "not_a_number"},
		{"numeric fine", numAbs, quiz.Answer{Text: "−3,14"}, "", ""},
		{"text too long", text, quiz.Answer{Text: string(make([]rune, 1001))}, "text", "too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := quiz.ValidateAnswer(&tt.q, tt.a)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				return
			}
			var fes quiz.FieldErrors
			if !errors.As(err, &fes) {
				t.Fatalf("error %v, want FieldErrors", err)
			}
			if fes[0].Field != tt.field || fes[0].Code != tt.code {
				t.Errorf("got %s/%s, want %s/%s", fes[0].Field, fes[0].Code, tt.field, tt.code)
			}
		})
	}
}

func TestQuestionValidate(t *testing.T) {
	tests := []struct {
		name  string
		q     quiz.Question
		field string
	}{
		{"single without key", quiz.Question{ID: "q", Type: quiz.SingleChoice, Options: opts("a", "b")}, "key.options"},
		{"single two keys", quiz.Question{ID: "q", Type: quiz.SingleChoice, Options: opts("a", "b"), Key: quiz.Key{Options: []string{"a", "b"}}}, "key.options"},
		{"key not an option", quiz.Question{ID: "q", Type: quiz.MultipleChoice, Options: opts("a", "b"), Key: quiz.Key{Options: []string{"c"}}}, "key.options[0]"},
		{"duplicate option id", quiz.Question{ID: "q", Type: quiz.SingleChoice, Options: opts("a", "a"), Key: quiz.Key{Options: []string{"a"}}}, "options[1].id"},
		{"ordering key incomplete", quiz.Question{ID: "q", Type: quiz.Ordering, Options: opts("a", "b", "c"), Key: quiz.Key{Options: []string{"a", "b"}}}, "key.options"},
		{"kendall on choice", withScoring(single, quiz.Kendall), "scoring"},
		{"blank accepted text", quiz.Question{ID: "q", Type: quiz.ShortText, Key: quiz.Key{Texts: []string{"  "}}}, "key.texts"},
		{"negative tolerance", quiz.Question{ID: "q", Type: quiz.Numeric, Key: quiz.Key{Number: 1, Tolerance: -1}}, "key.tolerance"},
		{"matching unpaired", quiz.Question{ID: "q", Type: quiz.Matching, Options: opts("a", "b"), Targets: opts("x"), Key: quiz.Key{Pairs: map[string]string{"a": "x"}}}, "key.pairs"},
		{"matching unknown target", quiz.Question{ID: "q", Type: quiz.Matching, Options: opts("a"), Targets: opts("x"), Key: quiz.Key{Pairs: map[string]string{"a": "y"}}}, "key.pairs"},
		{"unknown type", quiz.Question{ID: "q", Type: "essay"}, "type"},
		{"no id", quiz.Question{Type: quiz.ShortText, Key: quiz.Key{Texts: []string{"x"}}}, "id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fes quiz.FieldErrors
			if err := tt.q.Validate(); !errors.As(err, &fes) {
				t.Fatalf("Validate = %v, want FieldErrors", err)
			}
			if fes[0].Field != tt.field {
				t.Errorf("field %q (%v), want %q", fes[0].Field, fes, tt.field)
			}
		})
	}
	if _, err := quiz.NewBank([]quiz.Question{single, single}); err == nil {
		t.Error("NewBank accepted a duplicate question id")
	}
}

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"3.14", 3.14, true}, {"3,14", 3.14, true}, {" -2 ", -2, true}, {"−2,5", -2.5, true},
		{"1 000 000", 1e6, true}, {"1\u00a0000,5", 1000.5, true}, {"1e3", 1000, true}, {",5", 0.5, true},
		{"", 0, false}, {"abc", 0, false}, {"1,000.5", 0, false}, {"1.2.3", 0, false},
		{"NaN", 0, false}, {"Inf", 0, false}, {"0x10", 0, false}, {"1_000", 0, false},
	}
	for _, tt := range tests {
		got, err := quiz.ParseNumber(tt.in)
		if (err == nil) != tt.ok || (tt.ok && got != tt.want) {
			t.Errorf("ParseNumber(%q) = %v, %v; want %v ok=%v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestNormalizeText(t *testing.T) {
	tests := map[string]string{
		"  Ёлка\u00a0 ЗЕЛЁНАЯ  ": "елка зеленая",
		"ＡＢＣ":                    "abc",
		"Straße":                 "strasse",
		"a\t\nb":                 "a b",
	}
	for in, want := range tests {
		if got := quiz.NormalizeText(in); got != want {
			t.Errorf("NormalizeText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFractionOfAnInvalidQuestionIsZero(t *testing.T) {
	broken := []quiz.Question{
		{ID: "s", Type: quiz.SingleChoice, Options: opts("a", "b")},
		{ID: "o", Type: quiz.Ordering, Options: opts("a"), Key: quiz.Key{Options: []string{"a"}}, Scoring: quiz.Kendall},
		{ID: "m", Type: quiz.Matching, Options: opts("a"), Targets: opts("x"), Scoring: quiz.Partial},
	}
	answers := []quiz.Answer{{Options: []string{"a"}}, {Options: []string{"a"}}, {Pairs: map[string]string{"a": "x"}}}
	for i := range broken {
		if got := quiz.Fraction(&broken[i], answers[i]); got != 0 {
			t.Errorf("%s: %v", broken[i].ID, got)
		}
	}
}
