package quiz

import (
	"math"
	"slices"
)

// Fraction is the share of a question's points an answer earns, in [0, 1].
// An empty or invalid answer earns 0, and so does any answer to a question
// that does not pass Validate (banks made by NewBank never hold one).
func Fraction(q *Question, a Answer) float64 {
	if a.Empty() || ValidateAnswer(q, a) != nil || q.Validate() != nil {
		return 0
	}
	switch q.Type {
	case SingleChoice:
		return boolScore(len(a.Options) == 1 && a.Options[0] == q.Key.Options[0])
	case MultipleChoice:
		return multipleChoice(q, a.Options)
	case ShortText:
		got := NormalizeText(a.Text)
		return boolScore(got != "" && slices.ContainsFunc(q.Key.Texts, func(t string) bool { return NormalizeText(t) == got }))
	case Numeric:
		x, _ := ParseNumber(a.Text)
		tol := q.Key.Tolerance
		if q.Key.Relative {
			tol *= math.Abs(q.Key.Number)
		}
		// A hair of slack so that 0.1+0.2 style rounding does not fail an
		// answer exactly on the tolerance's edge.
		return boolScore(math.Abs(x-q.Key.Number) <= tol+1e-9*math.Max(1, math.Abs(q.Key.Number)))
	case Ordering:
		return ordering(q, a.Options)
	case Matching:
		right := 0
		for id, t := range q.Key.Pairs {
			if a.Pairs[id] == t {
				right++
			}
		}
		if q.Scoring == Partial {
			return float64(right) / float64(len(q.Key.Pairs))
		}
		return boolScore(right == len(q.Key.Pairs))
	}
	return 0
}

func boolScore(ok bool) float64 {
	if ok {
		return 1
	}
	return 0
}

func multipleChoice(q *Question, selected []string) float64 {
	correct := len(q.Key.Options)
	wrong := len(q.Options) - correct
	var hits, misses int
	for _, id := range selected {
		if slices.Contains(q.Key.Options, id) {
			hits++
		} else {
			misses++
		}
	}
	if q.Scoring != Partial {
		return boolScore(hits == correct && misses == 0)
	}
	score := float64(hits) / float64(correct)
	if wrong > 0 {
		score -= float64(misses) / float64(wrong)
	}
	return math.Max(0, score)
}

func ordering(q *Question, got []string) float64 {
	want := q.Key.Options
	switch q.Scoring {
	case Positions:
		right := 0
		for i := range want {
			if got[i] == want[i] {
				right++
			}
		}
		return float64(right) / float64(len(want))
	case Kendall:
		pos := make(map[string]int, len(got))
		for i, id := range got {
			pos[id] = i
		}
		n := len(want)
		concordant := 0
		for i := 0; i < n; i++ {
			for j := i + 1; j < n; j++ {
				if pos[want[i]] < pos[want[j]] {
					concordant++
				}
			}
		}
		return float64(concordant) / float64(n*(n-1)/2)
	default:
		return boolScore(slices.Equal(got, want))
	}
}

// QuestionScore is the result of one question.
type QuestionScore struct {
	QuestionID string  `json:"questionId"`
	Score      float64 `json:"score"`
	Max        float64 `json:"max"`
	Answered   bool    `json:"answered"`
}

// Result is a graded attempt.
type Result struct {
	Questions []QuestionScore `json:"questions"`
	Score     float64         `json:"score"`
	Max       float64         `json:"max"`
	// Percent is Score/Max·100, rounded to two decimals.
	Percent float64 `json:"percent"`
	Passed  bool    `json:"passed"`
}

// Grade scores answers to the questions (in that order) against a passing
// score in percent. A question missing from the bank counts as 0 of 0, so a
// question deleted after the attempt began cannot make it fail.
func Grade(bank *Bank, questionIDs []string, answers map[string]Answer, passing float64) Result {
	r := Result{Questions: make([]QuestionScore, 0, len(questionIDs))}
	for _, id := range questionIDs {
		qs := QuestionScore{QuestionID: id}
		if q, ok := bank.Question(id); ok {
			a := answers[id]
			qs.Max = q.points()
			qs.Score = round(Fraction(q, a)*qs.Max, 4)
			qs.Answered = !a.Empty()
		}
		r.Questions = append(r.Questions, qs)
		r.Score += qs.Score
		r.Max += qs.Max
	}
	r.Score = round(r.Score, 4)
	if r.Max > 0 {
		r.Percent = round(r.Score/r.Max*100, 2)
	}
	r.Passed = r.Max > 0 && r.Score/r.Max*100 >= passing-1e-9
	return r
}

func round(x float64, digits int) float64 {
	p := math.Pow10(digits)
	return math.Round(x*p) / p
}
