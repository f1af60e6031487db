package web

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// Staff roles: everyone but learners.
var StaffRoles = []db.MemberRole{db.MemberRoleTeacher, db.MemberRoleManager, db.MemberRoleDirector, db.MemberRoleAdmin}

// requireRole checks that the caller belongs to organization orgID with one
// of roles (any role when none are given). A non-member gets 404, so nobody
// learns what exists in another organization; a member without the role, or
// whose membership the organization blocked, gets 403. Staff-only endpoints
// of an organization that requires a second factor of its staff also refuse
// staff without one (403 second_factor_enrollment_required). Handlers return
// the error as is: it becomes the problem response.
func (s *Base) RequireRole(ctx context.Context, p *Principal, orgID uuid.UUID, roles ...db.MemberRole) (db.Membership, error) {
	m, err := MemberWithRole(ctx, s.Q, p, orgID, roles)
	if err != nil {
		return db.Membership{}, err
	}
	if OnlyStaffRoles(roles) {
		if err := s.RequireStaffSecondFactor(ctx, p, orgID); err != nil {
			return db.Membership{}, err
		}
	}
	return m, nil
}

// lockOrganizationAs locks organization orgID for a change to its people
// (see LockOrganization) and checks again, under the lock, that the caller
// still has one of roles there: a concurrent request may have demoted or
// blocked the caller since requireRole looked.
func LockOrganizationAs(ctx context.Context, q *db.Queries, p *Principal, orgID uuid.UUID, roles ...db.MemberRole) (db.Organization, db.Membership, error) {
	org, err := q.LockOrganization(ctx, orgID)
	if err != nil {
		return db.Organization{}, db.Membership{}, err
	}
	m, err := MemberWithRole(ctx, q, p, orgID, roles)
	return org, m, err
}

// memberWithRole is requireRole's check of the membership itself.
func MemberWithRole(ctx context.Context, q *db.Queries, p *Principal, orgID uuid.UUID, roles []db.MemberRole) (db.Membership, error) {
	m, err := q.GetMembership(ctx, db.GetMembershipParams{OrganizationID: orgID, UserID: p.User.ID})
	if errors.Is(err, pgx.ErrNoRows) {
		return db.Membership{}, &Error{Problem: NewProblem(ctx, http.StatusNotFound, CodeNotFound, "There is no such organization.")}
	}
	if err != nil {
		return db.Membership{}, err
	}
	if m.Status == db.MembershipStatusBlocked { // blocked by the organization's admin: see members.go
		return db.Membership{}, &Error{Problem: NewProblem(ctx, http.StatusForbidden, CodeMembershipBlocked,
			"Your access to this organization is blocked; contact its administrator.")}
	}
	if len(roles) > 0 && !slices.Contains(roles, m.Role) {
		return db.Membership{}, &Error{Problem: NewProblem(ctx, http.StatusForbidden, CodeForbidden,
			"Your role in this organization does not allow this.")}
	}
	return m, nil
}

// requireStaffSecondFactor refuses a staff member of orgID without an
// enabled authenticator when the organization requires one of its staff.
// requireRole calls it for endpoints that only staff may use.
func (s *Base) RequireStaffSecondFactor(ctx context.Context, p *Principal, orgID uuid.UUID) error {
	return s.RequireStaffSecondFactorIn(ctx, s.Q, p, orgID)
}

// RequireStaffSecondFactorIn is RequireStaffSecondFactor through q, for a
// check inside a transaction (never a second connection from inside one).
func (s *Base) RequireStaffSecondFactorIn(ctx context.Context, q *db.Queries, p *Principal, orgID uuid.UUID) error {
	missing, err := q.StaffSecondFactorMissing(ctx, db.StaffSecondFactorMissingParams{OrganizationID: orgID, UserID: p.User.ID})
	if err != nil {
		return store.NotFound(err)
	}
	if !missing {
		return nil
	}
	return &Error{Problem: NewProblem(ctx, http.StatusForbidden, CodeSecondFactorEnrollmentRequired,
		"This organization requires a second factor of its staff: enrol an authenticator (POST /api/v1/me/totp) first.")}
}

// onlyStaffRoles reports whether roles name staff roles only, i.e. the
// endpoint is closed to learners.
func OnlyStaffRoles(roles []db.MemberRole) bool {
	if len(roles) == 0 {
		return false
	}
	for _, r := range roles {
		if !slices.Contains(StaffRoles, r) {
			return false
		}
	}
	return true
}

// markSecondFactorRequired sets secondFactorRequired on the memberships of
// userID. Only staff memberships can need it, so learners cost no query.
func (s *Base) MarkSecondFactorRequired(ctx context.Context, userID uuid.UUID, ms []api.Membership) error {
	staff := false
	for i := range ms {
		ms[i].SecondFactorRequired = new(false)
		staff = staff || ms[i].Role != api.Role(db.MemberRoleLearner)
	}
	if !staff {
		return nil
	}
	orgs, err := s.Q.ListOrganizationsAwaitingSecondFactor(ctx, userID)
	if err != nil {
		return err
	}
	for i := range ms {
		*ms[i].SecondFactorRequired = slices.Contains(orgs, ms[i].Organization.ID)
	}
	return nil
}
