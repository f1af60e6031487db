package identity_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

func TestSSOProvidersAreListed(t *testing.T) {
	t.Parallel()
	env := newSSOEnv(t)
	res, err := env.Client.ListSsoProvidersWithResponse(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON200 == nil || len(res.JSON200.Items) != 2 ||
		res.JSON200.Items[0] != (client.SsoProvider{Name: "esia", DisplayName: "Госуслуги"}) || res.JSON200.Items[1].Name != "corp" {
		t.Fatalf("providers: %d %s", res.StatusCode(), res.Body)
	}

	plain := apitest.New(t)
	res, err = plain.Client.ListSsoProvidersWithResponse(context.Background())
	if err != nil || res.JSON200 == nil || len(res.JSON200.Items) != 0 || !strings.Contains(string(res.Body), `"items":[]`) {
		t.Fatalf("without configuration: %v %s", err, res.Body)
	}
}

func TestSSOStartBuildsAnAuthorizationRequest(t *testing.T) {
	t.Parallel()
	env := newSSOEnv(t)
	u := env.start(t, "esia", false)
	if !strings.HasPrefix(u, env.idp.Issuer+"/authorize?") {
		t.Fatalf("authorization URL %s", u)
	}
	q := queryOf(t, u)
	if q.Get("response_type") != "code" || q.Get("client_id") != "kabinet-client" || q.Get("redirect_uri") != spaCallback ||
		q.Get("scope") != "openid email profile" || q.Get("code_challenge_method") != "S256" ||
		len(q.Get("code_challenge")) != 43 || len(q.Get("state")) != 43 || len(q.Get("nonce")) != 43 {
		t.Fatalf("authorization request %v", q)
	}
	// State is stored hashed; the verifier is never in the URL.
	var stored int
	if err := env.Pool.QueryRow(context.Background(),
		`SELECT count(*) FROM sso_states WHERE state_hash = sha256(convert_to($1, 'UTF8')) AND code_verifier <> $2 AND purpose = 'sign_in'`,
		q.Get("state"), q.Get("code_challenge")).Scan(&stored); err != nil || stored != 1 {
		t.Fatalf("stored states matching the hash: %d %v", stored, err)
	}
	if n := apitest.CountRows(t, env.Env, "sso_states WHERE state_hash = convert_to('"+q.Get("state")+"', 'UTF8')"); n != 0 {
		t.Fatal("the state is stored in clear")
	}
}

func TestSSOSignInCreatesAnAccount(t *testing.T) {
	t.Parallel()
	env := newSSOEnv(t)
	ctx := context.Background()
	id := newIdentity()
	id.Locale = "en-GB"
	env.idp.SignInAs(id)
	code, state := browse(t, env.start(t, "esia", true))
	res := env.callback(t, "esia", code, state)
	if res.JSON201 == nil {
		t.Fatalf("first sign-in: %d %s", res.StatusCode(), res.Body)
	}
	u := res.JSON201.User
	if string(u.Email) != strings.ToLower(id.Email) || !u.EmailVerified || u.Phone == nil || !strings.HasPrefix(*u.Phone, "+7921") ||
		!u.PhoneVerified || u.FirstName != "Иван" || u.LastName != "Петров" || u.Locale != client.En {
		t.Fatalf("new user %+v", u)
	}
	// rememberMe was chosen at start: a 30-day refresh token.
	if until := time.Until(res.JSON201.RefreshTokenExpiresAt); until < 29*24*time.Hour {
		t.Fatalf("refresh token expires in %v, want about 30 days", until)
	}
	me := apitest.GetMe(t, env.Env, res.JSON201.AccessToken)
	if me.JSON200 == nil || len(me.JSON200.Memberships) != 1 || me.JSON200.Memberships[0].Role != client.Learner ||
		!me.JSON200.Memberships[0].Organization.IsDefault {
		t.Fatalf("me: %d %s", me.StatusCode(), me.Body)
	}
	var hasPassword bool
	if err := env.Pool.QueryRow(ctx, `SELECT password_hash IS NOT NULL FROM users WHERE id = $1`, u.ID).Scan(&hasPassword); err != nil || hasPassword {
		t.Fatalf("password_hash set: %v %v", hasPassword, err)
	}
	if ev := ssoAuditEvents(t, env.Env, u.ID); !slices.Equal(ev, []string{"registered:sso", "sso_linked:sso", "sign_in:sso"}) {
		t.Fatalf("audit %v", ev)
	}
	var subject, tmpl string
	if err := env.Pool.QueryRow(ctx, `SELECT subject, template FROM outbox WHERE recipient = $1`, u.Email).Scan(&subject, &tmpl); err != nil ||
		tmpl != "sso_welcome" || subject != "Welcome to your account" {
		t.Fatalf("welcome message: %q %q %v", tmpl, subject, err)
	}
	ids, err := env.Client.ListMySsoIdentitiesWithResponse(ctx, apitest.Bearer(res.JSON201.AccessToken))
	if err != nil || ids.JSON200 == nil || len(ids.JSON200.Items) != 1 {
		t.Fatalf("identities: %v %s", err, ids.Body)
	}
	if it := ids.JSON200.Items[0]; it.Provider != "esia" || it.ProviderDisplayName != "Госуслуги" || it.Email == nil ||
		*it.Email != strings.ToLower(id.Email) || it.LastUsedAt == nil {
		t.Fatalf("identity %+v", it)
	}
	// A password sign-in is impossible: the account has none.
	if l := apitest.Login(t, env.Env, string(u.Email), "Str0ng-Passw0rd", false); l.StatusCode() != http.StatusUnauthorized {
		t.Fatalf("password login: %d", l.StatusCode())
	}
}

func TestSSOSignInToALinkedAccount(t *testing.T) {
	t.Parallel()
	env := newSSOEnv(t)
	id := newIdentity()
	first := env.signIn(t, id)
	if first.JSON201 == nil {
		t.Fatalf("first: %d %s", first.StatusCode(), first.Body)
	}
	// The provider's e-mail changed meanwhile: the link is by subject, not e-mail.
	id.Email = "new-" + id.Email
	again := env.signIn(t, id)
	if again.JSON200 == nil || again.JSON200.User.ID != first.JSON201.User.ID {
		t.Fatalf("second: %d %s", again.StatusCode(), again.Body)
	}
	// Without rememberMe the refresh token is the short one.
	if until := time.Until(again.JSON200.RefreshTokenExpiresAt); until > 25*time.Hour {
		t.Fatalf("refresh token expires in %v, want about a day", until)
	}
	if n := apitest.CountRows(t, env.Env, "users"); n != 1 {
		t.Fatalf("%d users", n)
	}
	if n := apitest.CountRows(t, env.Env, "sessions"); n != 2 {
		t.Fatalf("%d sessions", n)
	}
	if ev := ssoAuditEvents(t, env.Env, first.JSON201.User.ID); ev[len(ev)-1] != "sign_in:sso" {
		t.Fatalf("audit %v", ev)
	}
}

func TestSSOSignInNeverLinksByEmail(t *testing.T) {
	t.Parallel()
	env := newSSOEnv(t)
	acc := apitest.NewAccount()
	reg := apitest.Register(t, env.Env, acc)
	id := newIdentity()
	id.Email = strings.ToUpper(string(acc.Email)) // same address, other case
	res := env.signIn(t, id)
	p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusConflict, "sso_link_required")
	if p.Detail == nil || !strings.Contains(*p.Detail, "Госуслуги") {
		t.Fatalf("detail %v", p.Detail)
	}
	if apitest.CountRows(t, env.Env, "users") != 1 || apitest.CountRows(t, env.Env, "sso_identities") != 0 {
		t.Fatal("an account or link was made")
	}
	if ev := ssoAuditEvents(t, env.Env, reg.User.ID); ev[len(ev)-1] != "sign_in_failed:sso:sso_link_required" {
		t.Fatalf("audit %v", ev)
	}

	// After linking from the profile, the same identity signs in.
	if l := env.link(t, reg.AccessToken, env.idp, "esia", id); l.JSON201 == nil {
		t.Fatalf("link: %d %s", l.StatusCode(), l.Body)
	}
	again := env.signIn(t, id)
	if again.JSON200 == nil || again.JSON200.User.ID != reg.User.ID {
		t.Fatalf("after linking: %d %s", again.StatusCode(), again.Body)
	}
}

