package support

import (
	"context"
	"time"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// maxReportPeriod bounds a report's period, so one request cannot scan an
// organization's whole history by accident.
const maxReportPeriod = 366 * 24 * time.Hour

// GetSupportSLAReport computes the first-response and resolution figures of
// the tickets opened in a period, and the tickets overdue now.
func (s *Handler) GetSupportSLAReport(ctx context.Context, req api.GetSupportSLAReportRequestObject) (api.GetSupportSLAReportResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	from, to := req.Params.From.UTC(), req.Params.To.UTC()
	switch {
	case !to.After(from):
		return api.GetSupportSLAReport422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			web.Invalid(ctx, web.FieldError("query.to", "before_from", "must be after from")))}, nil
	case to.Sub(from) > maxReportPeriod:
		return api.GetSupportSLAReport422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			web.Invalid(ctx, web.FieldError("query.to", "period_too_long", "must be at most 366 days after from")))}, nil
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, reportRoles...); err != nil {
		return nil, err
	}
	sla := s.Cfg.SupportSLA
	if req.Params.SLAHours != nil {
		sla = time.Duration(*req.Params.SLAHours) * time.Hour
	}
	f, err := s.Q.SupportSLAFigures(ctx, db.SupportSLAFiguresParams{OrganizationID: req.OrganizationID, PeriodFrom: from, PeriodTo: to})
	if err != nil {
		return nil, err
	}
	now := s.Now().UTC()
	o, err := s.Q.CountOverdueSupportTickets(ctx, db.CountOverdueSupportTicketsParams{OrganizationID: req.OrganizationID, Deadline: now.Add(-sla)})
	if err != nil {
		return nil, err
	}
	var oldest *time.Time
	if t, ok := o.Oldest.(time.Time); ok {
		oldest = new(t.UTC())
	}
	return api.GetSupportSLAReport200JSONResponse{
		From: from, To: to, SLASeconds: int(sla / time.Second), TicketsOpened: int(f.Opened),
		FirstResponse:      stats(f.Responded, f.ResponseP50, f.ResponseP90),
		Resolution:         stats(f.Resolved, f.ResolutionP50, f.ResolutionP90),
		OverdueOpen:        int(o.Overdue),
		OldestOverdueSince: oldest,
		GeneratedAt:        now,
	}, nil
}

func stats(n int32, p50, p90 float64) api.SupportDurationStats {
	st := api.SupportDurationStats{Count: int(n)}
	if n > 0 {
		st.MedianSeconds, st.P90Seconds = &p50, &p90
	}
	return st
}
