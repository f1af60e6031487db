package httpapi

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/kabinet-edu/kabinet/internal/config"
)

// JobsUIPath is where River UI is served to operators.
const JobsUIPath = "/admin/jobs"

// mountJobsUI serves ui — River UI, built by the process when KABINET_JOBS_UI
// is on — at JobsUIPath, behind HTTP Basic authentication with the operator
// credentials. Without ui nothing is mounted and the paths answer 404 like
// any unknown route. They are not API operations: the spec validator passes
// requests for paths outside the spec through untouched.
func mountJobsUI(e *echo.Echo, op config.Operator, ui http.Handler) error {
	if ui == nil {
		return nil
	}
	if !op.Configured() {
		// Config.Validate refuses this already; never serve the UI open.
		return errors.New("the jobs UI needs KABINET_OPERATOR_USERNAME and KABINET_OPERATOR_PASSWORD")
	}
	h := echo.WrapHandler(ui)
	mw := []echo.MiddlewareFunc{operatorAuth(op), sameOrigin()}
	e.Any(JobsUIPath, h, mw...)
	e.Any(JobsUIPath+"/*", h, mw...)
	return nil
}

// sameOrigin refuses (403) a state-changing request (cancel, retry, delete,
// pause) that the browser says comes from another site: it resends Basic
// credentials to every request of the origin, whoever makes the page.
func sameOrigin() echo.MiddlewareFunc {
	cop := http.NewCrossOriginProtection()
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if err := cop.Check(c.Request()); err != nil {
				return echo.NewHTTPError(http.StatusForbidden, "Cross-site requests may not change jobs.")
			}
			return next(c)
		}
	}
}

// operatorAuth lets through requests that carry the operator credentials
// (HTTP Basic) and answers the rest 401 with a Basic challenge. Both halves
// are compared as SHA-256 digests in constant time, so neither the length
// nor the first differing byte of a guess shows in the timing.
func operatorAuth(op config.Operator) echo.MiddlewareFunc {
	wantUser, wantPassword := sha256.Sum256([]byte(op.Username)), sha256.Sum256([]byte(op.Password))
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			user, password, ok := c.Request().BasicAuth()
			gotUser, gotPassword := sha256.Sum256([]byte(user)), sha256.Sum256([]byte(password))
			match := subtle.ConstantTimeCompare(gotUser[:], wantUser[:]) & subtle.ConstantTimeCompare(gotPassword[:], wantPassword[:])
			if !ok || match != 1 {
				c.Response().Header().Set("WWW-Authenticate", `Basic realm="Kabinet operators", charset="UTF-8"`)
				return echo.ErrUnauthorized
			}
			return next(c)
		}
	}
}
