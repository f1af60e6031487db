package organizations_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

func TestOrganizationSecuritySettingsAccess(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	admin, teacher, learner, outsider := apitest.NewTOTPUser(t, env), apitest.NewTOTPUser(t, env), apitest.NewTOTPUser(t, env), apitest.NewTOTPUser(t, env)
	org := apitest.NewOrg(t, env, "north", map[uuid.UUID]db.MemberRole{
		admin.ID(): db.MemberRoleAdmin, teacher.ID(): db.MemberRoleTeacher, learner.ID(): db.MemberRoleLearner,
	})
	apitest.NewOrg(t, env, "south", map[uuid.UUID]db.MemberRole{outsider.ID(): db.MemberRoleAdmin})

	for _, c := range []struct {
		name   string
		who    *apitest.TOTPUser
		org    uuid.UUID
		status int
		code   string
	}{
		{"learner", learner, org, http.StatusForbidden, "forbidden"},
		{"teacher", teacher, org, http.StatusForbidden, "forbidden"},
		{"admin of another organization", outsider, org, http.StatusNotFound, "not_found"},
		{"unknown organization", admin, uuid.New(), http.StatusNotFound, "not_found"},
	} {
		get, err := env.Client.GetOrganizationSecuritySettingsWithResponse(ctx, c.org, c.who.Bearer())
		if err != nil {
			t.Fatal(err)
		}
		apitest.ProblemOf(t, get.StatusCode(), get.HTTPResponse.Header, get.Body, c.status, c.code)
		put, err := env.Client.UpdateOrganizationSecuritySettingsWithResponse(ctx, c.org, client.OrganizationSecuritySettings{RequireStaffTwoFactor: true}, c.who.Bearer())
		if err != nil {
			t.Fatal(err)
		}
		apitest.ProblemOf(t, put.StatusCode(), put.HTTPResponse.Header, put.Body, c.status, c.code)
	}
	get, err := env.Client.GetOrganizationSecuritySettingsWithResponse(ctx, org, admin.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	if get.JSON200 == nil || get.JSON200.RequireStaffTwoFactor {
		t.Fatalf("admin reads the settings: %d %s", get.StatusCode(), get.Body)
	}
	// Without the bearer token: 401 before anything else.
	anon, err := env.Client.GetOrganizationSecuritySettingsWithResponse(ctx, org)
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, anon.StatusCode(), anon.HTTPResponse.Header, anon.Body, http.StatusUnauthorized, "authentication_required")
}

