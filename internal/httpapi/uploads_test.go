package httpapi

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
)

// slowUpload posts a body of 8 chunks sent 100 ms apart to a server whose
// ReadTimeout is 300 ms, with or without uploadReadDeadline, and returns
// what the handler read (or the error).
func slowUpload(t *testing.T, withDeadline bool) (string, error) {
	t.Helper()
	e := echo.New()
	if withDeadline {
		e.Use(uploadReadDeadline(func(echo.Context) bool { return true }, 1<<20))
	}
	e.PUT("/upload", func(c echo.Context) error {
		b, err := io.ReadAll(c.Request().Body)
		if err != nil {
			return c.String(http.StatusRequestTimeout, err.Error())
		}
		return c.String(http.StatusOK, fmt.Sprintf("read %d", len(b)))
	})
	srv := httptest.NewUnstartedServer(e)
	srv.Config.ReadTimeout = 300 * time.Millisecond
	srv.Start()
	defer srv.Close()

	pr, pw := io.Pipe()
	go func() {
		for range 8 {
			time.Sleep(100 * time.Millisecond)
			if _, err := pw.Write([]byte(strings.Repeat("x", 1024))); err != nil {
				return
			}
		}
		_ = pw.Close()
	}()
	req, err := http.NewRequest(http.MethodPut, srv.URL+"/upload", pr)
	if err != nil {
		t.Fatal(err)
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return "", fmt.Errorf("status %d: %s", res.StatusCode, b)
	}
	return string(b), nil
}

// A streamed upload slower than the server's ReadTimeout still arrives
// whole; without the middleware the same upload is cut.
func TestSlowUploadOutlivesTheReadTimeout(t *testing.T) {
	t.Parallel()
	if got, err := slowUpload(t, true); err != nil || got != "read 8192" {
		t.Fatalf("with the upload deadline: %q, %v", got, err)
	}
	if got, err := slowUpload(t, false); err == nil {
		t.Fatalf("without it the upload was not cut: %q", got)
	}
}
