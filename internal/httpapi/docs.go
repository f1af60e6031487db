package httpapi

import (
	"fmt"
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"
	"github.com/swaggest/swgui/v5/static"
	"github.com/vearutop/statigz"

	apispec "github.com/kabinet-edu/kabinet/api"
)

// mountDocs serves the spec as /openapi.json and /openapi.yaml and Swagger UI
// (assets embedded in the binary, so it works offline) at /docs/.
//
// The assets' server is made on the first request for one, not at start:
// it reads and hashes every asset when made (for ETags), which an instance
// that never serves the docs would pay for in memory all its life.
func mountDocs(e *echo.Echo) error {
	// The JSON form is made on the first request for it (as the assets'
	// server below), then kept: an instance that never serves it does not
	// hold a second megabyte copy of the spec.
	specJSON := sync.OnceValues(apispec.JSON)
	e.GET("/openapi.json", func(c echo.Context) error {
		b, err := specJSON()
		if err != nil {
			return fmt.Errorf("embedded spec: %w", err)
		}
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, b)
	})
	e.GET("/openapi.yaml", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/yaml", apispec.OpenAPIYAML)
	})
	assets := sync.OnceValue(func() http.Handler {
		// The gzipped assets go out as they are to clients that accept
		// gzip, unpacked to the others.
		return http.StripPrefix("/docs/", statigz.FileServer(static.FS))
	})
	e.GET("/docs", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/docs/") })
	e.GET("/docs/", func(c echo.Context) error { return c.HTML(http.StatusOK, docsPage) })
	e.GET("/docs/*", func(c echo.Context) error {
		w := &notFoundCatcher{ResponseWriter: c.Response().Writer}
		assets().ServeHTTP(w, c.Request())
		if w.notFound {
			// The asset server answers a missing file in plain text; we
			// answer in problem+json like everywhere else.
			return echo.ErrNotFound
		}
		return nil
	})
	return nil
}

// docsPage is Swagger UI's page: the standalone layout on /openapi.json,
// keeping a pasted token across reloads and with "Try it out" on.
const docsPage = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Kabinet API</title>
<link rel="stylesheet" href="swagger-ui.css">
<link rel="icon" type="image/png" href="favicon-32x32.png" sizes="32x32">
<link rel="icon" type="image/png" href="favicon-16x16.png" sizes="16x16">
</head>
<body>
<div id="swagger-ui"></div>
<script src="swagger-ui-bundle.js"></script>
<script src="swagger-ui-standalone-preset.js"></script>
<script>
window.ui = SwaggerUIBundle({
  url: "/openapi.json",
  dom_id: "#swagger-ui",
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  plugins: [SwaggerUIBundle.plugins.DownloadUrl],
  layout: "StandaloneLayout",
  validatorUrl: null,
  showExtensions: true,
  defaultModelsExpandDepth: -1,
  persistAuthorization: true,
  displayRequestDuration: true,
  tryItOutEnabled: true
});
</script>
</body>
</html>
`

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