func TestSSOCallbackRefusesBadStates(t *testing.T) {
	t.Parallel()
	env := newSSOEnv(t)
	ctx := context.Background()
	env.idp.SignInAs(newIdentity())

	// An unknown state.
	code, _ := browse(t, env.start(t, "esia", false))
	res := env.callback(t, "esia", code, "not-a-state-we-issued")
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusBadRequest, "sso_state_invalid")

	// A used state: the replay of a successful callback.
	code, state := browse(t, env.start(t, "esia", false))
	if ok := env.callback(t, "esia", code, state); ok.JSON201 == nil {
		t.Fatalf("first use: %d %s", ok.StatusCode(), ok.Body)
	}
	calls := env.idp.TokenCalls.Load()
	res = env.callback(t, "esia", code, state)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusBadRequest, "sso_state_invalid")
	if env.idp.TokenCalls.Load() != calls {
		t.Fatal("a replayed state reached the provider")
	}

	// An expired state.
	code, state = browse(t, env.start(t, "esia", false))
	if _, err := env.Pool.Exec(ctx, `UPDATE sso_states SET expires_at = now() - interval '1 second'`); err != nil {
		t.Fatal(err)
	}
	res = env.callback(t, "esia", code, state)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusBadRequest, "sso_state_invalid")

	// A state of another provider, which is consumed all the same.
	code, state = browse(t, env.start(t, "esia", false))
	res = env.callback(t, "corp", code, state)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusBadRequest, "sso_state_invalid")
	res = env.callback(t, "esia", code, state)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusBadRequest, "sso_state_invalid")

	if n := apitest.CountRows(t, env.Env, "users"); n != 1 {
		t.Fatalf("%d users, want only the first sign-in's", n)
	}
}

