package documents

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

func folderDTO(f db.DocumentFolder) api.DocumentFolder {
	return api.DocumentFolder{
		ID: f.ID, OwnerID: f.OwnerID, OrganizationID: f.OrganizationID, ParentID: f.ParentID, Name: f.Name,
		CreatedAt: f.CreatedAt.UTC(), UpdatedAt: f.UpdatedAt.UTC(),
	}
}

func spaceOf(f db.DocumentFolder) uuid.UUID {
	if f.OwnerID != nil {
		return *f.OwnerID
	}
	return *f.OrganizationID
}

func nameTaken(ctx context.Context) error {
	return web.Fail(ctx, http.StatusConflict, web.CodeAlreadyExists, "A folder of that name is already there.",
		web.FieldError("name", "taken", "is the name of a sibling folder"))
}

type folderCursor struct {
	Name string    `json:"n"`
	ID   uuid.UUID `json:"i"`
}

func (s *Handler) listFolders(ctx context.Context, params db.ListDocumentFoldersParams, parent *uuid.UUID, top *bool, cursor *string, limit *int) (api.DocumentFolderPage, error) {
	switch {
	case parent != nil:
		params.OnlyChildren, params.ParentID = true, parent
	case top != nil && *top:
		params.OnlyChildren = true
	}
	if cursor != nil {
		var c folderCursor
		b, err := base64.RawURLEncoding.DecodeString(*cursor)
		if err != nil || json.Unmarshal(b, &c) != nil || c.ID == uuid.Nil {
			return api.DocumentFolderPage{}, &web.Error{Problem: web.BadCursor(ctx)}
		}
		params.AfterName, params.AfterID = &c.Name, &c.ID
	}
	n := web.Limit(limit)
	params.MaxRows = int32(n + 1)
	rows, err := s.Q.ListDocumentFolders(ctx, params)
	if err != nil {
		return api.DocumentFolderPage{}, err
	}
	page := api.DocumentFolderPage{Items: []api.DocumentFolder{}}
	if len(rows) > n {
		rows = rows[:n]
		last := rows[len(rows)-1]
		b, _ := json.Marshal(folderCursor{Name: last.SortName, ID: last.DocumentFolder.ID})
		page.NextCursor = new(base64.RawURLEncoding.EncodeToString(b))
	}
	for _, f := range rows {
		page.Items = append(page.Items, folderDTO(f.DocumentFolder))
	}
	return page, nil
}

// ListMyDocumentFolders lists the caller's folders.
func (s *Handler) ListMyDocumentFolders(ctx context.Context, req api.ListMyDocumentFoldersRequestObject) (api.ListMyDocumentFoldersResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	r := req.Params
	page, err := s.listFolders(ctx, db.ListDocumentFoldersParams{OwnerID: &p.User.ID}, r.ParentID, r.Top, r.Cursor, r.Limit)
	if err != nil {
		return nil, err
	}
	return api.ListMyDocumentFolders200JSONResponse(page), nil
}

// ListOrganizationDocumentFolders lists an organization's folders to its members.
func (s *Handler) ListOrganizationDocumentFolders(ctx context.Context, req api.ListOrganizationDocumentFoldersRequestObject) (api.ListOrganizationDocumentFoldersResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID); err != nil {
		return nil, err
	}
	r := req.Params
	page, err := s.listFolders(ctx, db.ListDocumentFoldersParams{OrganizationID: &req.OrganizationID}, r.ParentID, r.Top, r.Cursor, r.Limit)
	if err != nil {
		return nil, err
	}
	return api.ListOrganizationDocumentFolders200JSONResponse(page), nil
}

func (s *Handler) createFolder(ctx context.Context, owner, org *uuid.UUID, b api.DocumentFolderCreate) (db.DocumentFolder, error) {
	name, fields := web.CheckName("name", b.Name)
	if len(fields) > 0 {
		return db.DocumentFolder{}, invalid(ctx, fields...)
	}
	var f db.DocumentFolder
	err := store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if b.ParentID != nil {
			parent, err := q.GetDocumentFolder(ctx, *b.ParentID)
			if err != nil && err != pgx.ErrNoRows {
				return err
			}
			if err != nil || !sameSpace(parent, owner, org) {
				return invalid(ctx, web.FieldError("parentId", "unknown_folder", "is not a folder of this space"))
			}
		}
		var err error
		f, err = q.CreateDocumentFolder(ctx, db.CreateDocumentFolderParams{OwnerID: owner, OrganizationID: org, ParentID: b.ParentID, Name: name})
		if uniqueViolation(err) {
			return nameTaken(ctx)
		}
		return err
	})
	return f, err
}

