package identity_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/config"
)

func listSessions(t *testing.T, env *apitest.Env, token string, params *client.ListMySessionsParams) *client.ListMySessionsResponse {
	t.Helper()
	res, err := env.Client.ListMySessionsWithResponse(context.Background(), params, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestSessionsListPaginatesAndMarksTheCurrentOne(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	acc := apitest.NewAccount()
	apitest.Register(t, env, acc)
	a := apitest.SignInAs(t, env, acc, false, "Browser-A")
	b := apitest.SignInAs(t, env, acc, true, "Browser-B")
	c := apitest.SignInAs(t, env, acc, false, "Browser-C")
	// Somebody else's session never shows.
	apitest.Register(t, env, apitest.NewAccount())

	res := listSessions(t, env, b.AccessToken, nil)
	if res.JSON200 == nil {
		t.Fatalf("list: %d %s", res.StatusCode(), res.Body)
	}
	items := res.JSON200.Items
	if len(items) != 4 || res.JSON200.NextCursor != nil { // registration, A, B, C
		t.Fatalf("sessions = %+v, next %v", items, res.JSON200.NextCursor)
	}
	if items[0].UserAgent != "Browser-C" || items[1].UserAgent != "Browser-B" || items[2].UserAgent != "Browser-A" {
		t.Errorf("not newest first: %q, %q, %q", items[0].UserAgent, items[1].UserAgent, items[2].UserAgent)
	}
	for _, it := range items {
		if it.Current != (it.UserAgent == "Browser-B") {
			t.Errorf("session %q: current = %v", it.UserAgent, it.Current)
		}
		if it.IP == nil || *it.IP != "127.0.0.1" || it.CreatedAt.IsZero() || it.LastUsedAt.Before(it.CreatedAt) || !it.ExpiresAt.After(it.CreatedAt) {
			t.Errorf("session %+v: bad address or times", it)
		}
	}
	if !items[1].RememberMe || items[0].RememberMe {
		t.Errorf("rememberMe flags: C=%v B=%v", items[0].RememberMe, items[1].RememberMe)
	}

	// Two per page: two pages, no overlap, same order.
	limit := 2
	p1 := listSessions(t, env, a.AccessToken, &client.ListMySessionsParams{Limit: &limit})
	if p1.JSON200 == nil || len(p1.JSON200.Items) != 2 || p1.JSON200.NextCursor == nil {
		t.Fatalf("page 1: %d %s", p1.StatusCode(), p1.Body)
	}
	p2 := listSessions(t, env, a.AccessToken, &client.ListMySessionsParams{Limit: &limit, Cursor: p1.JSON200.NextCursor})
	if p2.JSON200 == nil || len(p2.JSON200.Items) != 2 || p2.JSON200.NextCursor != nil {
		t.Fatalf("page 2: %d %s", p2.StatusCode(), p2.Body)
	}
	got := append(p1.JSON200.Items, p2.JSON200.Items...)
	for i := range items {
		if got[i].ID != items[i].ID {
			t.Fatalf("paged order differs at %d", i)
		}
	}

	bad := "not-a-cursor"
	r := listSessions(t, env, c.AccessToken, &client.ListMySessionsParams{Cursor: &bad})
	p := apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, 422, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "query.cursor:invalid_value") {
		t.Errorf("fields = %v", apitest.Fields(p))
	}
	r = listSessions(t, env, "", nil)
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, 401, "authentication_required")
}

