package conversations

import (
	"context"
	"slices"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/notifications"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// thread names where a message goes: the learner's thread of a program
// (created with the first message when id is nil) or an existing thread.
type thread struct {
	id             *uuid.UUID
	organizationID uuid.UUID
	programID      uuid.UUID
	programTitle   string
	learnerID      uuid.UUID
}

// send appends the caller's message to t in one transaction with its files
// and the notifications of the other side.
func (s *Handler) send(ctx context.Context, p *web.Principal, t thread, fromStaff bool, in api.ConversationMessageCreate) (api.ConversationMessage, error) {
	var ids []uuid.UUID
	if in.AttachmentIds != nil {
		ids = *in.AttachmentIds
	}
	if strings.TrimSpace(in.Body) == "" && len(ids) == 0 {
		return api.ConversationMessage{}, invalid(ctx, web.FieldError("body", "required", "must not be blank when no file is attached"))
	}
	html := ""
	if strings.TrimSpace(in.Body) != "" {
		var err error
		if html, err = s.md.Render(in.Body); err != nil {
			return api.ConversationMessage{}, err
		}
	}
	var (
		msg   db.ConversationMessage
		files []db.ConversationAttachment
	)
	err := store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		var c db.Conversation
		var err error
		if t.id == nil {
			c, err = q.CreateConversation(ctx, db.CreateConversationParams{OrganizationID: t.organizationID, ProgramID: t.programID, LearnerID: t.learnerID})
		} else {
			c, err = q.LockConversation(ctx, *t.id)
		}
		if err != nil {
			return err
		}
		msg, err = q.AddConversationMessage(ctx, db.AddConversationMessageParams{
			ConversationID: c.ID, AuthorID: p.User.ID, FromStaff: fromStaff, Body: in.Body, BodyHtml: html,
			Preview: preview(in.Body, len(ids)),
		})
		if err != nil {
			return err
		}
		if len(ids) > 0 {
			files, err = q.ClaimConversationAttachments(ctx, db.ClaimConversationAttachmentsParams{
				MessageID: &msg.ID, ConversationID: &c.ID, Ids: ids, UploaderID: p.User.ID, ProgramID: t.programID,
			})
			if err != nil {
				return err
			}
			if len(files) != len(ids) {
				return missingFiles(ctx, ids, files)
			}
			slices.SortFunc(files, func(a, b db.ConversationAttachment) int { return int(a.Position - b.Position) })
		}
		return s.notify(ctx, q, tx, p, t, c.ID, fromStaff, msg.Body, len(files))
	})
	if err != nil {
		return api.ConversationMessage{}, err
	}
	return messageDTO(msg, p.User.FirstName, p.User.LastName, files), nil
}

// missingFiles is the 422 naming each attachment id that is not the
// caller's unsent upload for this thread.
func missingFiles(ctx context.Context, ids []uuid.UUID, got []db.ConversationAttachment) error {
	var fields []api.FieldError
	for i, id := range ids {
		if !slices.ContainsFunc(got, func(a db.ConversationAttachment) bool { return a.ID == id }) {
			fields = append(fields, web.FieldError("attachmentIds."+strconv.Itoa(i), "unknown", "is not a file you uploaded for this conversation and have not sent"))
		}
	}
	return invalid(ctx, fields...)
}

// notify tells the other side of a new message, inside its transaction: a
// learner's message goes to the program's teachers (to the organization's
// managers and admins when it has none), a staff message to the learner.
func (s *Handler) notify(ctx context.Context, q *db.Queries, tx pgx.Tx, p *web.Principal, t thread, convID uuid.UUID, fromStaff bool, body string, files int) error {
	author := strings.TrimSpace(p.User.FirstName + " " + p.User.LastName)
	text := notifications.Text{RU: preview(body, files)}
	org := t.organizationID
	if fromStaff {
		return s.pub.Publish(ctx, tx, notifications.Event{
			UserID: t.learnerID, OrganizationID: &org, Category: notifications.CategoryMessage,
			Title: notifications.Text{RU: preview("Преподаватель ответил: "+author, 0), EN: preview("A teacher replied: "+author, 0)},
			Body:  text,
			Link: &notifications.Link{Kind: "conversation", ID: convID.String(),
				Path: "/learning/programs/" + t.programID.String() + "/conversation"},
		})
	}
	teachers, err := q.ProgramTeachers(ctx, t.programID)
	if err != nil {
		return err
	}
	to := make([]uuid.UUID, 0, len(teachers))
	for _, r := range teachers {
		to = append(to, r.ID)
	}
	if len(to) == 0 {
		if to, err = q.ConversationManagers(ctx, t.organizationID); err != nil {
			return err
		}
	}
	title := notifications.Text{RU: preview("Новое сообщение слушателя: "+author, 0), EN: preview("New message from a learner: "+author, 0)}
	for _, id := range to {
		if id == p.User.ID {
			continue
		}
		err := s.pub.Publish(ctx, tx, notifications.Event{
			UserID: id, OrganizationID: &org, Category: notifications.CategoryMessage, Title: title, Body: text,
			Link: &notifications.Link{Kind: "conversation", ID: convID.String(),
				Path: "/organizations/" + org.String() + "/conversations/" + convID.String()},
		})
		if err != nil {
			return err
		}
	}
	return nil
}
