package documents

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// maxMetadataBytes bounds the free metadata as JSON.
const maxMetadataBytes = 16 << 10

// card is a document's card checked and normalized.
type card struct {
	title, issuedBy string
	typ             db.DocumentType
	tags            []string
	date            pgtype.Date
	metadata        []byte
}

// checkCard applies the rules the schema cannot say: a title that is not
// blank, tags trimmed and without repeats, metadata within its size.
func checkCard(title string, typ api.DocumentType, tags *[]string, issuedBy *string, metadata *map[string]any) (card, []api.FieldError) {
	var c card
	var fields []api.FieldError
	c.title, fields = web.CheckName("title", title)
	c.typ = db.DocumentType(typ)
	c.tags = []string{}
	if tags != nil {
		for i, t := range *tags {
			t = strings.ToLower(strings.TrimSpace(t))
			if t == "" {
				fields = append(fields, web.FieldError("tags."+itoa(int64(i)), "required", "must not be blank"))
				continue
			}
			if !slices.Contains(c.tags, t) {
				c.tags = append(c.tags, t)
			}
		}
	}
	if issuedBy != nil {
		c.issuedBy = strings.TrimSpace(*issuedBy)
	}
	c.metadata = []byte("{}")
	if metadata != nil {
		b, err := json.Marshal(*metadata)
		if err != nil || len(b) > maxMetadataBytes {
			fields = append(fields, web.FieldError("metadata", "too_large", "is over 16 KiB as JSON"))
		} else {
			c.metadata = b
		}
	}
	return c, fields
}

// checkFolder makes sure folder id belongs to the space (owner or org).
func (s *Handler) checkFolder(ctx context.Context, q *db.Queries, id *uuid.UUID, owner, org *uuid.UUID) error {
	if id == nil {
		return nil
	}
	f, err := q.GetDocumentFolder(ctx, *id)
	if err == nil && sameSpace(f, owner, org) {
		return nil
	}
	if err != nil && err != pgx.ErrNoRows {
		return err
	}
	return invalid(ctx, web.FieldError("folderId", "unknown_folder", "is not a folder of this space"))
}

func sameSpace(f db.DocumentFolder, owner, org *uuid.UUID) bool {
	eq := func(a, b *uuid.UUID) bool { return (a == nil && b == nil) || (a != nil && b != nil && *a == *b) }
	return eq(f.OwnerID, owner) && eq(f.OrganizationID, org)
}

// CreateMyDocument adds a document card to the caller's personal space.
func (s *Handler) CreateMyDocument(ctx context.Context, req api.CreateMyDocumentRequestObject) (api.CreateMyDocumentResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	b := req.Body
	c, fields := checkCard(b.Title, b.Type, b.Tags, b.IssuedBy, b.Metadata)
	if b.IssuedTo != nil {
		fields = append(fields, web.FieldError("issuedTo", "not_allowed", "is for an organization's documents only"))
	}
	if len(fields) > 0 {
		return nil, invalid(ctx, fields...)
	}
	if err := s.checkFolder(ctx, s.Q, b.FolderID, &p.User.ID, nil); err != nil {
		return nil, err
	}
	d, err := s.Q.CreateDocument(ctx, db.CreateDocumentParams{
		OwnerID: &p.User.ID, FolderID: b.FolderID, Title: c.title, Type: c.typ, Tags: c.tags, IssuedBy: c.issuedBy,
		DocumentDate: dateIn(b.DocumentDate), Metadata: c.metadata, CreatedBy: &p.User.ID,
	})
	if err != nil {
		return nil, err
	}
	return api.CreateMyDocument201JSONResponse{Body: s.documentDTO(view{doc: d, access: accessManage}), Headers: api.CreateMyDocument201ResponseHeaders{ETag: new(etag(d.Revision))}}, nil
}

