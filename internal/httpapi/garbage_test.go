package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/uuid"
)

// The garbage generator: from an operation's parameters and body schema it
// makes requests that each break one thing — a control character in one
// string, one value of the wrong JSON type, one value over its limit, one
// parameter empty or repeated — so that every operation, including those
// added later, is walked without editing the test.

// garbage is one request of the walk and what its answer must be.
type garbage struct {
	what   string // the one thing that is wrong, for failure messages
	method string
	target string // path and query, escaped
	body   string // JSON, or "" for an operation without a body
	header http.Header
	// field, when set, must be named in the 422 with code ("path.id",
	// "members.0.email").
	field, code string
	// refuse: the only right answers are 4xx (the value is never valid).
	refuse bool
}

// nul is text with the characters PostgreSQL cannot store or no single-line
// value should hold.
const nul = "a\x00b\x01c"

// garbageFor lists the requests for one operation.
func garbageFor(path, method string, item *openapi3.PathItem, op *openapi3.Operation) []garbage {
	var params []*openapi3.Parameter
	for _, p := range op.Parameters {
		params = append(params, p.Value)
	}
	for _, p := range item.Parameters {
		if op.Parameters.GetByInAndName(p.Value.In, p.Value.Name) == nil {
			params = append(params, p.Value)
		}
	}
	var bodySchema *openapi3.SchemaRef
	if op.RequestBody != nil {
		if mt := op.RequestBody.Value.Content.Get("application/json"); mt != nil {
			bodySchema = mt.Schema
		}
	}
	base := map[*openapi3.Parameter]string{}
	for _, p := range params {
		base[p] = sampleParam(p)
	}
	// A request with one parameter (or none) replaced by bad and the body b.
	request := func(what string, bad *openapi3.Parameter, badValues []string, b any) garbage {
		g := garbage{what: what, method: method, header: http.Header{}}
		target, query := path, url.Values{}
		for _, p := range params {
			values := []string{base[p]}
			if p == bad {
				values = badValues
			}
			switch p.In {
			case openapi3.ParameterInPath:
				target = strings.ReplaceAll(target, "{"+p.Name+"}", url.PathEscape(values[0]))
			case openapi3.ParameterInQuery:
				if p == bad || p.Required {
					query[p.Name] = values
				}
			case openapi3.ParameterInHeader:
				for _, v := range values {
					g.header.Add(p.Name, v)
				}
			}
		}
		if len(query) > 0 {
			target += "?" + query.Encode()
		}
		g.target = target
		if bodySchema != nil {
			raw, _ := json.Marshal(b)
			g.body = string(raw)
		}
		return g
	}
	baseBody := sample(bodySchema, 0)

	var out []garbage
	for _, p := range params {
		field := p.In + "." + p.Name
		text := nul
		if p.In == openapi3.ParameterInHeader {
			text = "a\u0085b" // a client cannot send C0 controls in a header at all
		}
		g := request("control characters in "+field, p, []string{text}, baseBody)
		g.field, g.code = field, "invalid_character"
		out = append(out, g)
		g = request("invalid UTF-8 in "+field, p, []string{"a\xffb"}, baseBody)
		g.field, g.code = field, "invalid_character"
		out = append(out, g)
		big, limited := oversize(p.Schema)
		g = request("oversize "+field, p, []string{big}, baseBody)
		g.refuse = limited
		out = append(out, g)
		if wrong, ok := wrongParam(p.Schema); ok {
			g = request("wrong type in "+field, p, []string{wrong}, baseBody)
			g.refuse = true
			out = append(out, g)
		}
		switch p.In {
		case openapi3.ParameterInPath:
			g = request("empty "+field, p, []string{""}, baseBody)
			g.field, g.code = field, "required"
			out = append(out, g)
		case openapi3.ParameterInQuery:
			if p.Schema != nil && p.Schema.Value != nil && p.Schema.Value.Type.Is(openapi3.TypeArray) {
				break // an array parameter is repeated by design (status=open&status=answered)
			}
			g = request("repeated "+field, p, []string{base[p], base[p]}, baseBody)
			g.field, g.code = field, "repeated"
			out = append(out, g)
		}
	}
	if bodySchema == nil {
		return out
	}
	for _, leaf := range leaves(bodySchema, nil, 0) {
		field := strings.Join(leaf.path, ".")
		s := leaf.schema.Value
		if s.Type.Is(openapi3.TypeString) {
			g := request("control characters in "+field, nil, nil, setAt(baseBody, leaf.path, nul))
			if s.Format != "password" { // a password may hold any character: it is only hashed
				g.field, g.code = field, "invalid_character"
			}
			out = append(out, g)
		}
		g := request("wrong type in "+field, nil, nil, setAt(baseBody, leaf.path, wrongJSON(s)))
		g.refuse = true
		out = append(out, g)
		if big, ok := oversizeJSON(leaf.schema); ok {
			g = request("oversize "+field, nil, nil, setAt(baseBody, leaf.path, big))
			g.refuse = true
			out = append(out, g)
		}
	}
	return out
}

// sampleParam is a plausible value for a parameter.
func sampleParam(p *openapi3.Parameter) string {
	switch v := sample(p.Schema, 0).(type) {
	case string:
		return v
	case nil:
		return "x"
	default:
		return fmt.Sprint(v)
	}
}

