// Package conversations is the domain of teacher messages: one thread per
// learner and program between the learner and the program's teachers, with
// files and unread counts for both sides.
//
// The learner's side is /me/learning/programs/{programId}/conversation and
// /me/conversations; the staff side /organizations/{id}/conversations. A
// learner writes only with access to the program (learning.Access) and
// keeps reading a thread they already have; a teacher sees the threads of
// the programs they teach, managers, directors and admins all of their
// organization's. Anything outside the caller's reach is 404.
//
// Unread counts are per side: the learner's, and one shared by staff (a
// thread one teacher read or answered is read for all of them). They are
// kept on the thread row with the messages and read marks, so lists and
// badges never count messages.
package conversations

import (
	"context"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/markdown"
	"github.com/kabinet-edu/kabinet/internal/notifications"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// maxAttachments is how many files one message may carry (the spec's
// maxItems of attachmentIds).
const maxAttachments = 5

// staffRoles may open the staff side; teachers only for their programs.
var staffRoles = []db.MemberRole{db.MemberRoleTeacher, db.MemberRoleManager, db.MemberRoleDirector, db.MemberRoleAdmin}

// attachmentTypes are what a message may carry: documents, images,
// spreadsheets and text, never archives or executables.
var attachmentTypes = []string{blob.TypePDF, blob.TypeJPEG, blob.TypePNG, blob.TypeWebP, blob.TypeDOCX, blob.TypeXLSX, blob.TypeText}

// Handler implements the teacher-messages operations of the generated
// strict-server interface.
type Handler struct {
	web.Base
	blobs *blob.Store
	pub   *notifications.Publisher
	jobs  jobs.Inserter
	md    *markdown.Renderer
}

// New builds the handlers: files go to blobs, notifications through pub,
// whose jobs are inserted with ins.
func New(base web.Base, blobs *blob.Store, pub *notifications.Publisher, ins jobs.Inserter) *Handler {
	return &Handler{Base: base, blobs: blobs, pub: pub, jobs: ins, md: markdown.New()}
}

func noThread(ctx context.Context) error {
	return web.Fail(ctx, http.StatusNotFound, web.CodeNotFound, "There is no such conversation.")
}

func invalid(ctx context.Context, fields ...api.FieldError) error {
	return &web.Error{Problem: web.Invalid(ctx, fields...)}
}

// encodeOlder makes the opaque cursor of the page of messages before seq:
// a thread pages from the newest message back, so a page's nextCursor
// leads to older messages.
func encodeOlder(seq int32) string {
	return base64.RawURLEncoding.EncodeToString([]byte("m" + strconv.Itoa(int(seq))))
}

// decodeOlder reads a cursor made by encodeOlder; ok is false for one
// this API did not hand out.
func decodeOlder(c *string) (seq *int32, ok bool) {
	if c == nil {
		return nil, true
	}
	raw, err := base64.RawURLEncoding.DecodeString(*c)
	if err != nil || len(raw) < 2 || raw[0] != 'm' {
		return nil, false
	}
	n, err := strconv.ParseInt(string(raw[1:]), 10, 32)
	if err != nil || n < 1 {
		return nil, false
	}
	s := int32(n)
	return &s, true
}

func badCursor(ctx context.Context) error {
	return &web.Error{Problem: web.BadCursor(ctx)}
}

// preview is the start of a message for lists: its first 200 characters
// with line breaks as spaces.
func preview(body string, files int) string {
	s := strings.Join(strings.Fields(body), " ")
	if s == "" && files > 0 {
		return "📎 " + strconv.Itoa(files)
	}
	if utf8.RuneCountInString(s) > 200 {
		r := []rune(s)
		s = string(r[:199]) + "…"
	}
	return s
}

func attachmentDTO(a db.ConversationAttachment) api.ConversationAttachment {
	return api.ConversationAttachment{
		ID: a.ID, FileName: a.FileName, ContentType: a.ContentType, SizeBytes: a.SizeBytes, Sha256: a.Sha256, CreatedAt: a.CreatedAt.UTC(),
	}
}

func messageDTO(m db.ConversationMessage, first, last string, files []db.ConversationAttachment) api.ConversationMessage {
	out := api.ConversationMessage{
		ID: m.ID, ConversationID: m.ConversationID, Seq: int(m.Seq), FromStaff: m.FromStaff, Body: m.Body, BodyHTML: m.BodyHtml,
		CreatedAt: m.CreatedAt.UTC(), Author: api.ConversationPerson{ID: m.AuthorID, FirstName: first, LastName: last},
		Attachments: []api.ConversationAttachment{},
	}
	for _, f := range files {
		out.Attachments = append(out.Attachments, attachmentDTO(f))
	}
	return out
}

func conversationDTO(c db.Conversation, title string) api.Conversation {
	return api.Conversation{
		ID: c.ID, OrganizationID: c.OrganizationID, ProgramID: c.ProgramID, ProgramTitle: title,
		MessageCount: int(c.LastSeq), Unread: int(c.LearnerUnread), LastMessageAt: c.LastMessageAt.UTC(),
		LastMessagePreview: c.LastPreview, LastMessageFromStaff: c.LastFromStaff,
	}
}

func staffDTO(c db.Conversation, title, first, last string) api.StaffConversation {
	return api.StaffConversation{
		ID: c.ID, OrganizationID: c.OrganizationID, ProgramID: c.ProgramID, ProgramTitle: title,
		Learner:      api.ConversationPerson{ID: c.LearnerID, FirstName: first, LastName: last},
		MessageCount: int(c.LastSeq), Unread: int(c.StaffUnread), LearnerUnread: int(c.LearnerUnread),
		LastMessageAt: c.LastMessageAt.UTC(), LastMessagePreview: c.LastPreview, LastMessageFromStaff: c.LastFromStaff,
		CreatedAt: c.CreatedAt.UTC(),
	}
}

// page reads the newest messages of a thread before the cursor, oldest
// first, with their files, and the cursor of the older ones.
func (s *Handler) page(ctx context.Context, q *db.Queries, conversationID uuid.UUID, limit *int, cursor *string) ([]api.ConversationMessage, *string, error) {
	seq, ok := decodeOlder(cursor)
	if !ok {
		return nil, nil, badCursor(ctx)
	}
	n := 50
	if limit != nil {
		n = *limit
	}
	p := db.ListConversationMessagesParams{ConversationID: conversationID, MaxRows: int32(n + 1)}
	if seq != nil {
		p.BeforeSeq.Int32, p.BeforeSeq.Valid = *seq, true
	}
	rows, err := q.ListConversationMessages(ctx, p)
	if err != nil {
		return nil, nil, err
	}
	var older *string
	if len(rows) > n {
		rows = rows[:n]
		older = new(encodeOlder(rows[n-1].Seq))
	}
	ids := make([]uuid.UUID, len(rows))
	for i, r := range rows {
		ids[i] = r.ID
	}
	files := map[uuid.UUID][]db.ConversationAttachment{}
	if len(ids) > 0 {
		all, err := q.ListMessageAttachments(ctx, ids)
		if err != nil {
			return nil, nil, err
		}
		for _, f := range all {
			files[*f.MessageID] = append(files[*f.MessageID], f)
		}
	}
	out := make([]api.ConversationMessage, 0, len(rows))
	for i := len(rows) - 1; i >= 0; i-- {
		r := rows[i]
		m := db.ConversationMessage{ID: r.ID, ConversationID: r.ConversationID, Seq: r.Seq, AuthorID: r.AuthorID,
			FromStaff: r.FromStaff, Body: r.Body, BodyHtml: r.BodyHtml, CreatedAt: r.CreatedAt}
		out = append(out, messageDTO(m, r.AuthorFirstName, r.AuthorLastName, files[r.ID]))
	}
	return out, older, nil
}