// CreateOrganizationDocument adds a document to an organization's space or
// issues one to a member.
func (s *Handler) CreateOrganizationDocument(ctx context.Context, req api.CreateOrganizationDocumentRequestObject) (api.CreateOrganizationDocumentResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, manageRoles...); err != nil {
		return nil, err
	}
	b := req.Body
	c, fields := checkCard(b.Title, b.Type, b.Tags, b.IssuedBy, b.Metadata)
	if b.IssuedTo != nil && b.FolderID != nil {
		fields = append(fields, web.FieldError("folderId", "not_allowed", "cannot be chosen for a document issued to a member (it goes to the top of their archive)"))
	}
	if len(fields) > 0 {
		return nil, invalid(ctx, fields...)
	}
	params := db.CreateDocumentParams{
		OrganizationID: &req.OrganizationID, FolderID: b.FolderID, Title: c.title, Type: c.typ, Tags: c.tags,
		IssuedBy: c.issuedBy, DocumentDate: dateIn(b.DocumentDate), Metadata: c.metadata, CreatedBy: &p.User.ID,
	}
	if b.IssuedTo != nil {
		m, err := s.Q.GetMembership(ctx, db.GetMembershipParams{OrganizationID: req.OrganizationID, UserID: *b.IssuedTo})
		if err != nil || m.Status != db.MembershipStatusActive {
			if err != nil && err != pgx.ErrNoRows {
				return nil, err
			}
			return nil, invalid(ctx, web.FieldError("issuedTo", "not_a_member", "is not an active member of the organization"))
		}
		params.OrganizationID, params.OwnerID, params.IssuerOrganizationID = nil, b.IssuedTo, &req.OrganizationID
	} else if err := s.checkFolder(ctx, s.Q, b.FolderID, nil, &req.OrganizationID); err != nil {
		return nil, err
	}
	d, err := s.Q.CreateDocument(ctx, params)
	if err != nil {
		return nil, err
	}
	return api.CreateOrganizationDocument201JSONResponse{Body: s.documentDTO(view{doc: d, access: accessManage}), Headers: api.CreateOrganizationDocument201ResponseHeaders{ETag: new(etag(d.Revision))}}, nil
}

// GetDocument reads one document the caller may see.
func (s *Handler) GetDocument(ctx context.Context, req api.GetDocumentRequestObject) (api.GetDocumentResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.one(ctx, p, req.DocumentID)
	if err != nil {
		return nil, err
	}
	return api.GetDocument200JSONResponse{Body: s.documentDTO(v), Headers: api.GetDocument200ResponseHeaders{ETag: new(etag(v.doc.Revision))}}, nil
}

// managed runs change on a document the caller manages, under its row lock:
// 404 without access, 403 with read only, and the deleted state checked by
// change itself.
func (s *Handler) managed(ctx context.Context, p *web.Principal, id uuid.UUID, change func(q *db.Queries, tx pgx.Tx, d db.Document) (db.Document, error)) (view, error) {
	var out view
	err := store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		r, err := q.GetDocumentAccess(ctx, db.GetDocumentAccessParams{ID: id, Viewer: p.User.ID})
		if err != nil {
			return notFoundOr(ctx, err, noDocument)
		}
		if r.Access < accessManage {
			if r.Document.DeletedAt != nil {
				return noDocument(ctx)
			}
			return readOnly(ctx)
		}
		if err := s.staffGate(ctx, q, p, r.Document); err != nil {
			return err
		}
		d, err := q.LockDocument(ctx, id)
		if err != nil {
			return err
		}
		if d, err = change(q, tx, d); err != nil {
			return err
		}
		vs, err := s.withCurrent(ctx, q, []db.Document{d}, []int32{accessManage})
		if err != nil {
			return err
		}
		out = vs[0]
		return nil
	})
	return out, err
}

func alive(ctx context.Context, d db.Document) error {
	if d.DeletedAt != nil {
		return web.Fail(ctx, http.StatusConflict, CodeDeleted, "The document is in the trash; restore it first.",
			web.FieldError("status", "deleted", "the document's current state"))
	}
	return nil
}

