package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/internal/ratelimit"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// Stable problem codes. The problem "type" is derived from the code, so both
// stay stable across releases; clients should branch on code.
const (
	codeMalformedRequest     = "malformed_request"
	codeValidationFailed     = "validation_failed"
	codeAuthRequired         = "authentication_required"
	codeInvalidToken         = "invalid_token"
	codeTokenExpired         = "token_expired"
	codeSessionEnded         = "session_ended"
	codeInvalidCredentials   = "invalid_credentials"
	codeInvalidRefreshToken  = "invalid_refresh_token"
	codeRefreshTokenReused   = "refresh_token_reused"
	codeAccountBlocked       = "account_blocked"
	codeForbidden            = "forbidden"
	codeNotFound             = "not_found"
	codeMethodNotAllowed     = "method_not_allowed"
	codeAlreadyExists        = "already_exists"
	codePayloadTooLarge      = "payload_too_large"
	codeUnsupportedMediaType = "unsupported_media_type"
	codeRateLimited          = "rate_limited"
	codeInternal             = "internal"
	codeUnavailable          = "unavailable"
	// A sign-in challenge (certificate, second factor) unknown, used or expired.
	codeInvalidChallenge = "invalid_challenge"
	codeChallengeExpired = "challenge_expired"
	// Removing a certificate or SSO identity would leave no way to sign in.
	codeLastSignInMethod = "last_sign_in_method"
)

var titles = map[string]string{
	codeMalformedRequest:     "Malformed request",
	codeValidationFailed:     "Validation failed",
	codeAuthRequired:         "Authentication required",
	codeInvalidToken:         "Invalid access token",
	codeTokenExpired:         "Access token expired",
	codeSessionEnded:         "Session ended",
	codeInvalidCredentials:   "Invalid credentials",
	codeInvalidRefreshToken:  "Invalid refresh token",
	codeRefreshTokenReused:   "Refresh token reused",
	codeAccountBlocked:       "Account blocked",
	codeForbidden:            "Forbidden",
	codeNotFound:             "Not found",
	codeMethodNotAllowed:     "Method not allowed",
	codeAlreadyExists:        "Already exists",
	codePayloadTooLarge:      "Payload too large",
	codeUnsupportedMediaType: "Unsupported media type",
	codeRateLimited:          "Too many requests",
	codeInternal:             "Internal server error",
	codeUnavailable:          "Service unavailable",
}

// newProblem builds an RFC 9457 problem for the current request.
func newProblem(ctx context.Context, status int, code, detail string, fields ...api.FieldError) api.Problem {
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
	if m, ok := ctx.Value(metaKey{}).(*requestMeta); ok {
		p.RequestID = &m.id
		p.Instance = &m.path
	}
	return p
}

// tooManyRequests is the 429 problem for a refused rate-limit decision.
func tooManyRequests(ctx context.Context, d ratelimit.Decision) *problemError {
	h := http.Header{}
	h.Set("Retry-After", strconv.Itoa(d.RetryAfterSeconds()))
	return &problemError{
		problem: newProblem(ctx, http.StatusTooManyRequests, codeRateLimited,
			fmt.Sprintf("Too many attempts; try again in %d seconds.", d.RetryAfterSeconds())),
		header: h,
	}
}

// problemError carries a problem through Echo's error path, for outcomes
// decided outside a handler (validation, authentication).
type problemError struct {
	problem api.Problem
	header  http.Header
}

func (e *problemError) Error() string { return fmt.Sprintf("%d %s", e.problem.Status, e.problem.Code) }

func fieldError(field, code, message string) api.FieldError {
	return api.FieldError{Field: field, Code: code, Message: message}
}

// errorHandler is Echo's single exit for errors: everything becomes
// problem+json, and unexpected errors are logged with the request id but
// never shown to the client.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		ctx := c.Request().Context()
		var (
			pe *problemError
			he *echo.HTTPError
			p  api.Problem
		)
		switch {
		case errors.As(err, &pe):
			p = pe.problem
			for k, v := range pe.header {
				c.Response().Header()[k] = v
			}
		case errors.As(err, &he) && he.Code < 500:
			p = newProblem(ctx, he.Code, codeForStatus(he.Code), detailOf(he))
		case store.Unavailable(err):
			// Not a bug: the database is down or restarting. Logged as a
			// warning; the client is told to retry (unavailable.go).
			log.WarnContext(ctx, "database unavailable", "err", err, "request_id", requestIDFrom(ctx),
				"method", c.Request().Method, "path", c.Request().URL.Path)
			pe = unavailable(ctx)
			p = pe.problem
			for k, v := range pe.header {
				c.Response().Header()[k] = v
			}
		default:
			log.ErrorContext(ctx, "request failed", "err", err, "request_id", requestIDFrom(ctx),
				"method", c.Request().Method, "path", c.Request().URL.Path)
			p = newProblem(ctx, http.StatusInternalServerError, codeInternal, "")
		}
		if p.Status == http.StatusTooManyRequests && c.Response().Header().Get("Retry-After") == "" {
			c.Response().Header().Set("Retry-After", "60")
		}
		if p.Status == http.StatusServiceUnavailable && c.Response().Header().Get("Retry-After") == "" {
			c.Response().Header().Set("Retry-After", strconv.Itoa(unavailableRetryAfter))
		}
		writeProblem(c, p)
	}
}

func writeProblem(c echo.Context, p api.Problem) {
	c.Response().Header().Set(echo.HeaderContentType, "application/problem+json")
	if c.Request().Method == http.MethodHead {
		c.Response().WriteHeader(p.Status)
		return
	}
	_ = c.JSON(p.Status, p)
}

func codeForStatus(status int) string {
	switch status {
	case http.StatusBadRequest:
		return codeMalformedRequest
	case http.StatusUnauthorized:
		return codeAuthRequired
	case http.StatusForbidden:
		return codeForbidden
	case http.StatusNotFound:
		return codeNotFound
	case http.StatusMethodNotAllowed:
		return codeMethodNotAllowed
	case http.StatusRequestEntityTooLarge:
		return codePayloadTooLarge
	case http.StatusUnsupportedMediaType:
		return codeUnsupportedMediaType
	case http.StatusUnprocessableEntity:
		return codeValidationFailed
	case http.StatusTooManyRequests:
		return codeRateLimited
	case http.StatusServiceUnavailable:
		return codeUnavailable
	}
	return strings.ReplaceAll(strings.ToLower(http.StatusText(status)), " ", "_")
}

// detailOf returns Echo's message for 4xx errors it raises itself (unknown
// route, body too large); those messages contain nothing internal.
func detailOf(he *echo.HTTPError) string {
	switch he.Code {
	case http.StatusNotFound:
		return "There is no such resource."
	case http.StatusMethodNotAllowed:
		return "The resource does not support this method."
	case http.StatusRequestEntityTooLarge:
		return "The request body is larger than the server accepts."
	}
	if s, ok := he.Message.(string); ok && he.Internal == nil {
		return s
	}
	return ""
}