// A code obtained for one authorization request and posted with the state
// of another (code injection) fails PKCE at the provider.
func TestSSOCallbackPKCEMismatchIsRefusedByTheProvider(t *testing.T) {
	t.Parallel()
	env := newSSOEnv(t)
	env.idp.SignInAs(newIdentity())
	victimCode, _ := browse(t, env.start(t, "esia", false))
	_, attackerState := browse(t, env.start(t, "esia", false))
	res := env.callback(t, "esia", victimCode, attackerState)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusBadRequest, "sso_code_rejected")
	if n := apitest.CountRows(t, env.Env, "users"); n != 0 {
		t.Fatalf("%d users", n)
	}
}

func TestSSOCallbackRefusesBadIDTokens(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		mutate func(jwt.MapClaims)
		tamper bool
	}{
		{name: "wrong nonce", mutate: func(c jwt.MapClaims) { c["nonce"] = "a-nonce-from-another-request" }},
		{name: "tampered signature", tamper: true},
		{name: "expired", mutate: func(c jwt.MapClaims) {
			c["iat"], c["exp"] = time.Now().Add(-time.Hour).Unix(), time.Now().Add(-30*time.Minute).Unix()
		}},
		{name: "wrong audience", mutate: func(c jwt.MapClaims) { c["aud"] = "another-client" }},
		{name: "wrong issuer", mutate: func(c jwt.MapClaims) { c["iss"] = "https://evil.example" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			env := newSSOEnv(t)
			env.idp.Mutate, env.idp.TamperSignature = tc.mutate, tc.tamper
			res := env.signIn(t, newIdentity())
			apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusBadRequest, "sso_token_invalid")
			if apitest.CountRows(t, env.Env, "users") != 0 || apitest.CountRows(t, env.Env, "sessions") != 0 {
				t.Fatal("an account or session was made")
			}
		})
	}
}

func TestSSOProviderFailuresAre502(t *testing.T) {
	t.Parallel()
	env := newSSOEnv(t)
	env.idp.SignInAs(newIdentity())
	for _, tc := range []struct {
		status int
		body   string
	}{
		{http.StatusInternalServerError, `{"error":"server_error"}`},
		{http.StatusUnauthorized, `{"error":"invalid_client"}`},
		{http.StatusOK, `{"access_token":"x"}`},
	} {
		code, state := browse(t, env.start(t, "esia", false))
		env.idp.TokenStatus, env.idp.TokenBody = tc.status, tc.body
		res := env.callback(t, "esia", code, state)
		p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusBadGateway, "sso_provider_error")
		if strings.Contains(string(res.Body), "invalid_client") || p.Detail == nil {
			t.Fatalf("the provider's answer leaks: %s", res.Body)
		}
		env.idp.TokenStatus = 0
	}
	// An unreachable provider fails the start.
	env.corp.Close()
	res, err := env.Client.StartSsoSignInWithResponse(context.Background(), "corp", client.SsoStartRequest{RedirectURI: spaCallback})
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusBadGateway, "sso_provider_error")
}

