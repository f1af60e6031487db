package organizations_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/config"
)

func TestInvitationIsAcceptedWithTheUsersOwnPassword(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, func(c *config.Config) { c.InvitationURL = "https://lk.example.org/join#x?token={token}" })
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "center")
	email := apitest.NewEmail()

	res, err := env.Client.CreateInvitationWithResponse(ctx, o.ID, client.InvitationRequest{
		Email: openapi_types.Email("  " + strings.ToUpper(email)), Role: "teacher", FirstName: new("Пётр"),
	}, o.As("admin"))
	if err != nil {
		t.Fatal(err)
	}
	inv := res.JSON201
	if inv == nil {
		t.Fatalf("invite: %d %s", res.StatusCode(), res.Body)
	}
	if string(inv.Email) != email || inv.Role != "teacher" || inv.Status != "pending" || inv.FirstName != "Пётр" ||
		inv.InvitedBy == nil || *inv.InvitedBy != o.User("admin") || inv.UserID != nil || inv.AcceptedAt != nil ||
		inv.ExpiresAt.Sub(inv.CreatedAt).Round(time.Minute) != 24*time.Hour {
		t.Fatalf("invitation = %+v", inv)
	}
	text := apitest.LastMail(t, env, email, "invitation")
	if !strings.Contains(text, "https://lk.example.org/join#x?token=") || !strings.Contains(text, "Центр center") || !strings.Contains(text, "преподаватель") {
		t.Fatalf("invitation e-mail does not carry the configured link, organization and role:\n%s", text)
	}
	token := apitest.InvitationToken(t, env, email)
	var stored []byte
	if err := env.Pool.QueryRow(ctx, `SELECT token_hash FROM invitations WHERE id = $1`, inv.ID).Scan(&stored); err != nil || len(stored) != 32 || strings.Contains(string(stored), token) {
		t.Fatalf("the token must be stored as a SHA-256 hash only: %x %v", stored, err)
	}
	if n := apitest.CountAudit(t, env, "invitation_sent", o.ID, nil); n != 1 {
		t.Fatalf("invitation_sent events: %d", n)
	}

	// The SPA shows the invitation before the user accepts it.
	pre, err := env.Client.GetInvitationWithResponse(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if pre.JSON200 == nil || pre.JSON200.Organization.ID != o.ID || pre.JSON200.Organization.Name != "Центр center" ||
		pre.JSON200.Role != "teacher" || string(pre.JSON200.Email) != email || pre.JSON200.FirstName != "Пётр" {
		t.Fatalf("preview: %d %s", pre.StatusCode(), pre.Body)
	}

	acc, err := apitest.AcceptInvitation(env, token)
	if err != nil {
		t.Fatal(err)
	}
	if acc.JSON201 == nil {
		t.Fatalf("accept: %d %s", acc.StatusCode(), acc.Body)
	}
	u := acc.JSON201.User
	if string(u.Email) != email || u.FirstName != "Пётр" || u.Phone != nil || !u.EmailVerified {
		t.Fatalf("new account = %+v", u)
	}
	me := apitest.GetMe(t, env, acc.JSON201.AccessToken)
	if me.JSON200 == nil || len(me.JSON200.Memberships) != 1 || me.JSON200.Memberships[0].Organization.ID != o.ID || me.JSON200.Memberships[0].Role != "teacher" {
		t.Fatalf("memberships after accepting: %s", me.Body)
	}
	if n := apitest.CountAudit(t, env, "invitation_accepted", o.ID, &u.ID); n != 1 {
		t.Fatalf("invitation_accepted events: %d", n)
	}
	if res := apitest.Login(t, env, email, "Own-Passw0rd!", false); res.JSON200 == nil {
		t.Fatalf("login with the chosen password: %d %s", res.StatusCode(), res.Body)
	}

	// The link works once.
	again, err := apitest.AcceptInvitation(env, token)
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, again.HTTPResponse, again.Body, http.StatusNotFound, "invitation_invalid")
	pre, err = env.Client.GetInvitationWithResponse(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, pre.HTTPResponse, pre.Body, http.StatusNotFound, "invitation_invalid")

	// An accepted invitation is no longer listed, resendable or revocable.
	list, err := env.Client.ListInvitationsWithResponse(ctx, o.ID, nil, o.As("admin"))
	if err != nil || list.JSON200 == nil || len(list.JSON200.Items) != 0 {
		t.Fatalf("open invitations after acceptance: %v %s", err, list.Body)
	}
	rs, err := env.Client.ResendInvitationWithResponse(ctx, o.ID, inv.ID, o.As("admin"))
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, rs.HTTPResponse, rs.Body, http.StatusNotFound, "not_found")
}

