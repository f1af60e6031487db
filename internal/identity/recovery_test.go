package identity_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/config"
)

// quickRecovery shortens the recovery answer's time floor for tests.
func quickRecovery(c *config.Config) { c.Security.RecoveryResponseFloor = 10 * time.Millisecond }

var smsCode = regexp.MustCompile(`\b(\d{6})\b`)

func TestPasswordResetByEmailLink(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, quickRecovery)
	ctx := context.Background()
	acc := apitest.NewAccount()
	reg := apitest.Register(t, env, acc)
	other := apitest.SignInAs(t, env, acc, true, "Other-Device")
	email := string(reg.User.Email)
	token := apitest.ResetToken(t, env, email)
	msg, _ := apitest.LastMessage(t, env, "password_reset", email)
	if msg.Subject != "Восстановление пароля" || !strings.Contains(msg.Text, "24 ч.") ||
		!strings.HasPrefix(apitest.ResetLinkToken.FindString(msg.Text), "/reset-password#token=") ||
		!strings.Contains(msg.Text, "http://127.0.0.1:8080/reset-password#token="+token) {
		t.Errorf("reset e-mail: %+v", msg)
	}
	var stored int
	if err := env.Pool.QueryRow(ctx, "SELECT count(*) FROM one_time_codes WHERE position($1::bytea IN code_hash) > 0", []byte(token)).Scan(&stored); err != nil || stored != 0 {
		t.Fatalf("the token is stored in clear (%d, %v)", stored, err)
	}

	// A weak password is refused and leaves the link usable.
	res := apitest.ResetPassword(t, env, client.PasswordResetRequest{Token: &token, NewPassword: "password"})
	p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "newPassword:missing_uppercase") {
		t.Errorf("fields = %v", apitest.Fields(p))
	}
	const next = "N3w-Str0ng-Passw0rd"
	res = apitest.ResetPassword(t, env, client.PasswordResetRequest{Token: &token, NewPassword: next})
	if res.StatusCode() != http.StatusNoContent {
		t.Fatalf("reset: %d %s", res.StatusCode(), res.Body)
	}

	// Every session ended; only the new password signs in.
	for _, tok := range []*client.AuthResponse{reg, other} {
		me := apitest.GetMe(t, env, tok.AccessToken)
		apitest.ProblemOf(t, me.StatusCode(), me.HTTPResponse.Header, me.Body, 401, "session_ended")
		ref, _ := env.Client.RefreshTokensWithResponse(ctx, client.RefreshRequest{RefreshToken: tok.RefreshToken})
		apitest.ProblemOf(t, ref.StatusCode(), ref.HTTPResponse.Header, ref.Body, 401, "session_ended")
	}
	if r := apitest.Login(t, env, email, acc.Password, false); r.StatusCode() != 401 {
		t.Errorf("the old password still signs in: %d", r.StatusCode())
	}
	r := apitest.Login(t, env, email, next, false)
	if r.JSON200 == nil {
		t.Fatalf("the new password does not sign in: %d %s", r.StatusCode(), r.Body)
	}
	if !r.JSON200.User.EmailVerified {
		t.Error("following the e-mailed link should confirm the e-mail")
	}
	notice, ok := apitest.LastMessage(t, env, "password_changed", email)
	if !ok || notice.Subject != "Пароль изменён" || !strings.Contains(notice.Text, "восстановлен") {
		t.Errorf("notice = %+v", notice)
	}
	if got := auditEvents(t, env, acc); countOf(got, "password_reset_requested") != 1 || countOf(got, "password_reset") != 1 {
		t.Errorf("audit = %v", got)
	}

	// The link works once.
	res = apitest.ResetPassword(t, env, client.PasswordResetRequest{Token: &token, NewPassword: "An0ther-Passw0rd"})
	p = apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "reset_code_invalid")
	if !apitest.Contains(apitest.Fields(p), "token:invalid") {
		t.Errorf("fields = %v", apitest.Fields(p))
	}
}

