package httpapi

import (
	"io"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/kabinet-edu/kabinet/internal/specroute"
)

const guardSpec = `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /notes/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string}}
    post:
      parameters:
        - {name: X-Client, in: header, schema: {type: string}}
        - {name: session, in: cookie, schema: {type: string}}
        - {name: tags, in: query, schema: {type: array, items: {type: string}}}
        - {name: q, in: query, schema: {type: string}}
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                title: {type: string}
                text: {allOf: [{$ref: '#/components/schemas/Text'}], description: the note}
                items: {type: array, items: {type: object, properties: {label: {type: string}}}}
                extra: {type: object, additionalProperties: {type: string, x-multiline: true}}
      responses: {'200': {description: ok}}
components:
  schemas:
    Text: {type: string, x-multiline: true}
`

// TestTextGuard covers what the spec's own operations do not yet have:
// header and cookie parameters, multi-line text behind allOf and in
// additionalProperties, repeated array parameters (allowed).
func TestTextGuard(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData([]byte(guardSpec))
	if err != nil {
		t.Fatal(err)
	}
	router := specroute.New(doc)
	body := `{"title":"a\tb","text":"line 1\n\tline 2\r\n","items":[{"label":"ok"},{"label":"x\u0000"}],` +
		`"extra":{"k":"multi\nline","z":"bell\u0007"},"unknown":"\u0000"}`
	req := httptest.NewRequest("POST", "/notes/a%00b?tags=a&tags=b&q=1&q=2", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Client", "app\u0085")
	req.Header.Set("Cookie", "session=ok")
	route, params, err := router.FindRoute(req)
	if err != nil {
		t.Fatal(err)
	}
	req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(body)), nil }
	var got []string
	for _, f := range append(paramProblems(req, route, params), bodyProblems(req, route)...) {
		got = append(got, f.Field+":"+f.Code)
	}
	slices.Sort(got)
	want := []string{
		"extra.z:invalid_character", "header.X-Client:invalid_character", "items.1.label:invalid_character",
		"path.id:invalid_character", "query.q:repeated", "title:invalid_character", "unknown:invalid_character",
	}
	if !slices.Equal(got, want) {
		t.Errorf("got %v\nwant %v", got, want)
	}
	if s := cleanText("a\x00b\xffc"+strings.Repeat("я", 10), 12); s != "a b\uFFFDcяя" {
		t.Errorf("cleanText = %q", s)
	}
}
