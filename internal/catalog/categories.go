package catalog

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// ListCategories returns the organization's whole category tree.
func (s *Handler) ListCategories(ctx context.Context, req api.ListCategoriesRequestObject) (api.ListCategoriesResponseObject, error) {
	if _, err := s.staffCaller(ctx, req.OrganizationID, web.StaffRoles...); err != nil {
		return nil, err
	}
	rows, err := s.Q.ListCategories(ctx, req.OrganizationID)
	if err != nil {
		return nil, err
	}
	out := api.CategoryList{Items: make([]api.Category, 0, len(rows))}
	for _, c := range rows {
		out.Items = append(out.Items, categoryDTO(c))
	}
	return api.ListCategories200JSONResponse(out), nil
}

// CreateCategory adds a category to the tree.
func (s *Handler) CreateCategory(ctx context.Context, req api.CreateCategoryRequestObject) (api.CreateCategoryResponseObject, error) {
	p, err := s.staffCaller(ctx, req.OrganizationID, editors...)
	if err != nil {
		return nil, err
	}
	b := req.Body
	title, fields := web.CheckName("title", b.Title)
	if len(fields) > 0 {
		return nil, invalid(ctx, fields...)
	}
	var out db.ProgramCategory
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		// The organization's row lock serializes creations, so the cap holds
		// under concurrent requests.
		if _, err := q.LockOrganization(ctx, req.OrganizationID); err != nil {
			return err
		}
		n, err := q.CountCategories(ctx, req.OrganizationID)
		if err != nil {
			return err
		}
		if n >= maxCategories {
			return web.Fail(ctx, http.StatusConflict, codeTooManyCategories, "An organization has at most 500 categories.")
		}
		if err := q.SetCatalogActor(ctx, p.User.ID); err != nil {
			return err
		}
		out, err = q.CreateCategory(ctx, db.CreateCategoryParams{
			OrganizationID: req.OrganizationID, ParentID: b.ParentID, Slug: b.Slug, Title: title, Position: deref(b.Position),
		})
		return err
	})
	if err != nil {
		return nil, categoryWriteError(ctx, err)
	}
	return api.CreateCategory201JSONResponse{Body: categoryDTO(out), Headers: api.CreateCategory201ResponseHeaders{ETag: versionTag(out.Version)}}, nil
}

// GetCategory shows one category.
func (s *Handler) GetCategory(ctx context.Context, req api.GetCategoryRequestObject) (api.GetCategoryResponseObject, error) {
	if _, err := s.staffCaller(ctx, req.OrganizationID, web.StaffRoles...); err != nil {
		return nil, err
	}
	c, err := s.category(ctx, req.OrganizationID, req.CategoryID)
	if err != nil {
		return nil, err
	}
	return api.GetCategory200JSONResponse{Body: categoryDTO(c), Headers: api.GetCategory200ResponseHeaders{ETag: versionTag(c.Version)}}, nil
}

// UpdateCategory renames or moves a category.
func (s *Handler) UpdateCategory(ctx context.Context, req api.UpdateCategoryRequestObject) (api.UpdateCategoryResponseObject, error) {
	p, err := s.staffCaller(ctx, req.OrganizationID, editors...)
	if err != nil {
		return nil, err
	}
	c, err := s.category(ctx, req.OrganizationID, req.CategoryID)
	if err != nil {
		return nil, err
	}
	version, err := requireIfMatch(ctx, req.Params.IfMatch, c.Version)
	if err != nil {
		return nil, err
	}
	b := req.Body
	in := db.UpdateCategoryParams{OrganizationID: c.OrganizationID, ID: c.ID, Version: version,
		ParentID: c.ParentID, Slug: c.Slug, Title: c.Title, Position: c.Position}
	if b.ParentID.IsSpecified() {
		in.ParentID = nil
		if !b.ParentID.IsNull() {
			id := uuid.UUID(b.ParentID.MustGet())
			in.ParentID = &id
		}
	}
	if b.Slug != nil {
		in.Slug = *b.Slug
	}
	if b.Position != nil {
		in.Position = *b.Position
	}
	if b.Title != nil {
		var fields []api.FieldError
		if in.Title, fields = web.CheckName("title", *b.Title); len(fields) > 0 {
			return nil, invalid(ctx, fields...)
		}
	}
	var out db.ProgramCategory
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if err := q.SetCatalogActor(ctx, p.User.ID); err != nil {
			return err
		}
		out, err = q.UpdateCategory(ctx, in)
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, s.staleCategory(ctx, s.Q, c)
	}
	if err != nil {
		return nil, categoryWriteError(ctx, err)
	}
	return api.UpdateCategory200JSONResponse{Body: categoryDTO(out), Headers: api.UpdateCategory200ResponseHeaders{ETag: versionTag(out.Version)}}, nil
}

