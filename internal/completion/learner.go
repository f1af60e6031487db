package completion

import (
	"context"
	"strings"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// ListMyCompletionDocuments pages through the caller's documents, newest
// first.
func (s *Handler) ListMyCompletionDocuments(ctx context.Context, req api.ListMyCompletionDocumentsRequestObject) (api.ListMyCompletionDocumentsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	limit := web.Limit(req.Params.Limit)
	params := db.ListUserCompletionDocumentsParams{UserID: p.User.ID, Lim: int32(limit + 1)}
	if req.Params.Cursor != nil {
		at, id, err := web.DecodeCursor(*req.Params.Cursor)
		if err != nil {
			return nil, &web.Error{Problem: web.BadCursor(ctx)}
		}
		params.AfterIssuedAt, params.AfterID = &at, &id
	}
	rows, err := s.Q.ListUserCompletionDocuments(ctx, params)
	if err != nil {
		return nil, err
	}
	page := api.IssuedDocumentPage{Items: []api.IssuedDocument{}}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1].IssuedDocument
		page.NextCursor = ptr(web.EncodeCursor(last.IssuedAt, last.ID))
	}
	for _, r := range rows {
		page.Items = append(page.Items, s.documentDTO(r.IssuedDocument, r.OrganizationName))
	}
	return api.ListMyCompletionDocuments200JSONResponse(page), nil
}

// myDocument loads one of the caller's documents: 404 for anyone else's.
func (s *Handler) myDocument(ctx context.Context, id uuid.UUID) (db.GetCompletionDocumentViewRow, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return db.GetCompletionDocumentViewRow{}, err
	}
	row, err := s.Q.GetCompletionDocumentView(ctx, id)
	if err != nil {
		return row, found(ctx, err)
	}
	if row.IssuedDocument.UserID != p.User.ID {
		return row, notFound(ctx)
	}
	return row, nil
}

// GetMyCompletionDocument returns one of the caller's documents.
func (s *Handler) GetMyCompletionDocument(ctx context.Context, req api.GetMyCompletionDocumentRequestObject) (api.GetMyCompletionDocumentResponseObject, error) {
	row, err := s.myDocument(ctx, req.DocumentID)
	if err != nil {
		return nil, err
	}
	return api.GetMyCompletionDocument200JSONResponse(s.documentDTO(row.IssuedDocument, row.OrganizationName)), nil
}

// DownloadMyCompletionDocumentPdf serves the caller's PDF.
func (s *Handler) DownloadMyCompletionDocumentPdf(ctx context.Context, req api.DownloadMyCompletionDocumentPdfRequestObject) (api.DownloadMyCompletionDocumentPdfResponseObject, error) {
	row, err := s.myDocument(ctx, req.DocumentID)
	if err != nil {
		return nil, err
	}
	f, err := s.openPDF(ctx, row.IssuedDocument, req.Params.IfNoneMatch)
	if err != nil {
		return nil, err
	}
	if f.notModified {
		return api.DownloadMyCompletionDocumentPdf304Response{Headers: api.DownloadMyCompletionDocumentPdf304ResponseHeaders{ETag: &f.etag}}, nil
	}
	return api.DownloadMyCompletionDocumentPdf200ApplicationPdfResponse{
		Body: f.body, ContentLength: f.size,
		Headers: api.DownloadMyCompletionDocumentPdf200ResponseHeaders{ETag: &f.etag, ContentDisposition: &f.disposition},
	}, nil
}

// DownloadMyCompletionCredential serves the caller's VC-JWT.
func (s *Handler) DownloadMyCompletionCredential(ctx context.Context, req api.DownloadMyCompletionCredentialRequestObject) (api.DownloadMyCompletionCredentialResponseObject, error) {
	row, err := s.myDocument(ctx, req.DocumentID)
	if err != nil {
		return nil, err
	}
	d := row.IssuedDocument
	name := blob.ContentDisposition("attachment", fileTitle(d.Kind)+" "+d.RegistrationNumber+".jwt")
	return api.DownloadMyCompletionCredential200ApplicationVcJwtResponse{
		Body: strings.NewReader(d.CredentialJwt), ContentLength: int64(len(d.CredentialJwt)),
		Headers: api.DownloadMyCompletionCredential200ResponseHeaders{ContentDisposition: &name},
	}, nil
}
