package identity_test

import (
	"context"
	"encoding/base64"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/certauth/certtest"
	"github.com/kabinet-edu/kabinet/internal/config"
)

func TestCertificateSignInWithGoKeys(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		kind string
		pss  bool
	}{
		{"rsa pkcs1", certtest.RSA, false},
		{"rsa pss", certtest.RSA, true},
		{"ecdsa p256", certtest.P256, false},
		{"ecdsa p384", certtest.P384, false},
		{"ed25519", certtest.Ed25519, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := apitest.New(t)
			reg := apitest.Register(t, env, apitest.NewAccount())
			c := certtest.Valid(t, tc.kind)
			p := goProver(c)
			if tc.pss {
				p.sign = c.SignPSS
			}
			bound := bindCert(t, env, reg.AccessToken, p)
			checkCertificateSignIn(t, env, reg, bound, p)
		})
	}
}

func TestCertificateSignInWithOpenSSL(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		newkey []string
		opts   []string
	}{
		{"rsa pkcs1", []string{"rsa:2048"}, nil},
		{"rsa pss", []string{"rsa:2048"}, []string{"-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"}},
		{"ecdsa p256", []string{"ec", "-pkeyopt", "ec_paramgen_curve:P-256"}, nil},
		{"ecdsa p384", []string{"ec", "-pkeyopt", "ec_paramgen_curve:P-384"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := apitest.New(t)
			reg := apitest.Register(t, env, apitest.NewAccount())
			p := opensslProver(certtest.NewOpenSSL(t, tc.newkey, 365), tc.opts...)
			bound := bindCert(t, env, reg.AccessToken, p)
			if !strings.Contains(bound.Subject, "CN=Анна Иванова") {
				t.Errorf("subject = %q", bound.Subject)
			}
			checkCertificateSignIn(t, env, reg, bound, p)
		})
	}
}

// checkCertificateSignIn signs in with p and checks the session it opens.
func checkCertificateSignIn(t *testing.T, env *apitest.Env, reg *client.AuthResponse, bound client.Certificate, p prover) {
	t.Helper()
	ch := signInChallenge(t, env)
	remember := true
	res := certLogin(t, env, client.CertificateLoginRequest{
		ChallengeID: ch.ChallengeID, CertificatePem: p.pem, Signature: p.sign(t, challengeBytes(t, ch)), RememberMe: &remember,
	})
	if res.JSON200 == nil {
		t.Fatalf("certificate login: %d %s", res.StatusCode(), res.Body)
	}
	if res.JSON200.User.ID != reg.User.ID {
		t.Fatalf("signed in as %s, want %s", res.JSON200.User.ID, reg.User.ID)
	}
	if d := time.Until(res.JSON200.RefreshTokenExpiresAt); d < 29*24*time.Hour {
		t.Errorf("rememberMe: refresh token lives %v", d)
	}
	if me := apitest.GetMe(t, env, res.JSON200.AccessToken); me.JSON200 == nil || me.JSON200.ID != reg.User.ID {
		t.Fatalf("GET /me with the new token: %d %s", me.StatusCode(), me.Body)
	}
	signIns := auditDetails(t, env, reg.User.ID, "sign_in")
	if len(signIns) != 1 || signIns[0]["method"] != "certificate" || signIns[0]["certificateId"] != bound.ID.String() {
		t.Fatalf("audit sign_in = %v", signIns)
	}
	list, err := env.Client.ListMyCertificatesWithResponse(context.Background(), apitest.Bearer(reg.AccessToken))
	if err != nil || list.JSON200 == nil || len(list.JSON200.Items) != 1 || list.JSON200.Items[0].LastUsedAt == nil {
		t.Fatalf("lastUsedAt not set: %v %s", err, list.Body)
	}
}

func TestCertificateSignInAcceptsBareBase64Certificate(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	reg := apitest.Register(t, env, apitest.NewAccount())
	c := certtest.Valid(t, certtest.P256)
	bindCert(t, env, reg.AccessToken, goProver(c))
	// As some signing plug-ins export it: base64 of the DER, no PEM armour,
	// and a signature in URL-safe base64 without padding.
	p := prover{pem: base64.StdEncoding.EncodeToString(c.DER), sign: func(t testing.TB, m []byte) string {
		return base64.RawURLEncoding.EncodeToString(mustDecodeStd(t, c.Sign(t, m)))
	}}
	if res := loginWithCert(t, env, p); res.JSON200 == nil || res.JSON200.User.ID != reg.User.ID {
		t.Fatalf("login: %d %s", res.StatusCode(), res.Body)
	}
}

