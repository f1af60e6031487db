package organizations

import (
	"context"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// memberSignInEvents are the account-level events (recorded without an
// organization) that an organization's admins see about its members: how
// they sign in, not what else they do with their global account (password,
// contacts, second factor stay private). Only events since the member joined
// the organization are shown.
var memberSignInEvents = []string{audit.SignIn, audit.SignInFailed, audit.SignOut, audit.LockedOut, audit.RefreshTokenReused}

// ListOrganizationAuditEvents pages through an organization's log, for its
// admins.
func (s *Handler) ListOrganizationAuditEvents(ctx context.Context, req api.ListOrganizationAuditEventsRequestObject) (api.ListOrganizationAuditEventsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, db.MemberRoleAdmin); err != nil {
		return nil, err
	}
	limit := web.Limit(req.Params.Limit)
	before, ok := web.DecodeAuditCursor(req.Params.Cursor)
	if !ok {
		return api.ListOrganizationAuditEvents422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			web.BadCursor(ctx))}, nil
	}
	rows, err := s.Q.ListOrganizationAuditEvents(ctx, db.ListOrganizationAuditEventsParams{
		OrganizationID: req.OrganizationID, AccountEvents: memberSignInEvents, BeforeID: before, MaxRows: int32(limit + 1),
	})
	if err != nil {
		return nil, err
	}
	page, err := web.AuditPage(rows, limit)
	if err != nil {
		return nil, err
	}
	return api.ListOrganizationAuditEvents200JSONResponse(page), nil
}
