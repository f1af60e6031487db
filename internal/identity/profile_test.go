package identity_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/config"
)

func TestProfileReadAndEdit(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	reg := apitest.Register(t, env, apitest.NewAccount())
	if reg.User.TimeZone != "Europe/Moscow" {
		t.Fatalf("default time zone = %q", reg.User.TimeZone)
	}
	got, err := env.Client.GetProfileWithResponse(ctx, apitest.Bearer(reg.AccessToken))
	if err != nil || got.JSON200 == nil || got.JSON200.ID != reg.User.ID || got.JSON200.TimeZone != "Europe/Moscow" {
		t.Fatalf("GET profile: %v %s", err, got.Body)
	}

	en := client.En
	res, err := env.Client.UpdateProfileWithResponse(ctx, client.ProfileUpdate{
		FirstName: ptrTo("  Мария "), TimeZone: ptrTo("Asia/Yekaterinburg"), Locale: &en,
	}, apitest.Bearer(reg.AccessToken))
	if err != nil || res.JSON200 == nil {
		t.Fatalf("PATCH profile: %v %s", err, res.Body)
	}
	u := res.JSON200
	if u.FirstName != "Мария" || u.LastName != reg.User.LastName || u.TimeZone != "Asia/Yekaterinburg" || u.Locale != client.En || u.Email != reg.User.Email {
		t.Fatalf("after PATCH: %+v", u)
	}
	if me := apitest.GetMe(t, env, reg.AccessToken); me.JSON200.TimeZone != "Asia/Yekaterinburg" || me.JSON200.FirstName != "Мария" {
		t.Fatalf("GET /me after PATCH: %s", me.Body)
	}
	// An empty patch changes nothing.
	res, err = env.Client.UpdateProfileWithResponse(ctx, client.ProfileUpdate{}, apitest.Bearer(reg.AccessToken))
	if err != nil || res.JSON200 == nil || res.JSON200.FirstName != "Мария" {
		t.Fatalf("empty PATCH: %v %s", err, res.Body)
	}

	for _, tc := range []struct {
		name, body string
		want       []string
	}{
		{"unknown zone", `{"timeZone": "Mars/Olympus_Mons"}`, []string{"timeZone:invalid_value"}},
		{"server's zone", `{"timeZone": "Local"}`, []string{"timeZone:invalid_value"}},
		{"path tricks", `{"timeZone": "../../etc/passwd"}`, []string{"timeZone:invalid_value"}},
		{"empty zone", `{"timeZone": ""}`, []string{"timeZone:too_short"}},
		{"blank name", `{"firstName": "   ", "lastName": " "}`, []string{"firstName:required", "lastName:required"}},
		{"bad locale", `{"locale": "de"}`, []string{"locale:invalid_value"}},
		{"email is not here", `{"email": "x@example.org"}`, []string{"email:unknown_field"}},
	} {
		res, err := env.Client.UpdateProfileWithBodyWithResponse(ctx, "application/json", strings.NewReader(tc.body), apitest.Bearer(reg.AccessToken))
		if err != nil {
			t.Fatal(err)
		}
		p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "validation_failed")
		if !apitest.Contains(apitest.Fields(p), tc.want...) {
			t.Errorf("%s: fields %v, want %v", tc.name, apitest.Fields(p), tc.want)
		}
	}
	if me := apitest.GetMe(t, env, reg.AccessToken); me.JSON200.TimeZone != "Asia/Yekaterinburg" {
		t.Fatalf("a refused PATCH changed the profile: %s", me.Body)
	}
	anon, err := env.Client.UpdateProfileWithResponse(ctx, client.ProfileUpdate{TimeZone: ptrTo("UTC")})
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, anon.StatusCode(), anon.HTTPResponse.Header, anon.Body, http.StatusUnauthorized, "authentication_required")
}

