package support

import (
	"context"
	"errors"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/notifications"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// The staff side: /organizations/{id}/support-tickets.

// ListSupportQueue pages through the organization's tickets, longest waiting first.
func (s *Handler) ListSupportQueue(ctx context.Context, req api.ListSupportQueueRequestObject) (api.ListSupportQueueResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, staffRoles...); err != nil {
		return nil, err
	}
	q := req.Params
	at, id, ok := cursorOf(q.Cursor)
	if !ok {
		return api.ListSupportQueue422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.BadCursor(ctx))}, nil
	}
	if q.AssigneeID != nil && q.Unassigned != nil && *q.Unassigned {
		return api.ListSupportQueue422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			web.Invalid(ctx, web.FieldError("query.unassigned", "conflict", "cannot be combined with assigneeId")))}, nil
	}
	limit := web.Limit(q.Limit)
	params := db.ListSupportQueueParams{
		OrganizationID: req.OrganizationID, Statuses: []string{}, AssigneeID: q.AssigneeID,
		Unassigned: q.Unassigned != nil && *q.Unassigned, UnreadOnly: q.Unread != nil && *q.Unread,
		CreatedAfter: q.CreatedAfter, CreatedBefore: q.CreatedBefore, UpdatedAfter: q.UpdatedAfter, UpdatedBefore: q.UpdatedBefore,
		AfterWaitingSince: at, AfterID: id, MaxRows: int32(limit + 1),
	}
	if q.Status != nil {
		for _, st := range *q.Status {
			params.Statuses = append(params.Statuses, string(st))
		}
	}
	if q.Category != nil {
		params.Category = db.NullSupportTicketCategory{SupportTicketCategory: db.SupportTicketCategory(*q.Category), Valid: true}
	}
	if q.Query != nil {
		if text := strings.ToLower(strings.Join(strings.Fields(*q.Query), " ")); text != "" {
			params.Pattern = new("%" + escapeLike(text) + "%")
		}
	}
	rows, err := s.Q.ListSupportQueue(ctx, params)
	if err != nil {
		return nil, err
	}
	page := api.StaffSupportTicketPage{Items: []api.StaffSupportTicket{}}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1].SupportTicket
		page.NextCursor = new(web.EncodeCursor(last.WaitingSince, last.ID))
	}
	for _, r := range rows {
		page.Items = append(page.Items, staffTicketDTO(r.SupportTicket, author{r.AuthorFirstName, r.AuthorLastName, r.AuthorEmail}))
	}
	return api.ListSupportQueue200JSONResponse(page), nil
}

// escapeLike makes LIKE's wildcards match themselves.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// GetSupportTicket returns a ticket of the queue.
func (s *Handler) GetSupportTicket(ctx context.Context, req api.GetSupportTicketRequestObject) (api.GetSupportTicketResponseObject, error) {
	t, err := s.orgTicket(ctx, req.OrganizationID, req.TicketID)
	if err != nil {
		return nil, err
	}
	return api.GetSupportTicket200JSONResponse(staffTicketDTO(t.SupportTicket, authorOf(t))), nil
}

// ListSupportTicketMessages pages through the whole thread, internal notes
// included, and marks the ticket read by staff.
func (s *Handler) ListSupportTicketMessages(ctx context.Context, req api.ListSupportTicketMessagesRequestObject) (api.ListSupportTicketMessagesResponseObject, error) {
	t, err := s.orgTicket(ctx, req.OrganizationID, req.TicketID)
	if err != nil {
		return nil, err
	}
	at, id, ok := cursorOf(req.Params.Cursor)
	if !ok {
		return api.ListSupportTicketMessages422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.BadCursor(ctx))}, nil
	}
	limit := web.Limit(req.Params.Limit)
	rows, err := s.Q.ListSupportMessages(ctx, db.ListSupportMessagesParams{
		TicketID: t.SupportTicket.ID, IncludeInternal: true, AfterCreatedAt: at, AfterID: id, MaxRows: int32(limit + 1),
	})
	if err != nil {
		return nil, err
	}
	if err := s.Q.MarkSupportTicketReadByStaff(ctx, t.SupportTicket.ID); err != nil {
		return nil, err
	}
	page := api.StaffSupportMessagePage{Items: []api.StaffSupportMessage{}}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1].SupportMessage
		page.NextCursor = new(web.EncodeCursor(last.CreatedAt, last.ID))
	}
	for _, r := range rows {
		page.Items = append(page.Items, staffMessageDTO(r.SupportMessage, r.AuthorFirstName, r.AuthorLastName))
	}
	if err := s.withStaffAttachments(ctx, page.Items); err != nil {
		return nil, err
	}
	return api.ListSupportTicketMessages200JSONResponse(page), nil
}