func TestPasswordResetLinkAbuse(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, quickRecovery)
	ctx := context.Background()
	reg := apitest.Register(t, env, apitest.NewAccount())
	email := string(reg.User.Email)
	const next = "N3w-Str0ng-Passw0rd"

	first := apitest.ResetToken(t, env, email)
	second := apitest.ResetToken(t, env, email)
	tampered := second[:len(second)-1] + map[bool]string{true: "B", false: "A"}[strings.HasSuffix(second, "A")]
	for name, tok := range map[string]string{"replaced by a newer link": first, "tampered": tampered, "made up": "NOTATOKEN"} {
		res := apitest.ResetPassword(t, env, client.PasswordResetRequest{Token: &tok, NewPassword: next})
		if res.StatusCode() != 422 || !strings.Contains(string(res.Body), `"reset_code_invalid"`) {
			t.Errorf("%s: %d %s", name, res.StatusCode(), res.Body)
		}
	}
	// After 24 hours the link is dead: the user simply asks again.
	if _, err := env.Pool.Exec(ctx, "UPDATE one_time_codes SET expires_at = now() - interval '1 second'"); err != nil {
		t.Fatal(err)
	}
	res := apitest.ResetPassword(t, env, client.PasswordResetRequest{Token: &second, NewPassword: next})
	p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "reset_code_expired")
	if !apitest.Contains(apitest.Fields(p), "token:expired") {
		t.Errorf("fields = %v", apitest.Fields(p))
	}
	if me := apitest.GetMe(t, env, reg.AccessToken); me.JSON200 == nil {
		t.Error("a refused reset ended the session")
	}
	third := apitest.ResetToken(t, env, email)
	if res := apitest.ResetPassword(t, env, client.PasswordResetRequest{Token: &third, NewPassword: next}); res.StatusCode() != http.StatusNoContent {
		t.Fatalf("reset with a fresh link: %d %s", res.StatusCode(), res.Body)
	}
}

func TestPasswordResetBySMS(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, quickRecovery)
	ctx := context.Background()
	acc := apitest.NewAccount()
	acc.Locale = ptrTo(client.En)
	reg := apitest.Register(t, env, acc)
	phone := *reg.User.Phone

	// Codes go only to a confirmed phone.
	if res := apitest.Forgot(t, env, client.PasswordForgotRequest{Phone: &acc.Phone}); res.StatusCode() != http.StatusAccepted {
		t.Fatalf("forgot: %d %s", res.StatusCode(), res.Body)
	}
	if _, ok := apitest.LastMessage(t, env, "password_reset_sms", phone); ok {
		t.Fatal("a code was sent to an unconfirmed phone")
	}
	if _, err := env.Pool.Exec(ctx, "UPDATE users SET phone_verified_at = now()"); err != nil {
		t.Fatal(err)
	}
	// Any common notation of the number works.
	written := "8" + phone[2:]
	if res := apitest.Forgot(t, env, client.PasswordForgotRequest{Phone: &written}); res.StatusCode() != http.StatusAccepted {
		t.Fatalf("forgot: %d %s", res.StatusCode(), res.Body)
	}
	msg, ok := apitest.LastMessage(t, env, "password_reset_sms", phone)
	m := smsCode.FindStringSubmatch(msg.Text)
	if !ok || m == nil || !strings.Contains(msg.Text, "15 minutes") {
		t.Fatalf("SMS = %+v", msg)
	}
	code := m[1]
	wrong := map[bool]string{true: "000001", false: "000000"}[code == "000000"]

	res := apitest.ResetPassword(t, env, client.PasswordResetRequest{Phone: &acc.Phone, Code: &wrong, NewPassword: "N3w-Str0ng-Passw0rd"})
	p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "reset_code_invalid")
	if !apitest.Contains(apitest.Fields(p), "code:invalid") {
		t.Errorf("fields = %v", apitest.Fields(p))
	}
	res = apitest.ResetPassword(t, env, client.PasswordResetRequest{Phone: &acc.Phone, Code: &code, NewPassword: "N3w-Str0ng-Passw0rd"})
	if res.StatusCode() != http.StatusNoContent {
		t.Fatalf("reset: %d %s", res.StatusCode(), res.Body)
	}
	me := apitest.GetMe(t, env, reg.AccessToken)
	apitest.ProblemOf(t, me.StatusCode(), me.HTTPResponse.Header, me.Body, 401, "session_ended")
	if r := apitest.Login(t, env, phone, "N3w-Str0ng-Passw0rd", false); r.JSON200 == nil {
		t.Fatalf("sign in with the new password: %d %s", r.StatusCode(), r.Body)
	}
	if notice, ok := apitest.LastMessage(t, env, "password_changed", string(reg.User.Email)); !ok || !strings.Contains(notice.Text, "reset") {
		t.Errorf("notice = %+v", notice)
	}
	// The code was consumed.
	res = apitest.ResetPassword(t, env, client.PasswordResetRequest{Phone: &acc.Phone, Code: &code, NewPassword: "An0ther-Passw0rd"})
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "reset_code_invalid")
}

