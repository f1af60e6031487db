// Package support is the domain of support tickets: a member opens a ticket
// to an organization's support and talks with its staff in the ticket's
// thread; staff work through a queue with assignment, internal notes and
// statuses; a director reads the SLA report of first-response and
// resolution times.
//
// Two families of endpoints never mix: /me/support-tickets is the author's
// side (it never returns internal notes), /organizations/{id}/support-tickets
// is the staff side. A ticket outside the caller's reach is 404 on both.
package support

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/notifications"
	"github.com/kabinet-edu/kabinet/internal/outbox"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Audit events of staff actions on tickets, in the organization's log.
const (
	EventTicketAssigned      = "support_ticket_assigned"
	EventTicketStatusChanged = "support_ticket_status_changed"
)

// CodeInvalidTransition is the 409 code of a status change the ticket's
// current status does not allow; the detail names the current status.
const CodeInvalidTransition = "invalid_status_transition"

// staffRoles may work on an organization's tickets and be assigned them.
// Teachers are left out: they talk to learners about their courses, not as
// the center's support desk.
var staffRoles = []db.MemberRole{db.MemberRoleManager, db.MemberRoleDirector, db.MemberRoleAdmin}

// reportRoles may read the SLA report.
var reportRoles = []db.MemberRole{db.MemberRoleDirector, db.MemberRoleAdmin}

// Handler implements the support operations of the generated strict-server
// interface.
type Handler struct {
	web.Base
	outbox *outbox.Outbox // messages, with their delivery jobs, in the caller's transaction
	// Pub, when set, puts answers into the author's notification inbox.
	Pub *notifications.Publisher
	// Files keeps the messages' attachments; httpapi sets it.
	Files *blob.Store
}

// New builds the support handlers.
func New(base web.Base, out *outbox.Outbox) *Handler {
	return &Handler{Base: base, outbox: out}
}

func noTicket(ctx context.Context) error {
	return web.Fail(ctx, http.StatusNotFound, web.CodeNotFound, "There is no such ticket.")
}

// transitionRefused is the 409 problem naming the ticket's current status.
func transitionRefused(ctx context.Context, current db.SupportTicketStatus, action string) api.Problem {
	return web.NewProblem(ctx, http.StatusConflict, CodeInvalidTransition,
		"The ticket is "+string(current)+"; it cannot "+action+".",
		web.FieldError("status", string(current), "the ticket's current status"))
}

func userUnread(t db.SupportTicket) bool {
	return t.LastStaffReplyAt != nil && t.LastStaffReplyAt.After(t.UserReadAt)
}

func staffUnread(t db.SupportTicket) bool {
	return t.StaffReadAt == nil || t.LastUserMessageAt.After(*t.StaffReadAt)
}

func ticketDTO(t db.SupportTicket) api.SupportTicket {
	return api.SupportTicket{
		ID: t.ID, OrganizationID: t.OrganizationID, Subject: t.Subject,
		Category: api.SupportTicketCategory(t.Category), Status: api.SupportTicketStatus(t.Status),
		CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC(), ClosedAt: web.UTCPtr(t.ClosedAt),
		Unread: userUnread(t),
	}
}

// author is what staff see of a ticket's author.
type author struct {
	firstName, lastName, email string
}

func staffTicketDTO(t db.SupportTicket, a author) api.StaffSupportTicket {
	return api.StaffSupportTicket{
		ID: t.ID, OrganizationID: t.OrganizationID,
		Author:      api.SupportPerson{ID: t.AuthorID, FirstName: a.firstName, LastName: a.lastName},
		AuthorEmail: a.email,
		Subject:     t.Subject, Category: api.SupportTicketCategory(t.Category), Status: api.SupportTicketStatus(t.Status),
		AssigneeID: t.AssigneeID, CreatedAt: t.CreatedAt.UTC(), UpdatedAt: t.UpdatedAt.UTC(),
		WaitingSince: t.WaitingSince.UTC(), FirstResponseAt: web.UTCPtr(t.FirstResponseAt), ClosedAt: web.UTCPtr(t.ClosedAt),
		Unread: staffUnread(t),
	}
}

func messageDTO(m db.SupportMessage, firstName, lastName string) api.SupportMessage {
	return api.SupportMessage{
		ID: m.ID, TicketID: m.TicketID, FromStaff: m.FromStaff, Body: m.Body, CreatedAt: m.CreatedAt.UTC(),
		Author: api.SupportPerson{ID: m.AuthorID, FirstName: firstName, LastName: lastName},
	}
}

func staffMessageDTO(m db.SupportMessage, firstName, lastName string) api.StaffSupportMessage {
	return api.StaffSupportMessage{
		ID: m.ID, TicketID: m.TicketID, FromStaff: m.FromStaff, Internal: m.Internal, Body: m.Body, CreatedAt: m.CreatedAt.UTC(),
		Author: api.SupportPerson{ID: m.AuthorID, FirstName: firstName, LastName: lastName},
	}
}

// cursorOf decodes an optional (time, id) cursor; ok is false for a cursor
// this API did not hand out.
func cursorOf(c *string) (at *time.Time, id *uuid.UUID, ok bool) {
	if c == nil {
		return nil, nil, true
	}
	t, i, err := web.DecodeCursor(*c)
	if err != nil {
		return nil, nil, false
	}
	return &t, &i, true
}

// checkBody refuses a message body that is only white space; the text is
// otherwise kept exactly as written.
func checkBody(field, body string) []api.FieldError {
	if strings.TrimSpace(body) == "" {
		return []api.FieldError{web.FieldError(field, "required", "must not be blank")}
	}
	return nil
}