func TestSSOUnknownProviderAndBadInput(t *testing.T) {
	t.Parallel()
	env := newSSOEnv(t)
	ctx := context.Background()
	start, err := env.Client.StartSsoSignInWithResponse(ctx, "github", client.SsoStartRequest{RedirectURI: spaCallback})
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, start.StatusCode(), start.HTTPResponse.Header, start.Body, http.StatusNotFound, "not_found")
	cb := env.callback(t, "github", "code", "state")
	apitest.ProblemOf(t, cb.StatusCode(), cb.HTTPResponse.Header, cb.Body, http.StatusNotFound, "not_found")

	bad, err := env.Client.StartSsoSignInWithResponse(ctx, "ESIA!", client.SsoStartRequest{RedirectURI: spaCallback})
	if err != nil {
		t.Fatal(err)
	}
	p := apitest.ProblemOf(t, bad.StatusCode(), bad.HTTPResponse.Header, bad.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "path.provider:invalid_format") {
		t.Fatalf("fields %v", apitest.Fields(p))
	}
	for _, uri := range []string{"https://evil.example/steal", spaCallback + "?x=1", "https://spa.example.org/sso/callback/"} {
		res, err := env.Client.StartSsoSignInWithResponse(ctx, "esia", client.SsoStartRequest{RedirectURI: uri})
		if err != nil {
			t.Fatal(err)
		}
		p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "validation_failed")
		if !apitest.Contains(apitest.Fields(p), "redirectUri:not_allowed") {
			t.Fatalf("%s: fields %v", uri, apitest.Fields(p))
		}
	}
	empty := env.callback(t, "esia", "", "")
	p = apitest.ProblemOf(t, empty.StatusCode(), empty.HTTPResponse.Header, empty.Body, http.StatusUnprocessableEntity, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "code:too_short", "state:too_short") {
		t.Fatalf("fields %v", apitest.Fields(p))
	}
	if n := apitest.CountRows(t, env.Env, "sso_states"); n != 0 {
		t.Fatalf("%d states stored by refused starts", n)
	}
}

func TestSSOSignInOfABlockedAccount(t *testing.T) {
	t.Parallel()
	env := newSSOEnv(t)
	id := newIdentity()
	first := env.signIn(t, id)
	if first.JSON201 == nil {
		t.Fatalf("first: %s", first.Body)
	}
	if _, err := env.Pool.Exec(context.Background(), `UPDATE users SET status = 'blocked'`); err != nil {
		t.Fatal(err)
	}
	res := env.signIn(t, id)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusForbidden, "account_blocked")
}

// Closure removes the account's provider links; a sign-in that raced it and
// still found the link is refused all the same.
func TestSSOSignInOfAClosedAccount(t *testing.T) {
	t.Parallel()
	env := newSSOEnv(t)
	id := newIdentity()
	first := env.signIn(t, id)
	if first.JSON201 == nil {
		t.Fatalf("first: %s", first.Body)
	}
	if _, err := env.Pool.Exec(context.Background(), `UPDATE users SET status = 'closed'`); err != nil {
		t.Fatal(err)
	}
	res := env.signIn(t, id)
	p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusForbidden, "account_blocked")
	if p.Detail == nil || *p.Detail != "The account is closed." || res.JSON200 != nil {
		t.Errorf("detail: %v", p.Detail)
	}
}

