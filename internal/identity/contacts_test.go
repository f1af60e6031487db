package identity_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// contactMessage returns the newest message with template sent to recipient.
func contactMessage(t *testing.T, env *apitest.Env, recipient, template string) (subject, text string) {
	t.Helper()
	err := env.Pool.QueryRow(context.Background(),
		`SELECT subject, body_text FROM outbox WHERE recipient = $1 AND template = $2 ORDER BY id DESC LIMIT 1`,
		recipient, template).Scan(&subject, &text)
	if err != nil {
		t.Fatalf("no %s message to %s: %v", template, recipient, err)
	}
	return subject, text
}

var sixDigits = regexp.MustCompile(`\b\d{6}\b`)

// contactCodeSent returns the code of the newest confirmation sent to recipient.
func contactCodeSent(t *testing.T, env *apitest.Env, recipient string) string {
	t.Helper()
	template := "contact_code_email"
	if strings.HasPrefix(recipient, "+") {
		template = "contact_code_sms"
	}
	_, text := contactMessage(t, env, recipient, template)
	code := sixDigits.FindString(text)
	if code == "" {
		t.Fatalf("no code in %q", text)
	}
	return code
}

// makeAuthStale pretends the user's sessions signed in an hour ago.
func makeAuthStale(t *testing.T, env *apitest.Env, userID uuid.UUID) {
	t.Helper()
	if _, err := env.Pool.Exec(context.Background(),
		`UPDATE sessions SET authenticated_at = now() - interval '1 hour' WHERE user_id = $1`, userID); err != nil {
		t.Fatal(err)
	}
}

