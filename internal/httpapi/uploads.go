package httpapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/kabinet-edu/kabinet/internal/config"
)

// uploadReadDeadline gives a streamed upload (the operations streamed
// selects) the time it needs: the server's ReadTimeout (30 s) would cut a
// large file short on a slow connection. The body may take 30 s plus the
// time it takes at 64 KiB/s — of its Content-Length, or of maxBytes, the
// largest upload allowed, when it is sent chunked — so only a client slower
// than that is dropped. The size limits themselves are the handlers'.
func uploadReadDeadline(streamed middleware.Skipper, maxBytes int64) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			if r.Body != nil && r.Body != http.NoBody && streamed(c) {
				n := r.ContentLength
				if n < 0 || n > maxBytes {
					n = maxBytes
				}
				d := 30*time.Second + time.Duration(n>>16)*time.Second
				// Not supported by a test's recorder: then nothing changes.
				_ = http.NewResponseController(c.Response().Writer).SetReadDeadline(time.Now().Add(d))
			}
			return next(c)
		}
	}
}

// maxUpload is the largest streamed upload the configuration allows.
func maxUpload(cfg config.Config) int64 {
	return max(cfg.Blob.ImageMaxBytes, cfg.Blob.DocumentMaxBytes, cfg.Blob.LessonMaxBytes, cfg.Documents.MaxBytes)
}