func TestSSOSignInWithoutEmailOrWithUserinfo(t *testing.T) {
	t.Parallel()
	env := newSSOEnv(t)
	id := newIdentity()
	id.Email = ""
	res := env.signIn(t, id)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "sso_email_missing")
	if n := apitest.CountRows(t, env.Env, "users"); n != 0 {
		t.Fatalf("%d users", n)
	}

	// An address the provider has not confirmed makes no account, and does
	// not tell whether one has it (no 409 sso_link_required).
	acc := apitest.NewAccount()
	apitest.Register(t, env.Env, acc)
	for _, email := range []string{"unconfirmed@example.org", string(acc.Email)} {
		id = newIdentity()
		id.Email, id.EmailVerified = email, false
		res = env.signIn(t, id)
		apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "sso_email_missing")
	}
	if n := apitest.CountRows(t, env.Env, "users"); n != 1 {
		t.Fatalf("%d users", n)
	}

	// A provider that tells the profile only at its userinfo endpoint.
	env.idp.ClaimsInUserinfoOnly = true
	id = newIdentity()
	id.Phone = ""
	res = env.signIn(t, id)
	if res.JSON201 == nil || string(res.JSON201.User.Email) != strings.ToLower(id.Email) || res.JSON201.User.FirstName != "Иван" ||
		res.JSON201.User.Phone != nil {
		t.Fatalf("userinfo sign-in: %d %s", res.StatusCode(), res.Body)
	}
}

func TestSSOSignInNameFallbacks(t *testing.T) {
	t.Parallel()
	env := newSSOEnv(t)
	for _, tc := range []struct {
		name, given, family, wantFirst, wantLast string
	}{
		{name: "Мария Петровна Сидорова", wantFirst: "Мария", wantLast: "Петровна Сидорова"},
		{given: strings.Repeat("Я", 150), family: "Ли", wantFirst: strings.Repeat("Я", 100), wantLast: "Ли"},
		{wantFirst: "mail-local-part"},
	} {
		id := newIdentity()
		id.GivenName, id.FamilyName, id.Name = tc.given, tc.family, tc.name
		if tc.wantFirst == "mail-local-part" {
			tc.wantFirst, _, _ = strings.Cut(strings.ToLower(id.Email), "@")
		}
		res := env.signIn(t, id)
		if res.JSON201 == nil || res.JSON201.User.FirstName != tc.wantFirst || res.JSON201.User.LastName != tc.wantLast {
			t.Errorf("%+v: %d %s", tc, res.StatusCode(), res.Body)
		}
	}
}

// A phone another account uses is left out rather than failing the sign-in.
func TestSSOSignInDropsATakenPhone(t *testing.T) {
	t.Parallel()
	env := newSSOEnv(t)
	acc := apitest.NewAccount()
	apitest.Register(t, env.Env, acc)
	id := newIdentity()
	id.Phone = acc.Phone
	res := env.signIn(t, id)
	if res.JSON201 == nil || res.JSON201.User.Phone != nil || res.JSON201.User.PhoneVerified {
		t.Fatalf("sign-in: %d %s", res.StatusCode(), res.Body)
	}
}

// Two tabs finishing the first sign-in of one identity at once make one
// account; the second finds it.
func TestSSOConcurrentFirstSignIns(t *testing.T) {
	t.Parallel()
	env := newSSOEnv(t)
	env.idp.SignInAs(newIdentity())
	type cb struct{ code, state string }
	tabs := []cb{}
	for range 2 {
		c, s := browse(t, env.start(t, "esia", false))
		tabs = append(tabs, cb{c, s})
	}
	statuses := make([]int, 2)
	var wg sync.WaitGroup
	for i, tab := range tabs {
		wg.Go(func() { statuses[i] = env.callback(t, "esia", tab.code, tab.state).StatusCode() })
	}
	wg.Wait()
	slices.Sort(statuses)
	if !slices.Equal(statuses, []int{200, 201}) && !slices.Equal(statuses, []int{201, 201}) {
		t.Fatalf("statuses %v", statuses)
	}
	if apitest.CountRows(t, env.Env, "users") != 1 || apitest.CountRows(t, env.Env, "sso_identities") != 1 {
		t.Fatal("more than one account or link")
	}
}

func TestSSOStartIsRateLimited(t *testing.T) {
	t.Parallel()
	env := newSSOEnv(t)
	var last *client.StartSsoSignInResponse
	for range 61 {
		var err error
		last, err = env.Client.StartSsoSignInWithResponse(context.Background(), "esia", client.SsoStartRequest{RedirectURI: spaCallback})
		if err != nil {
			t.Fatal(err)
		}
	}
	apitest.ProblemOf(t, last.StatusCode(), last.HTTPResponse.Header, last.Body, http.StatusTooManyRequests, "rate_limited")
	if last.HTTPResponse.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
	if n := apitest.CountRows(t, env.Env, "sso_states"); n != 60 {
		t.Fatalf("%d states", n)
	}
}
