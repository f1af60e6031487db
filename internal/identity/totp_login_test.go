package identity_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

func TestLoginWithSecondFactor(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	u := apitest.EnrolledUser(t, env) // the confirmation used the current apitest.Step's code
	confirmCode := apitest.CodeAt(t, u.Secret, u.Last)

	// A wrong password is still a plain 401: no challenge reveals the second factor.
	if res := apitest.Login(t, env, u.Email(), "Wr0ng-Passw0rd", false); res.StatusCode() != http.StatusUnauthorized {
		t.Fatalf("wrong password: %d %s", res.StatusCode(), res.Body)
	}

	res := apitest.Login(t, env, u.Email(), u.Acc.Password, true)
	if res.JSON202 == nil || res.JSON200 != nil {
		t.Fatalf("login: %d %s; want 202 with a challenge", res.StatusCode(), res.Body)
	}
	ch := res.JSON202
	if !strings.HasPrefix(ch.ChallengeToken, "sfc_") || !slices.Equal(ch.Methods, []client.SecondFactorChallengeMethods{"totp", "recovery_code"}) {
		t.Errorf("challenge = %+v", ch)
	}
	if d := time.Until(ch.ExpiresAt); d < 4*time.Minute || d > 5*time.Minute+time.Second {
		t.Errorf("the challenge expires in %v, want 5 minutes", d)
	}

	// The code that confirmed the enrolment was used: replaying it fails.
	r := apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: ch.ChallengeToken, Code: &confirmCode})
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusUnauthorized, "invalid_second_factor")

	code := u.NextCode(t)
	r = apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: ch.ChallengeToken, Code: &code})
	if r.JSON200 == nil {
		t.Fatalf("second factor: %d %s", r.StatusCode(), r.Body)
	}
	if r.JSON200.User.ID != u.ID() || r.JSON200.AccessToken == "" {
		t.Fatalf("signed in as %+v", r.JSON200.User)
	}
	// rememberMe chosen at apitest.Login carries over to the session.
	if d := time.Until(r.JSON200.RefreshTokenExpiresAt); d < 29*24*time.Hour {
		t.Errorf("refresh token expires in %v; rememberMe asked for 30 days", d)
	}
	if me := apitest.GetMe(t, env, r.JSON200.AccessToken); me.JSON200 == nil {
		t.Fatalf("GET /me with the new token: %d", me.StatusCode())
	}

	// The challenge works once.
	next := u.WrongCode(t)
	r = apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: ch.ChallengeToken, Code: &next})
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusUnauthorized, "invalid_challenge")

	// The same code is refused in a new sign-in: no replay within its window.
	ch2 := u.Challenge(t, env, false)
	r = apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: ch2, Code: &code})
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusUnauthorized, "invalid_second_factor")

	// A tampered or unknown token.
	r = apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: ch2 + "x", Code: &code})
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusUnauthorized, "invalid_challenge")

	// Exactly one of code and recoveryCode.
	r = apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: ch2})
	p := apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "code:required") {
		t.Errorf("fields = %v", apitest.Fields(p))
	}
	r = apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: ch2, Code: &code, RecoveryCode: &u.Codes[0]})
	p = apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "recoveryCode:conflict") {
		t.Errorf("fields = %v", apitest.Fields(p))
	}
	r = apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: ch2, Code: ptrTo("12")})
	p = apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "code:too_short") {
		t.Errorf("fields = %v", apitest.Fields(p))
	}

	events := apitest.TOTPAuditEvents(t, env, u.ID())
	if !apitest.Contains(events, "sign_in", "sign_in_failed") {
		t.Errorf("audit = %v", events)
	}
	var details string
	if err := env.Pool.QueryRow(ctx, "SELECT details::text FROM audit_events WHERE user_id = $1 AND event = 'sign_in' ORDER BY id DESC LIMIT 1", u.ID()).Scan(&details); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(details, `"secondFactor": "totp"`) {
		t.Errorf("sign_in details = %s", details)
	}
}

