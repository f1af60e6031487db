package identity_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/auth"
)

// forge signs claims derived from a real token, changed by mutate.
func forge(t *testing.T, key ed25519.PrivateKey, real string, mutate func(jwt.MapClaims)) string {
	t.Helper()
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(real, claims); err != nil {
		t.Fatal(err)
	}
	mutate(claims)
	tok := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	tok.Header["kid"] = auth.Thumbprint(key.Public().(ed25519.PublicKey))
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestAccessTokenChecks(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	reg := apitest.Register(t, env, apitest.NewAccount())
	_, otherKey, _ := ed25519.GenerateKey(rand.Reader)
	past := time.Now().Add(-time.Hour)

	parts := strings.Split(reg.AccessToken, ".")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	sig[0] ^= 0xff
	tamperedSig := parts[0] + "." + parts[1] + "." + base64.RawURLEncoding.EncodeToString(sig)
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	otherUser := strings.Replace(string(payload), `"sub":"`, `"sub":"0`, 1)
	tamperedPayload := parts[0] + "." + base64.RawURLEncoding.EncodeToString([]byte(otherUser)) + "." + parts[2]
	algNone := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT"}`)) + "." + parts[1] + "."

	tests := []struct {
		name   string
		header string
		code   string
	}{
		{"no header", "", "authentication_required"},
		{"not bearer", "Basic dXNlcjpwYXNz", "authentication_required"},
		{"empty bearer", "Bearer ", "authentication_required"},
		{"garbage", "Bearer not.a.jwt", "invalid_token"},
		{"tampered signature", "Bearer " + tamperedSig, "invalid_token"},
		{"tampered payload", "Bearer " + tamperedPayload, "invalid_token"},
		{"alg none", "Bearer " + algNone, "invalid_token"},
		{"signed by another key", "Bearer " + forge(t, otherKey, reg.AccessToken, func(jwt.MapClaims) {}), "invalid_token"},
		{"expired", "Bearer " + forge(t, env.Key, reg.AccessToken, func(c jwt.MapClaims) {
			c["iat"], c["nbf"], c["exp"] = past.Add(-15*time.Minute).Unix(), past.Add(-15*time.Minute).Unix(), past.Unix()
		}), "token_expired"},
		{"wrong audience", "Bearer " + forge(t, env.Key, reg.AccessToken, func(c jwt.MapClaims) { c["aud"] = "other" }), "invalid_token"},
		{"wrong issuer", "Bearer " + forge(t, env.Key, reg.AccessToken, func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }), "invalid_token"},
		{"no session", "Bearer " + forge(t, env.Key, reg.AccessToken, func(c jwt.MapClaims) { delete(c, "sid") }), "invalid_token"},
		{"unknown session", "Bearer " + forge(t, env.Key, reg.AccessToken, func(c jwt.MapClaims) {
			c["sid"] = "6f1c2b9e-0000-4000-8000-000000000000"
		}), "session_ended"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := env.Client.GetMeWithResponse(context.Background(), func(_ context.Context, r *http.Request) error {
				if tc.header != "" {
					r.Header.Set("Authorization", tc.header)
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 401, tc.code)
			if !strings.HasPrefix(res.HTTPResponse.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate = %q", res.HTTPResponse.Header.Get("WWW-Authenticate"))
			}
		})
	}
	// The untouched token still works, so the failures above are the changes'.
	if me := apitest.GetMe(t, env, reg.AccessToken); me.JSON200 == nil {
		t.Fatalf("valid token refused: %d %s", me.StatusCode(), me.Body)
	}
}

func TestUnauthenticatedCallersLearnNothingAboutInput(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	res, err := env.Client.ListMyOrganizationsWithResponse(context.Background(), nil, func(_ context.Context, r *http.Request) error {
		r.URL.RawQuery = "limit=abc"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 401, "authentication_required")
}
