package documents

import (
	"context"
	"net/http"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/notifications"
	"github.com/kabinet-edu/kabinet/internal/web"
)

func grantDTO(g db.DocumentGrant, first, last *string) api.DocumentGrant {
	out := api.DocumentGrant{
		ID: g.ID, UserID: g.GranteeID, OrganizationID: g.OrganizationID,
		Permission: api.DocumentPermission(g.Permission), GrantedAt: g.GrantedAt.UTC(),
	}
	if g.Role.Valid {
		out.Role = new(api.Role(g.Role.MemberRole))
	}
	if first != nil && last != nil {
		out.UserName = new(*first + " " + *last)
	}
	return out
}

// ListDocumentGrants lists who a document is shared with.
func (s *Handler) ListDocumentGrants(ctx context.Context, req api.ListDocumentGrantsRequestObject) (api.ListDocumentGrantsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	v, err := s.one(ctx, p, req.DocumentID)
	if err != nil {
		return nil, err
	}
	if v.access < accessManage {
		return nil, readOnly(ctx)
	}
	params := db.ListDocumentGrantsParams{DocumentID: v.doc.ID}
	if c := req.Params.Cursor; c != nil {
		at, id, err := web.DecodeCursor(*c)
		if err != nil {
			return nil, &web.Error{Problem: web.BadCursor(ctx)}
		}
		params.AfterTime, params.AfterID = &at, &id
	}
	limit := web.Limit(req.Params.Limit)
	params.MaxRows = int32(limit + 1)
	rows, err := s.Q.ListDocumentGrants(ctx, params)
	if err != nil {
		return nil, err
	}
	page := api.DocumentGrantPage{Items: []api.DocumentGrant{}}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1].DocumentGrant
		page.NextCursor = new(web.EncodeCursor(last.GrantedAt, last.ID))
	}
	for _, r := range rows {
		page.Items = append(page.Items, grantDTO(r.DocumentGrant, r.GranteeFirstName, r.GranteeLastName))
	}
	return api.ListDocumentGrants200JSONResponse(page), nil
}

// CreateDocumentGrant shares a document with a user or a role of an
// organization the caller belongs to; a user grantee is notified.
func (s *Handler) CreateDocumentGrant(ctx context.Context, req api.CreateDocumentGrantRequestObject) (api.CreateDocumentGrantResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	b := req.Body
	byUser := b.UserID != nil
	byRole := b.OrganizationID != nil || b.Role != nil
	switch {
	case byUser && byRole:
		return nil, invalid(ctx, web.FieldError("userId", "exclusive", "give either userId or organizationId with role"))
	case !byUser && !byRole:
		return nil, invalid(ctx, web.FieldError("userId", "required", "give userId, or organizationId with role"))
	case byRole && b.OrganizationID == nil:
		return nil, invalid(ctx, web.FieldError("organizationId", "required", "is required with role"))
	case byRole && b.Role == nil:
		return nil, invalid(ctx, web.FieldError("role", "required", "is required with organizationId"))
	}
	var out api.DocumentGrant
	_, err = s.managed(ctx, p, req.DocumentID, func(q *db.Queries, tx pgx.Tx, d db.Document) (db.Document, error) {
		if err := alive(ctx, d); err != nil {
			return d, err
		}
		perm := db.DocumentPermission(b.Permission)
		if byUser {
			u, err := q.GetGrantee(ctx, *b.UserID)
			if err != nil {
				if err == pgx.ErrNoRows {
					return d, invalid(ctx, web.FieldError("userId", "unknown_user", "names no account"))
				}
				return d, err
			}
			if d.OwnerID != nil && *d.OwnerID == u.ID {
				return d, web.Fail(ctx, http.StatusConflict, web.CodeAlreadyExists, "The owner has access already.")
			}
			g, err := q.PutDocumentUserGrant(ctx, db.PutDocumentUserGrantParams{DocumentID: d.ID, GranteeID: &u.ID, Permission: perm, GrantedBy: &p.User.ID})
			if err != nil {
				return d, err
			}
			out = grantDTO(g, &u.FirstName, &u.LastName)
			return d, s.tellGrantee(ctx, tx, d, u.ID)
		}
		if _, err := web.MemberWithRole(ctx, q, p, *b.OrganizationID, nil); err != nil {
			return d, invalid(ctx, web.FieldError("organizationId", "not_a_member", "is not an organization you belong to"))
		}
		g, err := q.PutDocumentRoleGrant(ctx, db.PutDocumentRoleGrantParams{
			DocumentID: d.ID, OrganizationID: b.OrganizationID, Role: db.NullMemberRole{MemberRole: db.MemberRole(*b.Role), Valid: true},
			Permission: perm, GrantedBy: &p.User.ID,
		})
		if err != nil {
			return d, err
		}
		out = grantDTO(g, nil, nil)
		return d, nil
	})
	if err != nil {
		return nil, err
	}
	return api.CreateDocumentGrant201JSONResponse(out), nil
}

func (s *Handler) tellGrantee(ctx context.Context, tx pgx.Tx, d db.Document, user uuid.UUID) error {
	if s.notify == nil {
		return nil
	}
	return s.notify.Publish(ctx, tx, notifications.Event{
		UserID: user, OrganizationID: d.OrganizationID, Category: notifications.CategoryDocument,
		Title: notifications.Text{RU: clip("Вам открыт документ: " + d.Title), EN: clip("A document was shared with you: " + d.Title)},
		Link:  &notifications.Link{Kind: "document", ID: d.ID.String(), Path: "/documents/" + d.ID.String()},
	})
}

// DeleteDocumentGrant revokes a grant.
func (s *Handler) DeleteDocumentGrant(ctx context.Context, req api.DeleteDocumentGrantRequestObject) (api.DeleteDocumentGrantResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	_, err = s.managed(ctx, p, req.DocumentID, func(q *db.Queries, _ pgx.Tx, d db.Document) (db.Document, error) {
		n, err := q.DeleteDocumentGrant(ctx, db.DeleteDocumentGrantParams{DocumentID: d.ID, ID: req.GrantID})
		if err == nil && n == 0 {
			err = web.Fail(ctx, http.StatusNotFound, web.CodeNotFound, "There is no such grant.")
		}
		return d, err
	})
	if err != nil {
		return nil, err
	}
	return api.DeleteDocumentGrant204Response{}, nil
}