func TestLoginSecondFactorChallengeExpires(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	u := apitest.EnrolledUser(t, env)
	ch := u.Challenge(t, env, false)
	if _, err := env.Pool.Exec(context.Background(), "UPDATE second_factor_challenges SET expires_at = now() - interval '1 second'"); err != nil {
		t.Fatal(err)
	}
	r := apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: ch, Code: ptrTo(u.NextCode(t))})
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusUnauthorized, "challenge_expired")
	// The code was not spent on the expired challenge.
	u.Last--
	ch = u.Challenge(t, env, false)
	if r := apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: ch, Code: ptrTo(u.NextCode(t))}); r.JSON200 == nil {
		t.Fatalf("a fresh challenge: %d %s", r.StatusCode(), r.Body)
	}
}

func TestRecoveryCodeSignsInOnce(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	u := apitest.EnrolledUser(t, env)
	typed := strings.ToUpper(strings.ReplaceAll(u.Codes[2], "-", " "))

	ch := u.Challenge(t, env, false)
	r := apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: ch, RecoveryCode: &typed, RememberMe: ptrTo(true)})
	if r.JSON200 == nil {
		t.Fatalf("recovery code: %d %s", r.StatusCode(), r.Body)
	}
	// rememberMe at the second apitest.Step overrides the apitest.Login's choice.
	if d := time.Until(r.JSON200.RefreshTokenExpiresAt); d < 29*24*time.Hour {
		t.Errorf("refresh token expires in %v; rememberMe asked for 30 days", d)
	}

	ch = u.Challenge(t, env, false)
	r = apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: ch, RecoveryCode: &u.Codes[2]})
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusUnauthorized, "invalid_second_factor")
	// A recovery code is not an authenticator code, and vice versa.
	r = apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: ch, Code: ptrTo(strings.ReplaceAll(u.Codes[3], "-", ""))})
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusUnauthorized, "invalid_second_factor")
	r = apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: ch, RecoveryCode: &u.Codes[3]})
	if r.JSON200 == nil {
		t.Fatalf("another recovery code: %d %s", r.StatusCode(), r.Body)
	}

	st, err := env.Client.GetTotpStatusWithResponse(ctx, apitest.Bearer(r.JSON200.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	if st.JSON200 == nil || st.JSON200.RecoveryCodesRemaining != 8 {
		t.Fatalf("status: %d %s; want 8 recovery codes left", st.StatusCode(), st.Body)
	}
}

func TestLoginSecondFactorAttemptLimits(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	u := apitest.EnrolledUser(t, env)
	wrong := u.WrongCode(t)

	// Five wrong codes end a challenge, even for a right code afterwards.
	ch := u.Challenge(t, env, false)
	for i := 1; i <= 5; i++ {
		r := apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: ch, Code: &wrong})
		want := "invalid_second_factor"
		if i == 5 {
			want = "invalid_challenge"
		}
		apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusUnauthorized, want)
	}
	r := apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: ch, RecoveryCode: &u.Codes[0]})
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusUnauthorized, "invalid_challenge")

	// Ten wrong codes per account lock the second apitest.Step for 15 minutes, with
	// any challenge, even with a right code.
	ch = u.Challenge(t, env, false)
	for range 4 {
		r = apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: ch, Code: &wrong})
		apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusUnauthorized, "invalid_second_factor")
	}
	ch = u.Challenge(t, env, false)
	r = apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: ch, Code: &wrong})
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusUnauthorized, "invalid_second_factor")
	r = apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: ch, RecoveryCode: &u.Codes[0]})
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusTooManyRequests, "rate_limited")
	if ra := r.HTTPResponse.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After = %q", ra)
	}
	// The lockout also covers the other code-checking endpoints of the account.
	re, err := env.Client.ReauthenticateSecondFactorWithResponse(ctx, client.TotpCodeRequest{Code: u.Codes[0]}, u.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, re.StatusCode(), re.HTTPResponse.Header, re.Body, http.StatusTooManyRequests, "rate_limited")
	if got := apitest.TOTPAuditEvents(t, env, u.ID()); countOf(got, "locked_out") != 1 {
		t.Errorf("audit = %v, want one locked_out", got)
	}

	// When the window is over, the right code works (the refused attempts
	// did not use the challenge up).
	if _, err := env.Pool.Exec(ctx, "UPDATE rate_limits SET window_start = now() - interval '1 hour', locked_until = now() - interval '1 second' WHERE key LIKE 'second_factor:account:%'"); err != nil {
		t.Fatal(err)
	}
	r = apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: ch, RecoveryCode: &u.Codes[0]})
	if r.JSON200 == nil {
		t.Fatalf("after the lockout: %d %s", r.StatusCode(), r.Body)
	}
}

