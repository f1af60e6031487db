package httpapi

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/db"
)

// Staff roles: everyone but learners.
var staffRoles = []db.MemberRole{db.MemberRoleTeacher, db.MemberRoleManager, db.MemberRoleDirector, db.MemberRoleAdmin}

// requireRole checks that the caller belongs to organization orgID with one
// of roles (any role when none are given). A non-member gets 404, so nobody
// learns what exists in another organization; a member without the role, or
// whose membership the organization blocked, gets 403. Staff-only endpoints
// of an organization that requires a second factor of its staff also refuse
// staff without one (403 second_factor_enrollment_required). Handlers return
// the error as is: it becomes the problem response.
func (s *Server) requireRole(ctx context.Context, p *principal, orgID uuid.UUID, roles ...db.MemberRole) (db.Membership, error) {
	m, err := memberWithRole(ctx, s.q, p, orgID, roles)
	if err != nil {
		return db.Membership{}, err
	}
	if onlyStaffRoles(roles) {
		if err := s.requireStaffSecondFactor(ctx, p, orgID); err != nil {
			return db.Membership{}, err
		}
	}
	return m, nil
}

// lockOrganizationAs locks organization orgID for a change to its people
// (see LockOrganization) and checks again, under the lock, that the caller
// still has one of roles there: a concurrent request may have demoted or
// blocked the caller since requireRole looked.
func lockOrganizationAs(ctx context.Context, q *db.Queries, p *principal, orgID uuid.UUID, roles ...db.MemberRole) (db.Organization, db.Membership, error) {
	org, err := q.LockOrganization(ctx, orgID)
	if err != nil {
		return db.Organization{}, db.Membership{}, err
	}
	m, err := memberWithRole(ctx, q, p, orgID, roles)
	return org, m, err
}

// memberWithRole is requireRole's check of the membership itself.
func memberWithRole(ctx context.Context, q *db.Queries, p *principal, orgID uuid.UUID, roles []db.MemberRole) (db.Membership, error) {
	m, err := q.GetMembership(ctx, db.GetMembershipParams{OrganizationID: orgID, UserID: p.user.ID})
	if errors.Is(err, pgx.ErrNoRows) {
		return db.Membership{}, &problemError{problem: newProblem(ctx, http.StatusNotFound, codeNotFound, "There is no such organization.")}
	}
	if err != nil {
		return db.Membership{}, err
	}
	if m.Status == db.MembershipStatusBlocked { // blocked by the organization's admin: see members.go
		return db.Membership{}, &problemError{problem: newProblem(ctx, http.StatusForbidden, codeMembershipBlocked,
			"Your access to this organization is blocked; contact its administrator.")}
	}
	if len(roles) > 0 && !slices.Contains(roles, m.Role) {
		return db.Membership{}, &problemError{problem: newProblem(ctx, http.StatusForbidden, codeForbidden,
			"Your role in this organization does not allow this.")}
	}
	return m, nil
}
