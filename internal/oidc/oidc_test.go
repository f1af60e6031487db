package oidc_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/oidc"
	"github.com/kabinet-edu/kabinet/internal/oidctest"
)

const redirect = "https://spa.example.org/sso/callback"

func setup(t *testing.T) (*oidctest.Provider, *oidc.Provider) {
	t.Helper()
	fp := oidctest.New(t, "kabinet-client", "s3cret:/+ü")
	fp.SignInAs(oidctest.Identity{Subject: "1000123", Email: "anna@example.org", EmailVerified: true, GivenName: "Анна"})
	return fp, relyingParty(fp, config.TokenAuthBasic)
}

func relyingParty(fp *oidctest.Provider, method string) *oidc.Provider {
	return oidc.NewProvider(config.SSOProvider{
		Name: "test", Issuer: fp.Issuer, ClientID: fp.ClientID, ClientSecret: fp.ClientSecret,
		Scopes: []string{"openid", "email"}, TokenAuthMethod: method,
	}, nil)
}

// signIn runs the whole flow the way Kabinet does and returns the verified
// ID-token claims.
func signIn(t *testing.T, fp *oidctest.Provider, p *oidc.Provider) (*oidc.Claims, error) {
	t.Helper()
	ctx := context.Background()
	state, nonce, verifier := oidc.RandomString(), oidc.RandomString(), oidc.RandomString()
	u, err := p.AuthorizationURL(ctx, oidc.AuthRequest{State: state, Nonce: nonce, CodeChallenge: oidc.S256(verifier), RedirectURI: redirect})
	if err != nil {
		return nil, err
	}
	back := oidctest.Browse(t, u)
	if back.Get("state") != state {
		t.Fatalf("state came back as %q", back.Get("state"))
	}
	tok, err := p.Exchange(ctx, back.Get("code"), verifier, redirect)
	if err != nil {
		return nil, err
	}
	return p.VerifyIDToken(ctx, tok.IDToken, nonce)
}

func TestSignInVerifiesTheIDToken(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		setup  func(*oidctest.Provider)
		method string
	}{
		{name: "RS256, client_secret_basic"},
		{name: "ES256", setup: func(fp *oidctest.Provider) { fp.UseES256() }},
		{name: "client_secret_post", method: config.TokenAuthPost, setup: func(fp *oidctest.Provider) { fp.AuthMethod = config.TokenAuthPost }},
		{name: "two audiences with azp", setup: func(fp *oidctest.Provider) {
			fp.Mutate = func(c jwt.MapClaims) { c["aud"], c["azp"] = []string{fp.ClientID, "other"}, fp.ClientID }
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fp, _ := setup(t)
			if tc.setup != nil {
				tc.setup(fp)
			}
			method := tc.method
			if method == "" {
				method = config.TokenAuthBasic
			}
			c, err := signIn(t, fp, relyingParty(fp, method))
			if err != nil {
				t.Fatal(err)
			}
			if c.Subject != "1000123" || c.Email != "anna@example.org" || !bool(c.EmailVerified) || c.GivenName != "Анна" {
				t.Fatalf("claims = %+v", c)
			}
		})
	}
}

func TestSignInRefusesBadIDTokens(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		mutate func(jwt.MapClaims)
		tamper bool
	}{
		{name: "tampered signature", tamper: true},
		{name: "expired", mutate: func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-5 * time.Minute).Unix() }},
		{name: "no expiry", mutate: func(c jwt.MapClaims) { delete(c, "exp") }},
		{name: "issued in the future", mutate: func(c jwt.MapClaims) { c["iat"] = time.Now().Add(time.Hour).Unix() }},
		{name: "no iat", mutate: func(c jwt.MapClaims) { delete(c, "iat") }},
		{name: "wrong audience", mutate: func(c jwt.MapClaims) { c["aud"] = "somebody-else" }},
		{name: "two audiences without azp", mutate: func(c jwt.MapClaims) { c["aud"] = []string{"kabinet-client", "other"} }},
		{name: "foreign azp", mutate: func(c jwt.MapClaims) { c["azp"] = "other" }},
		{name: "wrong issuer", mutate: func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }},
		{name: "wrong nonce", mutate: func(c jwt.MapClaims) { c["nonce"] = "replayed-nonce" }},
		{name: "no nonce", mutate: func(c jwt.MapClaims) { delete(c, "nonce") }},
		{name: "no subject", mutate: func(c jwt.MapClaims) { c["sub"] = "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			fp, p := setup(t)
			fp.Mutate, fp.TamperSignature = tc.mutate, tc.tamper
			c, err := signIn(t, fp, p)
			if !errors.Is(err, oidc.ErrInvalidIDToken) {
				t.Fatalf("err = %v, claims %+v; want ErrInvalidIDToken", err, c)
			}
			t.Log(err)
		})
	}
}

func TestVerifyRefusesUnsignedAndHMACTokens(t *testing.T) {
	t.Parallel()
	fp, p := setup(t)
	claims := jwt.MapClaims{"iss": fp.Issuer, "aud": fp.ClientID, "sub": "x", "nonce": "n",
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Minute).Unix()}
	none, _ := jwt.NewWithClaims(jwt.SigningMethodNone, claims).SignedString(jwt.UnsafeAllowNoneSignatureType)
	// HS256 keyed with the client secret: a classic confusion attack.
	hmac, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(fp.ClientSecret))
	for name, raw := range map[string]string{"none": none, "HS256": hmac, "garbage": "a.b.c"} {
		if _, err := p.VerifyIDToken(context.Background(), raw, "n"); !errors.Is(err, oidc.ErrInvalidIDToken) {
			t.Errorf("%s: err = %v, want ErrInvalidIDToken", name, err)
		}
	}
}