// sample builds a plausible value of schema s: every property of an object,
// one item of an array, the first value of an enum. It needs not be valid;
// it only has to keep the request readable, so that each mutation is the
// one thing judged.
func sample(ref *openapi3.SchemaRef, depth int) any {
	if ref == nil || ref.Value == nil || depth > 6 {
		return nil
	}
	s := ref.Value
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	if s.Default != nil {
		return s.Default
	}
	switch {
	case s.Type.Is(openapi3.TypeObject) || len(s.Properties) > 0 || len(s.AllOf) > 0:
		obj := map[string]any{}
		for name, p := range properties(s) {
			obj[name] = sample(p, depth+1)
		}
		return obj
	case s.Type.Is(openapi3.TypeArray):
		return []any{sample(s.Items, depth+1)}
	case s.Type.Is(openapi3.TypeInteger), s.Type.Is(openapi3.TypeNumber):
		if s.Min != nil {
			return *s.Min
		}
		return 1
	case s.Type.Is(openapi3.TypeBoolean):
		return false
	}
	switch s.Format {
	case "uuid":
		return uuid.NewString()
	case "email":
		return "garbage@example.org"
	case "date-time":
		return "2026-11-24T09:30:00Z"
	}
	n := 3
	if s.MinLength > 3 {
		n = int(s.MinLength)
	}
	return strings.Repeat("a", n)
}

// properties merges an object's properties with those of its allOf, oneOf
// and anyOf members.
func properties(s *openapi3.Schema) map[string]*openapi3.SchemaRef {
	out := map[string]*openapi3.SchemaRef{}
	for _, sub := range slices.Concat(s.AllOf, s.OneOf, s.AnyOf) {
		if sub.Value != nil {
			for k, v := range properties(sub.Value) {
				out[k] = v
			}
		}
	}
	for k, v := range s.Properties {
		out[k] = v
	}
	return out
}

// leaf is a value inside a body: its path and its schema.
type leaf struct {
	path   []string
	schema *openapi3.SchemaRef
}

// leaves lists every value of a sampled body, containers included.
func leaves(ref *openapi3.SchemaRef, path []string, depth int) []leaf {
	if ref == nil || ref.Value == nil || depth > 6 {
		return nil
	}
	var out []leaf
	if len(path) > 0 {
		out = append(out, leaf{path: path, schema: ref})
	}
	s := ref.Value
	if s.Type.Is(openapi3.TypeArray) {
		return append(out, leaves(s.Items, append(slices.Clip(path), "0"), depth+1)...)
	}
	props := properties(s)
	names := make([]string, 0, len(props))
	for name := range props {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		out = append(out, leaves(props[name], append(slices.Clip(path), name), depth+1)...)
	}
	return out
}

// setAt returns a copy of v with the value at path replaced by x.
func setAt(v any, path []string, x any) any {
	if len(path) == 0 {
		return x
	}
	switch v := v.(type) {
	case map[string]any:
		c := make(map[string]any, len(v))
		for k, e := range v {
			c[k] = e
		}
		c[path[0]] = setAt(v[path[0]], path[1:], x)
		return c
	case []any:
		c := slices.Clone(v)
		if i, err := strconv.Atoi(path[0]); err == nil && i < len(c) {
			c[i] = setAt(c[i], path[1:], x)
		}
		return c
	}
	return v
}

// wrongJSON is a value of another JSON type than s allows.
func wrongJSON(s *openapi3.Schema) any {
	switch {
	case s.Type.Is(openapi3.TypeString):
		return 12345
	case s.Type.Is(openapi3.TypeInteger), s.Type.Is(openapi3.TypeNumber):
		return "12"
	case s.Type.Is(openapi3.TypeBoolean):
		return "true"
	case s.Type.Is(openapi3.TypeArray):
		return map[string]any{"0": "a"}
	}
	return []any{"a"}
}

// oversizeJSON is a value just over s's limit: one character, item or unit
// more than allowed, or an integer no int64 holds.
func oversizeJSON(ref *openapi3.SchemaRef) (any, bool) {
	s := ref.Value
	switch {
	case s.Type.Is(openapi3.TypeString) && s.MaxLength != nil:
		return strings.Repeat("я", int(*s.MaxLength)+1), true
	case s.Type.Is(openapi3.TypeInteger) && s.Max != nil:
		return *s.Max + 1, true
	case s.Type.Is(openapi3.TypeInteger):
		return json.Number("123456789012345678901234567890"), true
	case s.Type.Is(openapi3.TypeArray) && s.MaxItems != nil:
		items := make([]any, *s.MaxItems+1)
		for i := range items {
			items[i] = sample(s.Items, 1)
		}
		return items, true
	}
	return nil, false
}

// oversize is a parameter value over its limit, and true; or, when the
// schema sets none, just a very long one, and false.
func oversize(ref *openapi3.SchemaRef) (string, bool) {
	if ref != nil && ref.Value != nil {
		s := ref.Value
		switch {
		case s.Type.Is(openapi3.TypeInteger) && s.Max != nil:
			return strconv.FormatFloat(*s.Max+1, 'f', -1, 64), true
		case s.Type.Is(openapi3.TypeInteger):
			return "123456789012345678901234567890", true
		case s.MaxLength != nil:
			return strings.Repeat("a", int(*s.MaxLength)+1), true
		}
	}
	return strings.Repeat("a", 4000), false
}

// wrongParam is a parameter value of the wrong type, when there is one.
func wrongParam(ref *openapi3.SchemaRef) (string, bool) {
	if ref == nil || ref.Value == nil {
		return "", false
	}
	s := ref.Value
	switch {
	case s.Type.Is(openapi3.TypeInteger), s.Type.Is(openapi3.TypeNumber):
		return "ten", true
	case s.Type.Is(openapi3.TypeBoolean):
		return "maybe", true
	case s.Format == "uuid":
		return "not-a-uuid", true
	case len(s.Enum) > 0:
		return "no-such-value", true
	}
	return "", false
}