func TestNotificationPreferences(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	reg := apitest.Register(t, env, apitest.NewAccount())
	bearer := apitest.Bearer(reg.AccessToken)

	got, err := env.Client.GetNotificationPreferencesWithResponse(ctx, bearer)
	if err != nil || got.JSON200 == nil {
		t.Fatalf("GET: %v %s", err, got.Body)
	}
	if d := got.JSON200; !d.EmailNews || d.EmailMarketing || d.SmsMarketing || d.MarketingConsentAt != nil {
		t.Fatalf("defaults: %s", got.Body)
	}

	put := func(news, email, sms bool) *client.NotificationPreferences {
		t.Helper()
		res, err := env.Client.UpdateNotificationPreferencesWithResponse(ctx, client.NotificationPreferencesUpdate{
			EmailNews: news, EmailMarketing: email, SmsMarketing: sms}, bearer)
		if err != nil || res.JSON200 == nil {
			t.Fatalf("PUT: %v %s", err, res.Body)
		}
		return res.JSON200
	}
	on := put(false, true, false)
	if on.EmailNews || !on.EmailMarketing || on.MarketingConsentAt == nil {
		t.Fatalf("opt in: %+v", on)
	}
	// Keeping advertising on keeps the time of consent.
	if again := put(true, true, false); again.MarketingConsentAt == nil || !again.MarketingConsentAt.Equal(*on.MarketingConsentAt) || !again.EmailNews {
		t.Fatalf("unchanged consent: %+v, first %v", again, on.MarketingConsentAt)
	}
	if off := put(true, false, false); off.MarketingConsentAt != nil || off.EmailMarketing {
		t.Fatalf("opt out: %+v", off)
	}
	if got, _ := env.Client.GetNotificationPreferencesWithResponse(ctx, bearer); got.JSON200 == nil || got.JSON200.EmailMarketing || !got.JSON200.EmailNews {
		t.Fatalf("GET after opt-out: %s", got.Body)
	}
	// Opt-in and opt-out are audited (proof of consent); a PUT that leaves
	// advertising as it was is not.
	if n := auditCount(t, env, reg.User.ID, "marketing_consent_changed"); n != 2 {
		t.Fatalf("%d consent events, want 2", n)
	}
	// Somebody else's preferences are untouched.
	other := apitest.Register(t, env, apitest.NewAccount())
	if got, _ := env.Client.GetNotificationPreferencesWithResponse(ctx, apitest.Bearer(other.AccessToken)); got.JSON200 == nil || !got.JSON200.EmailNews {
		t.Fatalf("other user: %s", got.Body)
	}

	res, err := env.Client.UpdateNotificationPreferencesWithBodyWithResponse(ctx, "application/json", strings.NewReader(`{"emailNews": true}`), bearer)
	if err != nil {
		t.Fatal(err)
	}
	p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "emailMarketing:required", "smsMarketing:required") {
		t.Fatalf("fields: %v", apitest.Fields(p))
	}
}

func TestRegisterRefusesCommonPasswords(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	for _, pw := range []string{"Password1", "P@ssw0rd1", "Qwerty123456"} {
		acc := apitest.NewAccount()
		acc.Password = pw
		res, err := env.Client.RegisterWithResponse(context.Background(), acc)
		if err != nil {
			t.Fatal(err)
		}
		p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "validation_failed")
		if !apitest.Contains(apitest.Fields(p), "password:common_password") {
			t.Errorf("%s: fields %v", pw, apitest.Fields(p))
		}
	}
	if n := apitest.CountRows(t, env, "users"); n != 0 {
		t.Fatalf("%d users created", n)
	}

	// The check can be switched off.
	lax := apitest.New(t, func(c *config.Config) { c.Password.ForbidCommon = false })
	acc := apitest.NewAccount()
	acc.Password = "Password1"
	apitest.Register(t, lax, acc)
}

// siteverify is a captcha provider speaking the siteverify protocol.
type siteverify struct {
	mu    sync.Mutex
	calls []map[string]string
}

