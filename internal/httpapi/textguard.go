package httpapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// The checks below run in the validator, on every operation, beside the
// schema checks: the input rules that JSON Schema cannot express.
//
//   - Text holds no control characters. PostgreSQL cannot store U+0000, and no
//     single-line value (a name, a login, a code) has a use for the others;
//     they only hide content from people reading it. This covers every string
//     of a JSON body, however nested, and every declared parameter (path,
//     query, header, cookie), which must also be valid UTF-8. A schema marked
//     x-multiline: true (a PEM certificate) also accepts \n, \r and \t;
//     a password (format: password) is exempt: it is only ever hashed.
//   - A query string must parse, and a parameter that is not an array is
//     given once: otherwise the generated binder would answer 400 for what is
//     a field error like any other.
//
// Every violation is a field error of a 422, in the same list as the schema's.

// multilineExtension marks a string schema whose values may span lines.
const multilineExtension = "x-multiline"

// paramProblems lists the violations of the rules above in the parameters
// of req, matched to route. It runs before the validator, which may rewrite
// the query string (adding defaults).
func paramProblems(req *http.Request, route *routers.Route, pathParams map[string]string) []api.FieldError {
	var out []api.FieldError
	if _, err := url.ParseQuery(req.URL.RawQuery); err != nil {
		out = append(out, web.FieldError("query", "invalid_format", "is not a valid URL query string"))
	}
	query := req.URL.Query()
	for _, p := range parameters(route) {
		field := p.In + "." + p.Name
		var values []string
		switch p.In {
		case openapi3.ParameterInPath:
			if v, ok := pathParams[p.Name]; ok {
				values = []string{v}
			}
		case openapi3.ParameterInQuery:
			values = query[p.Name]
			if len(values) > 1 && !isArray(p.Schema) {
				out = append(out, web.FieldError(field, "repeated", "must be given once"))
			}
		case openapi3.ParameterInHeader:
			values = req.Header.Values(p.Name)
		case openapi3.ParameterInCookie:
			for _, c := range req.CookiesNamed(p.Name) {
				values = append(values, c.Value)
			}
		}
		for _, v := range values {
			if msg := badText(v, isMultiline(p.Schema)); msg != "" {
				out = append(out, web.FieldError(field, "invalid_character", msg))
				break
			}
		}
	}
	return out
}

// bodyProblems lists the strings of req's JSON body that hold control
// characters. It runs after the validator has read the body.
func bodyProblems(req *http.Request, route *routers.Route) []api.FieldError {
	body, ok := jsonBody(req)
	if !ok || route.Operation.RequestBody == nil {
		return nil
	}
	var schema *openapi3.SchemaRef
	if mt := route.Operation.RequestBody.Value.Content.Get(req.Header.Get("Content-Type")); mt != nil {
		schema = mt.Schema
	}
	return textErrors(nil, body, schema)
}

// parameters are the operation's parameters, with those of its path item
// that it does not override.
func parameters(route *routers.Route) []*openapi3.Parameter {
	var out []*openapi3.Parameter
	for _, p := range route.Operation.Parameters {
		out = append(out, p.Value)
	}
	for _, p := range route.PathItem.Parameters {
		if route.Operation.Parameters.GetByInAndName(p.Value.In, p.Value.Name) == nil {
			out = append(out, p.Value)
		}
	}
	return out
}

// jsonBody returns the request body as the validator decoded it, or decodes
// it again when validation failed before keeping it. It is false when there
// is no JSON body (an unreadable one is reported by the validator itself).
func jsonBody(req *http.Request) (any, bool) {
	if vb, ok := req.Body.(interface{ ValidatedValue() any }); ok {
		return vb.ValidatedValue(), true
	}
	if req.GetBody == nil {
		return nil, false
	}
	r, err := req.GetBody()
	if err != nil {
		return nil, false
	}
	data, err := io.ReadAll(r)
	if err != nil || len(data) == 0 {
		return nil, false
	}
	var v any
	return v, json.Unmarshal(data, &v) == nil
}

// textErrors walks a decoded JSON value beside its schema and reports every
// string that badText refuses, named by its dotted path (members.0.firstName).
func textErrors(path []string, v any, schema *openapi3.SchemaRef) []api.FieldError {
	switch v := v.(type) {
	case string:
		if isPassword(schema) {
			// Hashed, never stored or shown: any character is harmless, and a
			// password that worked before must keep working.
			return nil
		}
		if msg := badText(v, isMultiline(schema)); msg != "" {
			return []api.FieldError{web.FieldError(strings.Join(path, "."), "invalid_character", msg)}
		}
	case map[string]any:
		var out []api.FieldError
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			out = append(out, textErrors(append(slices.Clip(path), k), v[k], property(schema, k))...)
		}
		return out
	case []any:
		var out []api.FieldError
		for i, x := range v {
			out = append(out, textErrors(append(slices.Clip(path), strconv.Itoa(i)), x, items(schema))...)
		}
		return out
	}
	return nil
}

// badText says what is wrong with s, or "" when nothing is.
func badText(s string, multiline bool) string {
	if !utf8.ValidString(s) {
		return "must be valid UTF-8 text"
	}
	for _, r := range s {
		if multiline && (r == '\n' || r == '\r' || r == '\t') {
			continue
		}
		if unicode.IsControl(r) {
			if multiline {
				return "must not contain control characters other than line breaks and tabs"
			}
			return "must not contain control characters (such as NUL, tabs or line breaks)"
		}
	}
	return ""
}

// subschemas are s's allOf, oneOf and anyOf members.
func subschemas(s *openapi3.Schema) []*openapi3.SchemaRef {
	return slices.Concat(s.AllOf, s.OneOf, s.AnyOf)
}

// isPassword reports a string schema of format password.
func isPassword(ref *openapi3.SchemaRef) bool {
	return ref != nil && ref.Value != nil && ref.Value.Format == "password"
}

// isMultiline reports the x-multiline mark on s or on one of its members.
func isMultiline(ref *openapi3.SchemaRef) bool {
	if ref == nil || ref.Value == nil {
		return false
	}
	if on, _ := ref.Value.Extensions[multilineExtension].(bool); on {
		return true
	}
	return slices.ContainsFunc(subschemas(ref.Value), isMultiline)
}

func isArray(ref *openapi3.SchemaRef) bool {
	return ref != nil && ref.Value != nil && ref.Value.Type.Is(openapi3.TypeArray)
}

// property finds the schema of an object's property, through composition
// and additionalProperties; nil when the schema says nothing about it.
func property(ref *openapi3.SchemaRef, name string) *openapi3.SchemaRef {
	if ref == nil || ref.Value == nil {
		return nil
	}
	s := ref.Value
	if p, ok := s.Properties[name]; ok {
		return p
	}
	for _, sub := range subschemas(s) {
		if p := property(sub, name); p != nil {
			return p
		}
	}
	return s.AdditionalProperties.Schema
}

// items finds the schema of an array's items, through composition.
func items(ref *openapi3.SchemaRef) *openapi3.SchemaRef {
	if ref == nil || ref.Value == nil {
		return nil
	}
	if ref.Value.Items != nil {
		return ref.Value.Items
	}
	for _, sub := range subschemas(ref.Value) {
		if it := items(sub); it != nil {
			return it
		}
	}
	return nil
}

// cleanText makes s, a value the client sent without the spec declaring it
// (the User-Agent), fit to be stored: valid UTF-8, control characters turned
// into spaces, and at most max bytes, cut between characters.
func cleanText(s string, max int) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut]
}
