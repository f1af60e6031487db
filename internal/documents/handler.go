// Package documents is the document archive: personal and organization
// documents in nesting folders, each with a card (title, type, tags,
// issuer, date, free metadata searched with PostgreSQL text search), its
// versions (files streamed to blob storage, never overwritten) and grants
// of read or manage access to users or to a role of an organization.
//
// A document lives in one space: a user's (owner_id) or an
// organization's. One an organization issues to a learner — an invoice, an
// act, a completion document, an application's file — lives in the
// learner's space with the issuer named; other domains publish such
// documents through Publish. Who may do what is one SQL function,
// document_access (migration 00080): 2 manage, 1 read, 0 nothing, and
// nothing is 404 everywhere, so nobody learns what exists. Deletion is soft;
// the purge job removes documents past KABINET_DOCUMENTS_RETENTION with
// their files.
package documents

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/notifications"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Access levels of document_access.
const (
	accessRead   = 1
	accessManage = 2
)

// Problem codes of the archive.
const (
	CodeFolderCycle    = "folder_cycle"
	CodeFolderNotEmpty = "folder_not_empty"
	CodeDeleted        = "document_deleted"
	CodeNotDeleted     = "document_not_deleted"
)

// EventDocumentDownloaded is the organization's audit event of a staff
// member (or anyone but the owner) reading a document issued to a learner.
const EventDocumentDownloaded = "document_downloaded"

// manageRoles manage an organization's space and the documents it issued.
var manageRoles = []db.MemberRole{db.MemberRoleManager, db.MemberRoleDirector, db.MemberRoleAdmin}

// uploadTypes are the sniffed types a version may have.
var uploadTypes = blob.DocumentTypes()

// Handler implements the Document archive operations of the generated
// strict-server interface.
type Handler struct {
	web.Base
	blobs  *blob.Store
	notify *notifications.Publisher
}

// New builds the archive's handlers over blob storage; notify tells owners
// of documents issued to them.
func New(base web.Base, blobs *blob.Store, notify *notifications.Publisher) *Handler {
	return &Handler{Base: base, blobs: blobs, notify: notify}
}

func noDocument(ctx context.Context) error {
	return web.Fail(ctx, http.StatusNotFound, web.CodeNotFound, "There is no such document.")
}

func noFolder(ctx context.Context) error {
	return web.Fail(ctx, http.StatusNotFound, web.CodeNotFound, "There is no such folder.")
}

func readOnly(ctx context.Context) error {
	return web.Fail(ctx, http.StatusForbidden, web.CodeForbidden, "You may read this document but not change it.")
}

func invalid(ctx context.Context, fields ...api.FieldError) error {
	return &web.Error{Problem: web.Invalid(ctx, fields...)}
}

// etag is the ETag of a document's card: its revision.
func etag(revision int32) string { return `"r` + itoa(int64(revision)) + `"` }

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// view is one document as a caller sees it.
type view struct {
	doc     db.Document
	access  int32
	current *db.DocumentVersion
}

func (s *Handler) documentDTO(v view) api.Document {
	d := v.doc
	meta := map[string]any{}
	_ = json.Unmarshal(d.Metadata, &meta)
	out := api.Document{
		ID: d.ID, OwnerID: d.OwnerID, OrganizationID: d.OrganizationID, IssuerOrganizationID: d.IssuerOrganizationID,
		FolderID: d.FolderID, Title: d.Title, Type: api.DocumentType(d.Type), Tags: d.Tags, IssuedBy: d.IssuedBy,
		DocumentDate: dateOut(d.DocumentDate), Metadata: meta, Source: d.Source, Access: api.Read,
		Revision: int(d.Revision), CreatedAt: d.CreatedAt.UTC(), UpdatedAt: d.UpdatedAt.UTC(), DeletedAt: web.UTCPtr(d.DeletedAt),
	}
	if out.Tags == nil {
		out.Tags = []string{}
	}
	if v.access >= accessManage {
		out.Access = api.Manage
	}
	if d.DeletedAt != nil {
		at := d.DeletedAt.Add(s.Cfg.Documents.Retention).UTC()
		out.PurgeAfter = &at
	}
	if v.current != nil {
		out.CurrentVersion = new(versionDTO(*v.current))
	}
	return out
}

