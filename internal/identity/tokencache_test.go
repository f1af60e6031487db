package identity_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"net/http"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/auth"
)

// Access tokens are verified once and then served from the issuer's cache;
// these tests prove that the cached path still refuses what it must.

// usedTwice calls GET /me twice with token on env, so that the second call
// is served from the cache, and checks that it was.
func usedTwice(t *testing.T, env *apitest.Env, token string) {
	t.Helper()
	for range 2 {
		if me := apitest.GetMe(t, env, token); me.JSON200 == nil {
			t.Fatalf("GET /me: %d %s", me.StatusCode(), me.Body)
		}
	}
	if env.Issuer.CachedTokens() == 0 {
		t.Fatal("the token was not cached")
	}
}

// A revoked session's cached token fails on the next request, on the
// instance that revoked it and on another instance of the same database.
func TestCachedTokenOfRevokedSession(t *testing.T) {
	t.Parallel()
	a := apitest.New(t)
	b := a.Another(t)
	acc := apitest.NewAccount()
	reg := apitest.Register(t, a, acc)
	usedTwice(t, a, reg.AccessToken)
	usedTwice(t, b, reg.AccessToken)

	res, err := a.Client.LogoutWithResponse(context.Background(), apitest.Bearer(reg.AccessToken))
	if err != nil || res.StatusCode() != http.StatusNoContent {
		t.Fatalf("logout: %v %d %s", err, res.StatusCode(), res.Body)
	}
	for name, env := range map[string]*apitest.Env{"same instance": a, "other instance": b} {
		me := apitest.GetMe(t, env, reg.AccessToken)
		if me.StatusCode() != http.StatusUnauthorized {
			t.Fatalf("%s: GET /me after logout = %d", name, me.StatusCode())
		}
		apitest.ProblemOf(t, me.StatusCode(), me.HTTPResponse.Header, me.Body, 401, "session_ended")
	}

	// A session revoked from another session, seen by the other instance;
	// the caller's own session goes on working there.
	s1 := apitest.SignInAs(t, a, acc, false, "Browser-1")
	s2 := apitest.SignInAs(t, a, acc, false, "Browser-2")
	usedTwice(t, b, s1.AccessToken)
	usedTwice(t, b, s2.AccessToken)
	var id client.Session
	for _, it := range listSessions(t, a, s2.AccessToken, nil).JSON200.Items {
		if it.UserAgent == "Browser-1" {
			id = it
		}
	}
	rv, err := a.Client.RevokeSessionWithResponse(context.Background(), id.ID, apitest.Bearer(s2.AccessToken))
	if err != nil || rv.StatusCode() != http.StatusNoContent {
		t.Fatalf("revoke: %v %d %s", err, rv.StatusCode(), rv.Body)
	}
	me := apitest.GetMe(t, b, s1.AccessToken)
	apitest.ProblemOf(t, me.StatusCode(), me.HTTPResponse.Header, me.Body, 401, "session_ended")
	if me := apitest.GetMe(t, b, s2.AccessToken); me.JSON200 == nil {
		t.Fatalf("the other session: %d %s", me.StatusCode(), me.Body)
	}
}

// A cached token stops at its expiry (plus the 30 s leeway).
func TestCachedTokenExpires(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	reg := apitest.Register(t, env, apitest.NewAccount())
	usedTwice(t, env, reg.AccessToken)

	env.Issuer.SetClock(func() time.Time { return time.Now().Add(env.Config.AccessTokenTTL + 20*time.Second) })
	if me := apitest.GetMe(t, env, reg.AccessToken); me.JSON200 == nil {
		t.Fatalf("within the leeway: %d %s", me.StatusCode(), me.Body)
	}
	env.Issuer.SetClock(func() time.Time { return time.Now().Add(env.Config.AccessTokenTTL + 31*time.Second) })
	me := apitest.GetMe(t, env, reg.AccessToken)
	apitest.ProblemOf(t, me.StatusCode(), me.HTTPResponse.Header, me.Body, 401, "token_expired")
	env.Issuer.SetClock(time.Now)
}

// A key rotation: an instance that trusts the previous key accepts (and
// caches) its tokens; once that key is retired they are refused, and an
// instance that never trusted it refuses them too.
func TestCachedTokenOfRetiredKey(t *testing.T) {
	t.Parallel()
	old := apitest.New(t)
	reg := apitest.Register(t, old, apitest.NewAccount())

	_, newKey, _ := ed25519.GenerateKey(rand.Reader)
	rotated := apitest.NewWithKeys(t, old.Pool, old.Config, newKey, old.Key.Public().(ed25519.PublicKey))
	usedTwice(t, rotated, reg.AccessToken)

	if err := rotated.Issuer.RetireKey(old.Issuer.KeyID()); err != nil {
		t.Fatal(err)
	}
	me := apitest.GetMe(t, rotated, reg.AccessToken)
	apitest.ProblemOf(t, me.StatusCode(), me.HTTPResponse.Header, me.Body, 401, "invalid_token")

	fresh := apitest.NewWithKeys(t, old.Pool, old.Config, newKey)
	me = apitest.GetMe(t, fresh, reg.AccessToken)
	apitest.ProblemOf(t, me.StatusCode(), me.HTTPResponse.Header, me.Body, 401, "invalid_token")
	// The old instance itself still accepts its own key's token.
	if me := apitest.GetMe(t, old, reg.AccessToken); me.JSON200 == nil {
		t.Fatalf("the old instance: %d", me.StatusCode())
	}
}

// The one-statement refresh keeps the session's "remember me" lifetime, and
// GET /me (one query) shows the memberships and certificate warnings as
// before (certificates_test.go and totp_org_test.go check their content).
func TestRefreshKeepsRememberMe(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	acc := apitest.NewAccount()
	apitest.Register(t, env, acc)
	for _, remember := range []bool{false, true} {
		lg := apitest.Login(t, env, string(acc.Email), acc.Password, remember)
		if lg.JSON200 == nil {
			t.Fatalf("login: %d %s", lg.StatusCode(), lg.Body)
		}
		want := env.Config.RefreshTTL
		if remember {
			want = env.Config.RefreshRememberTTL
		}
		res, err := env.Client.RefreshTokensWithResponse(context.Background(), client.RefreshRequest{RefreshToken: lg.JSON200.RefreshToken})
		if err != nil || res.JSON200 == nil {
			t.Fatalf("refresh: %v %s", err, res.Body)
		}
		if got := time.Until(res.JSON200.RefreshTokenExpiresAt); got < want-time.Minute || got > want+time.Minute || res.JSON200.RememberMe != remember {
			t.Errorf("remember=%v: the new refresh token lives %v (rememberMe %v), want about %v", remember, got, res.JSON200.RememberMe, want)
		}
		var sessionLeft time.Duration
		if err := env.Pool.QueryRow(context.Background(), `SELECT s.expires_at - now() FROM sessions s JOIN refresh_tokens rt ON rt.session_id = s.id
			WHERE rt.token_hash = $1`, auth.HashRefreshToken(res.JSON200.RefreshToken)).Scan(&sessionLeft); err != nil {
			t.Fatal(err)
		}
		if sessionLeft < want-time.Minute || sessionLeft > want+time.Minute {
			t.Errorf("remember=%v: the session lives %v more, want about %v", remember, sessionLeft, want)
		}
		if me := apitest.GetMe(t, env, res.JSON200.AccessToken); me.JSON200 == nil || len(me.JSON200.Memberships) != 1 {
			t.Fatalf("GET /me with the refreshed token: %d %s", me.StatusCode(), me.Body)
		}
	}
}