func auditCount(t *testing.T, env *apitest.Env, userID uuid.UUID, event string) int {
	t.Helper()
	var n int
	if err := env.Pool.QueryRow(context.Background(),
		`SELECT count(*) FROM audit_events WHERE user_id = $1 AND event = $2`, userID, event).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func sendEmailCode(t *testing.T, env *apitest.Env, token string) *client.SendEmailCodeResponse {
	t.Helper()
	res, err := env.Client.SendEmailCodeWithResponse(context.Background(), apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func confirmEmail(t *testing.T, env *apitest.Env, token, code string) *client.ConfirmEmailResponse {
	t.Helper()
	res, err := env.Client.ConfirmEmailWithResponse(context.Background(), client.ContactCodeRequest{Code: code}, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func confirmPhone(t *testing.T, env *apitest.Env, token, code string) *client.ConfirmPhoneResponse {
	t.Helper()
	res, err := env.Client.ConfirmPhoneWithResponse(context.Background(), client.ContactCodeRequest{Code: code}, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func changeEmail(t *testing.T, env *apitest.Env, token, email string) *client.ChangeEmailResponse {
	t.Helper()
	res, err := env.Client.ChangeEmailWithResponse(context.Background(), client.EmailChangeRequest{Email: openapi_types.Email(email)}, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func changePhone(t *testing.T, env *apitest.Env, token, phone string) *client.ChangePhoneResponse {
	t.Helper()
	res, err := env.Client.ChangePhoneWithResponse(context.Background(), client.PhoneChangeRequest{Phone: phone}, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// wrongCode returns a six-digit code that differs from code.
func wrongCode(code string) string {
	if code == "000000" {
		return "000001"
	}
	return "000000"
}

func TestConfirmEmailByCode(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	reg := apitest.Register(t, env, apitest.NewAccount())
	email := string(reg.User.Email)
	if reg.User.EmailVerified {
		t.Fatal("a new account's e-mail is already confirmed")
	}

	sent := sendEmailCode(t, env, reg.AccessToken)
	if sent.JSON202 == nil || sent.JSON202.Target != email || sent.JSON202.Change || sent.JSON202.Channel != client.ContactChallengeChannelEmail {
		t.Fatalf("send code: %d %s", sent.StatusCode(), sent.Body)
	}
	code := contactCodeSent(t, env, email)
	var stored string
	if err := env.Pool.QueryRow(context.Background(), `SELECT encode(code_hash, 'hex') FROM one_time_codes WHERE user_id = $1`, reg.User.ID).Scan(&stored); err != nil || strings.Contains(stored, code) {
		t.Fatalf("the code is not stored hashed: %q, %v", stored, err)
	}

	res := confirmEmail(t, env, reg.AccessToken, wrongCode(code))
	p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "invalid_code")
	if !apitest.Contains(apitest.Fields(p), "code:invalid_code") {
		t.Fatalf("wrong code fields: %v", apitest.Fields(p))
	}

	res = confirmEmail(t, env, reg.AccessToken, code)
	if res.JSON200 == nil || !res.JSON200.EmailVerified || string(res.JSON200.Email) != email {
		t.Fatalf("confirm: %d %s", res.StatusCode(), res.Body)
	}
	if me := apitest.GetMe(t, env, reg.AccessToken); me.JSON200 == nil || !me.JSON200.EmailVerified {
		t.Fatalf("GET /me after confirming: %s", me.Body)
	}
	if auditCount(t, env, reg.User.ID, "email_confirmed") != 1 || auditCount(t, env, reg.User.ID, "email_changed") != 0 {
		t.Fatal("audit: want one email_confirmed and no email_changed")
	}

	// A used code is dead.
	res = confirmEmail(t, env, reg.AccessToken, code)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "code_expired")
	// Nothing left to confirm.
	again := sendEmailCode(t, env, reg.AccessToken)
	apitest.ProblemOf(t, again.StatusCode(), again.HTTPResponse.Header, again.Body, http.StatusConflict, "already_confirmed")
}

func TestContactCodeAttemptsExpiryAndOwnership(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	a := apitest.Register(t, env, apitest.NewAccount())
	b := apitest.Register(t, env, apitest.NewAccount())

	// Five wrong tries kill the code, even for the right one afterwards.
	sendEmailCode(t, env, a.AccessToken)
	code := contactCodeSent(t, env, string(a.User.Email))
	for i := 1; i <= 5; i++ {
		res := confirmEmail(t, env, a.AccessToken, wrongCode(code))
		want := "invalid_code"
		if i == 5 {
			want = "too_many_attempts"
		}
		apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, want)
	}
	res := confirmEmail(t, env, a.AccessToken, code)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "too_many_attempts")

	// A new code replaces it; the old one stays dead.
	sendEmailCode(t, env, a.AccessToken)
	fresh := contactCodeSent(t, env, string(a.User.Email))
	if fresh != code {
		res = confirmEmail(t, env, a.AccessToken, code)
		apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "invalid_code")
	}

	// An expired code is refused although it is right.
	if _, err := env.Pool.Exec(ctx, `UPDATE one_time_codes SET expires_at = now() - interval '1 second' WHERE user_id = $1 AND consumed_at IS NULL`, a.User.ID); err != nil {
		t.Fatal(err)
	}
	res = confirmEmail(t, env, a.AccessToken, fresh)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "code_expired")

	// Someone else's code confirms nothing: codes belong to one account.
	sendEmailCode(t, env, a.AccessToken)
	aCode := contactCodeSent(t, env, string(a.User.Email))
	sendEmailCode(t, env, b.AccessToken)
	if contactCodeSent(t, env, string(b.User.Email)) == aCode {
		sendEmailCode(t, env, b.AccessToken) // a one-in-a-million collision: draw again
	}
	res = confirmEmail(t, env, b.AccessToken, aCode)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "invalid_code")
	if me := apitest.GetMe(t, env, b.AccessToken); me.JSON200.EmailVerified {
		t.Fatal("B's e-mail was confirmed with A's code")
	}
	// A's code still works for A.
	if res = confirmEmail(t, env, a.AccessToken, aCode); res.JSON200 == nil || !res.JSON200.EmailVerified {
		t.Fatalf("A confirms: %d %s", res.StatusCode(), res.Body)
	}

	// No token, no confirmation.
	anon, err := env.Client.ConfirmEmailWithResponse(ctx, client.ContactCodeRequest{Code: aCode})
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, anon.StatusCode(), anon.HTTPResponse.Header, anon.Body, http.StatusUnauthorized, "authentication_required")
}

func TestContactCodesAreRateLimited(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	reg := apitest.Register(t, env, apitest.NewAccount())
	for i := 1; i <= 5; i++ {
		if res := sendEmailCode(t, env, reg.AccessToken); res.JSON202 == nil {
			t.Fatalf("send #%d: %d %s", i, res.StatusCode(), res.Body)
		}
	}
	res := sendEmailCode(t, env, reg.AccessToken)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusTooManyRequests, "rate_limited")
	if res.HTTPResponse.Header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
	if n := apitest.CountRows(t, env, "outbox WHERE template = 'contact_code_email'"); n != 5 {
		t.Fatalf("%d codes were sent, want 5", n)
	}
	// The limit is per channel: the phone can still be confirmed.
	if ph, err := env.Client.SendPhoneCodeWithResponse(context.Background(), apitest.Bearer(reg.AccessToken)); err != nil || ph.JSON202 == nil {
		t.Fatalf("phone code after the e-mail limit: %v %s", err, ph.Body)
	}
	// Changing to a new address counts against the same limit.
	ch := changeEmail(t, env, reg.AccessToken, "other-"+string(reg.User.Email))
	apitest.ProblemOf(t, ch.StatusCode(), ch.HTTPResponse.Header, ch.Body, http.StatusTooManyRequests, "rate_limited")
}

func TestChangeEmail(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	acc := apitest.NewAccount()
	reg := apitest.Register(t, env, acc)
	oldEmail := string(reg.User.Email)
	newEmail := "New." + oldEmail

	res := changeEmail(t, env, reg.AccessToken, newEmail)
	if res.JSON202 == nil || res.JSON202.Target != strings.ToLower(newEmail) || !res.JSON202.Change {
		t.Fatalf("change: %d %s", res.StatusCode(), res.Body)
	}
	newEmail = strings.ToLower(newEmail)
	code := contactCodeSent(t, env, newEmail)

	// Nothing changes until the code comes back.
	if me := apitest.GetMe(t, env, reg.AccessToken); string(me.JSON200.Email) != oldEmail {
		t.Fatalf("e-mail changed before confirmation: %s", me.JSON200.Email)
	}
	if l := apitest.Login(t, env, newEmail, acc.Password, false); l.StatusCode() != http.StatusUnauthorized {
		t.Fatalf("sign-in with the unconfirmed address: %d", l.StatusCode())
	}
	// A resend goes to the pending address.
	if again := sendEmailCode(t, env, reg.AccessToken); again.JSON202 == nil || again.JSON202.Target != newEmail || !again.JSON202.Change {
		t.Fatalf("resend during a change: %d %s", again.StatusCode(), again.Body)
	}
	code = contactCodeSent(t, env, newEmail)

	conf := confirmEmail(t, env, reg.AccessToken, code)
	if conf.JSON200 == nil || string(conf.JSON200.Email) != newEmail || !conf.JSON200.EmailVerified {
		t.Fatalf("confirm change: %d %s", conf.StatusCode(), conf.Body)
	}
	// The old address is told, with the new one partly hidden.
	subject, text := contactMessage(t, env, oldEmail, "email_changed")
	if subject == "" || !strings.Contains(text, "n***@example.org") || strings.Contains(text, newEmail) {
		t.Fatalf("notice to the old address: %q %q", subject, text)
	}
	if auditCount(t, env, reg.User.ID, "email_changed") != 1 || auditCount(t, env, reg.User.ID, "email_confirmed") != 1 {
		t.Fatal("audit: want email_changed and email_confirmed")
	}
	if l := apitest.Login(t, env, newEmail, acc.Password, false); l.JSON200 == nil {
		t.Fatalf("sign-in with the new address: %d %s", l.StatusCode(), l.Body)
	}
	if l := apitest.Login(t, env, oldEmail, acc.Password, false); l.StatusCode() != http.StatusUnauthorized {
		t.Fatalf("sign-in with the old address: %d", l.StatusCode())
	}
	// The old address is free for somebody else.
	other := apitest.NewAccount()
	other.Email = openapi_types.Email(oldEmail)
	apitest.Register(t, env, other)
}

func TestChangeEmailRefusals(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	a := apitest.Register(t, env, apitest.NewAccount())
	b := apitest.Register(t, env, apitest.NewAccount())

	// Stale sign-in: reauthenticate first.
	makeAuthStale(t, env, a.User.ID)
	res := changeEmail(t, env, a.AccessToken, "fresh@example.org")
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusForbidden, "reauthentication_required")
	if _, err := env.Pool.Exec(context.Background(), `UPDATE sessions SET authenticated_at = now() WHERE user_id = $1`, a.User.ID); err != nil {
		t.Fatal(err)
	}

	// Another account's address, in any case.
	res = changeEmail(t, env, a.AccessToken, strings.ToUpper(string(b.User.Email)))
	p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusConflict, "already_exists")
	if !apitest.Contains(apitest.Fields(p), "email:taken") {
		t.Fatalf("fields: %v", apitest.Fields(p))
	}
	// Not an e-mail at all.
	res, err := env.Client.ChangeEmailWithBodyWithResponse(context.Background(), "application/json",
		strings.NewReader(`{"email": "not-an-email"}`), apitest.Bearer(a.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	p = apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "email:invalid_format") {
		t.Fatalf("fields: %v", apitest.Fields(p))
	}

	// The current, unconfirmed address: a plain confirmation.
	res = changeEmail(t, env, a.AccessToken, string(a.User.Email))
	if res.JSON202 == nil || res.JSON202.Change {
		t.Fatalf("current address: %d %s", res.StatusCode(), res.Body)
	}
	confirmEmail(t, env, a.AccessToken, contactCodeSent(t, env, string(a.User.Email)))
	res = changeEmail(t, env, a.AccessToken, string(a.User.Email))
	p = apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "email:unchanged") {
		t.Fatalf("fields: %v", apitest.Fields(p))
	}

	// Somebody registers the new address while the code travels: 409, and
	// the account keeps its e-mail.
	target := "race-" + string(a.User.Email)
	if res = changeEmail(t, env, a.AccessToken, target); res.JSON202 == nil {
		t.Fatalf("change: %d %s", res.StatusCode(), res.Body)
	}
	code := contactCodeSent(t, env, target)
	c := apitest.NewAccount()
	c.Email = openapi_types.Email(target)
	apitest.Register(t, env, c)
	conf := confirmEmail(t, env, a.AccessToken, code)
	apitest.ProblemOf(t, conf.StatusCode(), conf.HTTPResponse.Header, conf.Body, http.StatusConflict, "already_exists")
	if me := apitest.GetMe(t, env, a.AccessToken); string(me.JSON200.Email) != string(a.User.Email) || !me.JSON200.EmailVerified {
		t.Fatalf("after the lost race: %s", me.Body)
	}
	if auditCount(t, env, a.User.ID, "email_changed") != 0 {
		t.Fatal("a refused change was audited as done")
	}
}