func TestCertificateSignInRefusals(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	reg := apitest.Register(t, env, apitest.NewAccount())
	c := goProver(certtest.Valid(t, certtest.P256))
	bindCert(t, env, reg.AccessToken, c)
	other := certtest.Valid(t, certtest.P256Other)

	t.Run("wrong signature", func(t *testing.T) {
		ch := signInChallenge(t, env)
		res := certLogin(t, env, client.CertificateLoginRequest{ChallengeID: ch.ChallengeID, CertificatePem: c.pem, Signature: other.Sign(t, challengeBytes(t, ch))})
		apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 401, "invalid_signature")
		if res.HTTPResponse.Header.Get("WWW-Authenticate") == "" {
			t.Error("no WWW-Authenticate on 401")
		}
		failed := auditDetails(t, env, reg.User.ID, "sign_in_failed")
		if len(failed) != 1 || failed[0]["method"] != "certificate" || failed[0]["reason"] != "invalid_signature" {
			t.Fatalf("audit sign_in_failed = %v", failed)
		}
	})
	t.Run("certificate bound to nobody", func(t *testing.T) {
		res := loginWithCert(t, env, goProver(other))
		apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 401, "certificate_not_bound")
	})
	t.Run("unbound certificate with a wrong signature says nothing about binding", func(t *testing.T) {
		ch := signInChallenge(t, env)
		res := certLogin(t, env, client.CertificateLoginRequest{ChallengeID: ch.ChallengeID, CertificatePem: other.PEM, Signature: c.sign(t, challengeBytes(t, ch))})
		apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 401, "invalid_signature")
	})
	t.Run("replayed request", func(t *testing.T) {
		ch := signInChallenge(t, env)
		body := client.CertificateLoginRequest{ChallengeID: ch.ChallengeID, CertificatePem: c.pem, Signature: c.sign(t, challengeBytes(t, ch))}
		if res := certLogin(t, env, body); res.JSON200 == nil {
			t.Fatalf("first: %d %s", res.StatusCode(), res.Body)
		}
		res := certLogin(t, env, body)
		p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "invalid_challenge")
		if !apitest.Contains(apitest.Fields(p), "challengeId:invalid_challenge") {
			t.Errorf("fields = %v", apitest.Fields(p))
		}
	})
	t.Run("expired challenge", func(t *testing.T) {
		ch := signInChallenge(t, env)
		expireChallenge(t, env, ch.ChallengeID)
		res := certLogin(t, env, client.CertificateLoginRequest{ChallengeID: ch.ChallengeID, CertificatePem: c.pem, Signature: c.sign(t, challengeBytes(t, ch))})
		apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "challenge_expired")
	})
	t.Run("binding challenge", func(t *testing.T) {
		ch := bindChallenge(t, env, reg.AccessToken)
		res := certLogin(t, env, client.CertificateLoginRequest{ChallengeID: ch.ChallengeID, CertificatePem: c.pem, Signature: c.sign(t, challengeBytes(t, ch))})
		apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "invalid_challenge")
	})
	t.Run("bound certificate that has expired", func(t *testing.T) {
		now := time.Now()
		old := certtest.New(t, certtest.RSA, "old", now.AddDate(-1, 0, 0), now.Add(-time.Minute))
		insertBinding(t, env, reg.User.ID, old)
		res := loginWithCert(t, env, goProver(old))
		p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "validation_failed")
		if !apitest.Contains(apitest.Fields(p), "certificatePem:certificate_expired") {
			t.Errorf("fields = %v", apitest.Fields(p))
		}
	})
	t.Run("bound certificate not valid yet", func(t *testing.T) {
		now := time.Now()
		future := certtest.New(t, certtest.RSA, "future", now.Add(time.Hour), now.AddDate(1, 0, 0))
		insertBinding(t, env, reg.User.ID, future)
		res := loginWithCert(t, env, goProver(future))
		p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "validation_failed")
		if !apitest.Contains(apitest.Fields(p), "certificatePem:certificate_not_yet_valid") {
			t.Errorf("fields = %v", apitest.Fields(p))
		}
	})
	t.Run("blocked account", func(t *testing.T) {
		blocked := apitest.Register(t, env, apitest.NewAccount())
		bc := goProver(certtest.Valid(t, certtest.Ed25519))
		bindCert(t, env, blocked.AccessToken, bc)
		if _, err := env.Pool.Exec(ctx, `UPDATE users SET status = 'blocked' WHERE id = $1`, blocked.User.ID); err != nil {
			t.Fatal(err)
		}
		res := loginWithCert(t, env, bc)
		apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 403, "account_blocked")
	})
	t.Run("closed account", func(t *testing.T) {
		// Closure unbinds every certificate; this is a sign-in that raced it
		// and still found the binding.
		closed := apitest.Register(t, env, apitest.NewAccount())
		cc := goProver(certtest.Valid(t, certtest.P384))
		bindCert(t, env, closed.AccessToken, cc)
		if _, err := env.Pool.Exec(ctx, `UPDATE users SET status = 'closed' WHERE id = $1`, closed.User.ID); err != nil {
			t.Fatal(err)
		}
		res := loginWithCert(t, env, cc)
		p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 403, "account_blocked")
		if p.Detail == nil || *p.Detail != "The account is closed." {
			t.Errorf("detail: %v", p.Detail)
		}
	})
	t.Run("unknown field", func(t *testing.T) {
		res, err := env.Client.LoginWithCertificateWithBodyWithResponse(ctx, "application/json",
			strings.NewReader(`{"challengeId":"9a7c1e52-3f0b-4d8e-b6a1-0c2d4e6f8a10","certificatePem":"x","signature":"x","totp":"1"}`))
		if err != nil {
			t.Fatal(err)
		}
		p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "validation_failed")
		if !apitest.Contains(apitest.Fields(p), "totp:unknown_field") {
			t.Errorf("fields = %v", apitest.Fields(p))
		}
	})
	if n := len(auditDetails(t, env, reg.User.ID, "sign_in")); n != 1 {
		t.Fatalf("%d sign_in events, want 1 (the replayed request's first use)", n)
	}
}

