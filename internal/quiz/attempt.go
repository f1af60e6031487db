package quiz

import "time"

// Status is where an attempt is in its life: started, then submitted by the
// learner or expired (closed by the server after the deadline).
type Status string

// The attempt statuses.
const (
	Started   Status = "started"
	Submitted Status = "submitted"
	Expired   Status = "expired"
)

// Attempt is one learner's attempt at a test, as stored. Its question set
// and the order of everything it shows are fixed by Seed and QuestionIDs, so
// it reads the same at every reload.
type Attempt struct {
	// Number counts the learner's attempts at the test from 1.
	Number int   `json:"number"`
	Seed   int64 `json:"seed"`
	// QuestionIDs are the drawn questions in the order shown.
	QuestionIDs []string  `json:"questionIds"`
	Status      Status    `json:"status"`
	StartedAt   time.Time `json:"startedAt"`
	// Deadline is when the time limit (or the test's close date) ends the
	// attempt; nil when neither does.
	Deadline *time.Time `json:"deadline,omitempty"`
	// Grace is copied from the settings at the start.
	Grace time.Duration `json:"grace,omitempty"`
	// Answers are saved as the learner goes, by question id.
	Answers  map[string]Answer `json:"answers"`
	ClosedAt *time.Time        `json:"closedAt,omitempty"`
	// Result is set when the attempt is closed.
	Result *Result `json:"result,omitempty"`
}

// Start begins attempt number previous+1 at now. It refuses when the
// previous attempts used up the limit (ErrAttemptLimit) or the test is
// closed (ErrTestClosed). Settings must have been validated against bank.
func Start(s *Settings, bank *Bank, previous int, seed int64, now time.Time) (*Attempt, error) {
	if s.AttemptLimit > 0 && previous >= s.AttemptLimit {
		return nil, ErrAttemptLimit
	}
	if s.CloseAt != nil && !now.Before(*s.CloseAt) {
		return nil, ErrTestClosed
	}
	a := &Attempt{
		Number:      previous + 1,
		Seed:        seed,
		QuestionIDs: s.draw(bank, seed),
		Status:      Started,
		StartedAt:   now,
		Grace:       s.Grace,
		Answers:     map[string]Answer{},
	}
	var deadline time.Time
	if s.TimeLimit > 0 {
		deadline = now.Add(s.TimeLimit)
	}
	if s.CloseAt != nil && (deadline.IsZero() || s.CloseAt.Before(deadline)) {
		deadline = *s.CloseAt
	}
	if !deadline.IsZero() {
		a.Deadline = &deadline
	}
	return a, nil
}

// Overdue reports whether at t the deadline and its grace are over.
func (a *Attempt) Overdue(t time.Time) bool {
	return a.Deadline != nil && t.After(a.Deadline.Add(a.Grace))
}

// open checks that answers may still change at t.
func (a *Attempt) open(t time.Time) error {
	if a.Status != Started {
		return ErrAttemptClosed
	}
	if a.Overdue(t) {
		return ErrDeadlinePassed
	}
	return nil
}

// SaveAnswer records the learner's answer to one question of the attempt
// at t; an empty answer clears it. It refuses a question that is not in the
// attempt (a FieldError on "questionId") and an invalid answer (FieldErrors
// from ValidateAnswer), and answers after the deadline's grace
// (ErrDeadlinePassed) or to a closed attempt (ErrAttemptClosed).
func (a *Attempt) SaveAnswer(bank *Bank, questionID string, ans Answer, t time.Time) error {
	if err := a.open(t); err != nil {
		return err
	}
	q, ok := a.question(bank, questionID)
	if !ok {
		return FieldErrors{fieldErr("questionId", "unknown_question", "%q is not a question of this attempt", questionID)}
	}
	if err := ValidateAnswer(q, ans); err != nil {
		return err
	}
	if ans.Empty() {
		delete(a.Answers, questionID)
	} else {
		a.Answers[questionID] = ans
	}
	return nil
}

func (a *Attempt) question(bank *Bank, id string) (*Question, bool) {
	for _, qid := range a.QuestionIDs {
		if qid == id {
			return bank.Question(id)
		}
	}
	return nil, false
}

// Submit closes the attempt at t as the learner's and grades it. After the
// deadline's grace it refuses with ErrDeadlinePassed: the attempt is then
// the server's to close (CloseExpired).
func (a *Attempt) Submit(s *Settings, bank *Bank, t time.Time) (Result, error) {
	if err := a.open(t); err != nil {
		return Result{}, err
	}
	a.close(Submitted, s, bank, t)
	return *a.Result, nil
}

// CloseExpired closes a started attempt whose deadline and grace are over
// at t, grading what was saved, and reports whether it did. The server
// calls it for every overdue attempt (a periodic job) and before it answers
// about one, so an abandoned attempt is graded without the learner.
func (a *Attempt) CloseExpired(s *Settings, bank *Bank, t time.Time) bool {
	if a.Status != Started || !a.Overdue(t) {
		return false
	}
	a.close(Expired, s, bank, t)
	return true
}

func (a *Attempt) close(status Status, s *Settings, bank *Bank, t time.Time) {
	r := Grade(bank, a.QuestionIDs, a.Answers, s.PassingScore)
	a.Status, a.ClosedAt, a.Result = status, &t, &r
}

// Remaining is the time left at t before the deadline (not counting the
// grace); ok is false without a deadline.
func (a *Attempt) Remaining(t time.Time) (left time.Duration, ok bool) {
	if a.Deadline == nil {
		return 0, false
	}
	return max(0, a.Deadline.Sub(t)), true
}
