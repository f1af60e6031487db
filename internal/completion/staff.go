package completion

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

// ListCompletionDocuments pages through the organization's documents,
// newest first.
func (s *Handler) ListCompletionDocuments(ctx context.Context, req api.ListCompletionDocumentsRequestObject) (api.ListCompletionDocumentsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, readers...); err != nil {
		return nil, err
	}
	qp := req.Params
	limit := web.Limit(qp.Limit)
	params := db.ListOrgCompletionDocumentsParams{
		OrganizationID: req.OrganizationID, ProgramID: qp.ProgramID, GroupID: qp.GroupID, UserID: qp.UserID,
		IssuedFrom: qp.IssuedFrom, IssuedBefore: qp.IssuedBefore, Number: qp.Number, Lim: int32(limit + 1),
	}
	if qp.Status != nil {
		params.Status = ptr(string(*qp.Status))
	}
	if qp.Cursor != nil {
		at, id, err := web.DecodeCursor(*qp.Cursor)
		if err != nil {
			return nil, &web.Error{Problem: web.BadCursor(ctx)}
		}
		params.AfterIssuedAt, params.AfterID = &at, &id
	}
	rows, err := s.Q.ListOrgCompletionDocuments(ctx, params)
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
	return api.ListCompletionDocuments200JSONResponse(page), nil
}

// orgDocument loads a document of the organization (404 for another's).
func (s *Handler) orgDocument(ctx context.Context, orgID, id uuid.UUID) (db.GetCompletionDocumentViewRow, error) {
	return orgDocumentIn(ctx, s.Q, orgID, id)
}

// orgDocumentIn is orgDocument through q (a transaction's, inside one).
func orgDocumentIn(ctx context.Context, q *db.Queries, orgID, id uuid.UUID) (db.GetCompletionDocumentViewRow, error) {
	row, err := q.GetCompletionDocumentView(ctx, id)
	if err != nil {
		return row, found(ctx, err)
	}
	if row.IssuedDocument.OrganizationID != orgID {
		return row, notFound(ctx)
	}
	return row, nil
}

// GetCompletionDocument returns one of the organization's documents.
func (s *Handler) GetCompletionDocument(ctx context.Context, req api.GetCompletionDocumentRequestObject) (api.GetCompletionDocumentResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, readers...); err != nil {
		return nil, err
	}
	row, err := s.orgDocument(ctx, req.OrganizationID, req.DocumentID)
	if err != nil {
		return nil, err
	}
	return api.GetCompletionDocument200JSONResponse(s.documentDTO(row.IssuedDocument, row.OrganizationName)), nil
}

// IssueCompletionDocument issues the document of an approved application.
func (s *Handler) IssueCompletionDocument(ctx context.Context, req api.IssueCompletionDocumentRequestObject) (api.IssueCompletionDocumentResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, issuers...); err != nil {
		return nil, err
	}
	actor := p.User.ID
	d, err := s.iss.Issue(ctx, Request{
		ApplicationID: req.Body.ApplicationID, OrganizationID: req.OrganizationID, ActorID: &actor,
		OverrideReason: req.Body.OverrideReason,
		Audit: func(q *db.Queries, d db.IssuedDocument) error {
			details := map[string]any{"documentId": d.ID, "registrationNumber": d.RegistrationNumber, "programId": d.ProgramID}
			if d.OverrideReason != nil {
				details["overrideReason"] = *d.OverrideReason
			}
			return s.RecordIn(ctx, q, auditIssued, d.OrganizationID, &d.UserID, &actor, details)
		},
	})
	if err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return nil, web.Fail(ctx, 404, web.CodeNotFound, "There is no such application.")
		}
		return nil, issueError(ctx, err)
	}
	return api.IssueCompletionDocument201JSONResponse(s.documentDTO(d, s.orgName(ctx, d.OrganizationID))), nil
}