// PostSupportMessage adds a staff reply (the ticket becomes answered and
// its author is told by e-mail) or an internal note (nothing else changes).
func (s *Handler) PostSupportMessage(ctx context.Context, req api.PostSupportMessageRequestObject) (api.PostSupportMessageResponseObject, error) {
	if fields := checkBody("body", req.Body.Body); len(fields) > 0 {
		return api.PostSupportMessage422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.Invalid(ctx, fields...))}, nil
	}
	internal := req.Body.Internal != nil && *req.Body.Internal
	var (
		m       db.SupportMessage
		current db.SupportTicketStatus
	)
	p, err := s.changeTicket(ctx, req.OrganizationID, req.TicketID, func(q *db.Queries, tx pgx.Tx, p *web.Principal, t db.SupportTicket) error {
		if !internal && t.Status == db.SupportTicketStatusClosed {
			current = t.Status
			return web.ErrRefused
		}
		var err error
		if m, err = q.CreateSupportMessage(ctx, db.CreateSupportMessageParams{
			TicketID: t.ID, AuthorID: p.User.ID, FromStaff: true, Internal: internal, Body: req.Body.Body,
		}); err != nil {
			return err
		}
		if internal {
			_, err = q.RecordInternalNote(ctx, t.ID)
			return err
		}
		if _, err = q.RecordStaffReply(ctx, t.ID); err != nil {
			return err
		}
		return s.tellAuthor(ctx, q, tx, t)
	})
	if errors.Is(err, web.ErrRefused) {
		return api.PostSupportMessage409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
			transitionRefused(ctx, current, "be answered; reopen it first"))}, nil
	}
	if err != nil {
		return nil, err
	}
	return api.PostSupportMessage201JSONResponse(staffMessageDTO(m, p.User.FirstName, p.User.LastName)), nil
}

// tellAuthor e-mails the ticket's author that staff answered, in the same
// transaction as the answer.
func (s *Handler) tellAuthor(ctx context.Context, q *db.Queries, tx pgx.Tx, t db.SupportTicket) error {
	u, err := q.GetUserByID(ctx, t.AuthorID)
	if err != nil {
		return err
	}
	if u.Status != db.UserStatusActive {
		return nil
	}
	org, err := q.GetOrganizationName(ctx, t.OrganizationID)
	if err != nil {
		return err
	}
	err = s.outbox.Enqueue(ctx, tx, notify.Message{
		Channel: notify.Email, To: u.Email, Template: "support_answered", Locale: u.Locale,
		Data: map[string]any{"FirstName": u.FirstName, "Subject": t.Subject, "OrganizationName": org},
	})
	if err != nil || s.Pub == nil {
		return err
	}
	return s.Pub.Publish(ctx, tx, notifications.Event{
		UserID: t.AuthorID, OrganizationID: &t.OrganizationID, Category: notifications.CategorySupport,
		Title: notifications.Text{RU: "Ответ поддержки: " + t.Subject, EN: "Support answered: " + t.Subject},
		Link:  &notifications.Link{Kind: "ticket", ID: t.ID.String(), Path: "/support/" + t.ID.String()},
		// The support_answered e-mail above is the letter.
		OwnEmail: true,
	})
}

// orgTicket finds a ticket of the organization for its support staff; a
// ticket of another organization is 404.
func (s *Handler) orgTicket(ctx context.Context, orgID, ticketID uuid.UUID) (db.GetOrgSupportTicketRow, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return db.GetOrgSupportTicketRow{}, err
	}
	if _, err := s.RequireRole(ctx, p, orgID, staffRoles...); err != nil {
		return db.GetOrgSupportTicketRow{}, err
	}
	t, err := s.Q.GetOrgSupportTicket(ctx, db.GetOrgSupportTicketParams{ID: ticketID, OrganizationID: orgID})
	if errors.Is(err, pgx.ErrNoRows) {
		return t, noTicket(ctx)
	}
	return t, err
}

func authorOf(t db.GetOrgSupportTicketRow) author {
	return author{t.AuthorFirstName, t.AuthorLastName, t.AuthorEmail}
}

// changeTicket runs change on a ticket of the organization, locked, for its
// support staff; change returns web.ErrRefused to roll back and refuse.
func (s *Handler) changeTicket(ctx context.Context, orgID, ticketID uuid.UUID, change func(*db.Queries, pgx.Tx, *web.Principal, db.SupportTicket) error) (*web.Principal, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, orgID, staffRoles...); err != nil {
		return nil, err
	}
	return p, store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		t, err := q.LockOrgSupportTicket(ctx, db.LockOrgSupportTicketParams{ID: ticketID, OrganizationID: orgID})
		if errors.Is(err, pgx.ErrNoRows) {
			return noTicket(ctx)
		}
		if err != nil {
			return err
		}
		return change(q, tx, p, t)
	})
}