func TestRevokeOneSession(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	acc := apitest.NewAccount()
	apitest.Register(t, env, acc)
	a := apitest.SignInAs(t, env, acc, false, "Browser-A")
	b := apitest.SignInAs(t, env, acc, true, "Browser-B")
	stranger := apitest.Register(t, env, apitest.NewAccount())
	idOf := func(token, ua string) uuid.UUID {
		for _, it := range listSessions(t, env, token, nil).JSON200.Items {
			if it.UserAgent == ua {
				return it.ID
			}
		}
		t.Fatalf("no session %q", ua)
		return uuid.Nil
	}
	bID := idOf(a.AccessToken, "Browser-B")

	// Another account's session is "not found" and survives.
	strangerID := idOf(stranger.AccessToken, "Go-http-client/1.1")
	res, err := env.Client.RevokeSessionWithResponse(ctx, strangerID, apitest.Bearer(a.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 404, "not_found")
	if me := apitest.GetMe(t, env, stranger.AccessToken); me.JSON200 == nil {
		t.Fatal("the stranger's session was ended")
	}
	res, _ = env.Client.RevokeSessionWithResponse(ctx, uuid.New(), apitest.Bearer(a.AccessToken))
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 404, "not_found")

	// B ends at once: its access and refresh tokens stop working.
	res, err = env.Client.RevokeSessionWithResponse(ctx, bID, apitest.Bearer(a.AccessToken))
	if err != nil || res.StatusCode() != http.StatusNoContent {
		t.Fatalf("revoke: %v %d %s", err, res.StatusCode(), res.Body)
	}
	me := apitest.GetMe(t, env, b.AccessToken)
	apitest.ProblemOf(t, me.StatusCode(), me.HTTPResponse.Header, me.Body, 401, "session_ended")
	ref, _ := env.Client.RefreshTokensWithResponse(ctx, client.RefreshRequest{RefreshToken: b.RefreshToken})
	apitest.ProblemOf(t, ref.StatusCode(), ref.HTTPResponse.Header, ref.Body, 401, "session_ended")
	// Twice: it is gone.
	res, _ = env.Client.RevokeSessionWithResponse(ctx, bID, apitest.Bearer(a.AccessToken))
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 404, "not_found")

	// Revoking the current session signs out.
	res, _ = env.Client.RevokeSessionWithResponse(ctx, idOf(a.AccessToken, "Browser-A"), apitest.Bearer(a.AccessToken))
	if res.StatusCode() != http.StatusNoContent {
		t.Fatalf("revoke current: %d %s", res.StatusCode(), res.Body)
	}
	me = apitest.GetMe(t, env, a.AccessToken)
	apitest.ProblemOf(t, me.StatusCode(), me.HTTPResponse.Header, me.Body, 401, "session_ended")

	// A malformed id is a validation error naming the parameter.
	raw, err := env.Client.RevokeSessionWithResponse(ctx, uuid.Nil, apitest.Bearer(stranger.AccessToken), func(_ context.Context, req *http.Request) error {
		req.URL.Path = "/api/v1/me/sessions/not-a-uuid"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	p := apitest.ProblemOf(t, raw.StatusCode(), raw.HTTPResponse.Header, raw.Body, 422, "validation_failed")
	if !apitest.Contains(apitest.Fields(p), "path.sessionId:invalid_format") {
		t.Errorf("fields = %v", apitest.Fields(p))
	}
	if got := auditEvents(t, env, acc); countOf(got, "session_revoked") != 2 {
		t.Errorf("audit = %v, want two session_revoked", got)
	}
}

func TestRevokeOtherSessions(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	acc := apitest.NewAccount()
	reg := apitest.Register(t, env, acc)
	a := apitest.SignInAs(t, env, acc, false, "Browser-A")
	b := apitest.SignInAs(t, env, acc, true, "Browser-B")
	stranger := apitest.Register(t, env, apitest.NewAccount())

	res, err := env.Client.RevokeOtherSessionsWithResponse(ctx, apitest.Bearer(a.AccessToken))
	if err != nil || res.JSON200 == nil {
		t.Fatalf("revoke others: %v %s", err, res.Body)
	}
	if res.JSON200.RevokedCount != 2 {
		t.Errorf("revokedCount = %d, want 2", res.JSON200.RevokedCount)
	}
	for _, tok := range []string{reg.AccessToken, b.AccessToken} {
		me := apitest.GetMe(t, env, tok)
		apitest.ProblemOf(t, me.StatusCode(), me.HTTPResponse.Header, me.Body, 401, "session_ended")
	}
	if me := apitest.GetMe(t, env, a.AccessToken); me.JSON200 == nil {
		t.Fatal("the current session was ended")
	}
	if me := apitest.GetMe(t, env, stranger.AccessToken); me.JSON200 == nil {
		t.Fatal("another account's session was ended")
	}
	if l := listSessions(t, env, a.AccessToken, nil); len(l.JSON200.Items) != 1 || !l.JSON200.Items[0].Current {
		t.Errorf("sessions left: %s", l.Body)
	}
	// Nothing left to end.
	res, _ = env.Client.RevokeOtherSessionsWithResponse(ctx, apitest.Bearer(a.AccessToken))
	if res.JSON200 == nil || res.JSON200.RevokedCount != 0 {
		t.Errorf("second call: %s", res.Body)
	}
	if got := auditEvents(t, env, acc); countOf(got, "session_revoked") != 1 {
		t.Errorf("audit = %v, want one session_revoked", got)
	}
}

func TestRememberMeIsMarkedForTheClient(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	acc := apitest.NewAccount()
	if reg := apitest.Register(t, env, acc); reg.RememberMe {
		t.Error("registration should start a session-only sign-in")
	}
	for _, remember := range []bool{false, true} {
		res := apitest.SignInAs(t, env, acc, remember, "Browser")
		if res.RememberMe != remember {
			t.Errorf("login rememberMe=%v answered rememberMe=%v", remember, res.RememberMe)
		}
		// A refresh keeps the kind of session.
		ref, err := env.Client.RefreshTokensWithResponse(ctx, client.RefreshRequest{RefreshToken: res.RefreshToken})
		if err != nil || ref.JSON200 == nil {
			t.Fatalf("refresh: %v %s", err, ref.Body)
		}
		if ref.JSON200.RememberMe != remember {
			t.Errorf("refresh of rememberMe=%v answered rememberMe=%v", remember, ref.JSON200.RememberMe)
		}
	}
}

func TestConcurrentRefreshesKeepTheSession(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	reg := apitest.Register(t, env, apitest.NewAccount())

	// Two tabs refresh with the same token at the same moment.
	var wg sync.WaitGroup
	results := make([]*client.RefreshTokensResponse, 2)
	start := make(chan struct{})
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			res, err := env.Client.RefreshTokensWithResponse(ctx, client.RefreshRequest{RefreshToken: reg.RefreshToken})
			if err != nil {
				t.Error(err)
				return
			}
			results[i] = res
		}()
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		return
	}
	var winner *client.AuthResponse
	var loser *client.RefreshTokensResponse
	for _, r := range results {
		if r.JSON200 != nil {
			winner = r.JSON200
		} else {
			loser = r
		}
	}
	if winner == nil || loser == nil {
		t.Fatalf("want one success and one refusal, got %d and %d", results[0].StatusCode(), results[1].StatusCode())
	}
	apitest.ProblemOf(t, loser.StatusCode(), loser.HTTPResponse.Header, loser.Body, 409, "refresh_in_progress")

	// The session lives on: the winner's tokens work and rotate.
	if me := apitest.GetMe(t, env, winner.AccessToken); me.JSON200 == nil {
		t.Fatalf("GET /me after concurrent refresh: %d %s", me.StatusCode(), me.Body)
	}
	next, err := env.Client.RefreshTokensWithResponse(ctx, client.RefreshRequest{RefreshToken: winner.RefreshToken})
	if err != nil || next.JSON200 == nil {
		t.Fatalf("refresh after concurrent refresh: %v %s", err, next.Body)
	}
	if n := apitest.CountRows(t, env, "sessions WHERE revoked_at IS NOT NULL"); n != 0 {
		t.Errorf("%d sessions revoked, want none", n)
	}

	// Past the grace window the same reuse is theft: the session ends.
	if _, err := env.Pool.Exec(ctx, "UPDATE refresh_tokens SET used_at = used_at - interval '11 seconds' WHERE used_at IS NOT NULL"); err != nil {
		t.Fatal(err)
	}
	late, _ := env.Client.RefreshTokensWithResponse(ctx, client.RefreshRequest{RefreshToken: reg.RefreshToken})
	apitest.ProblemOf(t, late.StatusCode(), late.HTTPResponse.Header, late.Body, 401, "refresh_token_reused")
	me := apitest.GetMe(t, env, next.JSON200.AccessToken)
	apitest.ProblemOf(t, me.StatusCode(), me.HTTPResponse.Header, me.Body, 401, "session_ended")
}

func TestRefreshGraceWindowCanBeTurnedOff(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, func(c *config.Config) { c.Security.RefreshReuseGrace = 0 })
	ctx := context.Background()
	reg := apitest.Register(t, env, apitest.NewAccount())
	if first, _ := env.Client.RefreshTokensWithResponse(ctx, client.RefreshRequest{RefreshToken: reg.RefreshToken}); first.JSON200 == nil {
		t.Fatalf("refresh: %s", first.Body)
	}
	again, _ := env.Client.RefreshTokensWithResponse(ctx, client.RefreshRequest{RefreshToken: reg.RefreshToken})
	apitest.ProblemOf(t, again.StatusCode(), again.HTTPResponse.Header, again.Body, 401, "refresh_token_reused")
}
