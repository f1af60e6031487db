package httpapi

import (
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5emb"

	apispec "github.com/kabinet-edu/kabinet/api"
	"github.com/kabinet-edu/kabinet/gen/api"
)

// mountDocs serves the spec as /openapi.json and /openapi.yaml and Swagger UI
// (assets embedded in the binary, so it works offline) at /docs/.
func mountDocs(e *echo.Echo) error {
	specJSON, err := api.GetSpecJSON()
	if err != nil {
		return fmt.Errorf("embedded spec: %w", err)
	}
	e.GET("/openapi.json", func(c echo.Context) error {
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, specJSON)
	})
	e.GET("/openapi.yaml", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/yaml", apispec.OpenAPIYAML)
	})
	ui := v5emb.NewHandlerWithConfig(swgui.Config{
		Title:       "Kabinet API",
		SwaggerJSON: "/openapi.json",
		BasePath:    "/docs/",
		SettingsUI: map[string]string{
			// Keep the pasted token across page reloads while testing.
			"persistAuthorization":   "true",
			"displayRequestDuration": "true",
			"tryItOutEnabled":        "true",
		},
	})
	e.GET("/docs", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/docs/") })
	e.GET("/docs/*", func(c echo.Context) error {
		w := &notFoundCatcher{ResponseWriter: c.Response().Writer}
		ui.ServeHTTP(w, c.Request())
		if w.notFound {
			// The asset server answers a missing file in plain text; we
			// answer in problem+json like everywhere else.
			return echo.ErrNotFound
		}
		return nil
	})
	return nil
}

// notFoundCatcher passes a response through unless its status is 404, which
// it swallows (with the body) and reports.
type notFoundCatcher struct {
	http.ResponseWriter
	notFound bool
}

func (w *notFoundCatcher) WriteHeader(status int) {
	if status == http.StatusNotFound {
		w.notFound = true
		return
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *notFoundCatcher) Write(b []byte) (int, error) {
	if w.notFound {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}
