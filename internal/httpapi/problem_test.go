package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/kabinet-edu/kabinet/internal/web"
	"github.com/labstack/echo/v4"
)

// TestErrorHandler covers errors no spec'd request can provoke on demand:
// an unexpected failure must log its cause and show none of it.
func TestErrorHandler(t *testing.T) {
	var logs bytes.Buffer
	e := echo.New()
	e.HTTPErrorHandler = errorHandler(slog.New(slog.NewJSONHandler(&logs, nil)))
	e.Use(withRequestMeta)
	e.GET("/boom", func(echo.Context) error { return errors.New("pq: password authentication failed for user secret") })
	e.GET("/slow-down", func(echo.Context) error { return echo.ErrTooManyRequests })
	e.GET("/db-down", func(echo.Context) error {
		return fmt.Errorf("get user: %w", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command secret"})
	})
	e.GET("/panic", func(echo.Context) error { panic("kaboom") }, func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			defer func() {
				if r := recover(); r != nil {
					err = errors.New("recovered")
				}
			}()
			return next(c)
		}
	})

	for _, tc := range []struct {
		path   string
		status int
		code   string
	}{
		{"/boom", 500, "internal"},
		{"/panic", 500, "internal"},
		{"/slow-down", 429, "rate_limited"},
		{"/db-down", 503, "unavailable"},
	} {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
		if rec.Code != tc.status || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%s: %d %q", tc.path, rec.Code, rec.Header().Get("Content-Type"))
		}
		var p struct {
			Code, Type, RequestID string
			Detail                *string
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Code != tc.code || p.RequestID == "" {
			t.Fatalf("%s: body %s", tc.path, rec.Body)
		}
		if strings.Contains(rec.Body.String(), "secret") || strings.Contains(rec.Body.String(), "kaboom") {
			t.Fatalf("%s leaks the internal cause: %s", tc.path, rec.Body)
		}
		if (tc.status == 429 || tc.status == 503) && rec.Header().Get("Retry-After") == "" {
			t.Errorf("%d without Retry-After", tc.status)
		}
	}
	if !strings.Contains(logs.String(), "password authentication failed") || !strings.Contains(logs.String(), `"request_id"`) {
		t.Errorf("the cause of a 500 is not logged with the request id: %s", logs.String())
	}
}

func TestAccessLogHidesTokensInPaths(t *testing.T) {
	for _, fast := range []bool{false, true} {
		t.Run(map[bool]string{false: "slog", true: "fast"}[fast], func(t *testing.T) { accessLogHidesTokens(t, fast) })
	}
}

func accessLogHidesTokens(t *testing.T, fast bool) {
	var logs bytes.Buffer
	e := echo.New()
	e.HTTPErrorHandler = errorHandler(slog.New(slog.DiscardHandler))
	var json io.Writer
	if fast {
		json = &logs
	}
	e.Use(withRequestMeta, accessLog(slog.New(slog.NewJSONHandler(&logs, nil)), json))
	e.GET("/api/v1/auth/invitations/:token", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	e.GET("/api/v1/organizations/:organizationId", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	for _, path := range []string{"/api/v1/auth/invitations/SECRETTOKEN123", "/api/v1/organizations/0b9e4f8e"} {
		e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	if strings.Contains(logs.String(), "SECRETTOKEN123") {
		t.Errorf("the access log shows an invitation token: %s", logs.String())
	}
	if !strings.Contains(logs.String(), `"path":"/api/v1/organizations/0b9e4f8e"`) {
		t.Errorf("ordinary paths should be logged as they are: %s", logs.String())
	}
}

// A handler of web.Base.SessionInStatement that wrote its response without
// checking the session: the response has gone, so the bug is logged.
func TestErrorHandlerLogsAResponseWrittenWithoutTheSessionCheck(t *testing.T) {
	var logs bytes.Buffer
	e := echo.New()
	e.HTTPErrorHandler = errorHandler(slog.New(slog.NewJSONHandler(&logs, nil)))
	e.GET("/me", func(c echo.Context) error {
		if err := c.String(http.StatusOK, "{}"); err != nil {
			return err
		}
		return fmt.Errorf("GetMe: %w", web.ErrSessionNotChecked)
	})
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/me", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	if !strings.Contains(logs.String(), `"level":"ERROR"`) || !strings.Contains(logs.String(), "without the session check") {
		t.Fatalf("logs: %s", logs.String())
	}
}
