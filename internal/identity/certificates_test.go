package identity_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/certauth/certtest"
	"github.com/kabinet-edu/kabinet/internal/config"
)

func TestBindCertificate(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	acc := apitest.NewAccount()
	reg := apitest.Register(t, env, acc)
	c := certtest.Valid(t, certtest.P256)

	ch := bindChallenge(t, env, reg.AccessToken)
	if until := time.Until(ch.ExpiresAt); until <= time.Minute || until > 2*time.Minute {
		t.Fatalf("challenge expires in %v, want about 2 minutes", until)
	}
	res := bindWith(t, env, reg.AccessToken, client.BindCertificateRequest{
		CertificatePem: c.PEM, ChallengeID: ch.ChallengeID, Signature: c.Sign(t, challengeBytes(t, ch)),
	})
	if res.JSON201 == nil {
		t.Fatalf("bind: %d %s", res.StatusCode(), res.Body)
	}
	got := *res.JSON201
	fp := sha256.Sum256(c.DER)
	if got.Fingerprint != hex.EncodeToString(fp[:]) || got.KeyAlgorithm != "ECDSA-P256" ||
		!strings.Contains(got.Subject, "CN=Анна Иванова") || got.Issuer != got.Subject || got.SerialNumber == "" ||
		got.Expired || got.ExpiresSoon || got.LastUsedAt != nil || !got.NotAfter.After(time.Now().AddDate(0, 11, 0)) {
		t.Fatalf("bound certificate = %+v", got)
	}

	list, err := env.Client.ListMyCertificatesWithResponse(context.Background(), apitest.Bearer(reg.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	if list.JSON200 == nil || len(list.JSON200.Items) != 1 || list.JSON200.Items[0].ID != got.ID {
		t.Fatalf("list: %d %s", list.StatusCode(), list.Body)
	}
	if d := auditDetails(t, env, reg.User.ID, "certificate_bound"); len(d) != 1 || d[0]["certificateId"] != got.ID.String() || d[0]["fingerprint"] != got.Fingerprint {
		t.Fatalf("audit certificate_bound = %v", d)
	}
	m := mails(t, env, "certificate_bound", string(acc.Email))
	if len(m) != 1 || !strings.Contains(m[0], "Анна Иванова") || !strings.Contains(m[0], got.Fingerprint) || !strings.Contains(m[0], "сертификат") {
		t.Fatalf("mail = %q", m)
	}
}

func TestBindCertificateInEnglishMail(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	acc := apitest.NewAccount()
	en := client.En
	acc.Locale = &en
	reg := apitest.Register(t, env, acc)
	bindCert(t, env, reg.AccessToken, goProver(certtest.Valid(t, certtest.Ed25519)))
	m := mails(t, env, "certificate_bound", string(acc.Email))
	if len(m) != 1 || !strings.HasPrefix(m[0], "A certificate was bound to your account") {
		t.Fatalf("mail = %q", m)
	}
}

func TestBindRefusesBadInputWithoutSpendingTheChallenge(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	reg := apitest.Register(t, env, apitest.NewAccount())
	ch := bindChallenge(t, env, reg.AccessToken)
	msg := challengeBytes(t, ch)
	now := time.Now()
	expired := certtest.New(t, certtest.P256, "old", now.AddDate(-1, 0, 0), now.Add(-time.Minute))
	future := certtest.New(t, certtest.P256, "future", now.Add(time.Hour), now.AddDate(1, 0, 0))
	weak := certtest.Valid(t, certtest.RSA1024)
	good := certtest.Valid(t, certtest.RSA)

	for _, tc := range []struct {
		name, pem, sig string
		want           []string
	}{
		{"expired", expired.PEM, expired.Sign(t, msg), []string{"certificatePem:certificate_expired"}},
		{"not yet valid", future.PEM, future.Sign(t, msg), []string{"certificatePem:certificate_not_yet_valid"}},
		{"not a certificate", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", good.Sign(t, msg), []string{"certificatePem:invalid_certificate"}},
		{"weak key", weak.PEM, weak.Sign(t, msg), []string{"certificatePem:weak_key"}},
		{"signature not base64", good.PEM, "not base64!", []string{"signature:invalid_format"}},
		{"both", "garbage", "%%%", []string{"certificatePem:invalid_certificate", "signature:invalid_format"}},
	} {
		res := bindWith(t, env, reg.AccessToken, client.BindCertificateRequest{CertificatePem: tc.pem, ChallengeID: ch.ChallengeID, Signature: tc.sig})
		p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "validation_failed")
		if !apitest.Contains(apitest.Fields(p), tc.want...) {
			t.Errorf("%s: fields = %v, want %v", tc.name, apitest.Fields(p), tc.want)
		}
		if tc.name == "expired" && !strings.Contains(string(res.Body), "valid until") {
			t.Errorf("expired: the message does not say until when: %s", res.Body)
		}
	}
	// The schema's own rules.
	res := bindWith(t, env, reg.AccessToken, client.BindCertificateRequest{ChallengeID: ch.ChallengeID})
	p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "certificatePem:too_short", "signature:too_short") {
		t.Errorf("empty fields: %v", apitest.Fields(p))
	}

	// None of those used the challenge up.
	res = bindWith(t, env, reg.AccessToken, client.BindCertificateRequest{CertificatePem: good.PEM, ChallengeID: ch.ChallengeID, Signature: good.Sign(t, msg)})
	if res.JSON201 == nil {
		t.Fatalf("bind after refused input: %d %s", res.StatusCode(), res.Body)
	}
	if n := apitest.CountRows(t, env, "user_certificates"); n != 1 {
		t.Fatalf("%d certificates stored, want 1", n)
	}
}

func TestBindRefusesWrongSignatures(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	reg := apitest.Register(t, env, apitest.NewAccount())
	c := certtest.Valid(t, certtest.RSA)
	other := certtest.Valid(t, certtest.P384)

	for name, sign := range map[string]func(msg []byte) string{
		"another key":       func(msg []byte) string { return other.Sign(t, msg) },
		"another challenge": func([]byte) string { return c.Sign(t, []byte("something else")) },
		"tampered": func(msg []byte) string {
			s := []byte(c.Sign(t, msg))
			s[10] = map[bool]byte{true: 'B', false: 'A'}[s[10] == 'A']
			return string(s)
		},
	} {
		ch := bindChallenge(t, env, reg.AccessToken)
		body := client.BindCertificateRequest{CertificatePem: c.PEM, ChallengeID: ch.ChallengeID, Signature: sign(challengeBytes(t, ch))}
		res := bindWith(t, env, reg.AccessToken, body)
		p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "invalid_signature")
		if !apitest.Contains(apitest.Fields(p), "signature:invalid_signature") {
			t.Errorf("%s: fields = %v", name, apitest.Fields(p))
		}
		// The attempt used the challenge up: even a good signature is too late.
		body.Signature = c.Sign(t, challengeBytes(t, ch))
		res = bindWith(t, env, reg.AccessToken, body)
		apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "invalid_challenge")
	}
	if n := apitest.CountRows(t, env, "user_certificates"); n != 0 {
		t.Fatalf("%d certificates stored", n)
	}
}

