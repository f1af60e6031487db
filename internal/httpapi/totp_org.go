package httpapi

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// GetOrganizationSecuritySettings shows an organization's security settings to its admins.
func (s *Server) GetOrganizationSecuritySettings(ctx context.Context, req api.GetOrganizationSecuritySettingsRequestObject) (api.GetOrganizationSecuritySettingsResponseObject, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.requireRole(ctx, p, req.OrganizationID, db.MemberRoleAdmin); err != nil {
		return nil, err
	}
	required, err := s.q.GetOrganizationRequireStaff2FA(ctx, req.OrganizationID)
	if err != nil {
		return nil, err
	}
	return api.GetOrganizationSecuritySettings200JSONResponse{RequireStaffTwoFactor: required}, nil
}

// UpdateOrganizationSecuritySettings changes an organization's security settings.
func (s *Server) UpdateOrganizationSecuritySettings(ctx context.Context, req api.UpdateOrganizationSecuritySettingsRequestObject) (api.UpdateOrganizationSecuritySettingsResponseObject, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.requireRole(ctx, p, req.OrganizationID, db.MemberRoleAdmin); err != nil {
		return nil, err
	}
	var required bool
	err = store.InTx(ctx, s.pool, func(q *db.Queries) error {
		required, err = q.SetOrganizationRequireStaff2FA(ctx, db.SetOrganizationRequireStaff2FAParams{
			ID: req.OrganizationID, RequireStaff2fa: req.Body.RequireStaffTwoFactor,
		})
		if err != nil {
			return err
		}
		return s.recordForOrg(ctx, q, audit.OrganizationSecurityChanged, req.OrganizationID, p.user.ID, p.user.ID,
			map[string]any{"requireStaffTwoFactor": required})
	})
	if err != nil {
		return nil, err
	}
	return api.UpdateOrganizationSecuritySettings200JSONResponse{RequireStaffTwoFactor: required}, nil
}

// ResetMemberSecondFactor removes a member's authenticator and recovery
// codes, for a member who lost both.
// codeSecondFactorResetNotAllowed: the member is staff of another organization.
const codeSecondFactorResetNotAllowed = "second_factor_reset_not_allowed"

func (s *Server) ResetMemberSecondFactor(ctx context.Context, req api.ResetMemberSecondFactorRequestObject) (api.ResetMemberSecondFactorResponseObject, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	org, target := req.OrganizationID, req.UserID
	if _, err := s.requireRole(ctx, p, org, db.MemberRoleAdmin); err != nil {
		return nil, err
	}
	if target == p.user.ID {
		// Otherwise an admin's stolen session could drop the admin's own
		// second factor without the password and a code.
		return api.ResetMemberSecondFactor403ApplicationProblemPlusJSONResponse{ForbiddenApplicationProblemPlusJSONResponse: api.ForbiddenApplicationProblemPlusJSONResponse(
			newProblem(ctx, http.StatusForbidden, codeForbidden, "Disable your own second factor with DELETE /api/v1/me/totp."))}, nil
	}
	notMember := api.ResetMemberSecondFactor404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: api.NotFoundApplicationProblemPlusJSONResponse(
		newProblem(ctx, http.StatusNotFound, codeNotFound, "There is no such member in this organization."))}
	if _, err := s.q.GetMembership(ctx, db.GetMembershipParams{OrganizationID: org, UserID: target}); errors.Is(err, pgx.ErrNoRows) {
		return notMember, nil
	} else if err != nil {
		return nil, err
	}
	// The authenticator is global: resetting it weakens the account in every
	// organization. Staff of another organization keep theirs; they recover
	// with their recovery codes (or through the platform's operator).
	if n, err := s.q.CountStaffMembershipsElsewhere(ctx, db.CountStaffMembershipsElsewhereParams{UserID: target, OrganizationID: org}); err != nil {
		return nil, err
	} else if n > 0 {
		return api.ResetMemberSecondFactor403ApplicationProblemPlusJSONResponse{ForbiddenApplicationProblemPlusJSONResponse: api.ForbiddenApplicationProblemPlusJSONResponse(
			newProblem(ctx, http.StatusForbidden, codeSecondFactorResetNotAllowed,
				"This member is also staff of another organization; they can recover with their recovery codes."))}, nil
	}
	var removed bool
	err = store.InTxJobs(ctx, s.pool, func(q *db.Queries, tx pgx.Tx) error {
		removed = false
		member, err := q.GetUserByID(ctx, target)
		if err != nil {
			return err
		}
		row, err := q.GetTOTPForUpdate(ctx, target)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && row.EnabledAt == nil) {
			return nil
		}
		if err != nil {
			return err
		}
		removed = true
		if err := s.removeSecondFactor(ctx, q, target); err != nil {
			return err
		}
		orgName, err := q.GetOrganizationName(ctx, org)
		if err != nil {
			return err
		}
		if err := s.notifySecondFactor(ctx, tx, member, "totp_reset", map[string]any{"OrganizationName": orgName}); err != nil {
			return err
		}
		return s.recordForOrg(ctx, q, audit.TOTPReset, org, target, p.user.ID, nil)
	})
	if err != nil {
		return nil, err
	}
	if !removed {
		return api.ResetMemberSecondFactor409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
			newProblem(ctx, http.StatusConflict, codeSecondFactorNotEnabled, "The member has no second factor to reset."))}, nil
	}
	return api.ResetMemberSecondFactor204Response{}, nil
}

