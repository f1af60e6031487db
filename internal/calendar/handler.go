// Package calendar is the learner's calendar: webinars and deadlines of the
// programs they have access to, their groups' first and last days and
// their unpaid installments' due dates — as JSON for the cabinet and as a
// private iCalendar (RFC 5545) feed that Google, Outlook and Apple
// calendars subscribe to (internal/ical writes it and keeps the tokens).
//
// Every event has a stable id made of its kind and its item's id
// ("webinar-<lessonId>"), the feed's UID is that id at the server's host,
// and SEQUENCE and LAST-MODIFIED come from the item's version and
// updated_at, so a moved webinar moves in the subscriber's calendar too.
package calendar

import (
	"net/url"
	"strings"

	"github.com/kabinet-edu/kabinet/internal/web"
)

// Handler implements the calendar operations of the generated
// strict-server interface.
type Handler struct {
	web.Base
	host string // of the UIDs: the public URL's host
	base string // the SPA's origin, for event links
}

// New builds the calendar handlers.
func New(base web.Base) *Handler {
	h := &Handler{Base: base, base: strings.TrimRight(base.Cfg.PublicURL, "/"), host: "kabinet"}
	if u, err := url.Parse(base.Cfg.PublicURL); err == nil && u.Hostname() != "" {
		h.host = u.Hostname()
	}
	return h
}