func TestBindChallengeRules(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	anna := apitest.Register(t, env, apitest.NewAccount())
	boris := apitest.Register(t, env, apitest.NewAccount())
	c := certtest.Valid(t, certtest.P256)
	try := func(token string, ch client.CertificateChallenge, id uuid.UUID) *client.BindCertificateResponse {
		return bindWith(t, env, token, client.BindCertificateRequest{CertificatePem: c.PEM, ChallengeID: id, Signature: c.Sign(t, challengeBytes(t, ch))})
	}

	// Somebody else's challenge.
	ch := bindChallenge(t, env, anna.AccessToken)
	res := try(boris.AccessToken, ch, ch.ChallengeID)
	p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "invalid_challenge")
	if !apitest.Contains(apitest.Fields(p), "challengeId:invalid_challenge") {
		t.Errorf("fields = %v", apitest.Fields(p))
	}
	// A sign-in challenge cannot bind.
	sc := signInChallenge(t, env)
	res = try(anna.AccessToken, sc, sc.ChallengeID)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "invalid_challenge")
	// An unknown one.
	res = try(anna.AccessToken, ch, uuid.New())
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "invalid_challenge")
	// An expired one.
	late := bindChallenge(t, env, anna.AccessToken)
	expireChallenge(t, env, late.ChallengeID)
	res = try(anna.AccessToken, late, late.ChallengeID)
	p = apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "challenge_expired")
	if !apitest.Contains(apitest.Fields(p), "challengeId:challenge_expired") {
		t.Errorf("fields = %v", apitest.Fields(p))
	}
	// Anna's own challenge still works (Boris's attempt did not spend it)...
	res = try(anna.AccessToken, ch, ch.ChallengeID)
	if res.JSON201 == nil {
		t.Fatalf("bind: %d %s", res.StatusCode(), res.Body)
	}
	// ...once.
	c2 := certtest.Valid(t, certtest.P256)
	res = bindWith(t, env, anna.AccessToken, client.BindCertificateRequest{CertificatePem: c2.PEM, ChallengeID: ch.ChallengeID, Signature: c2.Sign(t, challengeBytes(t, ch))})
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "invalid_challenge")
}