// CreateMyDocumentFolder creates a folder in the caller's space.
func (s *Handler) CreateMyDocumentFolder(ctx context.Context, req api.CreateMyDocumentFolderRequestObject) (api.CreateMyDocumentFolderResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	f, err := s.createFolder(ctx, &p.User.ID, nil, *req.Body)
	if err != nil {
		return nil, err
	}
	return api.CreateMyDocumentFolder201JSONResponse(folderDTO(f)), nil
}

// CreateOrganizationDocumentFolder creates a folder in an organization's space.
func (s *Handler) CreateOrganizationDocumentFolder(ctx context.Context, req api.CreateOrganizationDocumentFolderRequestObject) (api.CreateOrganizationDocumentFolderResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, manageRoles...); err != nil {
		return nil, err
	}
	f, err := s.createFolder(ctx, nil, &req.OrganizationID, *req.Body)
	if err != nil {
		return nil, err
	}
	return api.CreateOrganizationDocumentFolder201JSONResponse(folderDTO(f)), nil
}

// changeFolder runs change on a folder the caller may change, under the
// lock of its space: 404 for another user's folder or an organization the
// caller is not in, 403 without a managing role.
func (s *Handler) changeFolder(ctx context.Context, id uuid.UUID, change func(q *db.Queries, f db.DocumentFolder) error) error {
	p, err := web.Caller(ctx)
	if err != nil {
		return err
	}
	f, err := s.Q.GetDocumentFolder(ctx, id)
	if err != nil {
		return notFoundOr(ctx, err, noFolder)
	}
	switch {
	case f.OwnerID != nil && *f.OwnerID != p.User.ID:
		return noFolder(ctx)
	case f.OrganizationID != nil:
		if _, err := s.RequireRole(ctx, p, *f.OrganizationID, manageRoles...); err != nil {
			if e, ok := err.(*web.Error); ok && e.Problem.Status == http.StatusNotFound {
				return noFolder(ctx)
			}
			return err
		}
	}
	return store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if err := q.LockFolderSpace(ctx, spaceOf(f).String()); err != nil {
			return err
		}
		f, err := q.LockDocumentFolder(ctx, id)
		if err != nil {
			return notFoundOr(ctx, err, noFolder)
		}
		return change(q, f)
	})
}

// UpdateDocumentFolder renames or moves a folder; a move may not make a cycle.
func (s *Handler) UpdateDocumentFolder(ctx context.Context, req api.UpdateDocumentFolderRequestObject) (api.UpdateDocumentFolderResponseObject, error) {
	b := req.Body
	var out db.DocumentFolder
	err := s.changeFolder(ctx, req.FolderID, func(q *db.Queries, f db.DocumentFolder) error {
		name, parent := f.Name, f.ParentID
		if b.Name != nil {
			n, fields := web.CheckName("name", *b.Name)
			if len(fields) > 0 {
				return invalid(ctx, fields...)
			}
			name = n
		}
		if b.ParentID.IsSpecified() {
			parent = nil
			if !b.ParentID.IsNull() {
				id := b.ParentID.MustGet()
				np, err := q.GetDocumentFolder(ctx, id)
				if err != nil && err != pgx.ErrNoRows {
					return err
				}
				if err != nil || !sameSpace(np, f.OwnerID, f.OrganizationID) {
					return invalid(ctx, web.FieldError("parentId", "unknown_folder", "is not a folder of this space"))
				}
				within, err := q.FolderIsWithin(ctx, db.FolderIsWithinParams{Candidate: id, Ancestor: f.ID})
				if err != nil {
					return err
				}
				if within {
					return web.Fail(ctx, http.StatusConflict, CodeFolderCycle, "A folder cannot move into itself or one of its subfolders.",
						web.FieldError("parentId", "cycle", "is the folder itself or inside it"))
				}
				parent = &id
			}
		}
		var err error
		out, err = q.UpdateDocumentFolder(ctx, db.UpdateDocumentFolderParams{ID: f.ID, Name: name, ParentID: parent})
		if uniqueViolation(err) {
			return nameTaken(ctx)
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	return api.UpdateDocumentFolder200JSONResponse(folderDTO(out)), nil
}

// DeleteDocumentFolder deletes an empty folder.
func (s *Handler) DeleteDocumentFolder(ctx context.Context, req api.DeleteDocumentFolderRequestObject) (api.DeleteDocumentFolderResponseObject, error) {
	err := s.changeFolder(ctx, req.FolderID, func(q *db.Queries, f db.DocumentFolder) error {
		empty, err := q.FolderIsEmpty(ctx, f.ID)
		if err != nil {
			return err
		}
		if !empty {
			return web.Fail(ctx, http.StatusConflict, CodeFolderNotEmpty, "The folder still holds folders or documents.",
				web.FieldError("folderId", "not_empty", "holds folders or documents"))
		}
		return q.DeleteDocumentFolder(ctx, f.ID)
	})
	if err != nil {
		return nil, err
	}
	return api.DeleteDocumentFolder204Response{}, nil
}