func TestChangeAndConfirmPhone(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	acc := apitest.NewAccount()
	reg := apitest.Register(t, env, acc)
	oldPhone := *reg.User.Phone

	// Confirm the current phone by SMS.
	sent, err := env.Client.SendPhoneCodeWithResponse(context.Background(), apitest.Bearer(reg.AccessToken))
	if err != nil || sent.JSON202 == nil || sent.JSON202.Channel != client.ContactChallengeChannelSms || sent.JSON202.Target != oldPhone || sent.JSON202.Change {
		t.Fatalf("send SMS code: %v %s", err, sent.Body)
	}
	res := confirmPhone(t, env, reg.AccessToken, wrongCode(contactCodeSent(t, env, oldPhone)))
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "invalid_code")
	res = confirmPhone(t, env, reg.AccessToken, contactCodeSent(t, env, oldPhone))
	if res.JSON200 == nil || !res.JSON200.PhoneVerified || res.JSON200.EmailVerified {
		t.Fatalf("confirm phone: %d %s", res.StatusCode(), res.Body)
	}

	// Change it: written in the local notation, normalized to E.164.
	ch := changePhone(t, env, reg.AccessToken, "8 (921) 555-12-34")
	if ch.JSON202 == nil || ch.JSON202.Target != "+79215551234" || !ch.JSON202.Change {
		t.Fatalf("change phone: %d %s", ch.StatusCode(), ch.Body)
	}
	res = confirmPhone(t, env, reg.AccessToken, contactCodeSent(t, env, "+79215551234"))
	if res.JSON200 == nil || res.JSON200.Phone == nil || *res.JSON200.Phone != "+79215551234" || !res.JSON200.PhoneVerified {
		t.Fatalf("confirm new phone: %d %s", res.StatusCode(), res.Body)
	}
	_, text := contactMessage(t, env, string(reg.User.Email), "phone_changed")
	if !strings.Contains(text, "+7921*****34") {
		t.Fatalf("phone change notice: %q", text)
	}
	if auditCount(t, env, reg.User.ID, "phone_changed") != 1 || auditCount(t, env, reg.User.ID, "phone_confirmed") != 2 {
		t.Fatal("audit: want one phone_changed and two phone_confirmed")
	}
	if l := apitest.Login(t, env, "+7 921 555-12-34", acc.Password, false); l.JSON200 == nil {
		t.Fatalf("sign-in with the new phone: %d %s", l.StatusCode(), l.Body)
	}
	if l := apitest.Login(t, env, oldPhone, acc.Password, false); l.StatusCode() != http.StatusUnauthorized {
		t.Fatalf("sign-in with the old phone: %d", l.StatusCode())
	}
}

