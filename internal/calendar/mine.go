package calendar

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/ical"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Ranges of GET /me/calendar.
const (
	defaultSpan = 60 * 24 * time.Hour
	maxSpan     = 366 * 24 * time.Hour
)

// GetMyCalendar lists the caller's events in [from, to).
func (h *Handler) GetMyCalendar(ctx context.Context, req api.GetMyCalendarRequestObject) (api.GetMyCalendarResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	q := req.Params
	from := h.Now().UTC()
	if q.From != nil {
		from = q.From.UTC()
	}
	to := from.Add(defaultSpan)
	if q.To != nil {
		to = q.To.UTC()
	}
	switch {
	case !to.After(from):
		return nil, &web.Error{Problem: web.Invalid(ctx, web.FieldError("query.to", "before_from", "must be after from"))}
	case to.Sub(from) > maxSpan:
		return nil, &web.Error{Problem: web.Invalid(ctx, web.FieldError("query.to", "range_too_long", "must be at most a year (366 days) after from"))}
	}
	evs, o, err := h.events(ctx, h.Q, p.User.ID, from, to)
	if err != nil {
		return nil, err
	}
	out := api.CalendarEventList{From: from, To: to, TimeZone: o.timeZone, Items: []api.CalendarEvent{}}
	for _, e := range evs {
		if q.Kind != nil && !slices.Contains(*q.Kind, e.api.Kind) {
			continue
		}
		if q.ProgramID != nil && e.api.ProgramID != *q.ProgramID {
			continue
		}
		out.Items = append(out.Items, e.api)
	}
	return api.GetMyCalendar200JSONResponse(out), nil
}

// GetMyCalendarFeed tells whether the caller has a feed URL.
func (h *Handler) GetMyCalendarFeed(ctx context.Context, _ api.GetMyCalendarFeedRequestObject) (api.GetMyCalendarFeedResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	info, err := ical.FeedToken(ctx, h.Q, p.User.ID)
	if errors.Is(err, ical.ErrUnknownToken) {
		return api.GetMyCalendarFeed200JSONResponse{Active: false}, nil
	}
	if err != nil {
		return nil, err
	}
	created := info.CreatedAt.UTC()
	return api.GetMyCalendarFeed200JSONResponse{Active: true, CreatedAt: &created, LastUsedAt: web.UTCPtr(info.LastUsedAt)}, nil
}

// IssueMyCalendarFeed makes a new feed URL, revoking the previous one.
func (h *Handler) IssueMyCalendarFeed(ctx context.Context, _ api.IssueMyCalendarFeedRequestObject) (api.IssueMyCalendarFeedResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	var (
		token string
		info  ical.FeedTokenInfo
	)
	err = store.InTx(ctx, h.Pool, func(q *db.Queries) error {
		if token, err = ical.IssueFeedToken(ctx, q, p.User.ID); err != nil {
			return err
		}
		info, err = ical.FeedToken(ctx, q, p.User.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	u := ical.FeedURL(h.Cfg.PublicURL, token)
	webcal := u
	if i := strings.Index(u, "://"); i >= 0 {
		webcal = "webcal" + u[i:]
	}
	return api.IssueMyCalendarFeed201JSONResponse{URL: u, WebcalURL: webcal, CreatedAt: info.CreatedAt.UTC()}, nil
}

// RevokeMyCalendarFeed deletes the caller's feed token.
func (h *Handler) RevokeMyCalendarFeed(ctx context.Context, _ api.RevokeMyCalendarFeedRequestObject) (api.RevokeMyCalendarFeedResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := ical.RevokeFeedToken(ctx, h.Q, p.User.ID); err != nil {
		return nil, err
	}
	return api.RevokeMyCalendarFeed204Response{}, nil
}
