package organizations_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// listMembers returns one page of members, as the member with role sees it.
func listMembers(t *testing.T, env *apitest.Env, o apitest.StaffOrg, as client.Role, params client.ListMembersParams) *client.MemberPage {
	t.Helper()
	res, err := env.Client.ListMembersWithResponse(context.Background(), o.ID, &params, o.As(as))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON200 == nil {
		t.Fatalf("list members: %d %s", res.StatusCode(), res.Body)
	}
	return res.JSON200
}

func memberIDs(p *client.MemberPage) []uuid.UUID {
	var ids []uuid.UUID
	for _, m := range p.Items {
		ids = append(ids, m.UserID)
	}
	return ids
}

func TestListMembersSearchesFiltersAndPaginates(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "center")
	other := apitest.NewStaffOrg(t, env, "other")
	acc := apitest.NewAccount()
	acc.FirstName, acc.LastName, acc.Email, acc.Phone = "Ольга", "Смирнова_%", "olga.s@example.org", "+7 921 987-65-43"
	olga := apitest.Register(t, env, acc)
	apitest.AddMember(t, env, o.ID, olga.User.ID, "teacher")

	all := listMembers(t, env, o, "manager", client.ListMembersParams{})
	if len(all.Items) != 6 || all.NextCursor != nil {
		t.Fatalf("members: %+v", all)
	}
	for _, role := range apitest.AllRoles {
		if slices.Contains(memberIDs(all), other.User(role)) {
			t.Fatal("another organization's member is listed")
		}
	}
	if m := all.Items[5]; m.UserID != olga.User.ID || m.Role != "teacher" || m.Status != "active" || m.Phone == nil || *m.Phone != "+79219876543" || m.BlockedAt != nil {
		t.Fatalf("member = %+v", m)
	}

	for _, tc := range []struct {
		query string
		want  int // members found; Olga must be the first when > 0 (her name holds LIKE wildcards, matched literally)
	}{
		{"смирнова", 1}, {"ОЛЬГА СМИРНОВА", 1}, {"Смирнова_% Ольга", 1}, {"OLGA.S@", 1}, {"987-65", 1},
		{"8 (921) 987-65-43", 1}, {"79219876543", 1}, {"_%", 1}, {"%", 1}, {"n%g", 0}, {"a_n", 0}, {"nobody", 0},
	} {
		page := listMembers(t, env, o, "admin", client.ListMembersParams{Query: &tc.query})
		if len(page.Items) != tc.want || tc.want > 0 && page.Items[0].UserID != olga.User.ID {
			t.Errorf("query %q found %v, want %d result(s) with Olga", tc.query, memberIDs(page), tc.want)
		}
	}
	role, status := client.Role("teacher"), client.MemberStatus("active")
	if page := listMembers(t, env, o, "admin", client.ListMembersParams{Role: &role, Status: &status}); len(page.Items) != 2 {
		t.Errorf("active teachers: %v", memberIDs(page))
	}

	// Pages of two cover everybody once.
	var (
		seen   []uuid.UUID
		cursor *string
	)
	for range 4 {
		limit := 2
		page := listMembers(t, env, o, "admin", client.ListMembersParams{Limit: &limit, Cursor: cursor})
		seen = append(seen, memberIDs(page)...)
		if cursor = page.NextCursor; cursor == nil {
			break
		}
	}
	if !slices.Equal(seen, memberIDs(all)) {
		t.Fatalf("paged %v, want %v", seen, memberIDs(all))
	}

	for _, tc := range []struct{ query, field, code string }{
		{"status=gone", "query.status", "invalid_value"},
		{"role=boss", "query.role", "invalid_value"},
		{"cursor=bad", "query.cursor", "invalid_value"},
	} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, env.URL+"/api/v1/organizations/"+o.ID.String()+"/members?"+tc.query, nil)
		req.Header.Set("Authorization", "Bearer "+o.Members["admin"].AccessToken)
		res, err := env.HTTPClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := apitest.ReadAll(t, res)
		if p := apitest.WantProblem(t, res, body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), tc.field+":"+tc.code) {
			t.Errorf("%s: fields %v", tc.query, apitest.Fields(p))
		}
	}
}

