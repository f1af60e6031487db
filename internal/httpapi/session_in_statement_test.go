package httpapi_test

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/testdb"
)

// statementNames records the sqlc names ("-- name: GetMe :one") of the
// statements a pool runs.
type statementNames struct {
	mu    sync.Mutex
	names []string
}

func (s *statementNames) TraceQueryStart(ctx context.Context, _ *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	if rest, ok := strings.CutPrefix(d.SQL, "-- name: "); ok {
		name, _, _ := strings.Cut(rest, " ")
		s.mu.Lock()
		s.names = append(s.names, name)
		s.mu.Unlock()
	}
	return ctx
}

func (s *statementNames) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (s *statementNames) take() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.names
	s.names = nil
	return n
}

// The reads of web.Base.SessionInStatement (GET /me, GET /me/sessions, the
// unread badge) cost one statement each, the session check included; any
// other authenticated read checks the session first (GetSessionPrincipal),
// then runs its own.
func TestSessionInStatementReadsAreOneStatement(t *testing.T) {
	t.Parallel()
	trace := &statementNames{}
	pool := testdb.NewWithConfig(t, func(c *pgxpool.Config) { c.ConnConfig.Tracer = trace })
	env := apitest.NewOnPool(t, pool)
	reg := apitest.Register(t, env, apitest.NewAccount())

	trace.take()
	if me := apitest.GetMe(t, env, reg.AccessToken); me.JSON200 == nil {
		t.Fatalf("GET /me: %d %s", me.StatusCode(), me.Body)
	}
	if got := trace.take(); !slices.Equal(got, []string{"GetMe"}) {
		t.Errorf("GET /me ran %v, want [GetMe]", got)
	}
	if r, err := env.Client.ListMySessionsWithResponse(context.Background(), nil, apitest.Bearer(reg.AccessToken)); err != nil || r.JSON200 == nil {
		t.Fatalf("GET /me/sessions: %v", err)
	}
	if got := trace.take(); !slices.Equal(got, []string{"ListMySessions"}) {
		t.Errorf("GET /me/sessions ran %v, want [ListMySessions]", got)
	}
	if r, err := env.Client.GetUnreadNotificationCountWithResponse(context.Background(), apitest.Bearer(reg.AccessToken)); err != nil || r.JSON200 == nil {
		t.Fatalf("GET /me/notifications/unread-count: %v", err)
	}
	if got := trace.take(); !slices.Equal(got, []string{"CountMyUnreadNotifications"}) {
		t.Errorf("GET /me/notifications/unread-count ran %v, want [CountMyUnreadNotifications]", got)
	}
	res, err := env.Client.ListMyOrganizationsWithResponse(context.Background(), nil, apitest.Bearer(reg.AccessToken))
	if err != nil || res.JSON200 == nil {
		t.Fatalf("GET /me/organizations: %v %d", err, res.StatusCode())
	}
	if got := trace.take(); len(got) == 0 || got[0] != "GetSessionPrincipal" {
		t.Errorf("GET /me/organizations ran %v, want the session check first", got)
	}
}
