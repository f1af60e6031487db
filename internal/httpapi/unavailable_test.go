package httpapi_test

import (
	"context"
	"net"
	"net/http"
	"os"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/testdb"
)

// wantUnavailable checks a 503 unavailable problem with a Retry-After.
func wantUnavailable(t *testing.T, what string, res *http.Response, body []byte) {
	t.Helper()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("%s: %d %s, want 503", what, res.StatusCode, body)
		return
	}
	apitest.ProblemOf(t, res.StatusCode, res.Header, body, 503, "unavailable")
	if res.Header.Get("Retry-After") == "" {
		t.Errorf("%s: 503 without Retry-After", what)
	}
}

// TestDatabaseOutageIs503AndRecovers blocks every connection to the test's
// database while the server runs: requests get 503 unavailable with
// Retry-After (on the authentication path too), not 500. Once the database
// takes connections again the very next requests succeed, without a restart,
// and the writes acknowledged before the outage are there.
func TestDatabaseOutageIs503AndRecovers(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	acc := apitest.NewAccount()
	token := apitest.Register(t, env, acc).AccessToken
	last := "Петрова"
	if res, err := env.Client.UpdateProfileWithResponse(ctx, client.ProfileUpdate{LastName: &last}, apitest.Bearer(token)); err != nil || res.JSON200 == nil {
		t.Fatalf("profile: %v %v", err, res)
	}

	admin, err := pgx.Connect(ctx, os.Getenv(testdb.EnvURL))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) }) // after the restore below
	name := env.Pool.Config().ConnConfig.Database
	allow := func(on bool) {
		t.Helper()
		stmt := "ALTER DATABASE " + pgx.Identifier{name}.Sanitize() + " WITH ALLOW_CONNECTIONS false"
		if on {
			stmt = "ALTER DATABASE " + pgx.Identifier{name}.Sanitize() + " WITH ALLOW_CONNECTIONS true"
		}
		if _, err := admin.Exec(ctx, stmt); err != nil {
			t.Fatal(err)
		}
	}
	allow(false)
	t.Cleanup(func() {
		_, _ = admin.Exec(context.Background(), "ALTER DATABASE "+pgx.Identifier{name}.Sanitize()+" WITH ALLOW_CONNECTIONS true")
	})
	if _, err := admin.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name); err != nil {
		t.Fatal(err)
	}

	outage := func() {
		res, body := env.Send(t, "GET", "/api/v1/me", token, "")
		wantUnavailable(t, "getMe (authentication)", res, body)
		res, body = env.Send(t, "POST", "/api/v1/auth/login", "", `{"login":"`+string(acc.Email)+`","password":"`+acc.Password+`"}`)
		wantUnavailable(t, "login", res, body)
		res, body = env.Send(t, "POST", "/api/v1/auth/register", "", `{"firstName":"Б","lastName":"П","email":"outage@example.org","phone":"+79215550199","password":"Str0ng-Passw0rd"}`)
		wantUnavailable(t, "register", res, body)
		res, body = env.Send(t, "GET", "/api/v1/dev/messages", "", "")
		wantUnavailable(t, "listDevMessages", res, body)
		res, body = env.Send(t, "GET", "/readyz", "", "")
		wantUnavailable(t, "readiness", res, body)
	}
	outage() // the pool's connections were cut under it
	outage() // no connection can be made

	allow(true)
	me := apitest.GetMe(t, env, token)
	if me.JSON200 == nil || me.JSON200.LastName != last {
		t.Fatalf("after the outage: %d %s", me.StatusCode(), me.Body)
	}
	if res := apitest.Login(t, env, string(acc.Email), acc.Password, false); res.JSON200 == nil {
		t.Fatalf("login after the outage: %d %s", res.StatusCode(), res.Body)
	}
	if n := apitest.CountRows(t, env, "users WHERE email = 'outage@example.org'"); n != 0 {
		t.Errorf("a refused registration was stored")
	}
}

// TestServerWithoutItsDatabaseAnswers503 runs a server whose pool points at
// a closed port, as when the database host is down from the start.
func TestServerWithoutItsDatabaseAnswers503(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	pool, err := pgxpool.New(context.Background(), "postgres://kabinet@"+addr+"/kabinet?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	env := apitest.NewOnPool(t, pool)
	for _, tc := range []struct{ method, path, token, body string }{
		{"POST", "/api/v1/auth/login", "", `{"login":"anna@example.org","password":"Str0ng-Passw0rd"}`},
		{"GET", "/api/v1/dev/messages", "", ""},
		{"GET", "/readyz", "", ""},
	} {
		res, body := env.Send(t, tc.method, tc.path, tc.token, tc.body)
		wantUnavailable(t, tc.method+" "+tc.path, res, body)
	}
	// A valid token: its session must be looked up in the database.
	token, err := env.Issuer.Issue(uuid.New(), uuid.New())
	if err != nil {
		t.Fatal(err)
	}
	res, body := env.Send(t, "GET", "/api/v1/me", token, "")
	wantUnavailable(t, "getMe with a valid token", res, body)
}
