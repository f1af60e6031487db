package identity_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/auth"
	"github.com/kabinet-edu/kabinet/internal/config"
)

func TestRegisterLoginMeRefreshLogout(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	acc := apitest.NewAccount()
	acc.Email = openapi_types.Email("  Mixed.Case" + string(acc.Email)[4:] + " ")
	acc.Phone = "8 (921) 555-12-34"

	reg := apitest.Register(t, env, acc)
	if reg.TokenType != client.Bearer || reg.ExpiresIn != 900 || reg.AccessToken == "" || !strings.HasPrefix(reg.RefreshToken, "rt_") {
		t.Fatalf("unexpected tokens: %+v", reg)
	}
	if got := string(reg.User.Email); got != strings.ToLower(strings.TrimSpace(string(acc.Email))) {
		t.Errorf("e-mail stored as %q, want it trimmed and lower-cased", got)
	}
	if reg.User.Phone == nil || *reg.User.Phone != "+79215551234" {
		t.Errorf("phone stored as %v, want E.164 +79215551234", reg.User.Phone)
	}
	if reg.User.Locale != client.Ru || reg.User.EmailVerified || reg.User.PhoneVerified {
		t.Errorf("unexpected user defaults: %+v", reg.User)
	}

	me := apitest.GetMe(t, env, reg.AccessToken)
	if me.JSON200 == nil {
		t.Fatalf("GET /me: %d %s", me.StatusCode(), me.Body)
	}
	if me.JSON200.ID != reg.User.ID || len(me.JSON200.Memberships) != 1 {
		t.Fatalf("GET /me = %+v", me.JSON200)
	}
	m := me.JSON200.Memberships[0]
	if m.Role != client.Learner || !m.Organization.IsDefault || m.Organization.Slug != "default" {
		t.Errorf("a new account should be a learner of the default organization, got %+v", m)
	}

	// Sign in by e-mail in another case, and by phone written another way.
	for _, name := range []string{strings.ToUpper(string(reg.User.Email)), "+7 921 555 12 34", "89215551234"} {
		res := apitest.Login(t, env, name, acc.Password, false)
		if res.JSON200 == nil {
			t.Fatalf("login as %q: %d %s", name, res.StatusCode(), res.Body)
		}
		if res.JSON200.User.ID != reg.User.ID {
			t.Fatalf("login as %q signed in another user", name)
		}
	}

	// Refresh rotates: the new pair works, the used refresh token does not.
	ref, err := env.Client.RefreshTokensWithResponse(ctx, client.RefreshRequest{RefreshToken: reg.RefreshToken})
	if err != nil {
		t.Fatal(err)
	}
	if ref.JSON200 == nil {
		t.Fatalf("refresh: %d %s", ref.StatusCode(), ref.Body)
	}
	if ref.JSON200.RefreshToken == reg.RefreshToken || ref.JSON200.AccessToken == reg.AccessToken {
		t.Fatal("refresh must return new tokens")
	}
	if me := apitest.GetMe(t, env, ref.JSON200.AccessToken); me.JSON200 == nil {
		t.Fatalf("GET /me with refreshed token: %d %s", me.StatusCode(), me.Body)
	}

	// Logout ends the session: its refresh token and access tokens stop working.
	out, err := env.Client.LogoutWithResponse(ctx, apitest.Bearer(ref.JSON200.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	if out.StatusCode() != http.StatusNoContent {
		t.Fatalf("logout: %d %s", out.StatusCode(), out.Body)
	}
	again, err := env.Client.RefreshTokensWithResponse(ctx, client.RefreshRequest{RefreshToken: ref.JSON200.RefreshToken})
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, again.StatusCode(), again.HTTPResponse.Header, again.Body, 401, "session_ended")
	me = apitest.GetMe(t, env, ref.JSON200.AccessToken)
	apitest.ProblemOf(t, me.StatusCode(), me.HTTPResponse.Header, me.Body, 401, "session_ended")
}

func TestRememberMeChoosesRefreshLifetime(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	acc := apitest.NewAccount()
	apitest.Register(t, env, acc)
	for _, tc := range []struct {
		remember bool
		want     time.Duration
	}{{false, env.Config.RefreshTTL}, {true, env.Config.RefreshRememberTTL}} {
		res := apitest.Login(t, env, string(acc.Email), acc.Password, tc.remember)
		if res.JSON200 == nil {
			t.Fatalf("login: %d %s", res.StatusCode(), res.Body)
		}
		got := time.Until(res.JSON200.RefreshTokenExpiresAt)
		if got < tc.want-time.Minute || got > tc.want+time.Minute {
			t.Errorf("rememberMe=%v: refresh token lives %v, want about %v", tc.remember, got, tc.want)
		}
	}
}

func TestReusedRefreshTokenRevokesTheSession(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	reg := apitest.Register(t, env, apitest.NewAccount())

	first, err := env.Client.RefreshTokensWithResponse(ctx, client.RefreshRequest{RefreshToken: reg.RefreshToken})
	if err != nil || first.JSON200 == nil {
		t.Fatalf("refresh: %v %s", err, first.Body)
	}
	// The old token again, after the grace window for concurrent refreshes:
	// theft is assumed and the whole session ends.
	if _, err := env.Pool.Exec(ctx, "UPDATE refresh_tokens SET used_at = used_at - interval '1 minute' WHERE used_at IS NOT NULL"); err != nil {
		t.Fatal(err)
	}
	reuse, err := env.Client.RefreshTokensWithResponse(ctx, client.RefreshRequest{RefreshToken: reg.RefreshToken})
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, reuse.StatusCode(), reuse.HTTPResponse.Header, reuse.Body, 401, "refresh_token_reused")

	// The legitimate holder's newer tokens are dead too.
	next, err := env.Client.RefreshTokensWithResponse(ctx, client.RefreshRequest{RefreshToken: first.JSON200.RefreshToken})
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, next.StatusCode(), next.HTTPResponse.Header, next.Body, 401, "session_ended")
	me := apitest.GetMe(t, env, first.JSON200.AccessToken)
	apitest.ProblemOf(t, me.StatusCode(), me.HTTPResponse.Header, me.Body, 401, "session_ended")

	// Another session of the same user is untouched.
	var reason string
	if err := env.Pool.QueryRow(ctx, "SELECT revoke_reason FROM sessions WHERE revoked_at IS NOT NULL").Scan(&reason); err != nil || reason != "refresh_token_reused" {
		t.Fatalf("revoke reason = %q, %v", reason, err)
	}
}

