package enrollment

import (
	"context"
	"errors"
	"net/http"
	"path"
	"slices"
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

// documentTypes are what applicants' scans may be: PDF, JPEG, PNG.
var documentTypes = []string{blob.TypePDF, blob.TypeJPEG, blob.TypePNG}

// UploadApplicationDocument streams one file of the checklist into blob
// storage and records it, replacing an earlier file of the same kind.
func (s *Handler) UploadApplicationDocument(ctx context.Context, req api.UploadApplicationDocumentRequestObject) (api.UploadApplicationDocumentResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	kind := string(req.Kind)
	// Checked before the file is read, so a refused upload stores nothing;
	// checked again under the lock below.
	a, err := s.Q.GetUserApplication(ctx, db.GetUserApplicationParams{UserID: p.User.ID, ID: req.ApplicationID})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(ctx)
	}
	if err != nil {
		return nil, err
	}
	if !allowed(actEdit, a.Status) {
		return nil, illegal(ctx, actEdit, a.Status)
	}
	c, err := s.Q.ApplicationContext(ctx, db.ApplicationContextParams{ProgramID: a.ProgramID, GroupID: a.GroupID})
	if err != nil {
		return nil, err
	}
	if !slices.Contains(c.RequiredDocuments, kind) {
		return nil, invalid(ctx, []api.FieldError{web.FieldError("path.kind", "not_in_checklist", "is not a document this program asks for")})
	}
	part, err := web.FilePart(req.Body)
	if err != nil {
		return nil, s.uploadProblem(ctx, p, err)
	}
	obj, err := s.blobs.Upload(ctx, part, blob.UploadOptions{
		Prefix: "applications/" + a.ID.String(), MaxSize: s.Cfg.Blob.DocumentMaxBytes, Allowed: documentTypes,
	})
	if err != nil {
		return nil, s.uploadProblem(ctx, p, err)
	}
	var doc db.ApplicationDocument
	var replaced string
	err = s.mine(ctx, p, a.ID, func(q txn, a db.Application) error {
		if !allowed(actEdit, a.Status) {
			return illegal(ctx, actEdit, a.Status)
		}
		if old, err := q.GetApplicationDocumentByKind(ctx, db.GetApplicationDocumentByKindParams{ApplicationID: a.ID, Kind: kind}); err == nil {
			replaced = old.BlobKey
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		doc, err = q.PutApplicationDocument(ctx, db.PutApplicationDocumentParams{
			ApplicationID: a.ID, Kind: kind, FileName: fileName(part.FileName(), kind, obj.ContentType),
			BlobKey: obj.Key, ContentType: obj.ContentType, SizeBytes: obj.Size, Sha256: obj.SHA256,
		})
		return err
	})
	// The blob that no row names any more: the new one when the row was not
	// written, else the replaced one. A failed delete leaves an orphan, not
	// a broken row.
	orphan := replaced
	if err != nil {
		orphan = obj.Key
	}
	if orphan != "" {
		if derr := s.blobs.Delete(context.WithoutCancel(ctx), orphan); derr != nil {
			s.Log.Warn("delete replaced application document", "key", orphan, "error", derr)
		}
	}
	if err != nil {
		return nil, err
	}
	return api.UploadApplicationDocument200JSONResponse(documentDTO(doc)), nil
}

// fileName keeps the base name the client sent, without control
// characters and at most 255 bytes, or names the file after its kind.
func fileName(sent, kind, contentType string) string {
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
		ext := map[string]string{blob.TypePDF: ".pdf", blob.TypeJPEG: ".jpg", blob.TypePNG: ".png"}[contentType]
		name = kind + ext
	}
	return name
}

// DownloadMyApplicationDocument streams a document of the caller's
// application.
func (s *Handler) DownloadMyApplicationDocument(ctx context.Context, req api.DownloadMyApplicationDocumentRequestObject) (api.DownloadMyApplicationDocumentResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	a, err := s.Q.GetUserApplication(ctx, db.GetUserApplicationParams{UserID: p.User.ID, ID: req.ApplicationID})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(ctx)
	}
	if err != nil {
		return nil, err
	}
	d, err := s.document(ctx, a.ID, req.DocumentID)
	if err != nil {
		return nil, err
	}
	pr := req.Params
	return s.download(ctx, d, pr.Range, pr.IfRange, pr.IfNoneMatch), nil
}

// DownloadOrganizationApplicationDocument streams an applicant's document
// to the organization's staff and records the access in its audit log.
func (s *Handler) DownloadOrganizationApplicationDocument(ctx context.Context, req api.DownloadOrganizationApplicationDocumentRequestObject) (api.DownloadOrganizationApplicationDocumentResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, reviewers...); err != nil {
		return nil, err
	}
	a, err := s.Q.GetOrgApplication(ctx, db.GetOrgApplicationParams{OrganizationID: req.OrganizationID, ID: req.ApplicationID})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(ctx)
	}
	if err != nil {
		return nil, err
	}
	d, err := s.document(ctx, a.ID, req.DocumentID)
	if err != nil {
		return nil, err
	}
	// Recorded before the first byte goes out: an access that cannot be
	// audited does not happen.
	if err := s.RecordIn(ctx, s.Q, auditDocumentDownloaded, a.OrganizationID, &a.UserID, &p.User.ID, map[string]any{
		"applicationId": a.ID, "documentId": d.ID, "kind": d.Kind, "range": req.Params.Range != nil,
	}); err != nil {
		return nil, err
	}
	pr := req.Params
	return s.download(ctx, d, pr.Range, pr.IfRange, pr.IfNoneMatch), nil
}

func (s *Handler) document(ctx context.Context, appID, docID uuid.UUID) (db.ApplicationDocument, error) {
	d, err := s.Q.GetApplicationDocument(ctx, db.GetApplicationDocumentParams{ApplicationID: appID, ID: docID})
	if errors.Is(err, pgx.ErrNoRows) {
		return d, web.Fail(ctx, http.StatusNotFound, web.CodeNotFound, "There is no such document.")
	}
	return d, err
}

// uploadProblem is web.UploadProblem with this domain's accepted types.
func (s *Handler) uploadProblem(ctx context.Context, p *web.Principal, err error) error {
	return web.UploadProblem(ctx, s.Log, p, "Only PDF, JPEG and PNG files are accepted (the type is read from the content).", ", not PDF, JPEG or PNG", err)
}
