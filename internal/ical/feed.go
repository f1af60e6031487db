// Package ical writes iCalendar (RFC 5545) feeds of a learner's dates —
// webinars, lesson openings, test deadlines, group start and end — for
// calendar apps to subscribe to, and issues the secret tokens of the
// private feed URLs those apps fetch without a bearer header.
//
// Times are written in UTC ("…Z"), so the feed needs no VTIMEZONE; calendar
// apps show them in the user's zone. Whole days (a group's first day) are
// DATE values. An event's UID is stable per item, and SEQUENCE with
// LAST-MODIFIED tell the apps that an item changed.
package ical

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// Event is one calendar entry.
type Event struct {
	// UID identifies the item for good, across feeds and changes: make it
	// from the item's kind and id and the server's host, for example
	// "webinar-5f0c…@kabinet.example.org".
	UID   string
	Start time.Time
	// End is after Start; for an all-day event the day after the last one
	// (DTEND is exclusive). Zero means Start (a deadline is a moment).
	End time.Time
	// AllDay writes Start and End as dates (in Start's location) instead of
	// UTC times.
	AllDay      bool
	Summary     string
	Description string
	// URL is the item's page in the cabinet.
	URL string
	// Location is where it happens; for a webinar, its join link.
	Location string
	// Sequence is the item's revision, raised whenever its time or place
	// changes, so apps replace their copy.
	Sequence int
	// LastModified is when the item last changed; it is also the DTSTAMP,
	// so an unchanged item is written byte for byte the same.
	LastModified time.Time
	// Cancelled writes STATUS:CANCELLED (apps strike the event out) instead
	// of dropping it.
	Cancelled bool
}

// Calendar describes the feed as a whole.
type Calendar struct {
	// ProdID names the product, "-//Kabinet//Learning calendar//RU".
	ProdID string
	// Name is shown by the app for the subscription (X-WR-CALNAME, NAME).
	Name string
	// Refresh asks apps to fetch again this often (REFRESH-INTERVAL,
	// X-PUBLISHED-TTL); 0 leaves it to them.
	Refresh time.Duration
	// Stamp is the DTSTAMP of events without LastModified: the time the
	// feed is generated.
	Stamp time.Time
	// TimeZone is the IANA zone apps should show the feed in
	// (X-WR-TIMEZONE, "Europe/Moscow"); empty writes none. Times stay UTC.
	TimeZone string
}

// ErrInvalidEvent wraps the reason an event cannot be written.
var ErrInvalidEvent = errors.New("ical: invalid event")

// Write writes the calendar with its events to w.
func Write(w io.Writer, cal Calendar, events []Event) error {
	for i := range events {
		if err := events[i].validate(); err != nil {
			return fmt.Errorf("%w %d (%s): %v", ErrInvalidEvent, i, events[i].UID, err)
		}
	}
	lw := &lineWriter{w: w}
	lw.line("BEGIN:VCALENDAR")
	lw.line("VERSION:2.0")
	lw.line("PRODID:" + escapeText(cal.ProdID))
	lw.line("CALSCALE:GREGORIAN")
	if cal.Name != "" {
		lw.line("NAME:" + escapeText(cal.Name))
		lw.line("X-WR-CALNAME:" + escapeText(cal.Name))
	}
	if cal.TimeZone != "" {
		lw.line("X-WR-TIMEZONE:" + escapeText(cal.TimeZone))
	}
	if cal.Refresh > 0 {
		d := duration(cal.Refresh)
		lw.line("REFRESH-INTERVAL;VALUE=DURATION:" + d)
		lw.line("X-PUBLISHED-TTL:" + d)
	}
	for _, e := range events {
		e.write(lw, cal.Stamp)
	}
	lw.line("END:VCALENDAR")
	return lw.err
}

func (e *Event) validate() error {
	switch {
	case strings.TrimSpace(e.UID) == "" || cleanURI(e.UID) != e.UID:
		return errors.New("UID must be non-empty, without spaces or control characters")
	case e.Start.IsZero():
		return errors.New("no start")
	case !e.End.IsZero() && e.End.Before(e.Start):
		return errors.New("ends before it starts")
	case e.Sequence < 0:
		return errors.New("negative sequence")
	}
	return nil
}

func (e *Event) write(lw *lineWriter, stamp time.Time) {
	lw.line("BEGIN:VEVENT")
	lw.line("UID:" + e.UID)
	modified := e.LastModified
	if modified.IsZero() {
		modified = stamp
	}
	lw.line("DTSTAMP:" + utc(modified))
	if e.AllDay {
		end := e.End
		if end.IsZero() || !end.After(e.Start) {
			end = e.Start.AddDate(0, 0, 1)
		}
		lw.line("DTSTART;VALUE=DATE:" + e.Start.Format("20060102"))
		lw.line("DTEND;VALUE=DATE:" + end.In(e.Start.Location()).Format("20060102"))
	} else {
		end := e.End
		if end.IsZero() {
			end = e.Start
		}
		lw.line("DTSTART:" + utc(e.Start))
		lw.line("DTEND:" + utc(end))
	}
	if e.Summary != "" {
		lw.line("SUMMARY:" + escapeText(e.Summary))
	}
	if e.Description != "" {
		lw.line("DESCRIPTION:" + escapeText(e.Description))
	}
	if e.Location != "" {
		lw.line("LOCATION:" + escapeText(e.Location))
	}
	if u := cleanURI(e.URL); u != "" {
		lw.line("URL:" + u)
	}
	lw.line("SEQUENCE:" + strconv.Itoa(e.Sequence))
	if !e.LastModified.IsZero() {
		lw.line("LAST-MODIFIED:" + utc(e.LastModified))
	}
	if e.Cancelled {
		lw.line("STATUS:CANCELLED")
	}
	lw.line("TRANSP:OPAQUE")
	lw.line("END:VEVENT")
}

func utc(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// duration writes d as an RFC 5545 DURATION, whole seconds (PT1H30M).
func duration(d time.Duration) string {
	s := int64(d / time.Second)
	out := "PT"
	if h := s / 3600; h > 0 {
		out += strconv.FormatInt(h, 10) + "H"
	}
	if m := s % 3600 / 60; m > 0 {
		out += strconv.FormatInt(m, 10) + "M"
	}
	if sec := s % 60; sec > 0 || out == "PT" {
		out += strconv.FormatInt(sec, 10) + "S"
	}
	return out
}

// lineWriter folds content lines and keeps the first error.
type lineWriter struct {
	w   io.Writer
	err error
}

func (lw *lineWriter) line(s string) {
	if lw.err == nil {
		lw.err = writeFolded(lw.w, s)
	}
}
