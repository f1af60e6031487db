package documents

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"math"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// filters are the list parameters both lists share.
type filters struct {
	q                *string
	typ              *api.DocumentType
	folder           *uuid.UUID
	tag              *string
	dateFrom, dateTo *openapi_types.Date
	sort             string
	deleted          *bool
	limit            *int
	cursor           *string
}

// listCursor is the keyset of a page's last row, under the sort it was made for.
type listCursor struct {
	Sort string    `json:"s"`
	Key  string    `json:"k"`
	ID   uuid.UUID `json:"i"`
}

func encodeCursor(c listCursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// list runs ListDocuments for viewer with params already scoped to a space.
func (s *Handler) list(ctx context.Context, p *web.Principal, params db.ListDocumentsParams, f filters) (api.DocumentPage, error) {
	sort := f.sort
	if sort == "" {
		sort = "date"
		if f.q != nil {
			sort = "relevance"
		}
	}
	if sort == "relevance" && f.q == nil {
		return api.DocumentPage{}, invalid(ctx, web.FieldError("query.sort", "requires_q", "relevance needs q"))
	}
	if f.dateFrom != nil && f.dateTo != nil && f.dateTo.Before(f.dateFrom.Time) {
		return api.DocumentPage{}, invalid(ctx, web.FieldError("query.dateTo", "before_date_from", "is before dateFrom"))
	}
	params.Viewer = p.User.ID
	params.SortBy = sort
	params.Q = trimmed(f.q)
	if f.typ != nil {
		params.Type = db.NullDocumentType{DocumentType: db.DocumentType(*f.typ), Valid: true}
	}
	params.FolderID, params.Tag = f.folder, f.tag
	params.DateFrom, params.DateTo = dateIn(f.dateFrom), dateIn(f.dateTo)
	params.Deleted = f.deleted != nil && *f.deleted
	if f.cursor != nil {
		if err := applyCursor(&params, *f.cursor, sort); err != nil {
			return api.DocumentPage{}, &web.Error{Problem: web.BadCursor(ctx)}
		}
	}
	limit := web.Limit(f.limit)
	params.MaxRows = int32(limit + 1)
	rows, err := s.Q.ListDocuments(ctx, params)
	if err != nil {
		return api.DocumentPage{}, err
	}
	page := api.DocumentPage{Items: []api.Document{}}
	if len(rows) > limit {
		rows = rows[:limit]
		page.NextCursor = new(encodeCursor(cursorOf(rows[len(rows)-1], sort)))
	}
	docs := make([]db.Document, len(rows))
	access := make([]int32, len(rows))
	for i, r := range rows {
		docs[i], access[i] = r.Document, r.Access
	}
	views, err := s.withCurrent(ctx, s.Q, docs, access)
	if err != nil {
		return api.DocumentPage{}, err
	}
	for _, v := range views {
		page.Items = append(page.Items, s.documentDTO(v))
	}
	return page, nil
}

func cursorOf(r db.ListDocumentsRow, sort string) listCursor {
	c := listCursor{Sort: sort, ID: r.Document.ID}
	switch sort {
	case "title":
		c.Key = r.SortTitle
	case "date":
		c.Key = r.SortDate.Time.Format(time.DateOnly)
	case "created":
		c.Key = r.Document.CreatedAt.UTC().Format(time.RFC3339Nano)
	case "relevance":
		c.Key = itoa(int64(math.Float32bits(r.Rank)))
	}
	return c
}

func applyCursor(params *db.ListDocumentsParams, raw, sort string) error {
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return err
	}
	var c listCursor
	if err := json.Unmarshal(b, &c); err != nil || c.Sort != sort || c.ID == uuid.Nil {
		return errBadCursor
	}
	params.AfterID = &c.ID
	switch sort {
	case "title":
		params.AfterText = &c.Key
	case "date":
		t, err := time.Parse(time.DateOnly, c.Key)
		if err != nil {
			return err
		}
		params.AfterDate = pgtype.Date{Time: t, Valid: true}
	case "created":
		t, err := time.Parse(time.RFC3339Nano, c.Key)
		if err != nil {
			return err
		}
		params.AfterTime = &t
	case "relevance":
		var bits uint32
		if err := json.Unmarshal([]byte(c.Key), &bits); err != nil {
			return err
		}
		params.AfterRank = pgtype.Float4{Float32: math.Float32frombits(bits), Valid: true}
	}
	return nil
}

func trimmed(s *string) *string {
	if s == nil {
		return nil
	}
	t := strings.TrimSpace(*s)
	if t == "" {
		return nil
	}
	return &t
}

// ListMyDocuments lists the caller's archive, or what others shared with them.
func (s *Handler) ListMyDocuments(ctx context.Context, req api.ListMyDocumentsRequestObject) (api.ListMyDocumentsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	r := req.Params
	params := db.ListDocumentsParams{}
	if r.Scope != nil && *r.Scope == api.Shared {
		params.Shared = true
	} else {
		params.OwnerID = &p.User.ID
	}
	page, err := s.list(ctx, p, params, filters{
		q: r.Q, typ: r.Type, folder: r.FolderID, tag: r.Tag, dateFrom: r.DateFrom, dateTo: r.DateTo,
		sort: sortOf(r.Sort), deleted: r.Deleted, limit: r.Limit, cursor: r.Cursor,
	})
	if err != nil {
		return nil, err
	}
	return api.ListMyDocuments200JSONResponse(page), nil
}

// ListOrganizationDocuments lists an organization's space (or what it issued).
func (s *Handler) ListOrganizationDocuments(ctx context.Context, req api.ListOrganizationDocumentsRequestObject) (api.ListOrganizationDocumentsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	r := req.Params
	params := db.ListDocumentsParams{OrganizationID: &req.OrganizationID}
	if r.Issued != nil && *r.Issued {
		if _, err := s.RequireRole(ctx, p, req.OrganizationID, manageRoles...); err != nil {
			return nil, err
		}
		params = db.ListDocumentsParams{IssuerID: &req.OrganizationID}
	} else if _, err := s.RequireRole(ctx, p, req.OrganizationID); err != nil {
		return nil, err
	} else if err := s.staffGateIn(ctx, s.Q, p, req.OrganizationID); err != nil {
		return nil, err
	}
	page, err := s.list(ctx, p, params, filters{
		q: r.Q, typ: r.Type, folder: r.FolderID, tag: r.Tag, dateFrom: r.DateFrom, dateTo: r.DateTo,
		sort: sortOf(r.Sort), deleted: r.Deleted, limit: r.Limit, cursor: r.Cursor,
	})
	if err != nil {
		return nil, err
	}
	return api.ListOrganizationDocuments200JSONResponse(page), nil
}

func sortOf[T ~string](v *T) string {
	if v == nil {
		return ""
	}
	return string(*v)
}
