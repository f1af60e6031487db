package identity_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/certauth"
	"github.com/kabinet-edu/kabinet/internal/certauth/certtest"
)

// prover holds a certificate and can sign with its key, whoever made them
// (Go or the openssl tool).
type prover struct {
	pem  string
	sign func(t testing.TB, message []byte) string
}

func goProver(c *certtest.Cert) prover { return prover{pem: c.PEM, sign: c.Sign} }

func opensslProver(o *certtest.OpenSSL, opts ...string) prover {
	return prover{pem: o.PEM, sign: func(t testing.TB, m []byte) string { return o.Sign(t, m, opts...) }}
}

func challengeBytes(t testing.TB, c client.CertificateChallenge) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(c.Challenge)
	if err != nil || len(b) != certauth.ChallengeSize {
		t.Fatalf("challenge %q: %v", c.Challenge, err)
	}
	return b
}

func bindChallenge(t testing.TB, env *apitest.Env, token string) client.CertificateChallenge {
	t.Helper()
	res, err := env.Client.CreateCertificateBindingChallengeWithResponse(context.Background(), apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON201 == nil {
		t.Fatalf("binding challenge: %d %s", res.StatusCode(), res.Body)
	}
	return *res.JSON201
}

func signInChallenge(t testing.TB, env *apitest.Env) client.CertificateChallenge {
	t.Helper()
	res, err := env.Client.CreateCertificateSignInChallengeWithResponse(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON201 == nil {
		t.Fatalf("sign-in challenge: %d %s", res.StatusCode(), res.Body)
	}
	return *res.JSON201
}

func bindWith(t testing.TB, env *apitest.Env, token string, body client.BindCertificateRequest) *client.BindCertificateResponse {
	t.Helper()
	res, err := env.Client.BindCertificateWithResponse(context.Background(), body, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// bindCert runs the whole binding flow and requires it to succeed.
func bindCert(t testing.TB, env *apitest.Env, token string, p prover) client.Certificate {
	t.Helper()
	c := bindChallenge(t, env, token)
	res := bindWith(t, env, token, client.BindCertificateRequest{
		CertificatePem: p.pem, ChallengeID: c.ChallengeID, Signature: p.sign(t, challengeBytes(t, c)),
	})
	if res.JSON201 == nil {
		t.Fatalf("bind: %d %s", res.StatusCode(), res.Body)
	}
	return *res.JSON201
}

func certLogin(t testing.TB, env *apitest.Env, body client.CertificateLoginRequest) *client.LoginWithCertificateResponse {
	t.Helper()
	res, err := env.Client.LoginWithCertificateWithResponse(context.Background(), body)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// loginWithCert runs the whole certificate sign-in flow.
func loginWithCert(t testing.TB, env *apitest.Env, p prover) *client.LoginWithCertificateResponse {
	t.Helper()
	c := signInChallenge(t, env)
	return certLogin(t, env, client.CertificateLoginRequest{
		ChallengeID: c.ChallengeID, CertificatePem: p.pem, Signature: p.sign(t, challengeBytes(t, c)),
	})
}

// insertBinding binds c to userID directly in the database, as if it had
// been bound while valid (an expired certificate cannot be bound through
// the API).
func insertBinding(t testing.TB, env *apitest.Env, userID uuid.UUID, c *certtest.Cert) uuid.UUID {
	t.Helper()
	pc, err := certauth.Parse(c.PEM)
	if err != nil {
		t.Fatal(err)
	}
	var id uuid.UUID
	if err := env.Pool.QueryRow(context.Background(), `
		INSERT INTO user_certificates (user_id, fingerprint, subject, issuer, serial_number, key_algorithm, not_before, not_after, der)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		userID, pc.Fingerprint[:], pc.Subject, pc.Issuer, pc.SerialNumber, pc.KeyAlgorithm, pc.NotBefore, pc.NotAfter, pc.DER).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// auditDetails returns the details of userID's events named event, oldest first.
func auditDetails(t testing.TB, env *apitest.Env, userID uuid.UUID, event string) []map[string]any {
	t.Helper()
	rows, err := env.Pool.Query(context.Background(),
		`SELECT details FROM audit_events WHERE user_id = $1 AND event = $2 ORDER BY id`, userID, event)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		var raw []byte
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		var d map[string]any
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatal(err)
		}
		out = append(out, d)
	}
	return out
}

// mails returns the plain-text bodies of the e-mails with template sent to to.
func mails(t testing.TB, env *apitest.Env, template, to string) []string {
	t.Helper()
	rows, err := env.Pool.Query(context.Background(),
		`SELECT subject || E'\n' || body_text FROM outbox WHERE channel = 'email' AND template = $1 AND recipient = $2 ORDER BY id`, template, to)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

// expireChallenge moves a challenge's expiry into the past.
func expireChallenge(t testing.TB, env *apitest.Env, id uuid.UUID) {
	t.Helper()
	if _, err := env.Pool.Exec(context.Background(),
		`UPDATE certificate_challenges SET expires_at = now() - interval '1 second' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
}

// staleAuth makes the sessions of userID look signed in long ago.
func staleAuth(t testing.TB, env *apitest.Env, userID uuid.UUID) {
	t.Helper()
	if _, err := env.Pool.Exec(context.Background(),
		`UPDATE sessions SET authenticated_at = now() - interval '11 minutes' WHERE user_id = $1`, userID); err != nil {
		t.Fatal(err)
	}
}

func validFor(t testing.TB, kind string, d time.Duration) *certtest.Cert {
	t.Helper()
	now := time.Now()
	return certtest.New(t, kind, "Анна Иванова", now.Add(-time.Hour), now.Add(d))
}