func TestChangeMemberRole(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "center")
	other := apitest.NewStaffOrg(t, env, "other")
	teacher := o.User("teacher")

	res, err := env.Client.UpdateMemberWithResponse(ctx, o.ID, teacher, client.MemberUpdate{Role: "manager"}, o.As("admin"))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON200 == nil || res.JSON200.Role != "manager" || res.JSON200.UserID != teacher {
		t.Fatalf("role change: %d %s", res.StatusCode(), res.Body)
	}
	var from, to string
	var actor uuid.UUID
	if err := env.Pool.QueryRow(ctx, `SELECT details->>'from', details->>'to', actor_id FROM audit_events WHERE event = 'role_changed' AND organization_id = $1 AND user_id = $2`,
		o.ID, teacher).Scan(&from, &to, &actor); err != nil || from != "teacher" || to != "manager" || actor != o.User("admin") {
		t.Fatalf("role_changed audit: %s→%s by %s, %v", from, to, actor, err)
	}
	// The new role takes effect at once: the former teacher may now apitest.Invite.
	if res, err := env.Client.CreateInvitationWithResponse(ctx, o.ID, client.InvitationRequest{Email: openapi_types.Email(apitest.NewEmail()), Role: "learner"}, o.As("teacher")); err != nil || res.StatusCode() != http.StatusCreated {
		t.Fatalf("the new manager inviting: %v %s", err, res.Body)
	}

	for _, tc := range []struct {
		name   string
		org    uuid.UUID
		user   uuid.UUID
		as     client.RequestEditorFn
		status int
		code   string
	}{
		{"manager", o.ID, o.User("learner"), o.As("manager"), 403, "forbidden"},
		{"director", o.ID, o.User("learner"), o.As("director"), 403, "forbidden"},
		{"learner", o.ID, o.User("learner"), o.As("learner"), 403, "forbidden"},
		{"another organization's admin", o.ID, o.User("learner"), other.As("admin"), 404, "not_found"},
		{"a user of another organization", o.ID, other.User("learner"), o.As("admin"), 404, "not_found"},
		{"an unknown user", o.ID, uuid.New(), o.As("admin"), 404, "not_found"},
		{"an unknown organization", uuid.New(), o.User("learner"), o.As("admin"), 404, "not_found"},
	} {
		res, err := env.Client.UpdateMemberWithResponse(ctx, tc.org, tc.user, client.MemberUpdate{Role: "admin"}, tc.as)
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode() != tc.status {
			t.Errorf("%s: %d %s", tc.name, res.StatusCode(), res.Body)
			continue
		}
		apitest.WantProblem(t, res.HTTPResponse, res.Body, tc.status, tc.code)
	}
	if n := apitest.CountAudit(t, env, "role_changed", o.ID, nil); n != 1 {
		t.Fatalf("role_changed events: %d", n)
	}
}