func TestChangePhoneRefusals(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	a := apitest.Register(t, env, apitest.NewAccount())
	b := apitest.Register(t, env, apitest.NewAccount())

	makeAuthStale(t, env, a.User.ID)
	res := changePhone(t, env, a.AccessToken, "+79215550000")
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusForbidden, "reauthentication_required")
	if _, err := env.Pool.Exec(context.Background(), `UPDATE sessions SET authenticated_at = now() WHERE user_id = $1`, a.User.ID); err != nil {
		t.Fatal(err)
	}

	res = changePhone(t, env, a.AccessToken, *b.User.Phone)
	p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusConflict, "already_exists")
	if !apitest.Contains(apitest.Fields(p), "phone:taken") {
		t.Fatalf("fields: %v", apitest.Fields(p))
	}
	for phone, code := range map[string]string{"+7 495 123-45-67": "not_mobile", "12345": "invalid_format"} {
		res = changePhone(t, env, a.AccessToken, phone)
		p = apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "validation_failed")
		if !apitest.Contains(apitest.Fields(p), "phone:"+code) {
			t.Fatalf("%s: fields %v", phone, apitest.Fields(p))
		}
	}

	// An account without a phone has nothing to confirm until it adds one.
	if _, err := env.Pool.Exec(context.Background(), `UPDATE users SET phone = NULL WHERE id = $1`, a.User.ID); err != nil {
		t.Fatal(err)
	}
	sent, err := env.Client.SendPhoneCodeWithResponse(context.Background(), apitest.Bearer(a.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, sent.StatusCode(), sent.HTTPResponse.Header, sent.Body, http.StatusConflict, "phone_missing")
	if res = changePhone(t, env, a.AccessToken, "+79215550001"); res.JSON202 == nil || !res.JSON202.Change {
		t.Fatalf("add a phone: %d %s", res.StatusCode(), res.Body)
	}
	conf := confirmPhone(t, env, a.AccessToken, contactCodeSent(t, env, "+79215550001"))
	if conf.JSON200 == nil || conf.JSON200.Phone == nil || *conf.JSON200.Phone != "+79215550001" {
		t.Fatalf("confirm the added phone: %d %s", conf.StatusCode(), conf.Body)
	}
}

// Many accounts cannot flood one phone with codes (SMS pumping), and the
// limiter does not keep the number in clear.
func TestContactCodesPerAddressLimit(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	const victim = "+79215559999"
	for i := 1; i <= 6; i++ {
		reg := apitest.Register(t, env, apitest.NewAccount())
		res := changePhone(t, env, reg.AccessToken, victim)
		if i <= 5 && res.JSON202 == nil {
			t.Fatalf("account #%d: %d %s", i, res.StatusCode(), res.Body)
		}
		if i == 6 {
			apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusTooManyRequests, "rate_limited")
		}
	}
	if n := apitest.CountRows(t, env, "outbox WHERE recipient = '"+victim+"'"); n != 5 {
		t.Fatalf("%d SMS to the number, want 5", n)
	}
	if n := apitest.CountRows(t, env, "rate_limits WHERE key LIKE '%9215559999%'"); n != 0 {
		t.Fatal("the rate limiter stores the phone number in clear")
	}
}