func TestOrganizationRequiresStaffSecondFactor(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	admin, teacher, learner := apitest.NewTOTPUser(t, env), apitest.NewTOTPUser(t, env), apitest.NewTOTPUser(t, env)
	org := apitest.NewOrg(t, env, "north", map[uuid.UUID]db.MemberRole{
		admin.ID(): db.MemberRoleAdmin, teacher.ID(): db.MemberRoleTeacher, learner.ID(): db.MemberRoleLearner,
	})
	put := func(u *apitest.TOTPUser, require bool) *client.UpdateOrganizationSecuritySettingsResponse {
		t.Helper()
		res, err := env.Client.UpdateOrganizationSecuritySettingsWithResponse(ctx, org, client.OrganizationSecuritySettings{RequireStaffTwoFactor: require}, u.Bearer())
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	required := func(u *apitest.TOTPUser) map[string]bool {
		t.Helper()
		me := apitest.GetMe(t, env, u.Token())
		if me.JSON200 == nil {
			t.Fatalf("GET /me: %d %s", me.StatusCode(), me.Body)
		}
		out := map[string]bool{}
		for _, m := range me.JSON200.Memberships {
			if m.SecondFactorRequired == nil {
				t.Fatalf("membership %s has no secondFactorRequired", m.Organization.Slug)
			}
			out[m.Organization.Slug] = *m.SecondFactorRequired
		}
		return out
	}

	if got := required(admin); got["north"] || got["default"] {
		t.Fatalf("before the requirement: %v", got)
	}
	res := put(admin, true)
	if res.JSON200 == nil || !res.JSON200.RequireStaffTwoFactor {
		t.Fatalf("require 2FA: %d %s", res.StatusCode(), res.Body)
	}

	// From now on staff without a second factor are refused, the admin who
	// set it included; the SPA sees why in /me and in the status.
	res = put(admin, false)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusForbidden, "second_factor_enrollment_required")
	reset, err := env.Client.ResetMemberSecondFactorWithResponse(ctx, org, teacher.ID(), admin.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, reset.StatusCode(), reset.HTTPResponse.Header, reset.Body, http.StatusForbidden, "second_factor_enrollment_required")
	for _, u := range []*apitest.TOTPUser{admin, teacher} {
		if got := required(u); !got["north"] || got["default"] {
			t.Errorf("staff memberships: %v; want north only", got)
		}
	}
	if got := required(learner); got["north"] {
		t.Errorf("a learner is not staff: %v", got)
	}
	st, err := env.Client.GetTotpStatusWithResponse(ctx, teacher.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	if st.JSON200 == nil || !slices.Equal(st.JSON200.RequiredByOrganizations, []uuid.UUID{org}) {
		t.Fatalf("teacher's status: %d %s", st.StatusCode(), st.Body)
	}
	orgs, err := env.Client.ListMyOrganizationsWithResponse(ctx, &client.ListMyOrganizationsParams{}, teacher.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	if orgs.JSON200 == nil || !slices.ContainsFunc(orgs.JSON200.Items, func(m client.Membership) bool {
		return m.Organization.ID == org && m.SecondFactorRequired != nil && *m.SecondFactorRequired
	}) {
		t.Fatalf("the organizations list does not mark north: %d %s", orgs.StatusCode(), orgs.Body)
	}

	// A learner still gets the role check, not the second-factor one.
	res = put(learner, false)
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusForbidden, "forbidden")

	// After enrolling, the admin is let through.
	admin.Enrol(t, env)
	if got := required(admin); got["north"] {
		t.Errorf("after enrolling: %v", got)
	}
	res = put(admin, false)
	if res.JSON200 == nil || res.JSON200.RequireStaffTwoFactor {
		t.Fatalf("after enrolling: %d %s", res.StatusCode(), res.Body)
	}
	if got := required(teacher); got["north"] {
		t.Errorf("the requirement was lifted: %v", got)
	}
	var n int
	if err := env.Pool.QueryRow(ctx, "SELECT count(*) FROM audit_events WHERE event = 'organization_security_changed' AND organization_id = $1 AND actor_id = $2",
		org, admin.ID()).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("%d organization_security_changed events, want 2", n)
	}
}