// RevokeCompletionDocument revokes a valid document with a reason.
func (s *Handler) RevokeCompletionDocument(ctx context.Context, req api.RevokeCompletionDocumentRequestObject) (api.RevokeCompletionDocumentResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, issuers...); err != nil {
		return nil, err
	}
	actor := p.User.ID
	var out db.IssuedDocument
	err = store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		now := s.Now()
		d, err := q.RevokeCompletionDocument(ctx, db.RevokeCompletionDocumentParams{
			ID: req.DocumentID, OrganizationID: req.OrganizationID, RevokedAt: &now, RevokedBy: &actor, Reason: &req.Body.Reason,
		})
		if errors.Is(err, pgx.ErrNoRows) {
			if _, err := orgDocumentIn(ctx, q, req.OrganizationID, req.DocumentID); err != nil {
				return err
			}
			return ErrNotValid
		}
		if err != nil {
			return err
		}
		out = d
		if err := markRevoked(ctx, tx, d); err != nil {
			return err
		}
		return s.RecordIn(ctx, q, auditRevoked, d.OrganizationID, &d.UserID, &actor, map[string]any{
			"documentId": d.ID, "registrationNumber": d.RegistrationNumber, "reason": req.Body.Reason,
		})
	})
	if err != nil {
		return nil, issueError(ctx, err)
	}
	return api.RevokeCompletionDocument200JSONResponse(s.documentDTO(out, s.orgName(ctx, out.OrganizationID))), nil
}

// ReissueCompletionDocument revokes a document and issues its replacement.
func (s *Handler) ReissueCompletionDocument(ctx context.Context, req api.ReissueCompletionDocumentRequestObject) (api.ReissueCompletionDocumentResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, issuers...); err != nil {
		return nil, err
	}
	old, err := s.orgDocument(ctx, req.OrganizationID, req.DocumentID)
	if err != nil {
		return nil, err
	}
	actor := p.User.ID
	id := old.IssuedDocument.ID
	d, err := s.iss.Issue(ctx, Request{
		ApplicationID: old.IssuedDocument.ApplicationID, OrganizationID: req.OrganizationID, ActorID: &actor,
		Reissue: &id, Reason: req.Body.Reason,
		Audit: func(q *db.Queries, d db.IssuedDocument) error {
			return s.RecordIn(ctx, q, auditReissued, d.OrganizationID, &d.UserID, &actor, map[string]any{
				"documentId": d.ID, "registrationNumber": d.RegistrationNumber, "reissueOf": id,
				"previousNumber": old.IssuedDocument.RegistrationNumber, "reason": req.Body.Reason,
			})
		},
	})
	if err != nil {
		return nil, issueError(ctx, err)
	}
	return api.ReissueCompletionDocument201JSONResponse(s.documentDTO(d, old.OrganizationName)), nil
}

// DownloadCompletionDocumentPdf serves a document's PDF to staff.
func (s *Handler) DownloadCompletionDocumentPdf(ctx context.Context, req api.DownloadCompletionDocumentPdfRequestObject) (api.DownloadCompletionDocumentPdfResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, readers...); err != nil {
		return nil, err
	}
	row, err := s.orgDocument(ctx, req.OrganizationID, req.DocumentID)
	if err != nil {
		return nil, err
	}
	f, err := s.openPDF(ctx, row.IssuedDocument, req.Params.IfNoneMatch)
	if err != nil {
		return nil, err
	}
	if f.notModified {
		return api.DownloadCompletionDocumentPdf304Response{Headers: api.DownloadCompletionDocumentPdf304ResponseHeaders{ETag: &f.etag}}, nil
	}
	return api.DownloadCompletionDocumentPdf200ApplicationPdfResponse{
		Body: f.body, ContentLength: f.size,
		Headers: api.DownloadCompletionDocumentPdf200ResponseHeaders{ETag: &f.etag, ContentDisposition: &f.disposition},
	}, nil
}

// orgName is the organization's name for a response (empty if it vanished).
func (s *Handler) orgName(ctx context.Context, id uuid.UUID) string {
	o, err := s.Q.GetOrganization(ctx, id)
	if err != nil {
		return ""
	}
	return o.Name
}
