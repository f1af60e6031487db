package httpapi

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"math"
	"strconv"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
)

// memberSignInEvents are the account-level events (recorded without an
// organization) that an organization's admins see about its members: how
// they sign in, not what else they do with their global account (password,
// contacts, second factor stay private). Only events since the member joined
// the organization are shown.
var memberSignInEvents = []string{audit.SignIn, audit.SignInFailed, audit.SignOut, audit.LockedOut, audit.RefreshTokenReused}

// ListMyAuditEvents pages through the security events about the caller.
func (s *Server) ListMyAuditEvents(ctx context.Context, req api.ListMyAuditEventsRequestObject) (api.ListMyAuditEventsResponseObject, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	limit := pageSize(req.Params.Limit)
	before, ok := decodeAuditCursor(req.Params.Cursor)
	if !ok {
		return api.ListMyAuditEvents422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			badCursorProblem(ctx))}, nil
	}
	rows, err := s.q.ListUserAuditEvents(ctx, db.ListUserAuditEventsParams{UserID: &p.user.ID, BeforeID: before, MaxRows: int32(limit + 1)})
	if err != nil {
		return nil, err
	}
	page, err := auditPage(rows, limit)
	if err != nil {
		return nil, err
	}
	return api.ListMyAuditEvents200JSONResponse(page), nil
}

// ListOrganizationAuditEvents pages through an organization's log, for its
// admins.
func (s *Server) ListOrganizationAuditEvents(ctx context.Context, req api.ListOrganizationAuditEventsRequestObject) (api.ListOrganizationAuditEventsResponseObject, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.requireRole(ctx, p, req.OrganizationID, db.MemberRoleAdmin); err != nil {
		return nil, err
	}
	limit := pageSize(req.Params.Limit)
	before, ok := decodeAuditCursor(req.Params.Cursor)
	if !ok {
		return api.ListOrganizationAuditEvents422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			badCursorProblem(ctx))}, nil
	}
	rows, err := s.q.ListOrganizationAuditEvents(ctx, db.ListOrganizationAuditEventsParams{
		OrganizationID: req.OrganizationID, AccountEvents: memberSignInEvents, BeforeID: before, MaxRows: int32(limit + 1),
	})
	if err != nil {
		return nil, err
	}
	page, err := auditPage(rows, limit)
	if err != nil {
		return nil, err
	}
	return api.ListOrganizationAuditEvents200JSONResponse(page), nil
}

func auditPage(rows []db.AuditEvent, limit int) (api.AuditEventPage, error) {
	page := api.AuditEventPage{}
	if len(rows) > limit {
		rows = rows[:limit]
		next := base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(rows[len(rows)-1].ID, 10)))
		page.NextCursor = &next
	}
	page.Items = make([]api.AuditEvent, 0, len(rows))
	for _, r := range rows {
		details := map[string]any{}
		if err := json.Unmarshal(r.Details, &details); err != nil {
			return api.AuditEventPage{}, err
		}
		var ip *string
		if r.Ip != nil {
			ip = ptr(r.Ip.String())
		}
		page.Items = append(page.Items, api.AuditEvent{
			ID: r.ID, OccurredAt: r.OccurredAt.UTC(), Event: r.Event, UserID: r.UserID, ActorID: r.ActorID,
			OrganizationID: r.OrganizationID, IP: ip, UserAgent: r.UserAgent, Details: details,
		})
	}
	return page, nil
}

// decodeAuditCursor returns the id below which the page starts: the cursor
// is base64url of the last id of the previous page.
func decodeAuditCursor(c *string) (int64, bool) {
	if c == nil {
		return math.MaxInt64, true
	}
	raw, err := base64.RawURLEncoding.DecodeString(*c)
	if err != nil {
		return 0, false
	}
	id, err := strconv.ParseInt(string(raw), 10, 64)
	return id, err == nil && id > 0
}