func TestInvitationTokensThatAreTamperedExpiredResentOrRevoked(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "center")

	// Tampered or made-up tokens.
	email := apitest.NewEmail()
	inv := apitest.Invite(t, env, o, "admin", email, "learner")
	token := apitest.InvitationToken(t, env, email)
	flipped := []byte(token)
	if flipped[len(flipped)-1] == 'A' {
		flipped[len(flipped)-1] = 'B'
	} else {
		flipped[len(flipped)-1] = 'A'
	}
	for _, bad := range []string{string(flipped), token[:len(token)-1], strings.ToLower(token), "x"} {
		pre, err := env.Client.GetInvitationWithResponse(ctx, bad)
		if err != nil {
			t.Fatal(err)
		}
		apitest.WantProblem(t, pre.HTTPResponse, pre.Body, http.StatusNotFound, "invitation_invalid")
		acc, err := apitest.AcceptInvitation(env, bad)
		if err != nil {
			t.Fatal(err)
		}
		apitest.WantProblem(t, acc.HTTPResponse, acc.Body, http.StatusNotFound, "invitation_invalid")
	}

	// Expired: 410, and nothing is created.
	if _, err := env.Pool.Exec(ctx, `UPDATE invitations SET expires_at = now() - interval '1 second' WHERE id = $1`, inv.ID); err != nil {
		t.Fatal(err)
	}
	pre, err := env.Client.GetInvitationWithResponse(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, pre.HTTPResponse, pre.Body, http.StatusGone, "invitation_expired")
	users := apitest.CountRows(t, env, "users")
	acc, err := apitest.AcceptInvitation(env, token)
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, acc.HTTPResponse, acc.Body, http.StatusGone, "invitation_expired")
	if apitest.CountRows(t, env, "users") != users {
		t.Fatal("an expired invitation created an account")
	}
	list, err := env.Client.ListInvitationsWithResponse(ctx, o.ID, nil, o.As("manager"))
	if err != nil || list.JSON200 == nil || len(list.JSON200.Items) != 1 || list.JSON200.Items[0].Status != "expired" {
		t.Fatalf("the expired invitation should be listed as expired: %v %s", err, list.Body)
	}

	// Resending revives it with a new link; the old link is dead.
	rs, err := env.Client.ResendInvitationWithResponse(ctx, o.ID, inv.ID, o.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	if rs.JSON200 == nil || rs.JSON200.Status != "pending" || !rs.JSON200.ExpiresAt.After(time.Now().Add(23*time.Hour)) {
		t.Fatalf("resend: %d %s", rs.StatusCode(), rs.Body)
	}
	fresh := apitest.InvitationToken(t, env, email)
	if fresh == token || apitest.CountMail(t, env, email, "invitation") != 2 {
		t.Fatal("resend must e-mail a new link")
	}
	acc, err = apitest.AcceptInvitation(env, token)
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, acc.HTTPResponse, acc.Body, http.StatusNotFound, "invitation_invalid")
	if pre, err := env.Client.GetInvitationWithResponse(ctx, fresh); err != nil || pre.JSON200 == nil {
		t.Fatalf("the new link: %v %s", err, pre.Body)
	}

	// Revoked: the link dies at once; the invitation is gone from the list.
	rv, err := env.Client.RevokeInvitationWithResponse(ctx, o.ID, inv.ID, o.As("manager"))
	if err != nil || rv.StatusCode() != http.StatusNoContent {
		t.Fatalf("revoke: %v %d %s", err, rv.StatusCode(), rv.Body)
	}
	acc, err = apitest.AcceptInvitation(env, fresh)
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, acc.HTTPResponse, acc.Body, http.StatusNotFound, "invitation_invalid")
	for _, call := range []func() (*http.Response, []byte, error){
		func() (*http.Response, []byte, error) {
			r, err := env.Client.RevokeInvitationWithResponse(ctx, o.ID, inv.ID, o.As("admin"))
			return r.HTTPResponse, r.Body, err
		},
		func() (*http.Response, []byte, error) {
			r, err := env.Client.ResendInvitationWithResponse(ctx, o.ID, inv.ID, o.As("admin"))
			return r.HTTPResponse, r.Body, err
		},
	} {
		res, body, err := call()
		if err != nil {
			t.Fatal(err)
		}
		apitest.WantProblem(t, res, body, http.StatusNotFound, "not_found")
	}
	if n := apitest.CountAudit(t, env, "invitation_revoked", o.ID, nil); n != 1 {
		t.Fatalf("invitation_revoked events: %d", n)
	}
}

