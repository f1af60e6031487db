package documents

import (
	"context"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// ListDocumentVersions pages through a document's versions, newest first.
func (s *Handler) ListDocumentVersions(ctx context.Context, req api.ListDocumentVersionsRequestObject) (api.ListDocumentVersionsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.one(ctx, p, req.DocumentID)
	if err != nil {
		return nil, err
	}
	var before pgtype.Int4
	if c := req.Params.Cursor; c != nil {
		var n int32
		if err := jsonNumber(*c, &n); err != nil || n < 1 {
			return nil, &web.Error{Problem: web.BadCursor(ctx)}
		}
		before = pgtype.Int4{Int32: n, Valid: true}
	}
	limit := web.Limit(req.Params.Limit)
	rows, err := s.Q.ListDocumentVersions(ctx, db.ListDocumentVersionsParams{DocumentID: v.doc.ID, BeforeNumber: before, MaxRows: int32(limit + 1)})
	if err != nil {
		return nil, err
	}
	page := api.DocumentVersionPage{Items: []api.DocumentVersion{}}
	if len(rows) > limit {
		rows = rows[:limit]
		page.NextCursor = new(itoa(int64(rows[len(rows)-1].Number)))
	}
	for _, r := range rows {
		page.Items = append(page.Items, versionDTO(r))
	}
	return api.ListDocumentVersions200JSONResponse(page), nil
}

// UploadDocumentVersion streams a new file of a document into storage and
// makes it the current version.
func (s *Handler) UploadDocumentVersion(ctx context.Context, req api.UploadDocumentVersionRequestObject) (api.UploadDocumentVersionResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	// Checked before the file is read, so a refused upload stores nothing;
	// checked again under the lock below.
	v, err := s.one(ctx, p, req.DocumentID)
	if err != nil {
		return nil, err
	}
	if v.access < accessManage {
		return nil, readOnly(ctx)
	}
	if err := alive(ctx, v.doc); err != nil {
		return nil, err
	}
	part, err := web.FilePart(req.Body)
	if err != nil {
		return nil, UploadProblem(ctx, s.Log, p, err)
	}
	obj, err := s.blobs.Upload(ctx, part, blob.UploadOptions{
		Prefix: "documents/" + v.doc.ID.String(), MaxSize: s.Cfg.Documents.MaxBytes, Allowed: uploadTypes,
	})
	if err != nil {
		return nil, UploadProblem(ctx, s.Log, p, err)
	}
	var ver db.DocumentVersion
	_, err = s.managed(ctx, p, v.doc.ID, func(q *db.Queries, tx pgx.Tx, d db.Document) (db.Document, error) {
		if err := alive(ctx, d); err != nil {
			return d, err
		}
		ver, err = q.CreateDocumentVersion(ctx, db.CreateDocumentVersionParams{
			DocumentID: d.ID, Number: d.CurrentVersion + 1, BlobKey: obj.Key, FileName: FileName(part.FileName(), d.Title, obj.ContentType),
			ContentType: obj.ContentType, SizeBytes: obj.Size, Sha256: obj.SHA256, UploadedBy: &p.User.ID,
		})
		if err != nil {
			return d, err
		}
		if d.OwnerID != nil && *d.OwnerID != p.User.ID {
			if err := s.tellOwner(ctx, tx, d, ver.Number); err != nil {
				return d, err
			}
		}
		return q.SetDocumentCurrentVersion(ctx, db.SetDocumentCurrentVersionParams{ID: d.ID, CurrentVersion: ver.Number})
	})
	if err != nil {
		// No row names the new blob.
		if derr := s.blobs.Delete(context.WithoutCancel(ctx), obj.Key); derr != nil {
			s.Log.Warn("delete unrecorded document version", "key", obj.Key, "error", derr)
		}
		return nil, err
	}
	return api.UploadDocumentVersion201JSONResponse(versionDTO(ver)), nil
}

// DownloadDocumentVersion streams one version of a document.
func (s *Handler) DownloadDocumentVersion(ctx context.Context, req api.DownloadDocumentVersionRequestObject) (api.DownloadDocumentVersionResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	pr := req.Params
	return s.download(ctx, p, req.DocumentID, int32(req.Number), pr.Range, pr.IfRange, pr.IfNoneMatch)
}

// DownloadDocument streams the current version of a document.
func (s *Handler) DownloadDocument(ctx context.Context, req api.DownloadDocumentRequestObject) (api.DownloadDocumentResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	pr := req.Params
	return s.download(ctx, p, req.DocumentID, 0, pr.Range, pr.IfRange, pr.IfNoneMatch)
}

// download finds version number (0: the current one) of a document the
// caller may read, records a read by anyone but the owner of a document an
// organization issued in that organization's log, and answers with the file.
func (s *Handler) download(ctx context.Context, p *web.Principal, docID uuid.UUID, number int32, rng, ifRange, ifNoneMatch *string) (*Download, error) {
	v, err := s.one(ctx, p, docID)
	if err != nil {
		return nil, err
	}
	if v.doc.DeletedAt != nil {
		return nil, noDocument(ctx)
	}
	if number == 0 {
		number = v.doc.CurrentVersion
	}
	ver, err := s.Q.GetDocumentVersion(ctx, db.GetDocumentVersionParams{DocumentID: v.doc.ID, Number: number})
	if err != nil {
		return nil, notFoundOr(ctx, err, func(ctx context.Context) error {
			return web.Fail(ctx, http.StatusNotFound, web.CodeNotFound, "The document has no such version.")
		})
	}
	if org := v.doc.IssuerOrganizationID; org != nil && v.doc.OwnerID != nil && *v.doc.OwnerID != p.User.ID {
		// Recorded before the first byte goes out: an access that cannot be
		// audited does not happen.
		if err := s.RecordIn(ctx, s.Q, EventDocumentDownloaded, *org, v.doc.OwnerID, &p.User.ID, map[string]any{
			"documentId": v.doc.ID, "version": ver.Number, "range": rng != nil,
		}); err != nil {
			return nil, err
		}
	}
	return NewDownload(ctx, s.blobs, s.Log, blob.Meta{
		Key: ver.BlobKey, ContentType: ver.ContentType, SHA256: ver.Sha256, Size: ver.SizeBytes, FileName: ver.FileName,
	}, rng, ifRange, ifNoneMatch), nil
}

// FileName keeps the base name the client sent, without control characters
// and at most 255 bytes, or names the file after fallback.
func FileName(sent, fallback, contentType string) string {
	clean := func(s string) string {
		s = strings.Map(func(r rune) rune {
			if unicode.IsControl(r) || r == '/' || r == '\\' {
				return -1
			}
			return r
		}, path.Base(strings.ReplaceAll(s, `\`, "/")))
		s = strings.TrimSpace(s)
		for len(s) > 200 {
			_, size := utf8.DecodeLastRuneInString(s)
			s = s[:len(s)-size]
		}
		return s
	}
	name := clean(sent)
	if name == "" || name == "." || name == "/" {
		ext := map[string]string{blob.TypePDF: ".pdf", blob.TypeJPEG: ".jpg", blob.TypePNG: ".png", blob.TypeWebP: ".webp", blob.TypeDOCX: ".docx"}[contentType]
		name = clean(fallback)
		if name == "" || name == "." {
			name = "document"
		}
		name += ext
	}
	return name
}

// UploadProblem is web.UploadProblem with the archive's accepted types (the
// support domain's attachments accept the same).
func UploadProblem(ctx context.Context, log *slog.Logger, p *web.Principal, err error) error {
	return web.UploadProblem(ctx, log, p, "Only PDF, JPEG, PNG, WebP and DOCX files are accepted (the type is read from the content).", "", err)
}
