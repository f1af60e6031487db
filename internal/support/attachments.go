package support

import (
	"context"
	"errors"
	"mime/multipart"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/documents"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Attachments: files on messages, streamed to blob storage like the
// archive's versions (web.FilePart, documents.UploadProblem, Download).
const (
	maxAttachmentsPerMessage = 10
	// attachWindow is how long after writing a message its author may
	// still attach files to it.
	attachWindow = time.Hour
)

func attachmentDTO(a db.SupportMessageAttachment) api.SupportAttachment {
	return api.SupportAttachment{
		ID: a.ID, MessageID: a.MessageID, FileName: a.FileName, ContentType: a.ContentType,
		SizeBytes: a.SizeBytes, Sha256: a.Sha256, CreatedAt: a.CreatedAt.UTC(),
	}
}

func noAttachment(ctx context.Context) error {
	return web.Fail(ctx, http.StatusNotFound, web.CodeNotFound, "There is no such attachment.")
}

// attachmentsOf loads the attachments of messages, by message.
func (s *Handler) attachmentsOf(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID][]api.SupportAttachment, error) {
	out := map[uuid.UUID][]api.SupportAttachment{}
	if len(ids) == 0 {
		return out, nil
	}
	rows, err := s.Q.ListSupportAttachments(ctx, ids)
	if err != nil {
		return nil, err
	}
	for _, a := range rows {
		out[a.MessageID] = append(out[a.MessageID], attachmentDTO(a))
	}
	return out, nil
}

// withAttachments fills the attachments of the author's view of a thread.
func (s *Handler) withAttachments(ctx context.Context, items []api.SupportMessage) error {
	ids := make([]uuid.UUID, len(items))
	for i, m := range items {
		ids[i] = m.ID
	}
	by, err := s.attachmentsOf(ctx, ids)
	for i := range items {
		items[i].Attachments = new(append([]api.SupportAttachment{}, by[items[i].ID]...))
	}
	return err
}

// withStaffAttachments fills the attachments of staff's view of a thread.
func (s *Handler) withStaffAttachments(ctx context.Context, items []api.StaffSupportMessage) error {
	ids := make([]uuid.UUID, len(items))
	for i, m := range items {
		ids[i] = m.ID
	}
	by, err := s.attachmentsOf(ctx, ids)
	for i := range items {
		items[i].Attachments = new(append([]api.SupportAttachment{}, by[items[i].ID]...))
	}
	return err
}

// attach streams the file of body onto message m of ticket t, written by
// the caller p.
func (s *Handler) attach(ctx context.Context, p *web.Principal, t db.SupportTicket, messageID uuid.UUID, body *multipart.Reader) (db.SupportMessageAttachment, error) {
	m, err := s.Q.GetSupportMessage(ctx, db.GetSupportMessageParams{TicketID: t.ID, ID: messageID})
	if errors.Is(err, pgx.ErrNoRows) {
		return db.SupportMessageAttachment{}, web.Fail(ctx, http.StatusNotFound, web.CodeNotFound, "There is no such message.")
	}
	if err != nil {
		return db.SupportMessageAttachment{}, err
	}
	if m.AuthorID != p.User.ID {
		return db.SupportMessageAttachment{}, web.Fail(ctx, http.StatusForbidden, web.CodeForbidden, "Files go only on messages you wrote.")
	}
	if s.Now().Sub(m.CreatedAt) > attachWindow {
		return db.SupportMessageAttachment{}, web.Fail(ctx, http.StatusConflict, "attach_window_closed",
			"Files may be attached within an hour of writing the message; write a new one.")
	}
	n, err := s.Q.CountSupportMessageAttachments(ctx, m.ID)
	if err != nil {
		return db.SupportMessageAttachment{}, err
	}
	if n >= maxAttachmentsPerMessage {
		return db.SupportMessageAttachment{}, web.Fail(ctx, http.StatusConflict, "too_many_attachments", "A message holds at most 10 files.")
	}
	part, err := web.FilePart(body)
	if err != nil {
		return db.SupportMessageAttachment{}, documents.UploadProblem(ctx, s.Log, p, err)
	}
	obj, err := s.Files.Upload(ctx, part, blob.UploadOptions{
		Prefix: "support/" + t.ID.String(), MaxSize: s.Cfg.Blob.DocumentMaxBytes, Allowed: blob.DocumentTypes(),
	})
	if err != nil {
		return db.SupportMessageAttachment{}, documents.UploadProblem(ctx, s.Log, p, err)
	}
	a, err := s.Q.CreateSupportAttachment(ctx, db.CreateSupportAttachmentParams{
		MessageID: m.ID, TicketID: t.ID, UploadedBy: p.User.ID, BlobKey: obj.Key,
		FileName: documents.FileName(part.FileName(), "attachment", obj.ContentType), ContentType: obj.ContentType,
		SizeBytes: obj.Size, Sha256: obj.SHA256,
	})
	if err != nil {
		if derr := s.Files.Delete(context.WithoutCancel(ctx), obj.Key); derr != nil {
			s.Log.Warn("delete unrecorded support attachment", "key", obj.Key, "error", derr)
		}
	}
	return a, err
}