// UpdateDocument edits a document's card under If-Match.
func (s *Handler) UpdateDocument(ctx context.Context, req api.UpdateDocumentRequestObject) (api.UpdateDocumentResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if req.Params.IfMatch == nil || strings.TrimSpace(*req.Params.IfMatch) == "" {
		return nil, web.Fail(ctx, http.StatusPreconditionRequired, "precondition_required", "Send If-Match with the ETag of the document you edited.")
	}
	b := req.Body
	v, err := s.managed(ctx, p, req.DocumentID, func(q *db.Queries, _ pgx.Tx, d db.Document) (db.Document, error) {
		if strings.TrimPrefix(strings.TrimSpace(*req.Params.IfMatch), "W/") != etag(d.Revision) {
			return d, web.Fail(ctx, http.StatusPreconditionFailed, "precondition_failed",
				"The document has changed since (its ETag is "+etag(d.Revision)+"); fetch it again and reapply your change.")
		}
		if err := alive(ctx, d); err != nil {
			return d, err
		}
		title, typ, tags, issuedBy := d.Title, api.DocumentType(d.Type), &d.Tags, &d.IssuedBy
		if b.Title != nil {
			title = *b.Title
		}
		if b.Type != nil {
			typ = *b.Type
		}
		if b.Tags != nil {
			tags = b.Tags
		}
		if b.IssuedBy != nil {
			issuedBy = b.IssuedBy
		}
		meta := map[string]any{}
		_ = json.Unmarshal(d.Metadata, &meta)
		if b.Metadata != nil {
			meta = *b.Metadata
		}
		c, fields := checkCard(title, typ, tags, issuedBy, &meta)
		if len(fields) > 0 {
			return d, invalid(ctx, fields...)
		}
		params := db.UpdateDocumentParams{
			ID: d.ID, Title: c.title, Type: c.typ, Tags: c.tags, IssuedBy: c.issuedBy, DocumentDate: d.DocumentDate,
			Metadata: c.metadata, FolderID: d.FolderID,
		}
		if b.DocumentDate.IsSpecified() {
			params.DocumentDate = pgtype.Date{}
			if !b.DocumentDate.IsNull() {
				params.DocumentDate = pgtype.Date{Time: b.DocumentDate.MustGet().Time, Valid: true}
			}
		}
		if b.FolderID.IsSpecified() {
			params.FolderID = nil
			if !b.FolderID.IsNull() {
				id := b.FolderID.MustGet()
				if err := s.checkFolder(ctx, q, &id, d.OwnerID, d.OrganizationID); err != nil {
					return d, err
				}
				if d.IssuerOrganizationID != nil {
					return d, invalid(ctx, web.FieldError("folderId", "not_allowed", "a document issued to a member stays at the top of their archive"))
				}
				params.FolderID = &id
			}
		}
		return q.UpdateDocument(ctx, params)
	})
	if err != nil {
		return nil, err
	}
	return api.UpdateDocument200JSONResponse{Body: s.documentDTO(v), Headers: api.UpdateDocument200ResponseHeaders{ETag: new(etag(v.doc.Revision))}}, nil
}

// DeleteDocument moves a document to the trash.
func (s *Handler) DeleteDocument(ctx context.Context, req api.DeleteDocumentRequestObject) (api.DeleteDocumentResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	_, err = s.managed(ctx, p, req.DocumentID, func(q *db.Queries, _ pgx.Tx, d db.Document) (db.Document, error) {
		if err := alive(ctx, d); err != nil {
			return d, err
		}
		return q.SoftDeleteDocument(ctx, db.SoftDeleteDocumentParams{ID: d.ID, DeletedBy: &p.User.ID})
	})
	if err != nil {
		return nil, err
	}
	return api.DeleteDocument204Response{}, nil
}

// RestoreDocument takes a document out of the trash within the retention.
func (s *Handler) RestoreDocument(ctx context.Context, req api.RestoreDocumentRequestObject) (api.RestoreDocumentResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.managed(ctx, p, req.DocumentID, func(q *db.Queries, _ pgx.Tx, d db.Document) (db.Document, error) {
		if d.DeletedAt == nil {
			return d, web.Fail(ctx, http.StatusConflict, CodeNotDeleted, "The document is not in the trash.",
				web.FieldError("status", "active", "the document's current state"))
		}
		if s.Now().After(s.purgeAt(*d.DeletedAt)) {
			return d, noDocument(ctx)
		}
		return q.RestoreDocument(ctx, d.ID)
	})
	if err != nil {
		return nil, err
	}
	return api.RestoreDocument200JSONResponse{Body: s.documentDTO(v), Headers: api.RestoreDocument200ResponseHeaders{ETag: new(etag(v.doc.Revision))}}, nil
}