func TestRefreshRejectsUnknownAndExpiredTokens(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	reg := apitest.Register(t, env, apitest.NewAccount())

	unknown, err := env.Client.RefreshTokensWithResponse(ctx, client.RefreshRequest{RefreshToken: "rt_NOTATOKEN"})
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, unknown.StatusCode(), unknown.HTTPResponse.Header, unknown.Body, 401, "invalid_refresh_token")

	if _, err := env.Pool.Exec(ctx, "UPDATE refresh_tokens SET expires_at = now() - interval '1 second'"); err != nil {
		t.Fatal(err)
	}
	expired, err := env.Client.RefreshTokensWithResponse(ctx, client.RefreshRequest{RefreshToken: reg.RefreshToken})
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, expired.StatusCode(), expired.HTTPResponse.Header, expired.Body, 401, "session_ended")
}

func TestLoginFailuresLookAlike(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	acc := apitest.NewAccount()
	apitest.Register(t, env, acc)

	var details []string
	for _, tc := range []struct{ name, login, password string }{
		{"wrong password", string(acc.Email), "Wrong-Passw0rd"},
		{"unknown e-mail", "nobody@example.org", acc.Password},
		{"unknown phone", "+7 921 999-99-99", acc.Password},
		{"not an e-mail or phone", "just-a-name", acc.Password},
	} {
		res := apitest.Login(t, env, tc.login, tc.password, false)
		p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 401, "invalid_credentials")
		if res.HTTPResponse.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: no WWW-Authenticate header", tc.name)
		}
		details = append(details, p.Title+"|"+*p.Detail)
	}
	for _, d := range details[1:] {
		if d != details[0] {
			t.Errorf("failures differ: %q vs %q (must not reveal whether the account exists)", d, details[0])
		}
	}
}