func TestBindConflicts(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, func(c *config.Config) { c.Certificates.MaxPerUser = 2 })
	anna := apitest.Register(t, env, apitest.NewAccount())
	boris := apitest.Register(t, env, apitest.NewAccount())
	c := goProver(certtest.Valid(t, certtest.P256))
	bindCert(t, env, anna.AccessToken, c)

	for who, token := range map[string]string{"the same user": anna.AccessToken, "another user": boris.AccessToken} {
		ch := bindChallenge(t, env, token)
		res := bindWith(t, env, token, client.BindCertificateRequest{CertificatePem: c.pem, ChallengeID: ch.ChallengeID, Signature: c.sign(t, challengeBytes(t, ch))})
		p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 409, "certificate_already_bound")
		if !apitest.Contains(apitest.Fields(p), "certificatePem:certificate_already_bound") {
			t.Errorf("%s: fields = %v", who, apitest.Fields(p))
		}
	}
	bindCert(t, env, anna.AccessToken, goProver(certtest.Valid(t, certtest.RSA)))
	third := goProver(certtest.Valid(t, certtest.Ed25519))
	ch := bindChallenge(t, env, anna.AccessToken)
	res := bindWith(t, env, anna.AccessToken, client.BindCertificateRequest{CertificatePem: third.pem, ChallengeID: ch.ChallengeID, Signature: third.sign(t, challengeBytes(t, ch))})
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 409, "certificate_limit_reached")
	if n := apitest.CountRows(t, env, "user_certificates"); n != 2 {
		t.Fatalf("%d certificates stored, want 2", n)
	}
}

func TestCertificateChangesNeedRecentAuth(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	reg := apitest.Register(t, env, apitest.NewAccount())
	c := goProver(certtest.Valid(t, certtest.P256))
	bound := bindCert(t, env, reg.AccessToken, c)
	staleAuth(t, env, reg.User.ID)

	other := goProver(certtest.Valid(t, certtest.P384))
	ch := bindChallenge(t, env, reg.AccessToken) // asking is fine
	res := bindWith(t, env, reg.AccessToken, client.BindCertificateRequest{CertificatePem: other.pem, ChallengeID: ch.ChallengeID, Signature: other.sign(t, challengeBytes(t, ch))})
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 403, "reauthentication_required")

	del, err := env.Client.UnbindCertificateWithResponse(context.Background(), bound.ID, apitest.Bearer(reg.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, del.StatusCode(), del.HTTPResponse.Header, del.Body, 403, "reauthentication_required")

	// A certificate sign-in is a fresh authentication.
	login := loginWithCert(t, env, c)
	if login.JSON200 == nil {
		t.Fatalf("login: %d %s", login.StatusCode(), login.Body)
	}
	bindCert(t, env, login.JSON200.AccessToken, other)
}

func TestCertificateEndpointsNeedAToken(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	list, err := env.Client.ListMyCertificatesWithResponse(ctx)
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, list.StatusCode(), list.HTTPResponse.Header, list.Body, 401, "authentication_required")
	ch, err := env.Client.CreateCertificateBindingChallengeWithResponse(ctx)
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, ch.StatusCode(), ch.HTTPResponse.Header, ch.Body, 401, "authentication_required")
	del, err := env.Client.UnbindCertificateWithResponse(ctx, uuid.New())
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, del.StatusCode(), del.HTTPResponse.Header, del.Body, 401, "authentication_required")
}