// DeleteCategory deletes an empty category.
func (s *Handler) DeleteCategory(ctx context.Context, req api.DeleteCategoryRequestObject) (api.DeleteCategoryResponseObject, error) {
	p, err := s.staffCaller(ctx, req.OrganizationID, editors...)
	if err != nil {
		return nil, err
	}
	c, err := s.category(ctx, req.OrganizationID, req.CategoryID)
	if err != nil {
		return nil, err
	}
	version, err := requireIfMatch(ctx, req.Params.IfMatch, c.Version)
	if err != nil {
		return nil, err
	}
	notEmpty := web.Fail(ctx, http.StatusConflict, codeCategoryNotEmpty,
		"The category has subcategories or programs; move or delete them first.")
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if err := q.SetCatalogActor(ctx, p.User.ID); err != nil {
			return err
		}
		// Programs would otherwise be left without a category silently
		// (ON DELETE SET NULL): look for them under the row lock, which a
		// program being put in the category concurrently waits for.
		if _, err := q.LockCategory(ctx, db.LockCategoryParams{OrganizationID: c.OrganizationID, ID: c.ID}); err != nil {
			return store.NotFound(err)
		}
		has, err := q.CategoryHasPrograms(ctx, db.CategoryHasProgramsParams{OrganizationID: c.OrganizationID, ID: &c.ID})
		if err != nil {
			return err
		}
		if has {
			return notEmpty
		}
		n, err := q.DeleteCategory(ctx, db.DeleteCategoryParams{OrganizationID: c.OrganizationID, ID: c.ID, Version: version})
		if err != nil {
			return err
		}
		if n == 0 {
			return s.staleCategory(ctx, q, c)
		}
		return nil
	})
	if isForeignKey(err) {
		return nil, notEmpty
	}
	if err != nil {
		return nil, err
	}
	return api.DeleteCategory204Response{}, nil
}

func (s *Handler) category(ctx context.Context, orgID, id uuid.UUID) (db.ProgramCategory, error) {
	return categoryIn(ctx, s.Q, orgID, id)
}

// categoryIn is category through q (a transaction's, inside one: never a
// second connection of the pool from inside a transaction).
func categoryIn(ctx context.Context, q *db.Queries, orgID, id uuid.UUID) (db.ProgramCategory, error) {
	c, err := q.GetCategory(ctx, db.GetCategoryParams{OrganizationID: orgID, ID: id})
	if errors.Is(err, pgx.ErrNoRows) {
		return c, notFound(ctx, "There is no such category.")
	}
	return c, err
}

func (s *Handler) staleCategory(ctx context.Context, q *db.Queries, c db.ProgramCategory) error {
	now, err := categoryIn(ctx, q, c.OrganizationID, c.ID)
	if err != nil {
		return err
	}
	return stale(ctx, now.Version)
}

// categoryWriteError maps the tree's constraints to answers naming fields.
func categoryWriteError(ctx context.Context, err error) error {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return err
	}
	switch {
	case pe.Code == "23505":
		return web.Fail(ctx, http.StatusConflict, web.CodeAlreadyExists, "A category with this slug exists in the organization.",
			web.FieldError("slug", "taken", "is taken"))
	case pe.Code == "23503":
		return invalid(ctx, web.FieldError("parentId", "not_found", "there is no such category in the organization"))
	case pe.ConstraintName == "program_categories_no_cycle":
		return invalid(ctx, web.FieldError("parentId", "cycle", "a category cannot move under itself or its descendants"))
	case pe.ConstraintName == "program_categories_depth" || strings.Contains(pe.Message, "program_categories_depth"):
		return invalid(ctx, web.FieldError("parentId", "too_deep", "the tree has at most six levels"))
	}
	return err
}

func isForeignKey(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23503"
}