func TestLoginUpgradesAnOldPasswordHash(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	acc := apitest.NewAccount()
	reg := apitest.Register(t, env, acc)
	older, err := auth.NewHasher(config.Argon2Params{MemoryKiB: 512, Iterations: 1, Parallelism: 1}, 1)
	if err != nil {
		t.Fatal(err)
	}
	old, err := older.Hash(ctx, acc.Password)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.Pool.Exec(ctx, "UPDATE users SET password_hash = $1 WHERE id = $2", old, reg.User.ID); err != nil {
		t.Fatal(err)
	}
	if res := apitest.Login(t, env, string(acc.Email), acc.Password, false); res.JSON200 == nil {
		t.Fatalf("login with an old hash: %d %s", res.StatusCode(), res.Body)
	}
	var stored string
	if err := env.Pool.QueryRow(ctx, "SELECT password_hash FROM users WHERE id = $1", reg.User.ID).Scan(&stored); err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("$m=%d,t=%d,p=%d$", env.Config.Argon2.MemoryKiB, env.Config.Argon2.Iterations, env.Config.Argon2.Parallelism)
	if stored == old || !strings.Contains(stored, want) {
		t.Errorf("hash after sign-in = %q, want one made with %s", stored, want)
	}
	if res := apitest.Login(t, env, string(acc.Email), acc.Password, false); res.JSON200 == nil {
		t.Fatalf("login with the upgraded hash: %d %s", res.StatusCode(), res.Body)
	}
}

func TestBlockedAccountCannotSignIn(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	acc := apitest.NewAccount()
	reg := apitest.Register(t, env, acc)
	if _, err := env.Pool.Exec(ctx, "UPDATE users SET status = 'blocked'"); err != nil {
		t.Fatal(err)
	}
	res := apitest.Login(t, env, string(acc.Email), acc.Password, false)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 403, "account_blocked")
	// A wrong password still gets the generic answer: blocking reveals nothing.
	res = apitest.Login(t, env, string(acc.Email), "Wrong-Passw0rd", false)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 401, "invalid_credentials")
	me := apitest.GetMe(t, env, reg.AccessToken)
	apitest.ProblemOf(t, me.StatusCode(), me.HTTPResponse.Header, me.Body, 401, "session_ended")
	ref, err := env.Client.RefreshTokensWithResponse(ctx, client.RefreshRequest{RefreshToken: reg.RefreshToken})
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, ref.StatusCode(), ref.HTTPResponse.Header, ref.Body, 403, "account_blocked")
}

func TestRegisterConflicts(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	acc := apitest.NewAccount()
	apitest.Register(t, env, acc)

	tests := []struct {
		name   string
		mutate func(*client.RegisterRequest)
		want   []string
	}{
		{"same e-mail in other case", func(r *client.RegisterRequest) {
			r.Email = openapi_types.Email(strings.ToUpper(string(acc.Email)))
		}, []string{"email:taken"}},
		{"same phone written differently", func(r *client.RegisterRequest) {
			r.Phone = "8" + strings.NewReplacer(" ", "", "-", "").Replace(acc.Phone)[2:]
		}, []string{"phone:taken"}},
		{"both", func(r *client.RegisterRequest) {
			r.Email, r.Phone = acc.Email, acc.Phone
		}, []string{"email:taken", "phone:taken"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := apitest.NewAccount()
			tc.mutate(&req)
			res, err := env.Client.RegisterWithResponse(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 409, "already_exists")
			if got := apitest.Fields(p); len(got) != len(tc.want) || !apitest.Contains(got, tc.want...) {
				t.Errorf("fields = %v, want %v", got, tc.want)
			}
		})
	}
	if n := apitest.CountRows(t, env, "users"); n != 1 {
		t.Errorf("users = %d after conflicts, want 1", n)
	}
}

