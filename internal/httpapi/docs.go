package httpapi

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5emb"
	"go.yaml.in/yaml/v3"

	"github.com/kabinet-edu/kabinet/gen/api"
)

// mountDocs serves the spec as /openapi.json and /openapi.yaml and Swagger UI
// (assets embedded in the binary, so it works offline) at /docs/.
func mountDocs(e *echo.Echo) error {
	specJSON, err := api.GetSpecJSON()
	if err != nil {
		return fmt.Errorf("embedded spec: %w", err)
	}
	specYAML, err := jsonToYAML(specJSON)
	if err != nil {
		return fmt.Errorf("embedded spec as YAML: %w", err)
	}
	e.GET("/openapi.json", func(c echo.Context) error {
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, specJSON)
	})
	e.GET("/openapi.yaml", func(c echo.Context) error {
		return c.Blob(http.StatusOK, "application/yaml", specYAML)
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

// jsonToYAML re-encodes JSON as YAML, keeping the key order.
func jsonToYAML(j []byte) ([]byte, error) {
	var node yaml.Node
	if err := yaml.Unmarshal(j, &node); err != nil {
		return nil, err
	}
	clearStyle(&node)
	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(&node); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// clearStyle drops the JSON flow style and quoting so the output reads as
// ordinary block YAML.
func clearStyle(n *yaml.Node) {
	n.Style = 0 // the encoder still quotes strings that would read as another type
	for _, c := range n.Content {
		clearStyle(c)
	}
}
