package identity_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

func TestListMyOrganizationsPaginates(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	reg := apitest.Register(t, env, apitest.NewAccount())
	// Four more organizations, each granting the user a role.
	if _, err := env.Pool.Exec(ctx, `
		WITH o AS (
			INSERT INTO organizations (slug, name)
			SELECT 'center-' || i, 'Center ' || i FROM generate_series(1, 4) AS i
			RETURNING id)
		INSERT INTO memberships (organization_id, user_id, role)
		SELECT id, $1, 'teacher' FROM o`, reg.User.ID); err != nil {
		t.Fatal(err)
	}
	// And one membership of somebody else, which must not show.
	other := apitest.Register(t, env, apitest.NewAccount())

	var (
		seen   []string
		cursor *string
		pages  int
	)
	for {
		limit := 2
		res, err := env.Client.ListMyOrganizationsWithResponse(ctx, &client.ListMyOrganizationsParams{Limit: &limit, Cursor: cursor}, apitest.Bearer(reg.AccessToken))
		if err != nil {
			t.Fatal(err)
		}
		if res.JSON200 == nil {
			t.Fatalf("page %d: %d %s", pages, res.StatusCode(), res.Body)
		}
		pages++
		for _, m := range res.JSON200.Items {
			seen = append(seen, m.Organization.Slug)
		}
		if res.JSON200.NextCursor == nil {
			break
		}
		if len(res.JSON200.Items) != limit || pages > 5 {
			t.Fatalf("page %d has %d items and a next cursor", pages, len(res.JSON200.Items))
		}
		cursor = res.JSON200.NextCursor
	}
	if pages != 3 || len(seen) != 5 || seen[0] != "default" {
		t.Fatalf("pages=%d seen=%v, want 3 pages with default first and 5 organizations", pages, seen)
	}
	uniq := map[string]bool{}
	for _, s := range seen {
		uniq[s] = true
	}
	if len(uniq) != 5 {
		t.Fatalf("duplicates across pages: %v", seen)
	}

	me := apitest.GetMe(t, env, other.AccessToken)
	if me.JSON200 == nil || len(me.JSON200.Memberships) != 1 {
		t.Fatalf("other user sees %+v", me.JSON200)
	}
}

func TestListMyOrganizationsRejectsBadParameters(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	reg := apitest.Register(t, env, apitest.NewAccount())
	for _, tc := range []struct{ query, field, code string }{
		{"limit=0", "query.limit", "out_of_range"},
		{"limit=101", "query.limit", "out_of_range"},
		{"limit=ten", "query.limit", "invalid_value"},
		{"cursor=not-a-cursor", "query.cursor", "invalid_value"},
	} {
		res, err := env.Client.ListMyOrganizationsWithResponse(context.Background(), nil, apitest.Bearer(reg.AccessToken),
			func(_ context.Context, r *http.Request) error { r.URL.RawQuery = tc.query; return nil })
		if err != nil {
			t.Fatal(err)
		}
		p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 422, "validation_failed")
		if !apitest.Contains(apitest.Fields(p), tc.field+":"+tc.code) {
			t.Errorf("%s: fields = %v, want %s:%s", tc.query, apitest.Fields(p), tc.field, tc.code)
		}
	}
}
