package httpapi

import (
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// errorHandler is Echo's single exit for errors: everything becomes
// problem+json, and unexpected errors are logged with the request id but
// never shown to the client.
func errorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			if errors.Is(err, web.ErrSessionNotChecked) {
				log.ErrorContext(c.Request().Context(), "response written without the session check", "err", err,
					"request_id", web.RequestID(c.Request().Context()), "method", c.Request().Method, "path", c.Request().URL.Path)
			}
			return
		}
		ctx := c.Request().Context()
		var (
			pe *web.Error
			he *echo.HTTPError
			p  api.Problem
		)
		switch {
		case errors.As(err, &pe):
			p = pe.Problem
			for k, v := range pe.Header {
				c.Response().Header()[k] = v
			}
		case errors.As(err, &he) && he.Code < 500:
			p = web.NewProblem(ctx, he.Code, codeForStatus(he.Code), detailOf(he))
		case store.Unavailable(err):
			// Not a bug: the database is down or restarting. Logged as a
			// warning; the client is told to retry (web.Unavailable).
			log.WarnContext(ctx, "database unavailable", "err", err, "request_id", web.RequestID(ctx),
				"method", c.Request().Method, "path", c.Request().URL.Path)
			pe = web.Unavailable(ctx)
			p = pe.Problem
			for k, v := range pe.Header {
				c.Response().Header()[k] = v
			}
		default:
			log.ErrorContext(ctx, "request failed", "err", err, "request_id", web.RequestID(ctx),
				"method", c.Request().Method, "path", c.Request().URL.Path)
			p = web.NewProblem(ctx, http.StatusInternalServerError, web.CodeInternal, "")
		}
		if p.Status == http.StatusTooManyRequests && c.Response().Header().Get("Retry-After") == "" {
			c.Response().Header().Set("Retry-After", "60")
		}
		if p.Status == http.StatusServiceUnavailable && c.Response().Header().Get("Retry-After") == "" {
			c.Response().Header().Set("Retry-After", strconv.Itoa(web.UnavailableRetryAfter))
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
		return web.CodeMalformedRequest
	case http.StatusUnauthorized:
		return web.CodeAuthRequired
	case http.StatusForbidden:
		return web.CodeForbidden
	case http.StatusNotFound:
		return web.CodeNotFound
	case http.StatusMethodNotAllowed:
		return web.CodeMethodNotAllowed
	case http.StatusRequestEntityTooLarge:
		return web.CodePayloadTooLarge
	case http.StatusUnsupportedMediaType:
		return web.CodeUnsupportedMediaType
	case http.StatusUnprocessableEntity:
		return web.CodeValidationFailed
	case http.StatusTooManyRequests:
		return web.CodeRateLimited
	case http.StatusServiceUnavailable:
		return web.CodeUnavailable
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