func TestKeyRotationRefetchesTheKeySetOnce(t *testing.T) {
	t.Parallel()
	fp, p := setup(t)
	if _, err := signIn(t, fp, p); err != nil {
		t.Fatal(err)
	}
	if _, err := signIn(t, fp, p); err != nil {
		t.Fatal(err)
	}
	if n := fp.JWKSFetches.Load(); n != 1 {
		t.Fatalf("key set fetched %d times for two sign-ins, want 1 (cached)", n)
	}
	fp.RotateKey()
	if _, err := signIn(t, fp, p); err != nil {
		t.Fatalf("after rotation: %v", err)
	}
	if n := fp.JWKSFetches.Load(); n != 2 {
		t.Fatalf("key set fetched %d times, want 2 (one refetch for the new kid)", n)
	}
}

func TestTokenEndpointRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fp, p := setup(t)
	state, nonce, verifier := oidc.RandomString(), oidc.RandomString(), oidc.RandomString()
	u, err := p.AuthorizationURL(ctx, oidc.AuthRequest{State: state, Nonce: nonce, CodeChallenge: oidc.S256(verifier), RedirectURI: redirect})
	if err != nil {
		t.Fatal(err)
	}
	code := oidctest.Browse(t, u).Get("code")

	// PKCE: another verifier is refused, and so is another redirect URI.
	if _, err := p.Exchange(ctx, code, oidc.RandomString(), redirect); !errors.Is(err, oidc.ErrCodeRejected) {
		t.Fatalf("wrong verifier: %v", err)
	}
	if _, err := p.Exchange(ctx, code, verifier, redirect+"x"); !errors.Is(err, oidc.ErrCodeRejected) {
		t.Fatalf("wrong redirect URI: %v", err)
	}
	if _, err := p.Exchange(ctx, code, verifier, redirect); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Exchange(ctx, code, verifier, redirect); !errors.Is(err, oidc.ErrCodeRejected) {
		t.Fatalf("reused code: %v", err)
	}

	// A wrong client secret is our configuration's fault: a provider error.
	wrong := oidc.NewProvider(config.SSOProvider{Name: "t", Issuer: fp.Issuer, ClientID: fp.ClientID, ClientSecret: "nope",
		Scopes: []string{"openid"}, TokenAuthMethod: config.TokenAuthBasic}, nil)
	if _, err := wrong.Exchange(ctx, "any", verifier, redirect); !errors.Is(err, oidc.ErrProvider) || errors.Is(err, oidc.ErrCodeRejected) {
		t.Fatalf("invalid client: %v", err)
	}

	for _, tc := range []struct {
		status int
		body   string
	}{
		{http.StatusInternalServerError, `{"error":"server_error"}`},
		{http.StatusOK, `not json`},
		{http.StatusOK, `{"access_token":"a","token_type":"Bearer"}`}, // no id_token
		{http.StatusBadGateway, `<html>`},
	} {
		fp.TokenStatus, fp.TokenBody = tc.status, tc.body
		if _, err := p.Exchange(ctx, "any", verifier, redirect); !errors.Is(err, oidc.ErrProvider) {
			t.Errorf("%d %s: err = %v, want ErrProvider", tc.status, tc.body, err)
		}
	}
}

func TestDiscoveryFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fp, _ := setup(t)
	// The discovery document must name exactly the configured issuer.
	slash := oidc.NewProvider(config.SSOProvider{Name: "t", Issuer: fp.Issuer + "/", ClientID: "c", Scopes: []string{"openid"}}, nil)
	if _, err := slash.Metadata(ctx); !errors.Is(err, oidc.ErrProvider) {
		t.Fatalf("issuer mismatch: %v", err)
	}
	fp.Close()
	down := relyingParty(fp, config.TokenAuthBasic)
	if _, err := down.AuthorizationURL(ctx, oidc.AuthRequest{}); !errors.Is(err, oidc.ErrProvider) {
		t.Fatalf("unreachable: %v", err)
	}
}

func TestUserInfoFillsClaimsMissingFromTheIDToken(t *testing.T) {
	t.Parallel()
	fp, p := setup(t)
	fp.ClaimsInUserinfoOnly = true
	ctx := context.Background()
	state, nonce, verifier := oidc.RandomString(), oidc.RandomString(), oidc.RandomString()
	u, _ := p.AuthorizationURL(ctx, oidc.AuthRequest{State: state, Nonce: nonce, CodeChallenge: oidc.S256(verifier), RedirectURI: redirect})
	tok, err := p.Exchange(ctx, oidctest.Browse(t, u).Get("code"), verifier, redirect)
	if err != nil {
		t.Fatal(err)
	}
	c, err := p.VerifyIDToken(ctx, tok.IDToken, nonce)
	if err != nil || c.Email != "" {
		t.Fatalf("ID token: %+v %v; want no e-mail", c, err)
	}
	info, err := p.UserInfo(ctx, tok.AccessToken)
	if err != nil || info == nil || info.Subject != "1000123" || info.Email != "anna@example.org" {
		t.Fatalf("userinfo = %+v, %v", info, err)
	}
	if _, err := p.UserInfo(ctx, "bad-token"); !errors.Is(err, oidc.ErrProvider) {
		t.Fatalf("userinfo with a bad token: %v", err)
	}
}

func TestS256MatchesRFC7636(t *testing.T) {
	t.Parallel()
	// RFC 7636, appendix B.
	if got := oidc.S256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"); got != "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" {
		t.Fatalf("S256 = %s", got)
	}
	if a, b := oidc.RandomString(), oidc.RandomString(); len(a) != 43 || a == b {
		t.Fatalf("RandomString: %q %q", a, b)
	}
}
