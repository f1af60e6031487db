package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/internal/ratelimit"
)

var titles = map[string]string{
	CodeMalformedRequest:     "Malformed request",
	CodeValidationFailed:     "Validation failed",
	CodeAuthRequired:         "Authentication required",
	CodeInvalidToken:         "Invalid access token",
	CodeTokenExpired:         "Access token expired",
	CodeSessionEnded:         "Session ended",
	CodeInvalidCredentials:   "Invalid credentials",
	CodeInvalidRefreshToken:  "Invalid refresh token",
	CodeRefreshTokenReused:   "Refresh token reused",
	CodeAccountBlocked:       "Account blocked",
	CodeForbidden:            "Forbidden",
	CodeNotFound:             "Not found",
	CodeMethodNotAllowed:     "Method not allowed",
	CodeAlreadyExists:        "Already exists",
	CodePayloadTooLarge:      "Payload too large",
	CodeUnsupportedMediaType: "Unsupported media type",
	CodeRateLimited:          "Too many requests",
	CodeInternal:             "Internal server error",
	CodeUnavailable:          "Service unavailable",
}

// NewProblem builds an RFC 9457 problem for the current request.
func NewProblem(ctx context.Context, status int, code, detail string, fields ...api.FieldError) api.Problem {
	title, ok := titles[code]
	if !ok {
		// "reauthentication_required" → "Reauthentication required".
		title = strings.ToUpper(code[:1]) + strings.ReplaceAll(code[1:], "_", " ")
	}
	p := api.Problem{
		Type:   "urn:kabinet:problem:" + strings.ReplaceAll(code, "_", "-"),
		Title:  title,
		Status: status,
		Code:   code,
	}
	if detail != "" {
		p.Detail = &detail
	}
	if len(fields) > 0 {
		p.Errors = &fields
	}
	if m, ok := ctx.Value(metaKey{}).(*Meta); ok {
		p.RequestID = &m.ID
		p.Instance = &m.Path
	}
	return p
}

// Invalid is the 422 problem listing the fields that break the rules.
func Invalid(ctx context.Context, fields ...api.FieldError) api.Problem {
	return NewProblem(ctx, http.StatusUnprocessableEntity, CodeValidationFailed, "One or more fields are invalid.", fields...)
}

// TooManyRequests is the 429 problem for a refused rate-limit decision.
func TooManyRequests(ctx context.Context, d ratelimit.Decision) *Error {
	h := http.Header{}
	h.Set("Retry-After", strconv.Itoa(d.RetryAfterSeconds()))
	return &Error{
		Problem: NewProblem(ctx, http.StatusTooManyRequests, CodeRateLimited,
			fmt.Sprintf("Too many attempts; try again in %d seconds.", d.RetryAfterSeconds())),
		Header: h,
	}
}

// Error carries a problem through Echo's error path, for outcomes decided
// outside a handler's typed responses (validation, authentication, shared
// checks such as role and throttle). The error handler writes it as is.
type Error struct {
	Problem api.Problem
	Header  http.Header
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s", e.Problem.Status, e.Problem.Code) }

// Fail returns an *Error for the problem built from its arguments.
func Fail(ctx context.Context, status int, code, detail string, fields ...api.FieldError) *Error {
	return &Error{Problem: NewProblem(ctx, status, code, detail, fields...)}
}

// FieldError names one invalid field of a request.
func FieldError(field, code, message string) api.FieldError {
	return api.FieldError{Field: field, Code: code, Message: message}
}

// ErrRefused rolls a transaction back when a handler refuses the change it
// was making; the handler then answers with its typed refusal.
var ErrRefused = errors.New("change refused")