func TestCertificateExpiryWarnings(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	reg := apitest.Register(t, env, apitest.NewAccount())

	// No certificates: an empty list of warnings, not null.
	me := apitest.GetMe(t, env, reg.AccessToken)
	if me.JSON200 == nil || me.JSON200.Warnings == nil || len(me.JSON200.Warnings) != 0 || !strings.Contains(string(me.Body), `"warnings":[]`) {
		t.Fatalf("me: %s", me.Body)
	}

	longLived := bindCert(t, env, reg.AccessToken, goProver(validFor(t, certtest.RSA, 365*24*time.Hour)))
	soon := bindCert(t, env, reg.AccessToken, goProver(validFor(t, certtest.P256, 10*24*time.Hour)))
	edge := bindCert(t, env, reg.AccessToken, goProver(validFor(t, certtest.P384, 31*24*time.Hour)))
	viaOpenSSL := bindCert(t, env, reg.AccessToken, opensslProver(certtest.NewOpenSSL(t, []string{"ec", "-pkeyopt", "ec_paramgen_curve:P-256"}, 20)))
	now := time.Now()
	expired := insertBinding(t, env, reg.User.ID, certtest.New(t, certtest.Ed25519, "old", now.AddDate(-1, 0, 0), now.Add(-24*time.Hour)))

	list, err := env.Client.ListMyCertificatesWithResponse(context.Background(), apitest.Bearer(reg.AccessToken))
	if err != nil || list.JSON200 == nil {
		t.Fatalf("list: %v %s", err, list.Body)
	}
	flags := map[uuid.UUID][2]bool{}
	for _, c := range list.JSON200.Items {
		flags[c.ID] = [2]bool{c.ExpiresSoon, c.Expired}
	}
	want := map[uuid.UUID][2]bool{
		longLived.ID: {false, false}, soon.ID: {true, false}, edge.ID: {false, false},
		viaOpenSSL.ID: {true, false}, expired: {false, true},
	}
	for id, w := range want {
		if flags[id] != w {
			t.Errorf("certificate %s: expiresSoon, expired = %v, want %v", id, flags[id], w)
		}
	}

	me = apitest.GetMe(t, env, reg.AccessToken)
	if me.JSON200 == nil {
		t.Fatalf("me: %d %s", me.StatusCode(), me.Body)
	}
	var got []string
	for _, w := range me.JSON200.Warnings {
		if w.CertificateID == nil || w.ExpiresAt == nil || w.Message == "" {
			t.Fatalf("incomplete warning %+v", w)
		}
		got = append(got, w.Code+":"+w.CertificateID.String())
	}
	wantWarnings := []string{"certificate_expired:" + expired.String(), "certificate_expires_soon:" + soon.ID.String(), "certificate_expires_soon:" + viaOpenSSL.ID.String()}
	if strings.Join(got, " ") != strings.Join(wantWarnings, " ") {
		t.Fatalf("warnings = %v, want %v", got, wantWarnings)
	}
}

