package identity_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// viaIP makes a request look as if it came from ip through a trusted proxy
// (the server must run with TrustProxyHeaders).
func viaIP(ip string) client.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("X-Forwarded-For", ip)
		return nil
	}
}

// auditEvents lists the names of the audit events about acc's user, oldest first.
func auditEvents(t *testing.T, env *apitest.Env, acc client.RegisterRequest) []string {
	t.Helper()
	rows, err := env.Pool.Query(context.Background(),
		"SELECT e.event FROM audit_events e JOIN users u ON u.id = e.user_id WHERE u.email = lower($1) ORDER BY e.id", string(acc.Email))
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var e string
		if err := rows.Scan(&e); err != nil {
			t.Fatal(err)
		}
		out = append(out, e)
	}
	return out
}

func countOf(list []string, s string) int {
	n := 0
	for _, v := range list {
		if v == s {
			n++
		}
	}
	return n
}

// apitest.OutboxMessage is the newest message of a template to a recipient.