func TestInvitingAnExistingAccountGrantsTheMembershipAtOnce(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "center")
	acc := apitest.NewAccount()
	existing := apitest.Register(t, env, acc)
	hash := func() string {
		var h string
		if err := env.Pool.QueryRow(ctx, `SELECT password_hash FROM users WHERE id = $1`, existing.User.ID).Scan(&h); err != nil {
			t.Fatal(err)
		}
		return h
	}
	before := hash()

	inv := apitest.Invite(t, env, o, "manager", strings.ToUpper(string(acc.Email)), "teacher")
	if inv.Status != "accepted" || inv.UserID == nil || *inv.UserID != existing.User.ID || inv.AcceptedAt == nil {
		t.Fatalf("invitation of an existing account = %+v", inv)
	}
	me := apitest.GetMe(t, env, existing.AccessToken)
	found := false
	for _, m := range me.JSON200.Memberships {
		found = found || m.Organization.ID == o.ID && m.Role == "teacher"
	}
	if !found {
		t.Fatalf("the existing account did not get the membership: %s", me.Body)
	}
	if apitest.CountMail(t, env, string(existing.User.Email), "invitation") != 0 {
		t.Fatal("an existing account must not get a link to set a password")
	}
	if text := apitest.LastMail(t, env, string(existing.User.Email), "membership_granted"); !strings.Contains(text, "Центр center") {
		t.Fatalf("notification: %s", text)
	}
	if hash() != before {
		t.Fatal("the invitation touched the password")
	}
	for _, event := range []string{"invitation_sent", "invitation_accepted"} {
		if n := apitest.CountAudit(t, env, event, o.ID, &existing.User.ID); n != 1 {
			t.Fatalf("%s events: %d", event, n)
		}
	}

	// Once a member, another invitation is a conflict.
	res, err := env.Client.CreateInvitationWithResponse(ctx, o.ID, client.InvitationRequest{Email: acc.Email, Role: "learner"}, o.As("admin"))
	if err != nil {
		t.Fatal(err)
	}
	p := apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusConflict, "already_member")
	if !apitest.Contains(apitest.Fields(p), "email:already_member") {
		t.Fatalf("fields: %v", apitest.Fields(p))
	}
}

func TestInvitationRoleRules(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "center")
	other := apitest.NewStaffOrg(t, env, "other")

	for _, tc := range []struct {
		as     client.Role
		role   client.Role
		status int
	}{
		{"admin", "admin", 201}, {"admin", "director", 201}, {"admin", "manager", 201},
		{"manager", "teacher", 201}, {"manager", "learner", 201},
		{"manager", "manager", 403}, {"manager", "admin", 403}, {"manager", "director", 403},
		{"director", "learner", 403}, {"teacher", "learner", 403}, {"learner", "learner", 403},
	} {
		res, err := env.Client.CreateInvitationWithResponse(ctx, o.ID, client.InvitationRequest{Email: openapi_types.Email(apitest.NewEmail()), Role: tc.role}, o.As(tc.as))
		if err != nil {
			t.Fatal(err)
		}
		if res.StatusCode() != tc.status {
			t.Errorf("%s inviting a %s: %d %s, want %d", tc.as, tc.role, res.StatusCode(), res.Body, tc.status)
		}
		if tc.status == 403 {
			apitest.WantProblem(t, res.HTTPResponse, res.Body, 403, "forbidden")
		}
	}

	// A pending invitation to the same address is a conflict.
	email := apitest.NewEmail()
	apitest.Invite(t, env, o, "admin", email, "learner")
	res, err := env.Client.CreateInvitationWithResponse(ctx, o.ID, client.InvitationRequest{Email: openapi_types.Email(email), Role: "teacher"}, o.As("admin"))
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusConflict, "invitation_pending")
	// ... but another organization may apitest.Invite it too.
	apitest.Invite(t, env, other, "admin", email, "learner")

	// A manager cannot resend or revoke an invitation for a role above theirs.
	adminInv := apitest.Invite(t, env, o, "admin", apitest.NewEmail(), "admin")
	rs, err := env.Client.ResendInvitationWithResponse(ctx, o.ID, adminInv.ID, o.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, rs.HTTPResponse, rs.Body, 403, "forbidden")
	rv, err := env.Client.RevokeInvitationWithResponse(ctx, o.ID, adminInv.ID, o.As("manager"))
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, rv.HTTPResponse, rv.Body, 403, "forbidden")

	// Nobody reaches another organization's invitations, even by id.
	rv, err = env.Client.RevokeInvitationWithResponse(ctx, other.ID, adminInv.ID, o.As("admin"))
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, rv.HTTPResponse, rv.Body, 404, "not_found")
	rv, err = env.Client.RevokeInvitationWithResponse(ctx, other.ID, adminInv.ID, other.As("admin"))
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, rv.HTTPResponse, rv.Body, 404, "not_found")
	if rv, err := env.Client.RevokeInvitationWithResponse(ctx, o.ID, adminInv.ID, o.As("admin")); err != nil || rv.StatusCode() != 204 {
		t.Fatalf("admin revoking: %v %d", err, rv.StatusCode())
	}
}

