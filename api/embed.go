// Package api embeds the OpenAPI contract, byte for byte, so the server can
// publish the very file the code is generated from.
package api

import _ "embed"

// OpenAPIYAML is api/openapi.yaml.
//
//go:embed openapi.yaml
var OpenAPIYAML []byte
