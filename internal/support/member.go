package support

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// The author's side of a ticket: /me/support-tickets.

// CreateSupportTicket opens a ticket with its first message.
func (s *Handler) CreateSupportTicket(ctx context.Context, req api.CreateSupportTicketRequestObject) (api.CreateSupportTicketResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	b := req.Body
	subject, fields := web.CheckName("subject", b.Subject)
	fields = append(fields, checkBody("body", b.Body)...)
	if len(fields) > 0 {
		return api.CreateSupportTicket422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.Invalid(ctx, fields...))}, nil
	}
	if _, err := s.RequireRole(ctx, p, b.OrganizationID); err != nil {
		return nil, err
	}
	var t db.SupportTicket
	var opening uuid.UUID
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if t, err = q.CreateSupportTicket(ctx, db.CreateSupportTicketParams{
			OrganizationID: b.OrganizationID, AuthorID: p.User.ID, Subject: subject, Category: db.SupportTicketCategory(b.Category),
		}); err != nil {
			return err
		}
		first, err := q.CreateSupportMessage(ctx, db.CreateSupportMessageParams{TicketID: t.ID, AuthorID: p.User.ID, Body: b.Body})
		opening = first.ID
		return err
	})
	if err != nil {
		return nil, err
	}
	out := ticketDTO(t)
	out.OpeningMessageID = &opening
	return api.CreateSupportTicket201JSONResponse(out), nil
}

// ListMySupportTickets pages through the caller's tickets.
func (s *Handler) ListMySupportTickets(ctx context.Context, req api.ListMySupportTicketsRequestObject) (api.ListMySupportTicketsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	q := req.Params
	at, id, ok := cursorOf(q.Cursor)
	if !ok {
		return api.ListMySupportTickets422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.BadCursor(ctx))}, nil
	}
	limit := web.Limit(q.Limit)
	params := db.ListAuthorSupportTicketsParams{AuthorID: p.User.ID, OrganizationID: q.OrganizationID, BeforeUpdatedAt: at, BeforeID: id, MaxRows: int32(limit + 1)}
	if q.Status != nil {
		params.Status = db.NullSupportTicketStatus{SupportTicketStatus: db.SupportTicketStatus(*q.Status), Valid: true}
	}
	rows, err := s.Q.ListAuthorSupportTickets(ctx, params)
	if err != nil {
		return nil, err
	}
	page := api.SupportTicketPage{Items: []api.SupportTicket{}}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1]
		page.NextCursor = new(web.EncodeCursor(last.UpdatedAt, last.ID))
	}
	for _, t := range rows {
		page.Items = append(page.Items, ticketDTO(t))
	}
	return api.ListMySupportTickets200JSONResponse(page), nil
}

// CountMyUnreadSupportTickets counts the caller's tickets with an unread staff reply.
func (s *Handler) CountMyUnreadSupportTickets(ctx context.Context, req api.CountMyUnreadSupportTicketsRequestObject) (api.CountMyUnreadSupportTicketsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	n, err := s.Q.CountAuthorUnreadSupportTickets(ctx, db.CountAuthorUnreadSupportTicketsParams{AuthorID: p.User.ID, OrganizationID: req.Params.OrganizationID})
	if err != nil {
		return nil, err
	}
	return api.CountMyUnreadSupportTickets200JSONResponse{UnreadTickets: int(n)}, nil
}

// GetMySupportTicket returns one of the caller's tickets.
func (s *Handler) GetMySupportTicket(ctx context.Context, req api.GetMySupportTicketRequestObject) (api.GetMySupportTicketResponseObject, error) {
	t, _, err := s.ownTicket(ctx, req.TicketID)
	if err != nil {
		return nil, err
	}
	return api.GetMySupportTicket200JSONResponse(ticketDTO(t)), nil
}