func versionDTO(v db.DocumentVersion) api.DocumentVersion {
	return api.DocumentVersion{
		Number: int(v.Number), FileName: v.FileName, ContentType: v.ContentType, SizeBytes: v.SizeBytes,
		Sha256: v.Sha256, UploadedBy: v.UploadedBy, UploadedAt: v.UploadedAt.UTC(),
	}
}

func dateOut(d pgtype.Date) *openapi_types.Date {
	if !d.Valid {
		return nil
	}
	return &openapi_types.Date{Time: d.Time}
}

func dateIn(d *openapi_types.Date) pgtype.Date {
	if d == nil {
		return pgtype.Date{}
	}
	return pgtype.Date{Time: d.Time, Valid: true}
}

// withCurrent loads the current versions of docs.
func (s *Handler) withCurrent(ctx context.Context, q *db.Queries, docs []db.Document, access []int32) ([]view, error) {
	ids := make([]uuid.UUID, 0, len(docs))
	for _, d := range docs {
		if d.CurrentVersion > 0 {
			ids = append(ids, d.ID)
		}
	}
	byDoc := map[uuid.UUID]db.DocumentVersion{}
	if len(ids) > 0 {
		vs, err := q.GetCurrentVersions(ctx, ids)
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			byDoc[v.DocumentID] = v
		}
	}
	out := make([]view, len(docs))
	for i, d := range docs {
		out[i] = view{doc: d, access: access[i]}
		if v, ok := byDoc[d.ID]; ok {
			out[i].current = &v
		}
	}
	return out, nil
}

// one loads a document the caller may reach (any access) with its current
// version; a deleted one only for whoever may manage it.
func (s *Handler) one(ctx context.Context, p *web.Principal, id uuid.UUID) (view, error) {
	r, err := s.Q.GetDocumentAccess(ctx, db.GetDocumentAccessParams{ID: id, Viewer: p.User.ID})
	if err != nil {
		return view{}, notFoundOr(ctx, err, noDocument)
	}
	if r.Document.DeletedAt != nil && r.Access < accessManage {
		return view{}, noDocument(ctx)
	}
	if err := s.staffGate(ctx, s.Q, p, r.Document); err != nil {
		return view{}, err
	}
	vs, err := s.withCurrent(ctx, s.Q, []db.Document{r.Document}, []int32{r.Access})
	if err != nil {
		return view{}, err
	}
	return vs[0], nil
}

func (s *Handler) purgeAt(deletedAt time.Time) time.Time {
	return deletedAt.Add(s.Cfg.Documents.Retention)
}

// staffGate applies the organization's second-factor rule for its staff
// (web.RequireStaffSecondFactor) to a document of its space or one it
// issued, when the caller is one of its managing staff: their access comes
// from the role, so it needs what the role's endpoints need.
func (s *Handler) staffGate(ctx context.Context, q *db.Queries, p *web.Principal, d db.Document) error {
	org := d.OrganizationID
	if org == nil {
		org = d.IssuerOrganizationID
	}
	if org == nil || (d.OwnerID != nil && *d.OwnerID == p.User.ID) {
		return nil
	}
	return s.staffGateIn(ctx, q, p, *org)
}

// staffGateIn reads through q: the pool's s.Q, or a transaction's inside
// one (never a second connection from inside a transaction).
func (s *Handler) staffGateIn(ctx context.Context, q *db.Queries, p *web.Principal, org uuid.UUID) error {
	m, err := q.GetMembership(ctx, db.GetMembershipParams{OrganizationID: org, UserID: p.User.ID})
	if err != nil || m.Status != db.MembershipStatusActive || !slices.Contains(manageRoles, m.Role) {
		return nil
	}
	return s.RequireStaffSecondFactorIn(ctx, q, p, org)
}
