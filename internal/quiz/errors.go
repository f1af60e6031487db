package quiz

import (
	"errors"
	"fmt"
)

// Errors of the attempt lifecycle; the HTTP layer maps each to a stable code.
var (
	// ErrAttemptLimit: the learner has used every attempt the test allows.
	ErrAttemptLimit = errors.New("quiz: attempt limit reached")
	// ErrTestClosed: the test's close date has passed; no new attempt.
	ErrTestClosed = errors.New("quiz: test closed")
	// ErrAttemptClosed: the attempt was already submitted or expired.
	ErrAttemptClosed = errors.New("quiz: attempt closed")
	// ErrDeadlinePassed: the time limit and its grace are over; the attempt
	// is to be closed with what was saved (see Attempt.CloseExpired).
	ErrDeadlinePassed = errors.New("quiz: deadline passed")
	// ErrReviewNotAllowed: the review policy does not show answers yet (or
	// ever).
	ErrReviewNotAllowed = errors.New("quiz: review not allowed")
)

// FieldError is a refused value, named by its path in the request (for
// example "answer.options[1]"), with a stable code and a human message; the
// HTTP layer turns a list of them into a 422 problem.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *FieldError) Error() string { return fmt.Sprintf("%s: %s (%s)", e.Field, e.Message, e.Code) }

// FieldErrors is several refused values at once.
type FieldErrors []*FieldError

func (e FieldErrors) Error() string {
	if len(e) == 1 {
		return e[0].Error()
	}
	return fmt.Sprintf("%s (and %d more)", e[0].Error(), len(e)-1)
}

func fieldErr(field, code, format string, args ...any) *FieldError {
	return &FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)}
}

// collect returns nil for no errors, so callers can `return collect(errs)`.
func collect(errs FieldErrors) error {
	if len(errs) == 0 {
		return nil
	}
	return errs
}