// requireStaffSecondFactor refuses a staff member of orgID without an
// enabled authenticator when the organization requires one of its staff.
// requireRole calls it for endpoints that only staff may use.
func (s *Server) requireStaffSecondFactor(ctx context.Context, p *principal, orgID uuid.UUID) error {
	missing, err := s.q.StaffSecondFactorMissing(ctx, db.StaffSecondFactorMissingParams{OrganizationID: orgID, UserID: p.user.ID})
	if err != nil {
		return store.NotFound(err)
	}
	if !missing {
		return nil
	}
	return &problemError{problem: newProblem(ctx, http.StatusForbidden, codeSecondFactorEnrollmentRequired,
		"This organization requires a second factor of its staff: enrol an authenticator (POST /api/v1/me/totp) first.")}
}

// onlyStaffRoles reports whether roles name staff roles only, i.e. the
// endpoint is closed to learners.
func onlyStaffRoles(roles []db.MemberRole) bool {
	if len(roles) == 0 {
		return false
	}
	for _, r := range roles {
		if !slices.Contains(staffRoles, r) {
			return false
		}
	}
	return true
}

// markSecondFactorRequired sets secondFactorRequired on the memberships of
// userID. Only staff memberships can need it, so learners cost no query.
func (s *Server) markSecondFactorRequired(ctx context.Context, userID uuid.UUID, ms []api.Membership) error {
	staff := false
	for i := range ms {
		ms[i].SecondFactorRequired = ptr(false)
		staff = staff || ms[i].Role != api.Role(db.MemberRoleLearner)
	}
	if !staff {
		return nil
	}
	orgs, err := s.q.ListOrganizationsAwaitingSecondFactor(ctx, userID)
	if err != nil {
		return err
	}
	for i := range ms {
		*ms[i].SecondFactorRequired = slices.Contains(orgs, ms[i].Organization.ID)
	}
	return nil
}

// recordForOrg writes an audit event about userID done by actorID, in the
// log of organization orgID.
func (s *Server) recordForOrg(ctx context.Context, q *db.Queries, name string, orgID, userID, actorID uuid.UUID, details map[string]any) error {
	m := metaFrom(ctx)
	return audit.Record(ctx, q, audit.Event{Name: name, UserID: &userID, ActorID: &actorID, OrgID: &orgID,
		IP: m.ip, UserAgent: m.userAgent, Details: details})
}
