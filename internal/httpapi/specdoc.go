package httpapi

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	apispec "github.com/kabinet-edu/kabinet/api"
	"github.com/kabinet-edu/kabinet/gen/api"
)

// validationSpec loads the embedded spec for the request validator with
// what the validator never reads left out: responses (and the components
// and schemas only they use), descriptions, summaries and examples. The
// loaded document stays in memory for the process's life; this keeps it
// to the third of the whole spec's that requests are checked against.
// (The whole spec is still served at /openapi.json and /openapi.yaml.)
func validationSpec() (*openapi3.T, error) {
	raw, err := apispec.JSON()
	if err != nil {
		return nil, fmt.Errorf("embedded spec: %w", err)
	}
	var doc map[string]any
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("embedded spec: %w", err)
	}
	pruneSpec(doc)
	b, err := json.Marshal(doc)
	if err != nil {
		return nil, err
	}
	t, err := openapi3.NewLoader().LoadFromData(b)
	if err != nil {
		return nil, err
	}
	if err := goOperationIDs(t); err != nil {
		return nil, err
	}
	return t, nil
}

// goOperationIDs renames every operation after its method of the generated
// api.StrictServerInterface ("getMe" → "GetMe", "getUserById" →
// "GetUserByID"): the names the domains list operations by
// (web.Base.SessionInStatement, idempotency.Routes). An operation without a
// method is a spec the code was not generated from: refused.
func goOperationIDs(doc *openapi3.T) error {
	methods := reflect.TypeFor[api.StrictServerInterface]()
	names := make(map[string]string, methods.NumMethod())
	for i := range methods.NumMethod() {
		name := methods.Method(i).Name
		names[strings.ToLower(name)] = name
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name, ok := names[strings.ToLower(op.OperationID)]
			if !ok {
				return fmt.Errorf("embedded spec: %s %s (%s) has no method in the generated server: run make generate", method, path, op.OperationID)
			}
			op.OperationID = name
		}
	}
	return nil
}

// pruneSpec takes out of a decoded spec what request validation does not
// need.
func pruneSpec(doc map[string]any) {
	paths, _ := doc["paths"].(map[string]any)
	for _, item := range paths {
		ops, _ := item.(map[string]any)
		for _, op := range ops {
			if o, ok := op.(map[string]any); ok {
				delete(o, "responses")
			}
		}
	}
	comps, _ := doc["components"].(map[string]any)
	for _, k := range []string{"responses", "headers", "examples", "links", "callbacks"} {
		delete(comps, k)
	}
	dropDocs(doc, false)
	// Keep the schemas that requests can reach.
	schemas, _ := comps["schemas"].(map[string]any)
	keep := map[string]bool{}
	var queue []string
	visit := func(n any) {
		walkRefs(n, func(ref string) {
			name, ok := strings.CutPrefix(ref, "#/components/schemas/")
			if ok && !keep[name] {
				keep[name] = true
				queue = append(queue, name)
			}
		})
	}
	visit(doc["paths"])
	for k, v := range comps {
		if k != "schemas" {
			visit(v)
		}
	}
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		visit(schemas[name])
	}
	for name := range schemas {
		if !keep[name] {
			delete(schemas, name)
		}
	}
}

// dropDocs removes descriptions, summaries and examples from n, except
// where those words are names: the keys of a schema's properties.
func dropDocs(n any, names bool) {
	switch v := n.(type) {
	case map[string]any:
		for k, c := range v {
			if !names {
				_, text := c.(string)
				if (text && (k == "description" || k == "summary")) || k == "example" || k == "examples" {
					delete(v, k)
					continue
				}
			}
			dropDocs(c, !names && k == "properties")
		}
	case []any:
		for _, c := range v {
			dropDocs(c, false)
		}
	}
}

// walkRefs calls f with every $ref in n.
func walkRefs(n any, f func(string)) {
	switch v := n.(type) {
	case map[string]any:
		for k, c := range v {
			if s, ok := c.(string); ok && k == "$ref" {
				f(s)
				continue
			}
			walkRefs(c, f)
		}
	case []any:
		for _, c := range v {
			walkRefs(c, f)
		}
	}
}
