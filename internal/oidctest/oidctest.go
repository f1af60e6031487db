// Package oidctest runs an in-process OpenID Connect provider for tests:
// discovery, JWKS, a simulated authorization endpoint (the test plays the
// browser), a token endpoint that checks client authentication and PKCE,
// and userinfo. Knobs let a test make it misbehave.
package oidctest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kabinet-edu/kabinet/internal/oidc"
)

// Identity is the user the simulated browser signs in as.
type Identity struct {
	Subject       string
	Email         string // omitted from the claims when empty
	EmailVerified bool
	GivenName     string
	FamilyName    string
	Name          string // the full name, omitted when empty
	Phone         string // phone_number, omitted when empty
	PhoneVerified bool
	Locale        string
}

// Provider is a running test provider. Its exported knobs may be changed
// between requests (under no concurrent use).
type Provider struct {
	Issuer       string
	ClientID     string
	ClientSecret string
	// AuthMethod is the client authentication the token endpoint demands:
	// "client_secret_basic" (default) or "client_secret_post".
	AuthMethod string

	// Mutate, when set, edits the ID-token claims before signing.
	Mutate func(jwt.MapClaims)
	// TamperSignature flips a bit of every ID token's signature.
	TamperSignature bool
	// ClaimsInUserinfoOnly leaves e-mail, phone and names out of the ID
	// token; only the userinfo endpoint tells them.
	ClaimsInUserinfoOnly bool
	// TokenStatus and TokenBody, when TokenStatus is set, are the token
	// endpoint's answer instead of tokens.
	TokenStatus int
	TokenBody   string

	// JWKSFetches and TokenCalls count requests.
	JWKSFetches atomic.Int64
	TokenCalls  atomic.Int64

	server *httptest.Server
	mu     sync.Mutex
	signer crypto.Signer
	method jwt.SigningMethod
	kid    string
	next   Identity
	grants map[string]*grant    // authorization code → grant
	access map[string]*Identity // access token → identity
}

type grant struct {
	identity    Identity
	clientID    string
	redirectURI string
	challenge   string
	nonce       string
	used        bool
}

// New starts a provider for the client clientID/secret, signing with a
// 2048-bit RSA key (RS256); it stops when t ends.
func New(t testing.TB, clientID, secret string) *Provider {
	t.Helper()
	p := &Provider{
		ClientID: clientID, ClientSecret: secret, AuthMethod: "client_secret_basic",
		grants: map[string]*grant{}, access: map[string]*Identity{},
	}
	p.UseRSA()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", p.discovery)
	mux.HandleFunc("GET /jwks", p.jwks)
	mux.HandleFunc("GET /authorize", p.authorize)
	mux.HandleFunc("POST /token", p.token)
	mux.HandleFunc("GET /userinfo", p.userinfo)
	p.server = httptest.NewServer(mux)
	p.Issuer = p.server.URL
	t.Cleanup(p.server.Close)
	return p
}

// Close stops the server (for tests of an unreachable provider).
func (p *Provider) Close() { p.server.Close() }

// SignInAs chooses whom the next authorization signs in.
func (p *Provider) SignInAs(id Identity) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.next = id
}

var (
	rsaKeys   = map[int]*rsa.PrivateKey{}
	rsaKeysMu sync.Mutex
)

// rsaKey returns the n-th test RSA key; keys are made once per process
// because generating them is slow under -race.
func rsaKey(n int) *rsa.PrivateKey {
	rsaKeysMu.Lock()
	defer rsaKeysMu.Unlock()
	if k, ok := rsaKeys[n]; ok {
		return k
	}
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	rsaKeys[n] = k
	return k
}

// UseRSA signs with the first test RSA key (RS256).
func (p *Provider) UseRSA() { p.setKey(rsaKey(0), jwt.SigningMethodRS256, "rsa-0") }

