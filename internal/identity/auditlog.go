package identity

import (
	"context"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// ListMyAuditEvents pages through the security events about the caller.
func (s *Handler) ListMyAuditEvents(ctx context.Context, req api.ListMyAuditEventsRequestObject) (api.ListMyAuditEventsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	limit := web.Limit(req.Params.Limit)
	before, ok := web.DecodeAuditCursor(req.Params.Cursor)
	if !ok {
		return api.ListMyAuditEvents422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			web.BadCursor(ctx))}, nil
	}
	rows, err := s.Q.ListUserAuditEvents(ctx, db.ListUserAuditEventsParams{UserID: &p.User.ID, BeforeID: before, MaxRows: int32(limit + 1)})
	if err != nil {
		return nil, err
	}
	page, err := web.AuditPage(rows, limit)
	if err != nil {
		return nil, err
	}
	return api.ListMyAuditEvents200JSONResponse(page), nil
}
