package httpapi_test

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

func TestHealthAndReadiness(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	h, err := env.Client.GetHealthWithResponse(ctx)
	if err != nil || h.JSON200 == nil || h.JSON200.Status != client.Ok {
		t.Fatalf("healthz: %v %s", err, h.Body)
	}
	r, err := env.Client.GetReadinessWithResponse(ctx)
	if err != nil || r.JSON200 == nil {
		t.Fatalf("readyz: %v %s", err, r.Body)
	}
	// With the database gone, readiness fails while liveness holds.
	env.Pool.Close()
	r, err = env.Client.GetReadinessWithResponse(ctx)
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, 503, "unavailable")
	if h, _ := env.Client.GetHealthWithResponse(ctx); h.StatusCode() != 200 {
		t.Fatalf("healthz without database: %d", h.StatusCode())
	}
}

func TestJWKSVerifiesIssuedTokens(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	reg := apitest.Register(t, env, apitest.NewAccount())
	res, err := env.Client.GetJwksWithResponse(context.Background())
	// The access-token key, then the completion credentials' key.
	if err != nil || res.JSON200 == nil || len(res.JSON200.Keys) != 2 {
		t.Fatalf("jwks: %v %s", err, res.Body)
	}
	k := res.JSON200.Keys[0]
	pub, err := base64.RawURLEncoding.DecodeString(k.X)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		t.Fatalf("bad x %q: %v", k.X, err)
	}
	// An integrator verifies our token with nothing but the published key.
	tok, err := jwt.Parse(reg.AccessToken, func(t *jwt.Token) (any, error) {
		if t.Header["kid"] != k.Kid {
			return nil, jwt.ErrTokenUnverifiable
		}
		return ed25519.PublicKey(pub), nil
	}, jwt.WithValidMethods([]string{string(k.Alg)}))
	if err != nil || !tok.Valid {
		t.Fatalf("token does not verify with the JWKS key: %v", err)
	}
	if sub, _ := tok.Claims.GetSubject(); sub != reg.User.ID.String() {
		t.Fatalf("sub = %q, want %s", sub, reg.User.ID)
	}
}

// get fetches path from env's server, with pairs of header names and values.
func get(t *testing.T, env *apitest.Env, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, env.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := env.HTTPClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func TestSpecDocsAndMetricsAreServed(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)

	res, body := get(t, env, "/openapi.json")
	var spec map[string]any
	if res.StatusCode != 200 || json.Unmarshal([]byte(body), &spec) != nil || spec["openapi"] != "3.0.3" {
		t.Fatalf("/openapi.json: %d %.200s", res.StatusCode, body)
	}
	res, body = get(t, env, "/openapi.yaml")
	if res.StatusCode != 200 || !strings.HasPrefix(body, "openapi: 3.0.3") || !strings.Contains(body, "operationId: getMe") {
		t.Fatalf("/openapi.yaml: %d %.200s", res.StatusCode, body)
	}
	res, body = get(t, env, "/docs/")
	if res.StatusCode != 200 || !strings.Contains(body, "swagger") || !strings.Contains(body, "/openapi.json") {
		t.Fatalf("/docs/: %d %.300s", res.StatusCode, body)
	}
	res, _ = get(t, env, "/docs/swagger-ui-bundle.js")
	if res.StatusCode != 200 {
		t.Fatalf("Swagger UI assets are not embedded: %d", res.StatusCode)
	}
	res, body = get(t, env, "/docs/no-such-asset.js")
	apitest.ProblemOf(t, res.StatusCode, res.Header, []byte(body), 404, "not_found")

	get(t, env, "/healthz")
	get(t, env, "/no/such/path")
	res, body = get(t, env, "/metrics")
	for _, want := range []string{
		`kabinet_http_requests_total{code="200",method="GET",url="/healthz"} 1`,
		// No route matched: one series for all such paths.
		`kabinet_http_requests_total{code="404",method="GET",url=""} 1`,
		`kabinet_http_request_duration_seconds_count{code="200",method="GET",url="/healthz"} 1`,
		"kabinet_http_request_duration_seconds_bucket",
		"kabinet_db_pool_max_connections",
		"kabinet_db_pool_acquires_total",
		"go_goroutines",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	if strings.Contains(body, "/no/such/path") {
		t.Error("/metrics labels unknown paths by their URL (unbounded cardinality)")
	}
	if strings.Contains(body, `url="/metrics"`) {
		t.Error("/metrics counts the scrapes of itself")
	}
}

func TestUnknownRoutesAndMethodsAnswerProblems(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	res, body := get(t, env, "/api/v1/nothing-here")
	apitest.ProblemOf(t, res.StatusCode, res.Header, []byte(body), 404, "not_found")

	req, _ := http.NewRequest(http.MethodDelete, env.URL+"/api/v1/me", nil)
	resp, err := env.HTTPClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	apitest.ProblemOf(t, resp.StatusCode, resp.Header, b, 405, "method_not_allowed")
	if !strings.Contains(resp.Header.Get("Allow"), "GET") {
		t.Errorf("405 without Allow: %q", resp.Header.Get("Allow"))
	}
}

func TestRequestIDIsReturnedAndKept(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	res, _ := get(t, env, "/healthz", "X-Request-Id", "lb-req-0123456789")
	if got := res.Header.Get("X-Request-Id"); got != "lb-req-0123456789" {
		t.Errorf("X-Request-Id = %q, want the caller's id kept", got)
	}
	res, _ = get(t, env, "/healthz", "X-Request-Id", "bad id\twith spaces")
	if got := res.Header.Get("X-Request-Id"); got == "" || strings.Contains(got, " ") {
		t.Errorf("X-Request-Id = %q, want a fresh id instead of an unsafe one", got)
	}
}

func TestCORSAllowsConfiguredOrigins(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodOptions, env.URL+"/api/v1/me", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "GET")
		req.Header.Set("Access-Control-Request-Headers", "authorization")
		res, err := env.HTTPClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	ok := preflight("https://spa.example.org")
	if ok.StatusCode != http.StatusNoContent || ok.Header.Get("Access-Control-Allow-Origin") != "https://spa.example.org" ||
		!strings.Contains(strings.ToLower(ok.Header.Get("Access-Control-Allow-Headers")), "authorization") {
		t.Errorf("preflight from allowed origin: %d %v", ok.StatusCode, ok.Header)
	}
	if bad := preflight("https://evil.example"); bad.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("preflight from unknown origin allowed: %v", bad.Header)
	}
	res, _ := get(t, env, "/healthz", "Origin", "https://spa.example.org")
	if !strings.Contains(res.Header.Get("Access-Control-Expose-Headers"), "X-Request-Id") {
		t.Errorf("X-Request-Id not exposed to the SPA: %v", res.Header)
	}
}

func TestHeadIsAnsweredLikeGetWithoutABody(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/api/v1/me": 401, "/nowhere": 404} {
		req, _ := http.NewRequest(http.MethodHead, env.URL+path, nil)
		res, err := env.HTTPClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != want || len(b) != 0 {
			t.Errorf("HEAD %s: %d with %d body bytes; want %d and no body", path, res.StatusCode, len(b), want)
		}
	}
}
