package conversations

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// The staff side: /organizations/{organizationId}/conversations.

// staffScope checks the caller's role in orgID and returns the teacher to
// restrict to: the caller when a teacher (only the programs they teach),
// nil for managers, directors and admins.
func (s *Handler) staffScope(ctx context.Context, p *web.Principal, orgID uuid.UUID) (*uuid.UUID, error) {
	m, err := s.RequireRole(ctx, p, orgID, staffRoles...)
	if err != nil {
		return nil, err
	}
	if m.Role == db.MemberRoleTeacher {
		return &p.User.ID, nil
	}
	return nil, nil
}

// staffThread loads a thread the caller may see on the staff side.
func (s *Handler) staffThread(ctx context.Context, orgID, convID uuid.UUID) (*web.Principal, db.GetOrgConversationRow, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, db.GetOrgConversationRow{}, err
	}
	teacher, err := s.staffScope(ctx, p, orgID)
	if err != nil {
		return nil, db.GetOrgConversationRow{}, err
	}
	c, err := s.Q.GetOrgConversation(ctx, db.GetOrgConversationParams{OrganizationID: orgID, ID: convID, TeacherID: teacher})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, c, noThread(ctx)
	}
	return p, c, err
}

func orgRowConversation(c db.GetOrgConversationRow) db.Conversation {
	return db.Conversation{ID: c.ID, OrganizationID: c.OrganizationID, ProgramID: c.ProgramID, LearnerID: c.LearnerID,
		LastSeq: c.LastSeq, LastMessageAt: c.LastMessageAt, LastPreview: c.LastPreview, LastFromStaff: c.LastFromStaff,
		LearnerReadSeq: c.LearnerReadSeq, StaffReadSeq: c.StaffReadSeq, LearnerUnread: c.LearnerUnread, StaffUnread: c.StaffUnread,
		CreatedAt: c.CreatedAt}
}

// ListOrganizationConversations pages through the threads the caller may
// see, most recently active first.
func (s *Handler) ListOrganizationConversations(ctx context.Context, req api.ListOrganizationConversationsRequestObject) (api.ListOrganizationConversationsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	teacher, err := s.staffScope(ctx, p, req.OrganizationID)
	if err != nil {
		return nil, err
	}
	q := req.Params
	params := db.ListOrgConversationsParams{
		OrganizationID: req.OrganizationID, TeacherID: teacher, ProgramID: q.ProgramID, LearnerID: q.LearnerID,
		OnlyUnread: q.Unread != nil && *q.Unread,
	}
	if q.Cursor != nil {
		at, id, err := web.DecodeCursor(*q.Cursor)
		if err != nil {
			return nil, badCursor(ctx)
		}
		params.BeforeAt, params.BeforeID = &at, &id
	}
	limit := web.Limit(q.Limit)
	params.MaxRows = int32(limit + 1)
	rows, err := s.Q.ListOrgConversations(ctx, params)
	if err != nil {
		return nil, err
	}
	page := api.StaffConversationPage{Items: []api.StaffConversation{}}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		page.NextCursor = new(web.EncodeCursor(last.LastMessageAt, last.ID))
	}
	for _, r := range rows {
		page.Items = append(page.Items, staffDTO(orgRowConversation(db.GetOrgConversationRow(r)), r.ProgramTitle, r.LearnerFirstName, r.LearnerLastName))
	}
	return api.ListOrganizationConversations200JSONResponse(page), nil
}

// GetOrganizationConversation returns one thread's summary.
func (s *Handler) GetOrganizationConversation(ctx context.Context, req api.GetOrganizationConversationRequestObject) (api.GetOrganizationConversationResponseObject, error) {
	_, c, err := s.staffThread(ctx, req.OrganizationID, req.ConversationID)
	if err != nil {
		return nil, err
	}
	return api.GetOrganizationConversation200JSONResponse(staffDTO(orgRowConversation(c), c.ProgramTitle, c.LearnerFirstName, c.LearnerLastName)), nil
}

// ListOrganizationConversationMessages returns the thread's newest messages.
func (s *Handler) ListOrganizationConversationMessages(ctx context.Context, req api.ListOrganizationConversationMessagesRequestObject) (api.ListOrganizationConversationMessagesResponseObject, error) {
	_, c, err := s.staffThread(ctx, req.OrganizationID, req.ConversationID)
	if err != nil {
		return nil, err
	}
	items, next, err := s.page(ctx, s.Q, c.ID, req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	return api.ListOrganizationConversationMessages200JSONResponse{Items: items, NextCursor: next}, nil
}

// SendOrganizationConversationMessage adds a staff answer.
func (s *Handler) SendOrganizationConversationMessage(ctx context.Context, req api.SendOrganizationConversationMessageRequestObject) (api.SendOrganizationConversationMessageResponseObject, error) {
	p, c, err := s.staffThread(ctx, req.OrganizationID, req.ConversationID)
	if err != nil {
		return nil, err
	}
	t := thread{id: &c.ID, organizationID: c.OrganizationID, programID: c.ProgramID, programTitle: c.ProgramTitle, learnerID: c.LearnerID}
	m, err := s.send(ctx, p, t, true, *req.Body)
	if err != nil {
		return nil, err
	}
	return api.SendOrganizationConversationMessage201JSONResponse(m), nil
}

// MarkOrganizationConversationRead moves the staff's shared read mark.
func (s *Handler) MarkOrganizationConversationRead(ctx context.Context, req api.MarkOrganizationConversationReadRequestObject) (api.MarkOrganizationConversationReadResponseObject, error) {
	_, c, err := s.staffThread(ctx, req.OrganizationID, req.ConversationID)
	if err != nil {
		return nil, err
	}
	upTo, err := s.readUpTo(ctx, c.ID, c.LastSeq, req.Body)
	if err != nil {
		return nil, err
	}
	out, err := s.Q.MarkConversationReadByStaff(ctx, db.MarkConversationReadByStaffParams{ID: c.ID, UpTo: upTo})
	if err != nil {
		return nil, err
	}
	return api.MarkOrganizationConversationRead200JSONResponse(staffDTO(out, c.ProgramTitle, c.LearnerFirstName, c.LearnerLastName)), nil
}

// CountOrganizationUnreadConversationMessages is the staff badge.
func (s *Handler) CountOrganizationUnreadConversationMessages(ctx context.Context, req api.CountOrganizationUnreadConversationMessagesRequestObject) (api.CountOrganizationUnreadConversationMessagesResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	teacher, err := s.staffScope(ctx, p, req.OrganizationID)
	if err != nil {
		return nil, err
	}
	n, err := s.Q.CountOrgUnread(ctx, db.CountOrgUnreadParams{OrganizationID: req.OrganizationID, ProgramID: req.Params.ProgramID, TeacherID: teacher})
	if err != nil {
		return nil, err
	}
	return api.CountOrganizationUnreadConversationMessages200JSONResponse{UnreadMessages: int(n.Messages), UnreadConversations: int(n.Conversations)}, nil
}