func TestRegisterRejectsBadInput(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	valid := `{"firstName":"Анна","lastName":"Иванова","email":"a@example.org","phone":"+79211234567","password":"Str0ng-Passw0rd"}`

	tests := []struct {
		name        string
		contentType string
		body        string
		status      int
		code        string
		fields      []string
	}{
		{"missing fields", "application/json", `{"firstName":"Анна"}`, 422, "validation_failed",
			[]string{"lastName:required", "email:required", "phone:required", "password:required"}},
		{"wrong types", "application/json", `{"firstName":1,"lastName":true,"email":"a@example.org","phone":79211234567,"password":["x"]}`, 422, "validation_failed",
			[]string{"firstName:invalid_type", "lastName:invalid_type", "phone:invalid_type", "password:invalid_type"}},
		{"unknown field", "application/json", strings.Replace(valid, `{`, `{"role":"admin",`, 1), 422, "validation_failed",
			[]string{"role:unknown_field"}},
		{"bad e-mail", "application/json", strings.Replace(valid, "a@example.org", "not-an-email", 1), 422, "validation_failed",
			[]string{"email:invalid_format"}},
		{"bad phone", "application/json", strings.Replace(valid, "+79211234567", "12345", 1), 422, "validation_failed",
			[]string{"phone:invalid_format"}},
		{"fixed-line phone", "application/json", strings.Replace(valid, "+79211234567", "+7 495 123-45-67", 1), 422, "validation_failed",
			[]string{"phone:not_mobile"}},
		{"blank name", "application/json", strings.Replace(valid, `"Анна"`, `"   "`, 1), 422, "validation_failed",
			[]string{"firstName:required"}},
		{"bad locale", "application/json", strings.Replace(valid, `{`, `{"locale":"de",`, 1), 422, "validation_failed",
			[]string{"locale:invalid_value"}},
		{"weak password", "application/json", strings.Replace(valid, "Str0ng-Passw0rd", "paaaassword", 1), 422, "validation_failed",
			[]string{"password:missing_uppercase", "password:missing_digit", "password:repeated_characters"}},
		{"malformed JSON", "application/json", `{"firstName":`, 400, "malformed_request", nil},
		{"empty body", "application/json", ``, 400, "malformed_request", nil},
		{"not JSON", "text/plain", valid, 415, "unsupported_media_type", nil},
		{"oversized body", "application/json", `{"firstName":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "payload_too_large", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := env.Client.RegisterWithBodyWithResponse(ctx, tc.contentType, bytes.NewBufferString(tc.body))
			if err != nil {
				t.Fatal(err)
			}
			p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, tc.status, tc.code)
			if got := apitest.Fields(p); !apitest.Contains(got, tc.fields...) {
				t.Errorf("fields = %v, want at least %v", got, tc.fields)
			}
		})
	}
	if n := apitest.CountRows(t, env, "users"); n != 0 {
		t.Errorf("users = %d after rejected registrations, want 0 (no half-written rows)", n)
	}
}

func TestPasswordEqualToIdentifierIsRefused(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	acc := apitest.NewAccount()
	acc.Password = "Anna-Phone-79211000001"
	acc.Phone = "+7 921 100-00-01"
	acc.Email = "Anna.Pass1@example.org"
	for _, pw := range []string{"Anna.Pass1@example.org", "+79211000001"} {
		acc.Password = pw
		res, err := env.Client.RegisterWithResponse(context.Background(), acc)
		if err != nil {
			t.Fatal(err)
		}
		p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "validation_failed")
		if !apitest.Contains(apitest.Fields(p), "password:equals_identifier") {
			t.Errorf("password %q: fields = %v, want password:equals_identifier", pw, apitest.Fields(p))
		}
	}
}

func TestLongPasswordsAreNotTruncated(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	acc := apitest.NewAccount()
	acc.Password = "Aa1-" + strings.Repeat("xyz", 40) // 124 characters
	apitest.Register(t, env, acc)
	if res := apitest.Login(t, env, string(acc.Email), acc.Password, false); res.JSON200 == nil {
		t.Fatalf("login with the long password: %d %s", res.StatusCode(), res.Body)
	}
	if res := apitest.Login(t, env, string(acc.Email), acc.Password[:100], false); res.StatusCode() != 401 {
		t.Fatalf("a prefix of the password signed in: %d", res.StatusCode())
	}
}

func TestRegistrationSendsWelcomeMailAndAudits(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	acc := apitest.NewAccount()
	acc.Locale = ptrTo(client.En)
	reg := apitest.Register(t, env, acc)
	apitest.Login(t, env, string(acc.Email), "Wrong-Passw0rd", false)
	apitest.Login(t, env, string(acc.Email), acc.Password, false)

	var to, subject, text string
	if err := env.Pool.QueryRow(ctx, "SELECT recipient, subject, body_text FROM outbox WHERE template = 'welcome'").Scan(&to, &subject, &text); err != nil {
		t.Fatal(err)
	}
	if to != string(reg.User.Email) || subject != "Welcome to your account" || !strings.Contains(text, "Hello Анна") {
		t.Errorf("welcome mail: to=%q subject=%q text=%q", to, subject, text)
	}
	rows, err := env.Pool.Query(ctx, "SELECT event FROM audit_events WHERE user_id = $1 ORDER BY id", reg.User.ID)
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	for rows.Next() {
		var e string
		_ = rows.Scan(&e)
		events = append(events, e)
	}
	if strings.Join(events, ",") != "registered,sign_in_failed,sign_in" {
		t.Errorf("audit events = %v", events)
	}
}

func ptrTo[T any](v T) *T { return &v }