func TestExpiredInvitationIsReplacedByANewOne(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "center")
	email := apitest.NewEmail()
	old := apitest.Invite(t, env, o, "admin", email, "learner")
	oldToken := apitest.InvitationToken(t, env, email)
	if _, err := env.Pool.Exec(ctx, `UPDATE invitations SET expires_at = now() - interval '1 minute' WHERE id = $1`, old.ID); err != nil {
		t.Fatal(err)
	}
	fresh := apitest.Invite(t, env, o, "admin", email, "teacher")
	if fresh.ID == old.ID || fresh.Role != "teacher" {
		t.Fatalf("new invitation = %+v", fresh)
	}
	res, err := apitest.AcceptInvitation(env, oldToken)
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusNotFound, "invitation_invalid")
	list, err := env.Client.ListInvitationsWithResponse(ctx, o.ID, nil, o.As("admin"))
	if err != nil || list.JSON200 == nil || len(list.JSON200.Items) != 1 || list.JSON200.Items[0].ID != fresh.ID {
		t.Fatalf("open invitations: %v %s", err, list.Body)
	}
}

func TestListInvitationsPaginatesAndChecksAccess(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "center")
	other := apitest.NewStaffOrg(t, env, "other")
	for range 5 {
		apitest.Invite(t, env, o, "manager", apitest.NewEmail(), "learner")
	}
	apitest.Invite(t, env, other, "admin", apitest.NewEmail(), "learner")

	seen := map[openapi_types.UUID]bool{}
	var cursor *string
	for pages := 1; ; pages++ {
		limit := 2
		res, err := env.Client.ListInvitationsWithResponse(ctx, o.ID, &client.ListInvitationsParams{Limit: &limit, Cursor: cursor}, o.As("admin"))
		if err != nil || res.JSON200 == nil {
			t.Fatalf("page %d: %v %s", pages, err, res.Body)
		}
		for _, i := range res.JSON200.Items {
			if i.OrganizationID != o.ID || seen[i.ID] {
				t.Fatalf("foreign or repeated invitation %+v", i)
			}
			seen[i.ID] = true
		}
		if cursor = res.JSON200.NextCursor; cursor == nil {
			if pages != 3 || len(seen) != 5 {
				t.Fatalf("%d pages, %d invitations; want 3 and 5", pages, len(seen))
			}
			break
		}
	}
	bad := "not-a-cursor"
	res, err := env.Client.ListInvitationsWithResponse(ctx, o.ID, &client.ListInvitationsParams{Cursor: &bad}, o.As("admin"))
	if err != nil {
		t.Fatal(err)
	}
	if p := apitest.WantProblem(t, res.HTTPResponse, res.Body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), "query.cursor:invalid_value") {
		t.Fatalf("fields %v", apitest.Fields(p))
	}
	for role, status := range map[client.Role]int{"learner": 403, "teacher": 403, "director": 403} {
		res, err := env.Client.ListInvitationsWithResponse(ctx, o.ID, nil, o.As(role))
		if err != nil {
			t.Fatal(err)
		}
		apitest.WantProblem(t, res.HTTPResponse, res.Body, status, "forbidden")
	}
	res, err = env.Client.ListInvitationsWithResponse(ctx, o.ID, nil, other.As("admin"))
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, res.HTTPResponse, res.Body, 404, "not_found")
}

func TestInvitationLinksAreThrottledPerIP(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	for i := range 30 {
		res, err := env.Client.GetInvitationWithResponse(ctx, "GUESS"+apitest.Itoa(int64(i)))
		if err != nil {
			t.Fatal(err)
		}
		apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusNotFound, "invitation_invalid")
	}
	res, err := env.Client.GetInvitationWithResponse(ctx, "GUESS")
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusTooManyRequests, "rate_limited")
	acc, err := apitest.AcceptInvitation(env, "GUESS")
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, acc.HTTPResponse, acc.Body, http.StatusTooManyRequests, "rate_limited")
	if acc.HTTPResponse.Header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
}