func TestPasswordResetCodeAllowsAHandfulOfAttempts(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, quickRecovery)
	ctx := context.Background()
	acc := apitest.NewAccount()
	reg := apitest.Register(t, env, acc)
	if _, err := env.Pool.Exec(ctx, "UPDATE users SET phone_verified_at = now()"); err != nil {
		t.Fatal(err)
	}
	apitest.Forgot(t, env, client.PasswordForgotRequest{Phone: &acc.Phone})
	msg, _ := apitest.LastMessage(t, env, "password_reset_sms", *reg.User.Phone)
	code := smsCode.FindStringSubmatch(msg.Text)[1]
	wrong := map[bool]string{true: "000001", false: "000000"}[code == "000000"]
	for range 5 {
		res := apitest.ResetPassword(t, env, client.PasswordResetRequest{Phone: &acc.Phone, Code: &wrong, NewPassword: "N3w-Str0ng-Passw0rd"})
		apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "reset_code_invalid")
	}
	// Out of attempts: even the right code is refused, alike.
	res := apitest.ResetPassword(t, env, client.PasswordResetRequest{Phone: &acc.Phone, Code: &code, NewPassword: "N3w-Str0ng-Passw0rd"})
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "reset_code_invalid")
	if r := apitest.Login(t, env, string(acc.Email), acc.Password, false); r.JSON200 == nil {
		t.Fatal("the password changed")
	}
}

func TestPasswordResetRevealsNoAccounts(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, quickRecovery)
	ctx := context.Background()
	acc := apitest.NewAccount()
	reg := apitest.Register(t, env, acc)
	if _, err := env.Pool.Exec(ctx, "UPDATE users SET phone_verified_at = now()"); err != nil {
		t.Fatal(err)
	}
	known, unknown := openapi_types.Email(reg.User.Email), openapi_types.Email("nobody@example.org")
	unknownPhone := "+7 921 999-99-99"

	var answers []string
	for _, body := range []client.PasswordForgotRequest{{Email: &known}, {Email: &unknown}, {Phone: &acc.Phone}, {Phone: &unknownPhone}} {
		res := apitest.Forgot(t, env, body)
		answers = append(answers, res.Status()+"|"+string(res.Body)+"|"+res.HTTPResponse.Header.Get("Content-Type"))
	}
	for _, a := range answers {
		if a != answers[0] || !strings.HasPrefix(a, "202") {
			t.Errorf("answers differ: %q", answers)
			break
		}
	}
	if n := apitest.CountRows(t, env, "outbox WHERE template LIKE 'password_reset%'"); n != 2 {
		t.Errorf("%d reset messages, want 2 (only the real account's)", n)
	}

	// A code for an unknown phone is refused exactly like a wrong one.
	wrong := "123456"
	var refusals []string
	for _, ph := range []string{acc.Phone, unknownPhone} {
		res := apitest.ResetPassword(t, env, client.PasswordResetRequest{Phone: &ph, Code: &wrong, NewPassword: "N3w-Str0ng-Passw0rd"})
		p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "reset_code_invalid")
		refusals = append(refusals, p.Title+"|"+*p.Detail+"|"+strings.Join(apitest.Fields(p), ","))
	}
	if refusals[0] != refusals[1] {
		t.Errorf("refusals differ: %q", refusals)
	}
}

