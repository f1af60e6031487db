package apitest

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestConformanceCheck feeds the response check answers that break the spec
// in each way it must notice, and some that do not.
func TestConformanceCheck(t *testing.T) {
	s, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	problem := func(status string) string {
		return `{"type":"urn:kabinet:problem:x","title":"X","status":` + status + `,"code":"x"}`
	}
	for _, tc := range []struct {
		name, method, target string
		status               int
		header               map[string]string
		body                 string
		want                 string // a substring of the findings; "" for none
	}{
		{"as documented", "GET", "/healthz", 200, map[string]string{"Content-Type": "application/json"}, `{"status":"ok"}`, ""},
		{"body breaks the schema", "GET", "/healthz", 200, map[string]string{"Content-Type": "application/json"}, `{"status":5}`, "at /status"},
		{"status not documented", "GET", "/healthz", 418, nil, "", "does not document status 418"},
		{"required header missing", "GET", "/readyz", 503, map[string]string{"Content-Type": "application/problem+json"}, problem("503"), "Retry-After"},
		{"with the header", "GET", "/readyz", 503, map[string]string{"Content-Type": "application/problem+json", "Retry-After": "5"}, problem("503"), ""},
		{"wrong content type", "GET", "/api/v1/me", 401, map[string]string{"Content-Type": "application/json"}, problem("401"), "Content-Type"},
		{"problem status differs", "GET", "/api/v1/me", 401, map[string]string{"Content-Type": "application/problem+json"}, problem("403"), "says status 403"},
		{"body where none is documented", "DELETE", "/api/v1/me/sessions/6f1d2c3b-4a5e-4f60-8b71-92a3b4c5d6e7", 204, nil, "{}", "without content"},
		{"format checked", "GET", "/api/v1/me/sessions", 200, map[string]string{"Content-Type": "application/json"},
			`{"items":[{"id":"nope","createdAt":"2026-11-24T09:30:00Z","lastUsedAt":"2026-11-24T09:30:00Z","expiresAt":"2026-11-24T09:30:00Z","current":true,"rememberMe":false,"ip":null,"userAgent":""}],"nextCursor":null}`,
			"at /items/0/id"},
		{"unknown route, problem", "GET", "/api/v1/nothing", 404, map[string]string{"Content-Type": "application/problem+json"}, problem("404"), ""},
		{"unknown route, not a problem", "GET", "/api/v1/nothing", 404, map[string]string{"Content-Type": "text/plain"}, "nope", "problem+json"},
		{"outside the API", "GET", "/metrics", 200, map[string]string{"Content-Type": "text/plain"}, "x 1", ""},
		{"HEAD, documented", "HEAD", "/healthz", 200, nil, "", ""},
		{"HEAD, not documented", "HEAD", "/healthz", 500, nil, "", "does not document status 500"},
	} {
		res := &http.Response{StatusCode: tc.status, Header: http.Header{}}
		for k, v := range tc.header {
			res.Header.Set(k, v)
		}
		msgs := s.check(httptest.NewRequest(tc.method, tc.target, nil), res, []byte(tc.body))
		got := strings.Join(msgs, "\n")
		switch {
		case tc.want == "" && got != "":
			t.Errorf("%s: unexpected findings:\n%s", tc.name, got)
		case tc.want != "" && !strings.Contains(got, tc.want):
			t.Errorf("%s: findings %q, want one about %q", tc.name, got, tc.want)
		}
	}
}
