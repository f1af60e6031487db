package catalog

import (
	"context"
	"strconv"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// ListCatalogHistory pages through the organization's catalog changes.
func (s *Handler) ListCatalogHistory(ctx context.Context, req api.ListCatalogHistoryRequestObject) (api.ListCatalogHistoryResponseObject, error) {
	if _, err := s.staffCaller(ctx, req.OrganizationID, historians...); err != nil {
		return nil, err
	}
	var entity db.NullCatalogEntity
	if t := req.Params.EntityType; t != nil {
		entity = db.NullCatalogEntity{CatalogEntity: db.CatalogEntity(*t), Valid: true}
	}
	page, err := s.history(ctx, req.OrganizationID, entity, req.Params.EntityID, req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	return api.ListCatalogHistory200JSONResponse(page), nil
}

// ListProgramHistory pages through one program's changes.
func (s *Handler) ListProgramHistory(ctx context.Context, req api.ListProgramHistoryRequestObject) (api.ListProgramHistoryResponseObject, error) {
	if _, err := s.staffCaller(ctx, req.OrganizationID, historians...); err != nil {
		return nil, err
	}
	// A deleted program's history stays readable through
	// listCatalogHistory; here the program must exist.
	if _, err := s.program(ctx, req.OrganizationID, req.ProgramID); err != nil {
		return nil, err
	}
	id := req.ProgramID
	page, err := s.history(ctx, req.OrganizationID, db.NullCatalogEntity{CatalogEntity: db.CatalogEntityProgram, Valid: true}, &id, req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	return api.ListProgramHistory200JSONResponse(page), nil
}

func (s *Handler) history(ctx context.Context, orgID uuid.UUID, entity db.NullCatalogEntity, entityID *uuid.UUID, limitP *int, cursor *string) (api.CatalogHistoryPage, error) {
	limit := web.Limit(limitP)
	params := db.ListCatalogHistoryParams{OrganizationID: orgID, EntityType: entity, EntityID: entityID, Lim: int32(limit + 1)}
	if cursor != nil {
		before, err := strconv.ParseInt(*cursor, 10, 64)
		if err != nil || before <= 0 {
			return api.CatalogHistoryPage{}, &web.Error{Problem: web.BadCursor(ctx)}
		}
		params.BeforeID = before
	}
	rows, err := s.Q.ListCatalogHistory(ctx, params)
	if err != nil {
		return api.CatalogHistoryPage{}, err
	}
	page := api.CatalogHistoryPage{Items: make([]api.CatalogHistoryEntry, 0, len(rows))}
	if len(rows) > limit {
		rows = rows[:limit]
		next := itoa64(rows[len(rows)-1].ID)
		page.NextCursor = &next
	}
	for _, r := range rows {
		e, err := historyDTO(r)
		if err != nil {
			return api.CatalogHistoryPage{}, err
		}
		page.Items = append(page.Items, e)
	}
	return page, nil
}

func itoa64(n int64) string { return strconv.FormatInt(n, 10) }