func TestTheLastAdminCannotBeDemotedOrBlocked(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "center")
	admin := o.User("admin")

	res, err := env.Client.UpdateMemberWithResponse(ctx, o.ID, admin, client.MemberUpdate{Role: "teacher"}, o.As("admin"))
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusConflict, "last_admin")
	bl, err := env.Client.BlockMemberWithResponse(ctx, o.ID, admin, o.As("admin"))
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, bl.HTTPResponse, bl.Body, http.StatusConflict, "cannot_block_self")
	// Setting the role it already has is not a change.
	if res, err := env.Client.UpdateMemberWithResponse(ctx, o.ID, admin, client.MemberUpdate{Role: "admin"}, o.As("admin")); err != nil || res.JSON200 == nil {
		t.Fatalf("no-op role change: %v %s", err, res.Body)
	}

	// With a second admin, the first may apitest.Step down; then the second is the last.
	if res, err := env.Client.UpdateMemberWithResponse(ctx, o.ID, o.User("director"), client.MemberUpdate{Role: "admin"}, o.As("admin")); err != nil || res.JSON200 == nil {
		t.Fatalf("promote: %v %s", err, res.Body)
	}
	if res, err := env.Client.UpdateMemberWithResponse(ctx, o.ID, admin, client.MemberUpdate{Role: "manager"}, o.As("admin")); err != nil || res.JSON200 == nil {
		t.Fatalf("step down: %v %s", err, res.Body)
	}
	res, err = env.Client.UpdateMemberWithResponse(ctx, o.ID, o.User("director"), client.MemberUpdate{Role: "learner"}, o.As("director"))
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusConflict, "last_admin")

	// A blocked admin does not count: with admins D (active) and A (blocked),
	// D is still the last one.
	if res, err := env.Client.UpdateMemberWithResponse(ctx, o.ID, admin, client.MemberUpdate{Role: "admin"}, o.As("director")); err != nil || res.JSON200 == nil {
		t.Fatalf("promote back: %v %s", err, res.Body)
	}
	if res, err := env.Client.BlockMemberWithResponse(ctx, o.ID, admin, o.As("director")); err != nil || res.JSON200 == nil || res.JSON200.Status != "blocked" {
		t.Fatalf("block an admin: %v %s", err, res.Body)
	}
	res, err = env.Client.UpdateMemberWithResponse(ctx, o.ID, o.User("director"), client.MemberUpdate{Role: "teacher"}, o.As("director"))
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusConflict, "last_admin")
	var admins int
	if err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM memberships WHERE organization_id = $1 AND role = 'admin' AND status = 'active'`, o.ID).Scan(&admins); err != nil || admins != 1 {
		t.Fatalf("active admins: %d %v", admins, err)
	}
}

func TestBlockedMemberLosesAccessToTheOrganizationOnly(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "center")
	other := apitest.NewStaffOrg(t, env, "other")
	manager := o.User("manager")
	apitest.AddMember(t, env, other.ID, manager, "manager")

	res, err := env.Client.BlockMemberWithResponse(ctx, o.ID, manager, o.As("admin"))
	if err != nil {
		t.Fatal(err)
	}
	if res.JSON200 == nil || res.JSON200.Status != "blocked" || res.JSON200.BlockedAt == nil {
		t.Fatalf("block: %d %s", res.StatusCode(), res.Body)
	}
	list, err := env.Client.ListMembersWithResponse(ctx, o.ID, nil, o.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, list.HTTPResponse, list.Body, http.StatusForbidden, "membership_blocked")
	inv, err := env.Client.CreateInvitationWithResponse(ctx, o.ID, client.InvitationRequest{Email: openapi_types.Email(apitest.NewEmail()), Role: "learner"}, o.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, inv.HTTPResponse, inv.Body, http.StatusForbidden, "membership_blocked")
	// The account itself and its other organization are untouched; /me
	// shows which membership is blocked.
	me := apitest.GetMe(t, env, o.Members["manager"].AccessToken)
	if me.JSON200 == nil {
		t.Fatalf("GET /me of a blocked member: %d", me.StatusCode())
	}
	statuses := map[uuid.UUID]client.MemberStatus{}
	for _, m := range me.JSON200.Memberships {
		statuses[m.Organization.ID] = m.Status
	}
	if statuses[o.ID] != "blocked" || statuses[other.ID] != "active" {
		t.Fatalf("membership statuses in /me: %v", statuses)
	}
	if page := listMembers(t, env, other, "manager", client.ListMembersParams{}); len(page.Items) != 6 {
		t.Fatalf("the other organization: %d members", len(page.Items))
	}
	blocked := client.MemberStatus("blocked")
	if page := listMembers(t, env, o, "admin", client.ListMembersParams{Status: &blocked}); len(page.Items) != 1 || page.Items[0].UserID != manager {
		t.Fatalf("blocked members: %v", memberIDs(page))
	}
	// Blocking again changes nothing and records nothing.
	if res, err := env.Client.BlockMemberWithResponse(ctx, o.ID, manager, o.As("admin")); err != nil || res.JSON200 == nil {
		t.Fatalf("block again: %v %s", err, res.Body)
	}
	if n := apitest.CountAudit(t, env, "member_blocked", o.ID, &manager); n != 1 {
		t.Fatalf("member_blocked events: %d", n)
	}

	un, err := env.Client.UnblockMemberWithResponse(ctx, o.ID, manager, o.As("admin"))
	if err != nil {
		t.Fatal(err)
	}
	if un.JSON200 == nil || un.JSON200.Status != "active" || un.JSON200.BlockedAt != nil {
		t.Fatalf("unblock: %d %s", un.StatusCode(), un.Body)
	}
	listMembers(t, env, o, "manager", client.ListMembersParams{})
	if n := apitest.CountAudit(t, env, "member_unblocked", o.ID, &manager); n != 1 {
		t.Fatalf("member_unblocked events: %d", n)
	}
}

// Every staff endpoint refuses learners (403), strangers (404) and anonymous
// callers (401).
func TestStaffEndpointsCheckRolesAndOrganizations(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "center")
	other := apitest.NewStaffOrg(t, env, "other")
	inv := apitest.Invite(t, env, o, "admin", apitest.NewEmail(), "learner")
	target := o.User("teacher")
	anonymous := func(context.Context, *http.Request) error { return nil }

	type call func(client.RequestEditorFn) (*http.Response, []byte, error)
	// Managers handle invitations; only admins change members or import them.
	adminOnly := map[string]bool{"updateMember": true, "blockMember": true, "unblockMember": true, "importMembers": true}
	for name, c := range map[string]call{
		"listMembers": func(as client.RequestEditorFn) (*http.Response, []byte, error) {
			r, err := env.Client.ListMembersWithResponse(ctx, o.ID, nil, as)
			return r.HTTPResponse, r.Body, err
		},
		"updateMember": func(as client.RequestEditorFn) (*http.Response, []byte, error) {
			r, err := env.Client.UpdateMemberWithResponse(ctx, o.ID, target, client.MemberUpdate{Role: "admin"}, as)
			return r.HTTPResponse, r.Body, err
		},
		"blockMember": func(as client.RequestEditorFn) (*http.Response, []byte, error) {
			r, err := env.Client.BlockMemberWithResponse(ctx, o.ID, target, as)
			return r.HTTPResponse, r.Body, err
		},
		"unblockMember": func(as client.RequestEditorFn) (*http.Response, []byte, error) {
			r, err := env.Client.UnblockMemberWithResponse(ctx, o.ID, target, as)
			return r.HTTPResponse, r.Body, err
		},
		"importMembers": func(as client.RequestEditorFn) (*http.Response, []byte, error) {
			r, err := env.Client.ImportMembersWithResponse(ctx, o.ID, client.MemberImportRequest{Members: []client.MemberImportRow{
				{Email: openapi_types.Email(apitest.NewEmail()), FirstName: "A", LastName: "B", Role: "learner"}}}, as)
			return r.HTTPResponse, r.Body, err
		},
		"createInvitation": func(as client.RequestEditorFn) (*http.Response, []byte, error) {
			r, err := env.Client.CreateInvitationWithResponse(ctx, o.ID, client.InvitationRequest{Email: openapi_types.Email(apitest.NewEmail()), Role: "learner"}, as)
			return r.HTTPResponse, r.Body, err
		},
		"listInvitations": func(as client.RequestEditorFn) (*http.Response, []byte, error) {
			r, err := env.Client.ListInvitationsWithResponse(ctx, o.ID, nil, as)
			return r.HTTPResponse, r.Body, err
		},
		"resendInvitation": func(as client.RequestEditorFn) (*http.Response, []byte, error) {
			r, err := env.Client.ResendInvitationWithResponse(ctx, o.ID, inv.ID, as)
			return r.HTTPResponse, r.Body, err
		},
		"revokeInvitation": func(as client.RequestEditorFn) (*http.Response, []byte, error) {
			r, err := env.Client.RevokeInvitationWithResponse(ctx, o.ID, inv.ID, as)
			return r.HTTPResponse, r.Body, err
		},
	} {
		type caseT struct {
			who    string
			as     client.RequestEditorFn
			status int
			code   string
		}
		cases := []caseT{
			{"learner", o.As("learner"), 403, "forbidden"},
			{"teacher", o.As("teacher"), 403, "forbidden"},
			{"director", o.As("director"), 403, "forbidden"},
			{"another organization's admin", other.As("admin"), 404, "not_found"},
			{"anonymous", anonymous, 401, "authentication_required"},
		}
		if adminOnly[name] {
			cases = append(cases, caseT{"manager", o.As("manager"), 403, "forbidden"})
		}
		for _, tc := range cases {
			res, body, err := c(tc.as)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tc.status {
				t.Errorf("%s as %s: %d %s, want %d", name, tc.who, res.StatusCode, body, tc.status)
				continue
			}
			apitest.WantProblem(t, res, body, tc.status, tc.code)
		}
	}
	// Ids that are not UUIDs are refused before any handler runs.
	for _, path := range []string{
		"/api/v1/organizations/not-a-uuid/members",
		"/api/v1/organizations/" + o.ID.String() + "/members/42/block",
		"/api/v1/organizations/" + o.ID.String() + "/invitations/42/resend",
	} {
		method := http.MethodPost
		if strings.HasSuffix(path, "/members") {
			method = http.MethodGet
		}
		req, _ := http.NewRequestWithContext(ctx, method, env.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+o.Members["admin"].AccessToken)
		res, err := env.HTTPClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		apitest.WantProblem(t, res, apitest.ReadAll(t, res), http.StatusUnprocessableEntity, "validation_failed") // names the path parameter
	}
	if n := apitest.CountRows(t, env, "audit_events WHERE event IN ('role_changed', 'member_blocked', 'member_unblocked', 'member_imported', 'invitation_revoked')"); n != 0 {
		t.Fatalf("refused calls wrote %d audit events", n)
	}
}

// A request that passed the role check just before another one demoted the
// caller is refused once it holds the organization's lock: changes to people
// are decided on the caller's role under that lock, not on a stale one.
func TestDemotedAdminsPendingChangeIsRefused(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "center")
	deputy, target := o.User("director"), o.User("teacher")
	if _, err := env.Pool.Exec(ctx, `UPDATE memberships SET role = 'admin' WHERE organization_id = $1 AND user_id = $2`, o.ID, deputy); err != nil {
		t.Fatal(err)
	}

	// Another admin's change holds the organization's lock…
	tx, err := env.Pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // committed below
	if _, err := tx.Exec(ctx, `SELECT 1 FROM organizations WHERE id = $1 FOR NO KEY UPDATE`, o.ID); err != nil {
		t.Fatal(err)
	}
	// …while the deputy, still an admin, asks to block somebody…
	type outcome struct {
		res *client.BlockMemberResponse
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		res, err := env.Client.BlockMemberWithResponse(ctx, o.ID, target, o.As("director"))
		done <- outcome{res, err}
	}()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var waiting int
		if err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&waiting); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the block request never waited for the organization's lock")
		}
	}
	// …and that change demotes the deputy.
	if _, err := tx.Exec(ctx, `UPDATE memberships SET role = 'teacher' WHERE organization_id = $1 AND user_id = $2`, o.ID, deputy); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	got := <-done
	if got.err != nil {
		t.Fatal(got.err)
	}
	apitest.WantProblem(t, got.res.HTTPResponse, got.res.Body, http.StatusForbidden, "forbidden")
	if n := apitest.CountRows(t, env, "memberships WHERE status = 'blocked'"); n != 0 {
		t.Fatalf("a demoted admin blocked %d members", n)
	}
}
