package identity_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// GET /me and GET /me/sessions check the session in their own statement
// (one round trip to PostgreSQL per request); these tests prove that they
// refuse what the authentication func refuses elsewhere, on every path of
// their handlers: a first page, a page past the end, an invalid cursor.

func TestOneStatementReadsRefuseAnEndedSession(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	acc := apitest.NewAccount()
	reg := apitest.Register(t, env, acc)
	other := apitest.SignInAs(t, env, acc, false, "Other")

	// A live session: a page past the end is an empty page, not a 401.
	limit := 1
	p1 := listSessions(t, env, reg.AccessToken, &client.ListMySessionsParams{Limit: &limit})
	if p1.JSON200 == nil || len(p1.JSON200.Items) != 1 || p1.JSON200.NextCursor == nil {
		t.Fatalf("page 1: %d %s", p1.StatusCode(), p1.Body)
	}
	// A cursor before the first sign-in: nothing lies past it.
	past := web.EncodeCursor(time.Unix(0, 0), uuid.Nil)
	end := listSessions(t, env, reg.AccessToken, &client.ListMySessionsParams{Limit: &limit, Cursor: &past})
	if end.JSON200 == nil || len(end.JSON200.Items) != 0 || end.JSON200.NextCursor != nil {
		t.Fatalf("past the end: %d %s", end.StatusCode(), end.Body)
	}

	res, err := env.Client.LogoutWithResponse(context.Background(), apitest.Bearer(reg.AccessToken))
	if err != nil || res.StatusCode() != http.StatusNoContent {
		t.Fatalf("logout: %v %d %s", err, res.StatusCode(), res.Body)
	}
	bad := "not-a-cursor"
	badLimit := 0
	for name, params := range map[string]*client.ListMySessionsParams{
		"first page":      nil,
		"a later page":    {Limit: &limit, Cursor: p1.JSON200.NextCursor},
		"past the end":    {Limit: &limit, Cursor: &past},
		"invalid cursor":  {Cursor: &bad},
		"invalid limit":   {Limit: &badLimit},
		"both parameters": {Limit: &badLimit, Cursor: &bad},
	} {
		r := listSessions(t, env, reg.AccessToken, params)
		apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusUnauthorized, "session_ended")
		if r.HTTPResponse.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: no WWW-Authenticate", name)
		}
	}
	me := apitest.GetMe(t, env, reg.AccessToken)
	apitest.ProblemOf(t, me.StatusCode(), me.HTTPResponse.Header, me.Body, http.StatusUnauthorized, "session_ended")
	head, err := env.Client.GetMe(context.Background(), apitest.Bearer(reg.AccessToken), func(_ context.Context, r *http.Request) error {
		r.Method = http.MethodHead
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	head.Body.Close()
	if head.StatusCode != http.StatusUnauthorized {
		t.Errorf("HEAD /me after logout: %d", head.StatusCode)
	}

	// The account's other session goes on; the ended one is not listed.
	live := listSessions(t, env, other.AccessToken, nil)
	if live.JSON200 == nil || len(live.JSON200.Items) != 1 || !live.JSON200.Items[0].Current {
		t.Fatalf("the other session: %d %s", live.StatusCode(), live.Body)
	}
}

// A blocked user's tokens stop at once on both reads, and an unblocked
// user's work again: the user's status is read in the same statement.
func TestOneStatementReadsRefuseABlockedUser(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	reg := apitest.Register(t, env, apitest.NewAccount())
	if me := apitest.GetMe(t, env, reg.AccessToken); me.JSON200 == nil {
		t.Fatalf("GET /me: %d %s", me.StatusCode(), me.Body)
	}
	setStatus := func(status string) {
		t.Helper()
		if _, err := env.Pool.Exec(context.Background(), `UPDATE users SET status = $2 WHERE id = $1`, reg.User.ID, status); err != nil {
			t.Fatal(err)
		}
	}
	setStatus("blocked")
	me := apitest.GetMe(t, env, reg.AccessToken)
	apitest.ProblemOf(t, me.StatusCode(), me.HTTPResponse.Header, me.Body, http.StatusUnauthorized, "session_ended")
	r := listSessions(t, env, reg.AccessToken, nil)
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusUnauthorized, "session_ended")

	setStatus("active")
	if me := apitest.GetMe(t, env, reg.AccessToken); me.JSON200 == nil || me.JSON200.ID != reg.User.ID {
		t.Fatalf("GET /me after unblocking: %d %s", me.StatusCode(), me.Body)
	}
	if r := listSessions(t, env, reg.AccessToken, nil); r.JSON200 == nil || len(r.JSON200.Items) != 1 {
		t.Fatalf("sessions after unblocking: %d %s", r.StatusCode(), r.Body)
	}
}
