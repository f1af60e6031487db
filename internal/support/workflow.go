package support

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// allowedFrom lists, for each status staff may set, the statuses it may be
// set from. `answered` is only ever set by a staff reply and `open` by the
// author's reply, except that staff reopen a closed ticket.
var allowedFrom = map[db.SupportTicketStatus][]db.SupportTicketStatus{
	db.SupportTicketStatusWaitingForUser: {db.SupportTicketStatusOpen, db.SupportTicketStatusAnswered},
	db.SupportTicketStatusClosed:         {db.SupportTicketStatusOpen, db.SupportTicketStatusAnswered, db.SupportTicketStatusWaitingForUser},
	db.SupportTicketStatusOpen:           {db.SupportTicketStatusClosed},
}

// CanSet reports whether staff may move a ticket from one status to another.
func CanSet(from, to db.SupportTicketStatus) bool {
	for _, s := range allowedFrom[to] {
		if s == from {
			return true
		}
	}
	return false
}

// SetSupportTicketStatus changes a ticket's status for staff.
func (s *Handler) SetSupportTicketStatus(ctx context.Context, req api.SetSupportTicketStatusRequestObject) (api.SetSupportTicketStatusResponseObject, error) {
	to := db.SupportTicketStatus(req.Body.Status)
	var (
		out     db.SupportTicket
		current db.SupportTicketStatus
	)
	_, err := s.changeTicket(ctx, req.OrganizationID, req.TicketID, func(q *db.Queries, _ pgx.Tx, p *web.Principal, t db.SupportTicket) error {
		if !CanSet(t.Status, to) {
			current = t.Status
			return web.ErrRefused
		}
		var err error
		if out, err = q.SetSupportTicketStatus(ctx, db.SetSupportTicketStatusParams{ID: t.ID, Status: to}); err != nil {
			return err
		}
		return s.RecordIn(ctx, q, EventTicketStatusChanged, t.OrganizationID, &t.AuthorID, &p.User.ID,
			map[string]any{"ticketId": t.ID, "from": t.Status, "to": to})
	})
	if errors.Is(err, web.ErrRefused) {
		return api.SetSupportTicketStatus409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
			transitionRefused(ctx, current, "become "+string(to)))}, nil
	}
	if err != nil {
		return nil, err
	}
	return staffView(ctx, s, out, func(v api.StaffSupportTicket) api.SetSupportTicketStatusResponseObject {
		return api.SetSupportTicketStatus200JSONResponse(v)
	})
}

// AssignSupportTicket gives a ticket to a support staff member, or to nobody.
func (s *Handler) AssignSupportTicket(ctx context.Context, req api.AssignSupportTicketRequestObject) (api.AssignSupportTicketResponseObject, error) {
	assignee := req.Body.AssigneeID
	var out db.SupportTicket
	_, err := s.changeTicket(ctx, req.OrganizationID, req.TicketID, func(q *db.Queries, _ pgx.Tx, p *web.Principal, t db.SupportTicket) error {
		if assignee != nil {
			ok, err := q.IsSupportStaff(ctx, db.IsSupportStaffParams{OrganizationID: t.OrganizationID, UserID: *assignee})
			if err != nil {
				return err
			}
			if !ok {
				return web.ErrRefused
			}
		}
		var err error
		if out, err = q.AssignSupportTicket(ctx, db.AssignSupportTicketParams{ID: t.ID, AssigneeID: assignee}); err != nil {
			return err
		}
		return s.RecordIn(ctx, q, EventTicketAssigned, t.OrganizationID, &t.AuthorID, &p.User.ID,
			map[string]any{"ticketId": t.ID, "from": t.AssigneeID, "to": assignee})
	})
	if errors.Is(err, web.ErrRefused) {
		return api.AssignSupportTicket422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			web.Invalid(ctx, web.FieldError("assigneeId", "not_support_staff", "must be an active manager, director or admin of the organization")))}, nil
	}
	if err != nil {
		return nil, err
	}
	return staffView(ctx, s, out, func(v api.StaffSupportTicket) api.AssignSupportTicketResponseObject {
		return api.AssignSupportTicket200JSONResponse(v)
	})
}

// staffView answers with ticket t as staff see it (with its author's name).
func staffView[R any](ctx context.Context, s *Handler, t db.SupportTicket, wrap func(api.StaffSupportTicket) R) (R, error) {
	row, err := s.Q.GetOrgSupportTicket(ctx, db.GetOrgSupportTicketParams{ID: t.ID, OrganizationID: t.OrganizationID})
	if err != nil {
		var zero R
		return zero, err
	}
	return wrap(staffTicketDTO(row.SupportTicket, authorOf(row))), nil
}
