package organizations_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

func names(items []client.AuditEvent) []string {
	var out []string
	for _, e := range items {
		out = append(out, e.Event)
	}
	return out
}

func TestMyAuditEvents(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	acc := apitest.NewAccount()
	reg := apitest.Register(t, env, acc)
	apitest.LoginFrom(t, env, string(acc.Email), "Wrong-Passw0rd", apitest.WithUA("Browser-A"))
	a := apitest.SignInAs(t, env, acc, false, "Browser-A")
	if res, _ := env.Client.LogoutWithResponse(ctx, apitest.Bearer(a.AccessToken)); res.StatusCode() != http.StatusNoContent {
		t.Fatalf("logout: %d", res.StatusCode())
	}
	stranger := apitest.NewAccount()
	apitest.Register(t, env, stranger)
	apitest.LoginFrom(t, env, string(stranger.Email), "Wrong-Passw0rd")

	res, err := env.Client.ListMyAuditEventsWithResponse(ctx, nil, apitest.Bearer(reg.AccessToken))
	if err != nil || res.JSON200 == nil {
		t.Fatalf("list: %v %s", err, res.Body)
	}
	items := res.JSON200.Items
	want := []string{"sign_out", "sign_in", "sign_in_failed", "registered"}
	if got := names(items); len(got) != len(want) || !apitest.Contains(got, want...) || got[0] != "sign_out" || got[3] != "registered" {
		t.Fatalf("events = %v, want %v newest first", got, want)
	}
	for _, e := range items {
		if e.UserID == nil || *e.UserID != reg.User.ID || e.IP == nil || *e.IP != "127.0.0.1" || e.OccurredAt.IsZero() {
			t.Errorf("event %+v", e)
		}
	}
	if signIn := items[1]; signIn.UserAgent != "Browser-A" || signIn.Details["method"] != "password" {
		t.Errorf("sign-in event %+v", signIn)
	}
	if failed := items[2]; failed.Details["reason"] != "wrong_password" {
		t.Errorf("failure event %+v", failed)
	}

	// Pages of two: the same events in the same order.
	limit := 2
	var paged []client.AuditEvent
	var cursor *string
	for range 3 {
		r, _ := env.Client.ListMyAuditEventsWithResponse(ctx, &client.ListMyAuditEventsParams{Limit: &limit, Cursor: cursor}, apitest.Bearer(reg.AccessToken))
		if r.JSON200 == nil {
			t.Fatalf("page: %d %s", r.StatusCode(), r.Body)
		}
		paged = append(paged, r.JSON200.Items...)
		if cursor = r.JSON200.NextCursor; cursor == nil {
			break
		}
	}
	if len(paged) != len(items) || cursor != nil {
		t.Fatalf("paged %d events, want %d", len(paged), len(items))
	}
	for i := range items {
		if paged[i].ID != items[i].ID {
			t.Fatalf("paged order differs at %d", i)
		}
	}
	for _, bad := range []string{"???", "LTE", "YWJj"} { // not base64, "-1", "abc"
		r, _ := env.Client.ListMyAuditEventsWithResponse(ctx, &client.ListMyAuditEventsParams{Cursor: &bad}, apitest.Bearer(reg.AccessToken))
		apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, 422, "validation_failed")
	}
	r, _ := env.Client.ListMyAuditEventsWithResponse(ctx, nil)
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, 401, "authentication_required")
}