func TestLoginSecondFactorOfABlockedAccount(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	u := apitest.EnrolledUser(t, env)
	ch := u.Challenge(t, env, false)
	if _, err := env.Pool.Exec(context.Background(), "UPDATE users SET status = 'blocked' WHERE id = $1", u.ID()); err != nil {
		t.Fatal(err)
	}
	r := apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: ch, Code: ptrTo(u.NextCode(t))})
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusForbidden, "account_blocked")
}

func TestLoginSecondFactorIsLimitedPerAddress(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	// Guessing challenge tokens from one address: 50 tries per 15 minutes.
	for i := range 50 {
		r := apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: "sfc_guess" + apitest.Itoa(int64(i)), Code: ptrTo("123456")})
		apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusUnauthorized, "invalid_challenge")
	}
	r := apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: "sfc_guess", Code: ptrTo("123456")})
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusTooManyRequests, "rate_limited")
	if ra := r.HTTPResponse.Header.Get("Retry-After"); ra == "" || ra == "0" {
		t.Errorf("Retry-After = %q", ra)
	}
	if n := apitest.CountRows(t, env, "audit_events WHERE event = 'locked_out' AND details->>'limit' = 'second_factor:ip'"); n != 1 {
		t.Errorf("%d locked_out events for the address, want 1", n)
	}
}

func TestSecondFactorChallengeDiesWithThePassword(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, quickRecovery)
	ctx := context.Background()
	u := apitest.EnrolledUser(t, env)

	// A challenge earned with the old password is not redeemed after a change…
	ch := u.Challenge(t, env, false)
	const changed = "Ch4nged-Passw0rd"
	res, err := env.Client.ChangePasswordWithResponse(ctx, client.ChangePasswordRequest{CurrentPassword: u.Acc.Password, NewPassword: changed}, u.Bearer())
	if err != nil || res.StatusCode() != http.StatusNoContent {
		t.Fatalf("change password: %v %d", err, res.StatusCode())
	}
	r := apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: ch, RecoveryCode: &u.Codes[0]})
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusUnauthorized, "invalid_challenge")

	// …nor after a reset.
	u.Acc.Password = changed
	ch = u.Challenge(t, env, false)
	const reset = "R3set-Passw0rd"
	token := apitest.ResetToken(t, env, u.Email())
	if res := apitest.ResetPassword(t, env, client.PasswordResetRequest{Token: &token, NewPassword: reset}); res.StatusCode() != http.StatusNoContent {
		t.Fatalf("reset: %d %s", res.StatusCode(), res.Body)
	}
	r = apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: ch, RecoveryCode: &u.Codes[0]})
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusUnauthorized, "invalid_challenge")

	// The new password earns a challenge that works.
	u.Acc.Password = reset
	ch = u.Challenge(t, env, false)
	if r := apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: ch, RecoveryCode: &u.Codes[0]}); r.JSON200 == nil {
		t.Fatalf("second factor after the reset: %d %s", r.StatusCode(), r.Body)
	}
}
