package conversations

import (
	"context"
	"errors"
	"net/http"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/learning"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// The learner's side: /me/learning/programs/{programId}/conversation and
// /me/conversations.

// learnerView is what the learner's operations know of a program and the
// caller's thread in it.
type learnerView struct {
	program db.ProgramForConversationRow
	conv    *db.GetLearnerConversationRow
	access  bool
}

// learnerThread loads the program, the caller's thread and whether the
// caller has access now. Without access and without a thread the program is
// 404; forWrite also requires access.
func (s *Handler) learnerThread(ctx context.Context, userID, programID uuid.UUID, forWrite bool) (learnerView, error) {
	var v learnerView
	ok, err := learning.Access(ctx, s.Q, userID, programID)
	if err != nil {
		return v, err
	}
	v.access = ok
	c, err := s.Q.GetLearnerConversation(ctx, db.GetLearnerConversationParams{LearnerID: userID, ProgramID: programID})
	switch {
	case err == nil:
		v.conv = &c
	case !errors.Is(err, pgx.ErrNoRows):
		return v, err
	}
	if !ok && (forWrite || v.conv == nil) {
		return v, web.Fail(ctx, http.StatusNotFound, web.CodeNotFound, "There is no such program among those you study.")
	}
	if v.program, err = s.Q.ProgramForConversation(ctx, programID); err != nil {
		return v, err
	}
	return v, nil
}

// GetMyProgramConversation returns the caller's thread with the program's
// teachers and its newest messages.
func (s *Handler) GetMyProgramConversation(ctx context.Context, req api.GetMyProgramConversationRequestObject) (api.GetMyProgramConversationResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.learnerThread(ctx, p.User.ID, req.ProgramID, false)
	if err != nil {
		return nil, err
	}
	teachers, err := s.Q.ProgramTeachers(ctx, req.ProgramID)
	if err != nil {
		return nil, err
	}
	out := api.ConversationThread{
		OrganizationID: v.program.OrganizationID, ProgramID: v.program.ID, ProgramTitle: v.program.Title,
		Teachers: []api.ConversationPerson{}, Messages: []api.ConversationMessage{}, CanWrite: v.access,
	}
	for _, t := range teachers {
		out.Teachers = append(out.Teachers, api.ConversationPerson{ID: t.ID, FirstName: t.FirstName, LastName: t.LastName})
	}
	if _, ok := decodeOlder(req.Params.Cursor); !ok {
		return nil, badCursor(ctx)
	}
	if v.conv != nil {
		out.ConversationID, out.Unread = &v.conv.ID, int(v.conv.LearnerUnread)
		if out.Messages, out.NextCursor, err = s.page(ctx, s.Q, v.conv.ID, req.Params.Limit, req.Params.Cursor); err != nil {
			return nil, err
		}
	}
	return api.GetMyProgramConversation200JSONResponse(out), nil
}

// SendMyProgramConversationMessage adds the caller's message, creating the
// thread with the first one.
func (s *Handler) SendMyProgramConversationMessage(ctx context.Context, req api.SendMyProgramConversationMessageRequestObject) (api.SendMyProgramConversationMessageResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.learnerThread(ctx, p.User.ID, req.ProgramID, true)
	if err != nil {
		return nil, err
	}
	t := thread{organizationID: v.program.OrganizationID, programID: v.program.ID, programTitle: v.program.Title, learnerID: p.User.ID}
	m, err := s.send(ctx, p, t, false, *req.Body)
	if err != nil {
		return nil, err
	}
	return api.SendMyProgramConversationMessage201JSONResponse(m), nil
}

// MarkMyProgramConversationRead moves the caller's read mark forward.
func (s *Handler) MarkMyProgramConversationRead(ctx context.Context, req api.MarkMyProgramConversationReadRequestObject) (api.MarkMyProgramConversationReadResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	c, err := s.Q.GetLearnerConversation(ctx, db.GetLearnerConversationParams{LearnerID: p.User.ID, ProgramID: req.ProgramID})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, noThread(ctx)
	}
	if err != nil {
		return nil, err
	}
	upTo, err := s.readUpTo(ctx, c.ID, c.LastSeq, req.Body)
	if err != nil {
		return nil, err
	}
	out, err := s.Q.MarkConversationReadByLearner(ctx, db.MarkConversationReadByLearnerParams{ID: c.ID, UpTo: upTo})
	if err != nil {
		return nil, err
	}
	return api.MarkMyProgramConversationRead200JSONResponse(conversationDTO(out, c.ProgramTitle)), nil
}

// readUpTo is the seq a read request names: its message's, or the newest.
func (s *Handler) readUpTo(ctx context.Context, convID uuid.UUID, last int32, body *api.ConversationReadRequest) (int32, error) {
	if body == nil || body.MessageID == nil {
		return last, nil
	}
	seq, err := s.Q.MessageSeq(ctx, db.MessageSeqParams{ConversationID: convID, ID: *body.MessageID})
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, web.Fail(ctx, http.StatusNotFound, web.CodeNotFound, "There is no such message in this conversation.")
	}
	return seq, err
}

// ListMyConversations pages through the caller's threads, most recently
// active first.
func (s *Handler) ListMyConversations(ctx context.Context, req api.ListMyConversationsRequestObject) (api.ListMyConversationsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	q := req.Params
	params := db.ListLearnerConversationsParams{
		LearnerID: p.User.ID, OrganizationID: q.OrganizationID, ProgramID: q.ProgramID, OnlyUnread: q.Unread != nil && *q.Unread,
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
	rows, err := s.Q.ListLearnerConversations(ctx, params)
	if err != nil {
		return nil, err
	}
	page := api.ConversationPage{Items: []api.Conversation{}}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		page.NextCursor = new(web.EncodeCursor(last.LastMessageAt, last.ID))
	}
	for _, r := range rows {
		page.Items = append(page.Items, conversationDTO(db.Conversation{
			ID: r.ID, OrganizationID: r.OrganizationID, ProgramID: r.ProgramID, LearnerID: r.LearnerID, LastSeq: r.LastSeq,
			LastMessageAt: r.LastMessageAt, LastPreview: r.LastPreview, LastFromStaff: r.LastFromStaff, LearnerUnread: r.LearnerUnread,
		}, r.ProgramTitle))
	}
	return api.ListMyConversations200JSONResponse(page), nil
}

// CountMyUnreadConversationMessages is the badge: unread staff messages and
// the threads that have them.
func (s *Handler) CountMyUnreadConversationMessages(ctx context.Context, req api.CountMyUnreadConversationMessagesRequestObject) (api.CountMyUnreadConversationMessagesResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	n, err := s.Q.CountLearnerUnread(ctx, db.CountLearnerUnreadParams{LearnerID: p.User.ID, OrganizationID: req.Params.OrganizationID})
	if err != nil {
		return nil, err
	}
	return api.CountMyUnreadConversationMessages200JSONResponse{UnreadMessages: int(n.Messages), UnreadConversations: int(n.Conversations)}, nil
}