func TestResetMemberSecondFactor(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	admin, learner, outsider := apitest.NewTOTPUser(t, env), apitest.NewTOTPUser(t, env), apitest.NewTOTPUser(t, env)
	teacher, stranger := apitest.EnrolledUser(t, env), apitest.EnrolledUser(t, env)
	org := apitest.NewOrg(t, env, "north", map[uuid.UUID]db.MemberRole{
		admin.ID(): db.MemberRoleAdmin, teacher.ID(): db.MemberRoleTeacher, learner.ID(): db.MemberRoleLearner,
	})
	apitest.NewOrg(t, env, "south", map[uuid.UUID]db.MemberRole{outsider.ID(): db.MemberRoleAdmin, stranger.ID(): db.MemberRoleTeacher})

	reset := func(by *apitest.TOTPUser, org, target uuid.UUID) *client.ResetMemberSecondFactorResponse {
		t.Helper()
		res, err := env.Client.ResetMemberSecondFactorWithResponse(ctx, org, target, by.Bearer())
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	for _, c := range []struct {
		name   string
		by     *apitest.TOTPUser
		target uuid.UUID
		status int
		code   string
	}{
		{"learner", learner, teacher.ID(), http.StatusForbidden, "forbidden"},
		{"teacher", teacher, teacher.ID(), http.StatusForbidden, "forbidden"},
		{"admin of another organization", outsider, teacher.ID(), http.StatusNotFound, "not_found"},
		{"not a member of the organization", admin, stranger.ID(), http.StatusNotFound, "not_found"},
		{"no such user", admin, uuid.New(), http.StatusNotFound, "not_found"},
		{"one's own account", admin, admin.ID(), http.StatusForbidden, "forbidden"},
		{"nothing to reset", admin, learner.ID(), http.StatusConflict, "second_factor_not_enabled"},
	} {
		t.Run(c.name, func(t *testing.T) {
			res := reset(c.by, org, c.target)
			apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, c.status, c.code)
		})
	}
	if got := apitest.Login(t, env, stranger.Email(), stranger.Acc.Password, false); got.JSON202 == nil {
		t.Fatal("a refused reset must leave the second factor on")
	}

	res := reset(admin, org, teacher.ID())
	if res.StatusCode() != http.StatusNoContent {
		t.Fatalf("reset: %d %s", res.StatusCode(), res.Body)
	}
	if got := apitest.Login(t, env, teacher.Email(), teacher.Acc.Password, false); got.JSON200 == nil {
		t.Fatalf("after the reset the password alone signs in: %d %s", got.StatusCode(), got.Body)
	}
	var left int
	if err := env.Pool.QueryRow(ctx, "SELECT (SELECT count(*) FROM recovery_codes WHERE user_id = $1) + (SELECT count(*) FROM totp_authenticators WHERE user_id = $1)",
		teacher.ID()).Scan(&left); err != nil {
		t.Fatal(err)
	}
	if left != 0 {
		t.Errorf("%d authenticator and recovery code rows left", left)
	}
	res = reset(admin, org, teacher.ID())
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusConflict, "second_factor_not_enabled")

	if got := apitest.SentTemplates(t, env, teacher.Email()); !slices.Equal(got, []string{"welcome", "totp_enabled", "totp_reset"}) {
		t.Errorf("mails = %v", got)
	}
	var body string
	if err := env.Pool.QueryRow(ctx, "SELECT body_text FROM outbox WHERE recipient = $1 AND template = 'totp_reset'", teacher.Email()).Scan(&body); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body, "Центр north") {
		t.Errorf("the e-mail does not name the organization: %s", body)
	}
	var actor, orgID uuid.UUID
	if err := env.Pool.QueryRow(ctx, "SELECT actor_id, organization_id FROM audit_events WHERE event = 'totp_reset' AND user_id = $1", teacher.ID()).Scan(&actor, &orgID); err != nil {
		t.Fatal(err)
	}
	if actor != admin.ID() || orgID != org {
		t.Errorf("totp_reset by %s in %s, want by %s in %s", actor, orgID, admin.ID(), org)
	}

	// The member enrols again.
	teacher.Last = 0
	teacher.Enrol(t, env)
	if got := apitest.Login(t, env, teacher.Email(), teacher.Acc.Password, false); got.JSON202 == nil {
		t.Fatal("after enrolling again the second factor is asked")
	}
}

func TestSecondFactorChallengeDiesWithTheAuthenticator(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	admin, member := apitest.NewTOTPUser(t, env), apitest.EnrolledUser(t, env)
	org := apitest.NewOrg(t, env, "north", map[uuid.UUID]db.MemberRole{admin.ID(): db.MemberRoleAdmin, member.ID(): db.MemberRoleManager})
	ch := member.Challenge(t, env, false)
	if res, err := env.Client.ResetMemberSecondFactorWithResponse(ctx, org, member.ID(), admin.Bearer()); err != nil || res.StatusCode() != http.StatusNoContent {
		t.Fatalf("reset: %v %d", err, res.StatusCode())
	}
	r := apitest.SecondFactor(t, env, client.SecondFactorLoginRequest{ChallengeToken: ch, RecoveryCode: &member.Codes[0]})
	apitest.ProblemOf(t, r.StatusCode(), r.HTTPResponse.Header, r.Body, http.StatusUnauthorized, "invalid_challenge")
}

// An admin of one organization cannot strip the second factor of somebody
// who is staff of another organization too (the authenticator is global).
func TestResetSecondFactorOfStaffElsewhereIsRefused(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	admin, shared := apitest.NewTOTPUser(t, env), apitest.EnrolledUser(t, env)
	org := apitest.NewOrg(t, env, "east", map[uuid.UUID]db.MemberRole{admin.ID(): db.MemberRoleAdmin, shared.ID(): db.MemberRoleLearner})
	apitest.NewOrg(t, env, "west", map[uuid.UUID]db.MemberRole{shared.ID(): db.MemberRoleManager})

	res, err := env.Client.ResetMemberSecondFactorWithResponse(ctx, org, shared.ID(), admin.Bearer())
	if err != nil {
		t.Fatal(err)
	}
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusForbidden, "second_factor_reset_not_allowed")
	var enabled bool
	if err := env.Pool.QueryRow(ctx, "SELECT enabled_at IS NOT NULL FROM totp_authenticators WHERE user_id = $1", shared.ID()).Scan(&enabled); err != nil || !enabled {
		t.Fatalf("the authenticator was touched: enabled=%v err=%v", enabled, err)
	}
}
