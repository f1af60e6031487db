package identity_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/config"
)

func TestChangePassword(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	acc := apitest.NewAccount()
	acc.Locale = ptrTo(client.En)
	reg := apitest.Register(t, env, acc)
	other := apitest.SignInAs(t, env, acc, true, "Other-Device")
	const next = "N3w-Str0ng-Passw0rd"

	// A wrong current password and a weak new one are refused, naming the field.
	res := apitest.ChangePassword(t, env, reg.AccessToken, "Wrong-Passw0rd", next)
	p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "currentPassword:incorrect") {
		t.Errorf("fields = %v", apitest.Fields(p))
	}
	res = apitest.ChangePassword(t, env, reg.AccessToken, acc.Password, "weak")
	p = apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "newPassword:too_short") {
		t.Errorf("fields = %v", apitest.Fields(p))
	}
	res = apitest.ChangePassword(t, env, reg.AccessToken, acc.Password, string(reg.User.Email))
	p = apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "newPassword:equals_identifier") {
		t.Errorf("fields = %v", apitest.Fields(p))
	}
	if r := apitest.Login(t, env, string(acc.Email), acc.Password, false); r.JSON200 == nil {
		t.Fatal("a refused change altered the password")
	}

	res = apitest.ChangePassword(t, env, reg.AccessToken, acc.Password, next)
	if res.StatusCode() != http.StatusNoContent {
		t.Fatalf("change: %d %s", res.StatusCode(), res.Body)
	}
	// This session stays; the others end.
	if me := apitest.GetMe(t, env, reg.AccessToken); me.JSON200 == nil {
		t.Fatal("the current session ended")
	}
	me := apitest.GetMe(t, env, other.AccessToken)
	apitest.ProblemOf(t, me.StatusCode(), me.HTTPResponse.Header, me.Body, 401, "session_ended")
	ref, _ := env.Client.RefreshTokensWithResponse(ctx, client.RefreshRequest{RefreshToken: other.RefreshToken})
	apitest.ProblemOf(t, ref.StatusCode(), ref.HTTPResponse.Header, ref.Body, 401, "session_ended")

	if r := apitest.Login(t, env, string(acc.Email), acc.Password, false); r.StatusCode() != 401 {
		t.Errorf("the old password still signs in: %d", r.StatusCode())
	}
	if r := apitest.Login(t, env, string(acc.Email), next, false); r.JSON200 == nil {
		t.Errorf("the new password does not sign in: %d %s", r.StatusCode(), r.Body)
	}
	msg, ok := apitest.LastMessage(t, env, "password_changed", string(reg.User.Email))
	if !ok || msg.Subject != "Your password was changed" || !strings.Contains(msg.Text, "other devices were signed out") {
		t.Errorf("notice = %+v, %v", msg, ok)
	}
	// The wrong current password and the old password's sign-in failed.
	events := auditEvents(t, env, acc)
	if countOf(events, "password_changed") != 1 || countOf(events, "sign_in_failed") != 2 {
		t.Errorf("audit = %v", events)
	}
}

func TestChangePasswordWithoutAPassword(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	reg := apitest.Register(t, env, apitest.NewAccount())
	if _, err := env.Pool.Exec(context.Background(), "UPDATE users SET password_hash = NULL"); err != nil {
		t.Fatal(err)
	}
	res := apitest.ChangePassword(t, env, reg.AccessToken, "Anything-1", "N3w-Str0ng-Passw0rd")
	p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "currentPassword:not_set") {
		t.Errorf("fields = %v", apitest.Fields(p))
	}
}

func TestChangePasswordIsRateLimited(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, func(c *config.Config) { c.Security.Limits.CodeAccount = config.Limit{Max: 2, Period: time.Minute} })
	acc := apitest.NewAccount()
	reg := apitest.Register(t, env, acc)
	for range 2 {
		res := apitest.ChangePassword(t, env, reg.AccessToken, "Wrong-Passw0rd", "N3w-Str0ng-Passw0rd")
		apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "validation_failed")
	}
	// Even the right password waits now: a stolen session cannot guess on.
	res := apitest.ChangePassword(t, env, reg.AccessToken, acc.Password, "N3w-Str0ng-Passw0rd")
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 429, "rate_limited")
	if ra := res.HTTPResponse.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After = %q", ra)
	}
	if got := auditEvents(t, env, acc); countOf(got, "locked_out") != 1 {
		t.Errorf("audit = %v, want one locked_out", got)
	}
}

func TestReauthenticate(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, func(c *config.Config) { c.Security.Limits.CodeAccount = config.Limit{Max: 3, Period: time.Minute} })
	ctx := context.Background()
	acc := apitest.NewAccount()
	reg := apitest.Register(t, env, acc)
	if _, err := env.Pool.Exec(ctx, "UPDATE sessions SET authenticated_at = now() - interval '1 hour'"); err != nil {
		t.Fatal(err)
	}
	authenticatedAgo := func() time.Duration {
		var d float64
		if err := env.Pool.QueryRow(ctx, "SELECT extract(epoch FROM now() - authenticated_at) FROM sessions").Scan(&d); err != nil {
			t.Fatal(err)
		}
		return time.Duration(d * float64(time.Second))
	}

	wrong := "Wrong-Passw0rd"
	res, err := env.Client.ReauthenticateWithResponse(ctx, client.ReauthenticateRequest{Password: &wrong}, apitest.Bearer(reg.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "password:incorrect") {
		t.Errorf("fields = %v", apitest.Fields(p))
	}
	res, _ = env.Client.ReauthenticateWithResponse(ctx, client.ReauthenticateRequest{}, apitest.Bearer(reg.AccessToken))
	p = apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "password:required") {
		t.Errorf("fields = %v", apitest.Fields(p))
	}
	if authenticatedAgo() < 50*time.Minute {
		t.Fatal("a failed reauthentication refreshed the session")
	}

	res, _ = env.Client.ReauthenticateWithResponse(ctx, client.ReauthenticateRequest{Password: &acc.Password}, apitest.Bearer(reg.AccessToken))
	if res.JSON200 == nil {
		t.Fatalf("reauthenticate: %d %s", res.StatusCode(), res.Body)
	}
	if d := res.JSON200.ValidUntil.Sub(res.JSON200.AuthenticatedAt); d != 10*time.Minute {
		t.Errorf("valid for %v, want 10m", d)
	}
	if authenticatedAgo() > time.Minute {
		t.Error("the session's authentication time was not refreshed")
	}
	// A success starts the count over: three more wrong tries before the lockout.
	for range 3 {
		r, _ := env.Client.ReauthenticateWithResponse(ctx, client.ReauthenticateRequest{Password: &wrong}, apitest.Bearer(reg.AccessToken))
		apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, 422, "validation_failed")
	}
	r, _ := env.Client.ReauthenticateWithResponse(ctx, client.ReauthenticateRequest{Password: &acc.Password}, apitest.Bearer(reg.AccessToken))
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, 429, "rate_limited")

	// Without a token: 401 before anything else.
	r, _ = env.Client.ReauthenticateWithResponse(ctx, client.ReauthenticateRequest{Password: &acc.Password})
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, 401, "authentication_required")
}
