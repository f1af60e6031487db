package organizations

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// GetOrganizationSecuritySettings shows an organization's security settings to its admins.
func (s *Handler) GetOrganizationSecuritySettings(ctx context.Context, req api.GetOrganizationSecuritySettingsRequestObject) (api.GetOrganizationSecuritySettingsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, db.MemberRoleAdmin); err != nil {
		return nil, err
	}
	required, err := s.Q.GetOrganizationRequireStaff2FA(ctx, req.OrganizationID)
	if err != nil {
		return nil, err
	}
	return api.GetOrganizationSecuritySettings200JSONResponse{RequireStaffTwoFactor: required}, nil
}

// UpdateOrganizationSecuritySettings changes an organization's security settings.
func (s *Handler) UpdateOrganizationSecuritySettings(ctx context.Context, req api.UpdateOrganizationSecuritySettingsRequestObject) (api.UpdateOrganizationSecuritySettingsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, db.MemberRoleAdmin); err != nil {
		return nil, err
	}
	var required bool
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		required, err = q.SetOrganizationRequireStaff2FA(ctx, db.SetOrganizationRequireStaff2FAParams{
			ID: req.OrganizationID, RequireStaff2fa: req.Body.RequireStaffTwoFactor,
		})
		if err != nil {
			return err
		}
		return s.RecordIn(ctx, q, audit.OrganizationSecurityChanged, req.OrganizationID, &p.User.ID, &p.User.ID,
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

func (s *Handler) ResetMemberSecondFactor(ctx context.Context, req api.ResetMemberSecondFactorRequestObject) (api.ResetMemberSecondFactorResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	org, target := req.OrganizationID, req.UserID
	if _, err := s.RequireRole(ctx, p, org, db.MemberRoleAdmin); err != nil {
		return nil, err
	}
	if target == p.User.ID {
		// Otherwise an admin's stolen session could drop the admin's own
		// second factor without the password and a code.
		return api.ResetMemberSecondFactor403ApplicationProblemPlusJSONResponse{ForbiddenApplicationProblemPlusJSONResponse: api.ForbiddenApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusForbidden, web.CodeForbidden, "Disable your own second factor with DELETE /api/v1/me/totp."))}, nil
	}
	notMember := api.ResetMemberSecondFactor404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: api.NotFoundApplicationProblemPlusJSONResponse(
		web.NewProblem(ctx, http.StatusNotFound, web.CodeNotFound, "There is no such member in this organization."))}
	if _, err := s.Q.GetMembership(ctx, db.GetMembershipParams{OrganizationID: org, UserID: target}); errors.Is(err, pgx.ErrNoRows) {
		return notMember, nil
	} else if err != nil {
		return nil, err
	}
	// The authenticator is global: resetting it weakens the account in every
	// organization. Staff of another organization keep theirs; they recover
	// with their recovery codes (or through the platform's operator).
	if n, err := s.Q.CountStaffMembershipsElsewhere(ctx, db.CountStaffMembershipsElsewhereParams{UserID: target, OrganizationID: org}); err != nil {
		return nil, err
	} else if n > 0 {
		return api.ResetMemberSecondFactor403ApplicationProblemPlusJSONResponse{ForbiddenApplicationProblemPlusJSONResponse: api.ForbiddenApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusForbidden, codeSecondFactorResetNotAllowed,
				"This member is also staff of another organization; they can recover with their recovery codes."))}, nil
	}
	var removed bool
	err = store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
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
		if err := s.accounts.RemoveSecondFactor(ctx, q, target); err != nil {
			return err
		}
		orgName, err := q.GetOrganizationName(ctx, org)
		if err != nil {
			return err
		}
		if err := s.accounts.NotifySecondFactor(ctx, tx, member, "totp_reset", map[string]any{"OrganizationName": orgName}); err != nil {
			return err
		}
		return s.RecordIn(ctx, q, audit.TOTPReset, org, &target, &p.User.ID, nil)
	})
	if err != nil {
		return nil, err
	}
	if !removed {
		return api.ResetMemberSecondFactor409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusConflict, web.CodeSecondFactorNotEnabled, "The member has no second factor to reset."))}, nil
	}
	return api.ResetMemberSecondFactor204Response{}, nil
}