// ListMySupportTicketMessages pages through the public thread and marks the
// ticket read by its author.
func (s *Handler) ListMySupportTicketMessages(ctx context.Context, req api.ListMySupportTicketMessagesRequestObject) (api.ListMySupportTicketMessagesResponseObject, error) {
	t, _, err := s.ownTicket(ctx, req.TicketID)
	if err != nil {
		return nil, err
	}
	at, id, ok := cursorOf(req.Params.Cursor)
	if !ok {
		return api.ListMySupportTicketMessages422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.BadCursor(ctx))}, nil
	}
	limit := web.Limit(req.Params.Limit)
	rows, err := s.Q.ListSupportMessages(ctx, db.ListSupportMessagesParams{
		TicketID: t.ID, IncludeInternal: false, AfterCreatedAt: at, AfterID: id, MaxRows: int32(limit + 1),
	})
	if err != nil {
		return nil, err
	}
	if err := s.Q.MarkSupportTicketReadByUser(ctx, t.ID); err != nil {
		return nil, err
	}
	page := api.SupportMessagePage{Items: []api.SupportMessage{}}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1].SupportMessage
		page.NextCursor = new(web.EncodeCursor(last.CreatedAt, last.ID))
	}
	for _, r := range rows {
		page.Items = append(page.Items, messageDTO(r.SupportMessage, r.AuthorFirstName, r.AuthorLastName))
	}
	if err := s.withAttachments(ctx, page.Items); err != nil {
		return nil, err
	}
	return api.ListMySupportTicketMessages200JSONResponse(page), nil
}

// ReplyToMySupportTicket adds the author's message; the ticket waits for
// staff again, whatever its status was (a closed one is reopened).
func (s *Handler) ReplyToMySupportTicket(ctx context.Context, req api.ReplyToMySupportTicketRequestObject) (api.ReplyToMySupportTicketResponseObject, error) {
	if fields := checkBody("body", req.Body.Body); len(fields) > 0 {
		return api.ReplyToMySupportTicket422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.Invalid(ctx, fields...))}, nil
	}
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	var m db.SupportMessage
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		t, err := q.LockAuthorSupportTicket(ctx, db.LockAuthorSupportTicketParams{ID: req.TicketID, AuthorID: p.User.ID})
		if errors.Is(err, pgx.ErrNoRows) {
			return noTicket(ctx)
		}
		if err != nil {
			return err
		}
		if m, err = q.CreateSupportMessage(ctx, db.CreateSupportMessageParams{TicketID: t.ID, AuthorID: p.User.ID, Body: req.Body.Body}); err != nil {
			return err
		}
		_, err = q.RecordUserReply(ctx, t.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return api.ReplyToMySupportTicket201JSONResponse(messageDTO(m, p.User.FirstName, p.User.LastName)), nil
}

// CloseMySupportTicket closes the caller's ticket.
func (s *Handler) CloseMySupportTicket(ctx context.Context, req api.CloseMySupportTicketRequestObject) (api.CloseMySupportTicketResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	var (
		out     db.SupportTicket
		current db.SupportTicketStatus
	)
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		t, err := q.LockAuthorSupportTicket(ctx, db.LockAuthorSupportTicketParams{ID: req.TicketID, AuthorID: p.User.ID})
		if errors.Is(err, pgx.ErrNoRows) {
			return noTicket(ctx)
		}
		if err != nil {
			return err
		}
		if t.Status == db.SupportTicketStatusClosed {
			current = t.Status
			return web.ErrRefused
		}
		out, err = q.SetSupportTicketStatus(ctx, db.SetSupportTicketStatusParams{ID: t.ID, Status: db.SupportTicketStatusClosed})
		return err
	})
	if errors.Is(err, web.ErrRefused) {
		return api.CloseMySupportTicket409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(transitionRefused(ctx, current, "be closed"))}, nil
	}
	if err != nil {
		return nil, err
	}
	return api.CloseMySupportTicket200JSONResponse(ticketDTO(out)), nil
}

// ownTicket finds the caller's own ticket; anybody else's is 404.
func (s *Handler) ownTicket(ctx context.Context, id uuid.UUID) (db.SupportTicket, *web.Principal, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return db.SupportTicket{}, nil, err
	}
	t, err := s.Q.GetAuthorSupportTicket(ctx, db.GetAuthorSupportTicketParams{ID: id, AuthorID: p.User.ID})
	if errors.Is(err, pgx.ErrNoRows) {
		return db.SupportTicket{}, nil, noTicket(ctx)
	}
	return t, p, err
}