func TestPasswordResetRejectsBadInput(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, quickRecovery)
	tok, phone, code, badPhone := "SOMETOKEN", "+79211234567", "123456", "12345"
	for name, tc := range map[string]struct {
		body   client.PasswordResetRequest
		fields []string
	}{
		"nothing":            {client.PasswordResetRequest{NewPassword: "x"}, []string{"token:required"}},
		"token and phone":    {client.PasswordResetRequest{Token: &tok, Phone: &phone, Code: &code, NewPassword: "x"}, []string{"token:exclusive"}},
		"phone without code": {client.PasswordResetRequest{Phone: &phone, NewPassword: "x"}, []string{"code:required"}},
		"code without phone": {client.PasswordResetRequest{Code: &code, NewPassword: "x"}, []string{"phone:required"}},
		"not a phone":        {client.PasswordResetRequest{Phone: &badPhone, Code: &code, NewPassword: "x"}, []string{"phone:invalid_format"}},
	} {
		res := apitest.ResetPassword(t, env, tc.body)
		p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "validation_failed")
		if !apitest.Contains(apitest.Fields(p), tc.fields...) {
			t.Errorf("%s: fields = %v, want %v", name, apitest.Fields(p), tc.fields)
		}
	}
	email := openapi_types.Email("a@example.org")
	for name, tc := range map[string]struct {
		body   client.PasswordForgotRequest
		fields []string
	}{
		"neither":   {client.PasswordForgotRequest{}, []string{"email:exactly_one", "phone:exactly_one"}},
		"both":      {client.PasswordForgotRequest{Email: &email, Phone: &phone}, []string{"email:exactly_one"}},
		"bad phone": {client.PasswordForgotRequest{Phone: &badPhone}, []string{"phone:invalid_format"}},
	} {
		res := apitest.Forgot(t, env, tc.body)
		p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "validation_failed")
		if !apitest.Contains(apitest.Fields(p), tc.fields...) {
			t.Errorf("%s: fields = %v, want %v", name, apitest.Fields(p), tc.fields)
		}
	}
	res, err := env.Client.RequestPasswordResetWithBodyWithResponse(context.Background(), "application/json", strings.NewReader(`{"email":"not-an-email"}`))
	if err != nil {
		t.Fatal(err)
	}
	p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "email:invalid_format") {
		t.Errorf("fields = %v", apitest.Fields(p))
	}
}

func TestPasswordRecoveryIsRateLimited(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, quickRecovery, func(c *config.Config) {
		c.TrustProxyHeaders = true
		c.Security.Limits.RecoveryTarget = config.Limit{Max: 2, Period: time.Minute}
		c.Security.Limits.RecoveryIP = config.Limit{Max: 6, Period: time.Minute}
	})
	reg := apitest.Register(t, env, apitest.NewAccount())
	known, unknown := openapi_types.Email(reg.User.Email), openapi_types.Email("nobody@example.org")

	// Per address, known or not: the third request within the period waits.
	for _, e := range []*openapi_types.Email{&known, &unknown} {
		for i := range 3 {
			res := apitest.Forgot(t, env, client.PasswordForgotRequest{Email: e}, viaIP("203.0.113.1"))
			if i < 2 && res.StatusCode() != http.StatusAccepted {
				t.Fatalf("%s request %d: %d %s", *e, i, res.StatusCode(), res.Body)
			}
			if i == 2 {
				apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 429, "rate_limited")
				if res.HTTPResponse.Header.Get("Retry-After") == "" {
					t.Error("no Retry-After")
				}
			}
		}
	}
	if n := apitest.CountRows(t, env, "outbox WHERE template = 'password_reset'"); n != 2 {
		t.Errorf("%d reset e-mails, want 2", n)
	}
	// Per IP: 203.0.113.1 has used its 6 attempts; another IP address still may ask.
	other := openapi_types.Email("someone@example.org")
	res := apitest.Forgot(t, env, client.PasswordForgotRequest{Email: &other}, viaIP("203.0.113.1"))
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 429, "rate_limited")
	if res := apitest.Forgot(t, env, client.PasswordForgotRequest{Email: &other}, viaIP("198.51.100.2")); res.StatusCode() != http.StatusAccepted {
		t.Errorf("another IP: %d %s", res.StatusCode(), res.Body)
	}
}