func (s *Handler) serveAttachment(ctx context.Context, ticketID, id uuid.UUID, staff bool, rng, ifRange, ifNoneMatch *string) (*documents.Download, error) {
	r, err := s.Q.GetSupportAttachment(ctx, db.GetSupportAttachmentParams{TicketID: ticketID, ID: id})
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && r.Internal && !staff) {
		return nil, noAttachment(ctx)
	}
	if err != nil {
		return nil, err
	}
	a := r.SupportMessageAttachment
	return documents.NewDownload(ctx, s.Files, s.Log, blob.Meta{
		Key: a.BlobKey, ContentType: a.ContentType, SHA256: a.Sha256, Size: a.SizeBytes, FileName: a.FileName,
	}, rng, ifRange, ifNoneMatch), nil
}

// UploadMySupportAttachment attaches a file to a message of the caller's ticket.
func (s *Handler) UploadMySupportAttachment(ctx context.Context, req api.UploadMySupportAttachmentRequestObject) (api.UploadMySupportAttachmentResponseObject, error) {
	t, p, err := s.ownTicket(ctx, req.TicketID)
	if err != nil {
		return nil, err
	}
	a, err := s.attach(ctx, p, t, req.MessageID, req.Body)
	if err != nil {
		return nil, err
	}
	return api.UploadMySupportAttachment201JSONResponse(attachmentDTO(a)), nil
}

// DownloadMySupportAttachment streams a file of the caller's ticket, never
// one of an internal note.
func (s *Handler) DownloadMySupportAttachment(ctx context.Context, req api.DownloadMySupportAttachmentRequestObject) (api.DownloadMySupportAttachmentResponseObject, error) {
	t, _, err := s.ownTicket(ctx, req.TicketID)
	if err != nil {
		return nil, err
	}
	pr := req.Params
	return s.serveAttachment(ctx, t.ID, req.AttachmentID, false, pr.Range, pr.IfRange, pr.IfNoneMatch)
}

// UploadSupportAttachment attaches a file to a staff member's own message.
func (s *Handler) UploadSupportAttachment(ctx context.Context, req api.UploadSupportAttachmentRequestObject) (api.UploadSupportAttachmentResponseObject, error) {
	t, err := s.orgTicket(ctx, req.OrganizationID, req.TicketID)
	if err != nil {
		return nil, err
	}
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.attach(ctx, p, t.SupportTicket, req.MessageID, req.Body)
	if err != nil {
		return nil, err
	}
	return api.UploadSupportAttachment201JSONResponse(attachmentDTO(a)), nil
}

// DownloadSupportAttachment streams any file of a ticket to support staff.
func (s *Handler) DownloadSupportAttachment(ctx context.Context, req api.DownloadSupportAttachmentRequestObject) (api.DownloadSupportAttachmentResponseObject, error) {
	t, err := s.orgTicket(ctx, req.OrganizationID, req.TicketID)
	if err != nil {
		return nil, err
	}
	pr := req.Params
	return s.serveAttachment(ctx, t.SupportTicket.ID, req.AttachmentID, true, pr.Range, pr.IfRange, pr.IfNoneMatch)
}
