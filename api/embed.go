// Package api embeds the OpenAPI contract, byte for byte, so the server can
// publish the very file the code is generated from.
package api

import (
	_ "embed"
	"encoding/json"

	"github.com/getkin/kin-openapi/openapi3"
)

// OpenAPIYAML is api/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPIYAML []byte

// Load parses the contract. Each call makes a document of its own, which
// the caller may change; nothing keeps one for the process's life.
func Load() (*openapi3.T, error) { return openapi3.NewLoader().LoadFromData(OpenAPIYAML) }

// JSON is the contract as JSON (what /openapi.json serves), made from
// OpenAPIYAML on each call.
func JSON() ([]byte, error) {
	doc, err := Load()
	if err != nil {
		return nil, err
	}
	return json.Marshal(doc)
}
