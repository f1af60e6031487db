package quiz

import "time"

// LearnerQuestion is a question as a learner taking the test sees it: the
// prompt and the options in the attempt's order, and nothing of the key.
// It has no field that could carry a correct answer.
type LearnerQuestion struct {
	ID      string   `json:"id"`
	Type    Type     `json:"type"`
	Prompt  string   `json:"prompt"`
	Points  float64  `json:"points"`
	Options []Option `json:"options,omitempty"`
	Targets []Option `json:"targets,omitempty"`
}

// LearnerView is an attempt as its learner sees it while taking it (and
// after, without the answers' key): its questions, the answers saved so far
// and the clock.
type LearnerView struct {
	Number    int               `json:"number"`
	Status    Status            `json:"status"`
	StartedAt time.Time         `json:"startedAt"`
	Deadline  *time.Time        `json:"deadline,omitempty"`
	Questions []LearnerQuestion `json:"questions"`
	Answers   map[string]Answer `json:"answers"`
	// Summary is set once the attempt is closed.
	Summary *Summary `json:"summary,omitempty"`
}

// Summary is the outcome of a closed attempt without per-question detail,
// which belongs to the review (it tells which questions were right).
type Summary struct {
	Score   float64 `json:"score"`
	Max     float64 `json:"max"`
	Percent float64 `json:"percent"`
	Passed  bool    `json:"passed"`
}

// View is the attempt for its learner. Questions deleted from the bank
// since the attempt began are left out.
func (a *Attempt) View(s *Settings, bank *Bank) LearnerView {
	v := LearnerView{
		Number: a.Number, Status: a.Status, StartedAt: a.StartedAt, Deadline: a.Deadline,
		Questions: make([]LearnerQuestion, 0, len(a.QuestionIDs)),
		Answers:   a.Answers,
	}
	for _, id := range a.QuestionIDs {
		if q, ok := bank.Question(id); ok {
			v.Questions = append(v.Questions, learnerQuestion(q, s, a.Seed))
		}
	}
	if a.Result != nil {
		r := a.Result
		v.Summary = &Summary{Score: r.Score, Max: r.Max, Percent: r.Percent, Passed: r.Passed}
	}
	return v
}

func learnerQuestion(q *Question, s *Settings, seed int64) LearnerQuestion {
	lq := LearnerQuestion{ID: q.ID, Type: q.Type, Prompt: q.Prompt, Points: q.points()}
	switch q.Type {
	case SingleChoice, MultipleChoice:
		lq.Options = q.Options
		if s.ShuffleOptions {
			lq.Options = shuffledOptions(seed, "options:"+q.ID, q.Options, false)
		}
	case Ordering:
		lq.Options = shuffledOptions(seed, "options:"+q.ID, q.Options, true)
	case Matching:
		lq.Options = q.Options
		if s.ShuffleOptions {
			lq.Options = shuffledOptions(seed, "options:"+q.ID, q.Options, false)
		}
		lq.Targets = shuffledOptions(seed, "targets:"+q.ID, q.Targets, true)
	}
	return lq
}

// ReviewQuestion is a question in a review: what the learner saw and
// answered, the score, and the key. Only Review makes one.
type ReviewQuestion struct {
	LearnerQuestion
	Answer      Answer        `json:"answer"`
	Score       QuestionScore `json:"score"`
	Key         Key           `json:"key"`
	Explanation string        `json:"explanation,omitempty"`
}

// ReviewAllowed reports whether the policy shows the attempt's answers at t:
// never while it is running; after_submission once it is closed;
// after_close_date once it is closed and the test's close date has passed
// (never, for a test without one); never for never.
func ReviewAllowed(a *Attempt, s *Settings, t time.Time) bool {
	if a.Status == Started || a.Result == nil {
		return false
	}
	switch s.Review {
	case AfterSubmission:
		return true
	case AfterCloseDate:
		return s.CloseAt != nil && !t.Before(*s.CloseAt)
	default:
		return false
	}
}

// Review is the closed attempt with its key, question by question, when the
// review policy allows it at t; otherwise ErrReviewNotAllowed.
func Review(a *Attempt, s *Settings, bank *Bank, t time.Time) ([]ReviewQuestion, error) {
	if !ReviewAllowed(a, s, t) {
		return nil, ErrReviewNotAllowed
	}
	scores := make(map[string]QuestionScore, len(a.Result.Questions))
	for _, qs := range a.Result.Questions {
		scores[qs.QuestionID] = qs
	}
	out := make([]ReviewQuestion, 0, len(a.QuestionIDs))
	for _, id := range a.QuestionIDs {
		q, ok := bank.Question(id)
		if !ok {
			continue
		}
		out = append(out, ReviewQuestion{
			LearnerQuestion: learnerQuestion(q, s, a.Seed),
			Answer:          a.Answers[id],
			Score:           scores[id],
			Key:             q.Key,
			Explanation:     q.Explanation,
		})
	}
	return out, nil
}