// RotateKey replaces the signing key by another RSA key with a new kid;
// the key set then holds only the new key.
func (p *Provider) RotateKey() { p.setKey(rsaKey(1), jwt.SigningMethodRS256, "rsa-1") }

// UseES256 signs with a fresh P-256 key (ES256).
func (p *Provider) UseES256() {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	p.setKey(k, jwt.SigningMethodES256, "ec-"+oidc.RandomString()[:8])
}

func (p *Provider) setKey(k crypto.Signer, m jwt.SigningMethod, kid string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.signer, p.method, p.kid = k, m, kid
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (p *Provider) discovery(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                p.Issuer,
		"authorization_endpoint":                p.Issuer + "/authorize",
		"token_endpoint":                        p.Issuer + "/token",
		"userinfo_endpoint":                     p.Issuer + "/userinfo",
		"jwks_uri":                              p.Issuer + "/jwks",
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256", "ES256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{p.AuthMethod},
	})
}

func (p *Provider) jwks(w http.ResponseWriter, _ *http.Request) {
	p.JWKSFetches.Add(1)
	p.mu.Lock()
	defer p.mu.Unlock()
	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	key := map[string]any{"kid": p.kid, "use": "sig", "alg": p.method.Alg()}
	switch pub := p.signer.Public().(type) {
	case *rsa.PublicKey:
		key["kty"], key["n"], key["e"] = "RSA", b64(pub.N.Bytes()), b64(big.NewInt(int64(pub.E)).Bytes())
	case *ecdsa.PublicKey:
		raw, _ := pub.Bytes() // 0x04 || X || Y
		size := (len(raw) - 1) / 2
		key["kty"], key["crv"], key["x"], key["y"] = "EC", "P-256", b64(raw[1:1+size]), b64(raw[1+size:])
	}
	// An encryption key and a key of an unknown type must be skipped.
	writeJSON(w, http.StatusOK, map[string]any{"keys": []any{
		map[string]any{"kty": "RSA", "use": "enc", "kid": "enc-1", "n": "AQAB", "e": "AQAB"},
		map[string]any{"kty": "OKP", "crv": "X25519", "kid": "x25519", "x": "AQAB"},
		key,
	}})
}

// authorize simulates the provider's sign-in page: it checks the request
// and at once redirects back with a code, as if the user had signed in.
func (p *Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	bad := func(msg string) { http.Error(w, msg, http.StatusBadRequest) }
	switch {
	case q.Get("response_type") != "code":
		bad("response_type must be code")
		return
	case q.Get("client_id") != p.ClientID:
		bad("unknown client_id")
		return
	case q.Get("redirect_uri") == "", q.Get("state") == "", q.Get("nonce") == "":
		bad("redirect_uri, state and nonce are required")
		return
	case q.Get("code_challenge_method") != "S256" || len(q.Get("code_challenge")) != 43:
		bad("PKCE with S256 is required")
		return
	case !slices.Contains(strings.Fields(q.Get("scope")), "openid"):
		bad("scope must include openid")
		return
	}
	p.mu.Lock()
	code := oidc.RandomString()
	p.grants[code] = &grant{
		identity: p.next, clientID: p.ClientID, redirectURI: q.Get("redirect_uri"),
		challenge: q.Get("code_challenge"), nonce: q.Get("nonce"),
	}
	p.mu.Unlock()
	back, _ := url.Parse(q.Get("redirect_uri"))
	bq := back.Query()
	bq.Set("code", code)
	bq.Set("state", q.Get("state"))
	back.RawQuery = bq.Encode()
	http.Redirect(w, r, back.String(), http.StatusFound)
}