func TestUnbindCertificate(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	acc := apitest.NewAccount()
	anna := apitest.Register(t, env, acc)
	boris := apitest.Register(t, env, apitest.NewAccount())
	c := goProver(certtest.Valid(t, certtest.P256))
	bound := bindCert(t, env, anna.AccessToken, c)
	borisCert := bindCert(t, env, boris.AccessToken, goProver(certtest.Valid(t, certtest.P384)))

	// Somebody else's certificate, or none: 404.
	for _, id := range []uuid.UUID{borisCert.ID, uuid.New()} {
		res, err := env.Client.UnbindCertificateWithResponse(ctx, id, apitest.Bearer(anna.AccessToken))
		if err != nil {
			t.Fatal(err)
		}
		apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 404, "not_found")
	}
	res, err := env.Client.UnbindCertificateWithResponse(ctx, bound.ID, apitest.Bearer(anna.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode() != http.StatusNoContent {
		t.Fatalf("unbind: %d %s", res.StatusCode(), res.Body)
	}
	if n := apitest.CountRows(t, env, "user_certificates"); n != 1 {
		t.Fatalf("%d certificates left, want Boris's only", n)
	}
	if d := auditDetails(t, env, anna.User.ID, "certificate_unbound"); len(d) != 1 || d[0]["certificateId"] != bound.ID.String() {
		t.Fatalf("audit certificate_unbound = %v", d)
	}
	if m := mails(t, env, "certificate_unbound", string(acc.Email)); len(m) != 1 || !strings.Contains(m[0], bound.Fingerprint) {
		t.Fatalf("mail = %q", m)
	}
	login := loginWithCert(t, env, c)
	apitest.ProblemOf(t, login.StatusCode(), login.HTTPResponse.Header, login.Body, 401, "certificate_not_bound")

	// A malformed id.
	bad, err := env.Client.UnbindCertificateWithResponse(ctx, uuid.Nil, apitest.Bearer(anna.AccessToken),
		func(_ context.Context, r *http.Request) error {
			r.URL.Path = "/api/v1/me/certificates/not-a-uuid"
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, bad.StatusCode(), bad.HTTPResponse.Header, bad.Body, 422, "validation_failed")
}

func TestUnbindKeepsTheLastWayIn(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	reg := apitest.Register(t, env, apitest.NewAccount())
	first := bindCert(t, env, reg.AccessToken, goProver(certtest.Valid(t, certtest.P256)))
	second := bindCert(t, env, reg.AccessToken, goProver(certtest.Valid(t, certtest.RSA)))
	now := time.Now()
	expired := insertBinding(t, env, reg.User.ID, certtest.New(t, certtest.P384, "old", now.AddDate(-1, 0, 0), now.Add(-time.Hour)))
	// The account signs in by certificate only.
	if _, err := env.Pool.Exec(ctx, `UPDATE users SET password_hash = NULL WHERE id = $1`, reg.User.ID); err != nil {
		t.Fatal(err)
	}
	unbind := func(id uuid.UUID) *client.UnbindCertificateResponse {
		res, err := env.Client.UnbindCertificateWithResponse(ctx, id, apitest.Bearer(reg.AccessToken))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

	if res := unbind(first.ID); res.StatusCode() != http.StatusNoContent {
		t.Fatalf("unbind with another valid certificate left: %d %s", res.StatusCode(), res.Body)
	}
	// The expired certificate does not count as a way in.
	res := unbind(second.ID)
	p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 409, "last_sign_in_method")
	if p.Detail == nil || !strings.Contains(*p.Detail, "password") {
		t.Fatalf("detail = %v", p.Detail)
	}
	// But it can itself be removed.
	if res := unbind(expired); res.StatusCode() != http.StatusNoContent {
		t.Fatalf("unbind expired: %d %s", res.StatusCode(), res.Body)
	}
	if n := apitest.CountRows(t, env, "user_certificates"); n != 1 {
		t.Fatalf("%d certificates left, want 1", n)
	}
	// With a password again, the last certificate may go.
	if _, err := env.Pool.Exec(ctx, `UPDATE users SET password_hash = 'x' WHERE id = $1`, reg.User.ID); err != nil {
		t.Fatal(err)
	}
	if res := unbind(second.ID); res.StatusCode() != http.StatusNoContent {
		t.Fatalf("unbind with a password: %d %s", res.StatusCode(), res.Body)
	}
}

func TestConcurrentUnbindsLeaveOneWayIn(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	reg := apitest.Register(t, env, apitest.NewAccount())
	ids := []uuid.UUID{
		bindCert(t, env, reg.AccessToken, goProver(certtest.Valid(t, certtest.P256))).ID,
		bindCert(t, env, reg.AccessToken, goProver(certtest.Valid(t, certtest.P384))).ID,
	}
	if _, err := env.Pool.Exec(context.Background(), `UPDATE users SET password_hash = NULL WHERE id = $1`, reg.User.ID); err != nil {
		t.Fatal(err)
	}
	statuses := make([]int, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		wg.Go(func() {
			res, err := env.Client.UnbindCertificateWithResponse(context.Background(), id, apitest.Bearer(reg.AccessToken))
			if err != nil {
				t.Error(err)
				return
			}
			statuses[i] = res.StatusCode()
		})
	}
	wg.Wait()
	if !(statuses[0] == 204 && statuses[1] == 409 || statuses[0] == 409 && statuses[1] == 204) {
		t.Fatalf("statuses = %v, want one 204 and one 409", statuses)
	}
	if n := apitest.CountRows(t, env, "user_certificates"); n != 1 {
		t.Fatalf("%d certificates left, want 1", n)
	}
}
