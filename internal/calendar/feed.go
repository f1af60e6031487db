package calendar

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/internal/ical"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// The feed's window: a month back (so a calendar keeps the recent past)
// and a year ahead, in whole days so that two fetches on one day read the
// same events and the ETag holds.
const (
	feedBack  = 30
	feedAhead = 366
)

// feedCache is the feed's Cache-Control: only the owner's client keeps it,
// and apps that honour it fetch at most every five minutes.
const feedCache = "private, max-age=300"

// GetCalendarFeed writes the iCalendar feed of a private URL.
func (h *Handler) GetCalendarFeed(ctx context.Context, req api.GetCalendarFeedRequestObject) (api.GetCalendarFeedResponseObject, error) {
	token, ok := strings.CutSuffix(req.FeedName, ".ics")
	if !ok {
		return nil, noFeed(ctx)
	}
	userID, err := ical.VerifyFeedToken(ctx, h.Q, token)
	if errors.Is(err, ical.ErrUnknownToken) {
		return nil, noFeed(ctx)
	}
	if err != nil {
		return nil, err
	}
	today := day(h.Now())
	evs, o, err := h.events(ctx, h.Q, userID, today.AddDate(0, 0, -feedBack), today.AddDate(0, 0, feedAhead))
	if err != nil {
		return nil, err
	}
	items := make([]ical.Event, len(evs))
	for i, e := range evs {
		items[i] = e.ical
	}
	var buf bytes.Buffer
	cal := ical.Calendar{
		ProdID: "-//Kabinet//Learning calendar//RU", Name: o.text("Учёба — Kabinet", "Studies — Kabinet"),
		Refresh: time.Hour, Stamp: today, TimeZone: o.timeZone,
	}
	if err := ical.Write(&buf, cal, items); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(buf.Bytes())
	etag := `"` + hex.EncodeToString(sum[:16]) + `"`
	if matches(req.Params.IfNoneMatch, etag) {
		return api.GetCalendarFeed304Response{Headers: api.NotModifiedResponseHeaders{ETag: &etag, CacheControl: new(feedCache)}}, nil
	}
	return feedResponse{body: buf.Bytes(), etag: etag}, nil
}

func noFeed(ctx context.Context) error {
	return web.Fail(ctx, http.StatusNotFound, web.CodeNotFound, "There is no such calendar feed.")
}

// matches reports whether an If-None-Match header names etag (or is *).
func matches(header *string, etag string) bool {
	if header == nil {
		return false
	}
	for _, t := range strings.Split(*header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == etag || t == "*" {
			return true
		}
	}
	return false
}

// feedResponse writes the calendar with its charset, which the generated
// response leaves out.
type feedResponse struct {
	body []byte
	etag string
}

// VisitGetCalendarFeedResponse implements the generated response interface.
func (f feedResponse) VisitGetCalendarFeedResponse(w http.ResponseWriter) error {
	hd := w.Header()
	hd.Set("Content-Type", "text/calendar; charset=utf-8")
	hd.Set("Content-Length", strconv.Itoa(len(f.body)))
	hd.Set("Cache-Control", feedCache)
	hd.Set("ETag", f.etag)
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(f.body)
	return err
}