func TestCertificateSignInWithoutPassword(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	acc := apitest.NewAccount()
	reg := apitest.Register(t, env, acc)
	c := goProver(certtest.Valid(t, certtest.P384))
	bindCert(t, env, reg.AccessToken, c)
	if _, err := env.Pool.Exec(context.Background(), `UPDATE users SET password_hash = NULL WHERE id = $1`, reg.User.ID); err != nil {
		t.Fatal(err)
	}
	if res := apitest.Login(t, env, string(acc.Email), acc.Password, false); res.StatusCode() != 401 {
		t.Fatalf("password login of a passwordless account: %d", res.StatusCode())
	}
	if res := loginWithCert(t, env, c); res.JSON200 == nil {
		t.Fatalf("certificate login: %d %s", res.StatusCode(), res.Body)
	}
}

func TestCertificateSignInIsRateLimited(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, func(c *config.Config) { c.Certificates.RatePerMinute = 3 })
	ctx := context.Background()
	var challenges []client.CertificateChallenge
	for range 3 {
		challenges = append(challenges, signInChallenge(t, env))
	}
	res, err := env.Client.CreateCertificateSignInChallengeWithResponse(ctx)
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 429, "rate_limited")
	if s, err := strconv.Atoi(res.HTTPResponse.Header.Get("Retry-After")); err != nil || s < 1 || s > 60 {
		t.Fatalf("Retry-After = %q", res.HTTPResponse.Header.Get("Retry-After"))
	}

	c := goProver(certtest.Valid(t, certtest.P256))
	for _, ch := range challenges {
		res := certLogin(t, env, client.CertificateLoginRequest{ChallengeID: ch.ChallengeID, CertificatePem: c.pem, Signature: c.sign(t, challengeBytes(t, ch))})
		apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 401, "certificate_not_bound")
	}
	last := certLogin(t, env, client.CertificateLoginRequest{ChallengeID: challenges[0].ChallengeID, CertificatePem: c.pem, Signature: "AAAA"})
	apitest.ProblemOf(t, last.StatusCode(), last.HTTPResponse.Header, last.Body, 429, "rate_limited")

	// Binding challenges are counted per user, apart from the IP's.
	reg := apitest.Register(t, env, apitest.NewAccount())
	for range 3 {
		bindChallenge(t, env, reg.AccessToken)
	}
	more, err := env.Client.CreateCertificateBindingChallengeWithResponse(ctx, apitest.Bearer(reg.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, more.StatusCode(), more.HTTPResponse.Header, more.Body, 429, "rate_limited")
}

func mustDecodeStd(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
