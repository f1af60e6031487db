package httpapi

import (
	"net/http"
	"net/netip"
	"regexp"
	"strings"

	"github.com/google/uuid"
	"github.com/kabinet-edu/kabinet/internal/web"
	"github.com/labstack/echo/v4"
)

const headerRequestID = "X-Request-Id"

// A request id from a trusted proxy is kept when it looks like an id.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,128}$`)

// withRequestMeta assigns the request id (echoed in X-Request-Id) and records
// client address and user agent on the request context.
func withRequestMeta(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		id := req.Header.Get(headerRequestID)
		if !validRequestID.MatchString(id) {
			id = uuid.NewString()
		}
		c.Response().Header().Set(headerRequestID, id)
		m := &web.Meta{ID: id, Path: req.URL.Path, UserAgent: cleanText(req.UserAgent(), 512)}
		if ip, err := netip.ParseAddr(c.RealIP()); err == nil {
			ip = ip.Unmap()
			m.IP = &ip
		}
		// With the caller's slot in the same context value: one copy of the
		// request instead of two (the validator's authentication fills it).
		c.SetRequest(req.WithContext(web.WithRequest(req.Context(), m)))
		return next(c)
	}
}

// loggedPath is the request path for the access log, except on routes that
// carry a secret in the path (an invitation token): those log the route
// template, so live tokens never land in log files.
func loggedPath(route, path string) string {
	if strings.Contains(route, ":token") {
		return route
	}
	return path
}

// headAsGet routes a HEAD request like the GET of the same path (load
// balancers and uptime checks probe with HEAD) and drops the body it writes.
// Echo routes on the request it was handed, so the method is changed in place.
func headAsGet(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if r := c.Request(); r.Method == http.MethodHead {
			r.Method = http.MethodGet
			c.Response().Writer = bodyless{c.Response().Writer}
		}
		return next(c)
	}
}

// bodyless is a ResponseWriter that sends headers and status but no body.
type bodyless struct{ http.ResponseWriter }

func (b bodyless) Write(p []byte) (int, error) { return len(p), nil }
