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
	e.GET("/docs/*", echo.WrapHandler(ui))
	return nil
}