func TestOrganizationAuditEvents(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	org, otherOrg := apitest.NewOrganization(t, env, "center"), apitest.NewOrganization(t, env, "elsewhere")
	adminAcc, learnerAcc, teacherAcc, outsiderAcc := apitest.NewAccount(), apitest.NewAccount(), apitest.NewAccount(), apitest.NewAccount()
	admin := apitest.Register(t, env, adminAcc)
	learner := apitest.Register(t, env, learnerAcc)
	teacher := apitest.Register(t, env, teacherAcc)
	outsider := apitest.Register(t, env, outsiderAcc)
	// The teacher's failed sign-in before joining stays private.
	apitest.LoginFrom(t, env, string(teacherAcc.Email), "Wrong-Passw0rd")
	apitest.AddMemberSQL(t, env, org, admin.User.ID, "admin")
	apitest.AddMemberSQL(t, env, org, learner.User.ID, "learner")
	apitest.AddMemberSQL(t, env, org, teacher.User.ID, "teacher")
	apitest.AddMemberSQL(t, env, otherOrg, outsider.User.ID, "admin")

	apitest.SignInAs(t, env, teacherAcc, false, "Teacher-Browser")
	apitest.LoginFrom(t, env, string(teacherAcc.Email), "Wrong-Passw0rd", apitest.WithUA("Teacher-Browser"))
	apitest.SignInAs(t, env, outsiderAcc, false, "Outsider-Browser")
	// Account events other than sign-ins stay private.
	if res := apitest.ChangePassword(t, env, teacher.AccessToken, teacherAcc.Password, "N3w-Str0ng-Passw0rd"); res.StatusCode() != http.StatusNoContent {
		t.Fatalf("change password: %d %s", res.StatusCode(), res.Body)
	}
	// Events recorded in an organization (by the admin features).
	for _, o := range []uuid.UUID{org, otherOrg} {
		if _, err := env.Pool.Exec(ctx, `INSERT INTO audit_events (event, user_id, actor_id, organization_id, details)
			VALUES ('role_changed', $1, $2, $3, '{"role":"teacher"}')`, learner.User.ID, admin.User.ID, o); err != nil {
			t.Fatal(err)
		}
	}

	list := func(token string, orgID uuid.UUID, params *client.ListOrganizationAuditEventsParams) *client.ListOrganizationAuditEventsResponse {
		t.Helper()
		res, err := env.Client.ListOrganizationAuditEventsWithResponse(ctx, orgID, params, apitest.Bearer(token))
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	res := list(admin.AccessToken, org, nil)
	if res.JSON200 == nil {
		t.Fatalf("list: %d %s", res.StatusCode(), res.Body)
	}
	got := res.JSON200.Items
	if n := names(got); len(n) != 3 || n[0] != "role_changed" || n[1] != "sign_in_failed" || n[2] != "sign_in" {
		t.Fatalf("events = %v, want role_changed, the teacher's failure and sign-in", n)
	}
	if e := got[0]; e.OrganizationID == nil || *e.OrganizationID != org || e.ActorID == nil || *e.ActorID != admin.User.ID || e.Details["role"] != "teacher" {
		t.Errorf("organization event %+v", e)
	}
	for _, e := range got[1:] {
		if e.UserID == nil || *e.UserID != teacher.User.ID || e.UserAgent != "Teacher-Browser" || e.OrganizationID != nil {
			t.Errorf("member event %+v", e)
		}
	}
	one := 1
	page := list(admin.AccessToken, org, &client.ListOrganizationAuditEventsParams{Limit: &one})
	if page.JSON200 == nil || len(page.JSON200.Items) != 1 || page.JSON200.NextCursor == nil {
		t.Fatalf("page 1: %s", page.Body)
	}
	page = list(admin.AccessToken, org, &client.ListOrganizationAuditEventsParams{Limit: &one, Cursor: page.JSON200.NextCursor})
	if page.JSON200 == nil || len(page.JSON200.Items) != 1 || page.JSON200.Items[0].ID != got[1].ID {
		t.Fatalf("page 2: %s", page.Body)
	}

	// Members without the admin role: 403; non-members: 404, like an unknown organization.
	for _, tok := range []string{learner.AccessToken, teacher.AccessToken} {
		r := list(tok, org, nil)
		apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, 403, "forbidden")
	}
	r := list(outsider.AccessToken, org, nil)
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, 404, "not_found")
	r = list(admin.AccessToken, otherOrg, nil)
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, 404, "not_found")
	r = list(admin.AccessToken, uuid.New(), nil)
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, 404, "not_found")
	// The other organization's admin sees only its own log.
	r = list(outsider.AccessToken, otherOrg, nil)
	if r.JSON200 == nil {
		t.Fatalf("other organization: %d %s", r.StatusCode(), r.Body)
	}
	if n := names(r.JSON200.Items); len(n) != 2 || n[0] != "role_changed" || n[1] != "sign_in" {
		t.Errorf("other organization's events = %v", n)
	}
	r = list("", org, nil)
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, 401, "authentication_required")
}