func oauthErr(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func (p *Provider) token(w http.ResponseWriter, r *http.Request) {
	p.TokenCalls.Add(1)
	if p.TokenStatus != 0 {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(p.TokenStatus)
		_, _ = w.Write([]byte(p.TokenBody))
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthErr(w, http.StatusBadRequest, "invalid_request", "unreadable form")
		return
	}
	id, secret := r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	if p.AuthMethod == "client_secret_basic" {
		u, pw, ok := r.BasicAuth()
		if !ok || secret != "" {
			oauthErr(w, http.StatusUnauthorized, "invalid_client", "client_secret_basic required")
			return
		}
		id, _ = url.QueryUnescape(u)
		secret, _ = url.QueryUnescape(pw)
	}
	if id != p.ClientID || secret != p.ClientSecret {
		oauthErr(w, http.StatusUnauthorized, "invalid_client", "bad client credentials")
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		oauthErr(w, http.StatusBadRequest, "unsupported_grant_type", "")
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	g := p.grants[r.PostForm.Get("code")]
	switch {
	case g == nil || g.used:
		oauthErr(w, http.StatusBadRequest, "invalid_grant", "unknown or used code")
		return
	case g.redirectURI != r.PostForm.Get("redirect_uri"):
		oauthErr(w, http.StatusBadRequest, "invalid_grant", "redirect_uri mismatch")
		return
	case oidc.S256(r.PostForm.Get("code_verifier")) != g.challenge:
		oauthErr(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
		return
	}
	g.used = true
	idToken, err := p.sign(g)
	if err != nil {
		oauthErr(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	access := oidc.RandomString()
	ident := g.identity
	p.access[access] = &ident
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": access, "token_type": "Bearer", "expires_in": 300, "id_token": idToken,
	})
}

// sign makes the ID token of g; p.mu is held.
func (p *Provider) sign(g *grant) (string, error) {
	now := time.Now()
	c := jwt.MapClaims{
		"iss": p.Issuer, "sub": g.identity.Subject, "aud": g.clientID,
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix(), "auth_time": now.Unix(),
		"nonce": g.nonce,
	}
	if !p.ClaimsInUserinfoOnly {
		for k, v := range profileClaims(g.identity) {
			c[k] = v
		}
	}
	if p.Mutate != nil {
		p.Mutate(c)
	}
	tok := jwt.NewWithClaims(p.method, c)
	tok.Header["kid"] = p.kid
	s, err := tok.SignedString(p.signer)
	if err != nil {
		return "", fmt.Errorf("sign: %w", err)
	}
	if p.TamperSignature {
		dot := strings.LastIndexByte(s, '.')
		sig, _ := base64.RawURLEncoding.DecodeString(s[dot+1:])
		sig[len(sig)/2] ^= 0x01
		s = s[:dot+1] + base64.RawURLEncoding.EncodeToString(sig)
	}
	return s, nil
}

func profileClaims(id Identity) map[string]any {
	c := map[string]any{}
	if id.Email != "" {
		c["email"], c["email_verified"] = id.Email, id.EmailVerified
	}
	if id.Phone != "" {
		c["phone_number"], c["phone_number_verified"] = id.Phone, id.PhoneVerified
	}
	if id.GivenName != "" {
		c["given_name"] = id.GivenName
	}
	if id.FamilyName != "" {
		c["family_name"] = id.FamilyName
	}
	if id.Name != "" {
		c["name"] = id.Name
	}
	if id.Locale != "" {
		c["locale"] = id.Locale
	}
	return c
}

func (p *Provider) userinfo(w http.ResponseWriter, r *http.Request) {
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	p.mu.Lock()
	id := p.access[token]
	p.mu.Unlock()
	if !ok || id == nil {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	c := profileClaims(*id)
	c["sub"] = id.Subject
	writeJSON(w, http.StatusOK, c)
}

// Browse plays the browser: it opens authorizationURL at the provider
// (which signs the chosen identity in at once) and returns the query of
// the redirect back to the SPA: code and state.
func Browse(t testing.TB, authorizationURL string) url.Values {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.Get(authorizationURL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusFound {
		body, _ := io.ReadAll(res.Body)
		t.Fatalf("authorize: %s: %s", res.Status, body)
	}
	loc, err := url.Parse(res.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	return loc.Query()
}
