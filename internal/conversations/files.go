package conversations

import (
	"context"
	"errors"
	"mime/multipart"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Files are uploaded on their own (one request per file, so a SPA shows
// each one's progress and can retry one) and then named in the message
// that sends them. An unsent upload is visible only to its uploader.

// UploadMyConversationAttachment stores a file for the caller's next
// message in a program's thread.
func (s *Handler) UploadMyConversationAttachment(ctx context.Context, req api.UploadMyConversationAttachmentRequestObject) (api.UploadMyConversationAttachmentResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.learnerThread(ctx, p.User.ID, req.ProgramID, true)
	if err != nil {
		return nil, err
	}
	var conv *uuid.UUID
	if v.conv != nil {
		conv = &v.conv.ID
	}
	a, err := s.upload(ctx, p, req.Body, req.ProgramID, conv)
	if err != nil {
		return nil, err
	}
	return api.UploadMyConversationAttachment201JSONResponse(attachmentDTO(a)), nil
}

// UploadOrganizationConversationAttachment stores a file for a staff
// answer in a thread.
func (s *Handler) UploadOrganizationConversationAttachment(ctx context.Context, req api.UploadOrganizationConversationAttachmentRequestObject) (api.UploadOrganizationConversationAttachmentResponseObject, error) {
	p, c, err := s.staffThread(ctx, req.OrganizationID, req.ConversationID)
	if err != nil {
		return nil, err
	}
	a, err := s.upload(ctx, p, req.Body, c.ProgramID, &c.ID)
	if err != nil {
		return nil, err
	}
	return api.UploadOrganizationConversationAttachment201JSONResponse(attachmentDTO(a)), nil
}

func (s *Handler) upload(ctx context.Context, p *web.Principal, body *multipart.Reader, programID uuid.UUID, conv *uuid.UUID) (db.ConversationAttachment, error) {
	part, err := web.FilePart(body)
	if err != nil {
		return db.ConversationAttachment{}, s.uploadProblem(ctx, p, err)
	}
	obj, err := s.blobs.Upload(ctx, part, blob.UploadOptions{
		Prefix: "conversations/" + programID.String(), MaxSize: s.Cfg.Blob.DocumentMaxBytes, Allowed: attachmentTypes,
	})
	if err != nil {
		return db.ConversationAttachment{}, s.uploadProblem(ctx, p, err)
	}
	a, err := s.Q.CreateConversationAttachment(ctx, db.CreateConversationAttachmentParams{
		ProgramID: programID, ConversationID: conv, UploaderID: p.User.ID, FileName: fileName(part.FileName(), obj.ContentType),
		BlobKey: obj.Key, ContentType: obj.ContentType, SizeBytes: obj.Size, Sha256: obj.SHA256,
	})
	if err != nil {
		if derr := s.blobs.Delete(context.WithoutCancel(ctx), obj.Key); derr != nil {
			s.Log.Warn("delete unrecorded conversation attachment", "key", obj.Key, "error", derr)
		}
		return a, err
	}
	return a, nil
}

// fileName keeps the base name the client sent, without control
// characters and at most 255 bytes, or names the file after its type.
func fileName(sent, contentType string) string {
	name := strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == '/' || r == '\\' {
			return -1
		}
		return r
	}, path.Base(strings.ReplaceAll(sent, `\`, "/")))
	name = strings.TrimSpace(name)
	for len(name) > 255 {
		_, size := utf8.DecodeLastRuneInString(name)
		name = name[:len(name)-size]
	}
	if name == "" || name == "." || name == "/" {
		ext := map[string]string{blob.TypePDF: ".pdf", blob.TypeJPEG: ".jpg", blob.TypePNG: ".png", blob.TypeWebP: ".webp",
			blob.TypeDOCX: ".docx", blob.TypeXLSX: ".xlsx", blob.TypeText: ".txt"}[contentType]
		name = "file" + ext
	}
	return name
}

// DownloadMyConversationAttachment streams a file of the caller's thread.
func (s *Handler) DownloadMyConversationAttachment(ctx context.Context, req api.DownloadMyConversationAttachmentRequestObject) (api.DownloadMyConversationAttachmentResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.learnerThread(ctx, p.User.ID, req.ProgramID, false)
	if err != nil {
		return nil, err
	}
	var conv *uuid.UUID
	if v.conv != nil {
		conv = &v.conv.ID
	}
	a, err := s.attachment(ctx, p, req.AttachmentID, req.ProgramID, conv)
	if err != nil {
		return nil, err
	}
	pr := req.Params
	return s.download(ctx, a, pr.Range, pr.IfRange, pr.IfNoneMatch), nil
}

// DownloadOrganizationConversationAttachment streams a file of a thread to
// staff who may read it.
func (s *Handler) DownloadOrganizationConversationAttachment(ctx context.Context, req api.DownloadOrganizationConversationAttachmentRequestObject) (api.DownloadOrganizationConversationAttachmentResponseObject, error) {
	p, c, err := s.staffThread(ctx, req.OrganizationID, req.ConversationID)
	if err != nil {
		return nil, err
	}
	a, err := s.attachment(ctx, p, req.AttachmentID, c.ProgramID, &c.ID)
	if err != nil {
		return nil, err
	}
	pr := req.Params
	return s.download(ctx, a, pr.Range, pr.IfRange, pr.IfNoneMatch), nil
}

func (s *Handler) attachment(ctx context.Context, p *web.Principal, id, programID uuid.UUID, conv *uuid.UUID) (db.ConversationAttachment, error) {
	a, err := s.Q.GetConversationAttachment(ctx, db.GetConversationAttachmentParams{ID: id, ProgramID: programID, ConversationID: conv, UserID: p.User.ID})
	if errors.Is(err, pgx.ErrNoRows) {
		return a, web.Fail(ctx, http.StatusNotFound, web.CodeNotFound, "There is no such file.")
	}
	return a, err
}

// downloadResponse streams a stored file through blob.Serve (Range, ETag,
// Content-Disposition); it is the typed response of both downloads.
type downloadResponse struct {
	ctx   context.Context
	blobs *blob.Store
	log   interface{ Error(string, ...any) }
	meta  blob.Meta
	req   *http.Request
}

func (s *Handler) download(ctx context.Context, a db.ConversationAttachment, rng, ifRange, ifNoneMatch *string) *downloadResponse {
	// blob.Serve reads the conditional headers from a request.
	r, _ := http.NewRequestWithContext(ctx, http.MethodGet, "/", nil)
	for name, v := range map[string]*string{"Range": rng, "If-Range": ifRange, "If-None-Match": ifNoneMatch} {
		if v != nil {
			r.Header.Set(name, *v)
		}
	}
	return &downloadResponse{
		ctx: ctx, blobs: s.blobs, log: s.Log, req: r,
		meta: blob.Meta{Key: a.BlobKey, ContentType: a.ContentType, SHA256: a.Sha256, Size: a.SizeBytes, FileName: a.FileName},
	}
}

func (d *downloadResponse) visit(w http.ResponseWriter) error {
	err := d.blobs.Serve(w, d.req, d.meta)
	if errors.Is(err, blob.ErrNotFound) {
		return web.Fail(d.ctx, http.StatusNotFound, web.CodeNotFound, "The file is missing.")
	}
	if err != nil {
		// The headers are out; the client sees a cut-off body.
		d.log.Error("stream conversation attachment", "key", d.meta.Key, "error", err)
	}
	return nil
}

// VisitDownloadMyConversationAttachmentResponse implements the generated response interface.
func (d *downloadResponse) VisitDownloadMyConversationAttachmentResponse(w http.ResponseWriter) error {
	return d.visit(w)
}

// VisitDownloadOrganizationConversationAttachmentResponse implements the generated response interface.
func (d *downloadResponse) VisitDownloadOrganizationConversationAttachmentResponse(w http.ResponseWriter) error {
	return d.visit(w)
}

// uploadProblem is web.UploadProblem with this domain's accepted types.
func (s *Handler) uploadProblem(ctx context.Context, p *web.Principal, err error) error {
	return web.UploadProblem(ctx, s.Log, p, "Only PDF, JPEG, PNG, WebP, DOCX, XLSX and plain-text files are accepted (the type is read from the content).", "", err)
}