func (sv *siteverify) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.ParseForm() != nil {
		http.Error(w, "bad request", http.StatusBadRequest)
		return
	}
	sv.mu.Lock()
	sv.calls = append(sv.calls, map[string]string{"secret": r.PostForm.Get("secret"), "response": r.PostForm.Get("response"), "remoteip": r.PostForm.Get("remoteip")})
	sv.mu.Unlock()
	ok := r.PostForm.Get("secret") == "site-secret" && r.PostForm.Get("response") == "solved"
	codes := []string{}
	if !ok {
		codes = append(codes, "invalid-input-response")
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"success": ok, "error-codes": codes})
}

func (sv *siteverify) count() int {
	sv.mu.Lock()
	defer sv.mu.Unlock()
	return len(sv.calls)
}

func TestRegisterWithCaptcha(t *testing.T) {
	t.Parallel()
	sv := &siteverify{}
	provider := httptest.NewServer(sv)
	defer provider.Close()
	env := apitest.New(t, func(c *config.Config) {
		c.CaptchaVerifyURL, c.CaptchaSecret = provider.URL, "site-secret"
	})
	ctx := context.Background()
	try := func(acc client.RegisterRequest) *client.RegisterResponse {
		t.Helper()
		res, err := env.Client.RegisterWithResponse(ctx, acc)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}

	// No token: named with the other invalid apitest.Fields, nobody asked.
	acc := apitest.NewAccount()
	acc.Password = "short"
	res := try(acc)
	p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "captchaToken:required", "password:too_short") {
		t.Fatalf("fields: %v", apitest.Fields(p))
	}
	// A token with an otherwise invalid form is not spent.
	acc.CaptchaToken = ptrTo("solved")
	res = try(acc)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "validation_failed")
	if sv.count() != 0 {
		t.Fatalf("the provider was asked %d times about invalid forms", sv.count())
	}

	// A rejected token.
	acc = apitest.NewAccount()
	acc.CaptchaToken = ptrTo("bot")
	res = try(acc)
	p = apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "captchaToken:captcha_failed") {
		t.Fatalf("fields: %v", apitest.Fields(p))
	}
	if n := apitest.CountRows(t, env, "users"); n != 0 {
		t.Fatalf("%d users after a rejected captcha", n)
	}

	// An accepted token: the provider saw our secret and the client's IP.
	acc.CaptchaToken = ptrTo("solved")
	if res = try(acc); res.JSON201 == nil {
		t.Fatalf("accepted captcha: %d %s", res.StatusCode(), res.Body)
	}
	sv.mu.Lock()
	last := sv.calls[len(sv.calls)-1]
	sv.mu.Unlock()
	if last["secret"] != "site-secret" || last["response"] != "solved" || last["remoteip"] != "127.0.0.1" {
		t.Fatalf("the provider received %v", last)
	}

	// The provider is down: 503, and no account.
	provider.Close()
	acc = apitest.NewAccount()
	acc.CaptchaToken = ptrTo("solved")
	res = try(acc)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusServiceUnavailable, "captcha_unavailable")
	if n := apitest.CountRows(t, env, "users"); n != 1 {
		t.Fatalf("%d users, want 1", n)
	}
}

func TestRegisterCaptchaProviderFaults(t *testing.T) {
	t.Parallel()
	for name, handler := range map[string]http.HandlerFunc{
		"wrong secret": func(w http.ResponseWriter, _ *http.Request) {
			fmt.Fprint(w, `{"success": false, "error-codes": ["invalid-input-secret"]}`)
		},
		"server error": func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "oops", http.StatusBadGateway) },
		"not json":     func(w http.ResponseWriter, _ *http.Request) { fmt.Fprint(w, "<html>maintenance</html>") },
	} {
		provider := httptest.NewServer(handler)
		env := apitest.New(t, func(c *config.Config) { c.CaptchaVerifyURL, c.CaptchaSecret = provider.URL, "x" })
		acc := apitest.NewAccount()
		acc.CaptchaToken = ptrTo("solved")
		res, err := env.Client.RegisterWithResponse(context.Background(), acc)
		provider.Close()
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode() != http.StatusServiceUnavailable {
			t.Errorf("%s: %d %s, want 503", name, res.StatusCode(), res.Body)
		}
	}
}
