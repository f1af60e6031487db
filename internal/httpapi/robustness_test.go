package httpapi_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	apispec "github.com/kabinet-edu/kabinet/api"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/config"
)

// TestEveryOperationRefusesGarbageWithoutA500 walks every operation of the
// spec and sends it malformed input, signed in and not: whatever the answer,
// it is never a 5xx, and every error is problem+json.
func TestEveryOperationRefusesGarbageWithoutA500(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	doc, err := apispec.Load()
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for p := range doc.Paths.Map() {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	bodies := []string{``, `{}`, `[]`, `"text"`, `{"code":123,"password":null,"email":"x"}`, `{`}
	ids := []string{"x", "00000000-0000-0000-0000-000000000000", "%00", strings.Repeat("9", 300)}
	checked := 0
	for _, path := range paths {
		for method := range doc.Paths.Value(path).Operations() {
			if path == "/api/v1/auth/logout" || path == "/api/v1/me/close" || strings.HasSuffix(path, "/revoke-others") {
				continue // would end the session the rest of the walk uses
			}
			for _, id := range ids {
				url := env.URL + replaceParams(path, id)
				for _, body := range bodies {
					// A fresh, recently authenticated learner for every request
					// keeps earlier answers (lockouts, changes) from hiding later ones.
					token := apitest.Register(t, env, apitest.NewAccount()).AccessToken
					for _, auth := range []string{"", "Bearer " + token} {
						req, _ := http.NewRequestWithContext(context.Background(), method, url, bytes.NewBufferString(body))
						req.Header.Set("Content-Type", "application/json")
						if auth != "" {
							req.Header.Set("Authorization", auth)
						}
						res, err := env.HTTPClient.Do(req)
						if err != nil {
							t.Fatal(err)
						}
						if apitest.IsEventStream(res) { // a live stream: its headers are the answer
							res.Body.Close()
							checked++
							continue
						}
						b, _ := io.ReadAll(res.Body)
						res.Body.Close()
						checked++
						if res.StatusCode >= 500 {
							t.Errorf("%s %s (id %q, body %q, auth %v): %d %s", method, path, id, body, auth != "", res.StatusCode, b)
						}
						if res.StatusCode >= 400 && !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
							t.Errorf("%s %s: %d with Content-Type %q", method, path, res.StatusCode, res.Header.Get("Content-Type"))
						}
					}
				}
			}
		}
	}
	if checked < 500 {
		t.Fatalf("only %d requests checked", checked)
	}
}

// TestEveryOperationRefusesGeneratedGarbage sends every operation the
// requests garbageFor makes from its schemas — control characters in each
// string and parameter, wrong JSON types, values over their limits, empty
// and repeated parameters — as a signed-in learner (the validator judges
// input before any role check). No answer is a 5xx, every one is documented
// (apitest checks each against the spec), a value that is never valid is
// refused, and a control character is refused as 422 naming its field.
func TestEveryOperationRefusesGeneratedGarbage(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, func(c *config.Config) { c.Operator = config.Operator{Username: "ops", Password: "operator secret"} })
	doc, err := apispec.Load()
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for p := range doc.Paths.Map() {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	sent := 0
	for _, path := range paths {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			cases := garbageFor(path, method, item, op)
			if len(cases) == 0 {
				continue
			}
			// One learner per operation: everything sent is refused before
			// a handler runs, so nothing it does ends the session.
			token := apitest.Register(t, env, apitest.NewAccount()).AccessToken
			for _, g := range cases {
				req, _ := http.NewRequestWithContext(context.Background(), g.method, env.URL+g.target, strings.NewReader(g.body))
				req.Header = g.header
				req.Header.Set("Authorization", "Bearer "+token)
				if operatorOnly(op) {
					req.SetBasicAuth("ops", "operator secret")
				}
				if g.body != "" {
					req.Header.Set("Content-Type", "application/json")
				}
				res, err := env.HTTPClient.Do(req)
				if err != nil {
					t.Fatalf("%s %s (%s): %v", method, path, g.what, err)
				}
				if apitest.IsEventStream(res) { // a live stream: its headers are the answer
					res.Body.Close()
					sent++
					if g.field != "" || g.refuse {
						t.Errorf("%s %s (%s) was accepted: a stream opened", method, path, g.what)
					}
					continue
				}
				body := apitest.ReadAll(t, res)
				sent++
				switch {
				case res.StatusCode >= 500:
					t.Errorf("%s %s (%s): %d %s", method, path, g.what, res.StatusCode, body)
				case g.field != "":
					if res.StatusCode != http.StatusUnprocessableEntity {
						t.Errorf("%s %s (%s): %d, want 422 naming %s; %s", method, path, g.what, res.StatusCode, g.field, body)
						continue
					}
					if p := apitest.ProblemOf(t, res.StatusCode, res.Header, body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), g.field+":"+g.code) {
						t.Errorf("%s %s (%s): fields %v, want %s:%s", method, path, g.what, apitest.Fields(p), g.field, g.code)
					}
				case g.refuse && res.StatusCode < 400:
					t.Errorf("%s %s (%s) was accepted: %d %s", method, path, g.what, res.StatusCode, body)
				}
			}
		}
	}
	if sent < 300 {
		t.Fatalf("only %d requests sent: the generator lost track of the spec", sent)
	}
	t.Logf("%d generated requests", sent)
}

// operatorOnly reports an operation for platform operators (HTTP Basic).
func operatorOnly(op *openapi3.Operation) bool {
	return op.Security != nil && len(*op.Security) == 1 && (*op.Security)[0]["operatorBasic"] != nil
}

func replaceParams(path, value string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(path, '{')
		if i < 0 {
			return b.String() + path
		}
		j := strings.IndexByte(path[i:], '}')
		b.WriteString(path[:i] + value)
		path = path[i+j+1:]
	}
}
