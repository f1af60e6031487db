package learning

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// ListModules pages through a program's modules in order.
func (s *Handler) ListModules(ctx context.Context, req api.ListModulesRequestObject) (api.ListModulesResponseObject, error) {
	if _, _, err := s.author(ctx, req.OrganizationID, req.ProgramID); err != nil {
		return nil, err
	}
	limit := web.Limit(req.Params.Limit)
	params := db.ListModulesPageParams{ProgramID: req.ProgramID, MaxRows: int32(limit + 1)}
	if req.Params.Cursor != nil {
		keys, id, err := web.DecodeKeyCursor(*req.Params.Cursor, moduleCursor, 1)
		if err != nil {
			return api.ListModules422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.BadCursor(ctx))}, nil
		}
		params.AfterPosition, params.AfterID = pgtype.Int4{Int32: keys[0], Valid: true}, &id
	}
	rows, err := s.Q.ListModulesPage(ctx, params)
	if err != nil {
		return nil, err
	}
	out := api.LearningModulePage{}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1].LearningModule
		out.NextCursor = new(web.EncodeKeyCursor(moduleCursor, last.ID, last.Position))
	}
	out.Items = make([]api.LearningModule, len(rows))
	for i, r := range rows {
		out.Items[i] = moduleDTO(r.LearningModule, r.LessonCount)
	}
	return api.ListModules200JSONResponse(out), nil
}

// CreateModule appends a module to a program.
func (s *Handler) CreateModule(ctx context.Context, req api.CreateModuleRequestObject) (api.CreateModuleResponseObject, error) {
	_, prog, err := s.author(ctx, req.OrganizationID, req.ProgramID)
	if err != nil {
		return nil, err
	}
	title, desc, fields := moduleText(req.Body.Title, req.Body.Description, "")
	if len(fields) > 0 {
		return nil, invalid(ctx, fields...)
	}
	var m db.LearningModule
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if err := q.LockProgramContent(ctx, prog.ID); err != nil {
			return err
		}
		n, err := q.CountModules(ctx, prog.ID)
		if err != nil {
			return err
		}
		if n >= maxModules {
			return web.Fail(ctx, http.StatusConflict, codeContentLimit, "A program has at most 100 modules.")
		}
		m, err = q.CreateModule(ctx, db.CreateModuleParams{OrganizationID: prog.OrganizationID, ProgramID: prog.ID, Title: title, Description: desc})
		return err
	})
	if err != nil {
		return nil, err
	}
	return api.CreateModule201JSONResponse{Body: moduleDTO(m, 0), Headers: api.CreateModule201ResponseHeaders{ETag: versionTag(m.Version)}}, nil
}

// GetModule reads a module.
func (s *Handler) GetModule(ctx context.Context, req api.GetModuleRequestObject) (api.GetModuleResponseObject, error) {
	if _, _, err := s.author(ctx, req.OrganizationID, req.ProgramID); err != nil {
		return nil, err
	}
	r, err := s.module(ctx, req.ProgramID, req.ModuleID)
	if err != nil {
		return nil, err
	}
	return api.GetModule200JSONResponse{Body: moduleDTO(r.LearningModule, r.LessonCount), Headers: api.GetModule200ResponseHeaders{ETag: versionTag(r.LearningModule.Version)}}, nil
}

// UpdateModule edits a module's title and description.
func (s *Handler) UpdateModule(ctx context.Context, req api.UpdateModuleRequestObject) (api.UpdateModuleResponseObject, error) {
	if _, _, err := s.author(ctx, req.OrganizationID, req.ProgramID); err != nil {
		return nil, err
	}
	r, err := s.module(ctx, req.ProgramID, req.ModuleID)
	if err != nil {
		return nil, err
	}
	cur := r.LearningModule
	if err := requireIfMatch(ctx, req.Params.IfMatch, cur.Version); err != nil {
		return nil, err
	}
	title := cur.Title
	if req.Body.Title != nil {
		title = *req.Body.Title
	}
	title, desc, fields := moduleText(title, req.Body.Description, cur.Description)
	if len(fields) > 0 {
		return nil, invalid(ctx, fields...)
	}
	m, err := s.Q.UpdateModule(ctx, db.UpdateModuleParams{ProgramID: cur.ProgramID, ID: cur.ID, Version: cur.Version, Title: title, Description: desc})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, stale(ctx, cur.Version+1)
	}
	if err != nil {
		return nil, err
	}
	return api.UpdateModule200JSONResponse{Body: moduleDTO(m, r.LessonCount), Headers: api.UpdateModule200ResponseHeaders{ETag: versionTag(m.Version)}}, nil
}

// DeleteModule deletes a module with its lessons and their files, unless a
// learner has completed one of them.
func (s *Handler) DeleteModule(ctx context.Context, req api.DeleteModuleRequestObject) (api.DeleteModuleResponseObject, error) {
	if _, _, err := s.author(ctx, req.OrganizationID, req.ProgramID); err != nil {
		return nil, err
	}
	r, err := s.module(ctx, req.ProgramID, req.ModuleID)
	if err != nil {
		return nil, err
	}
	cur := r.LearningModule
	if err := requireIfMatch(ctx, req.Params.IfMatch, cur.Version); err != nil {
		return nil, err
	}
	var files []string
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if err := q.LockProgramContent(ctx, cur.ProgramID); err != nil {
			return err
		}
		n, err := q.CountModuleCompletions(ctx, cur.ID)
		if err != nil {
			return err
		}
		if n > 0 {
			return web.Fail(ctx, http.StatusConflict, codeHasCompletions,
				"Learners have completed lessons of this module; move the lessons to another module first.")
		}
		if files, err = q.ModuleFileKeys(ctx, cur.ID); err != nil {
			return err
		}
		deleted, err := q.DeleteModule(ctx, db.DeleteModuleParams{ProgramID: cur.ProgramID, ID: cur.ID, Version: cur.Version})
		if err != nil {
			return err
		}
		if deleted == 0 {
			return stale(ctx, cur.Version+1)
		}
		return q.CloseModuleGap(ctx, db.CloseModuleGapParams{ProgramID: cur.ProgramID, Position: cur.Position})
	})
	if err != nil {
		return nil, err
	}
	for _, k := range files {
		s.dropBlob(ctx, k)
	}
	return api.DeleteModule204Response{}, nil
}

func (s *Handler) module(ctx context.Context, programID, id api.ModuleID) (db.GetModuleRow, error) {
	r, err := s.Q.GetModule(ctx, db.GetModuleParams{ProgramID: programID, ID: id})
	if errors.Is(err, pgx.ErrNoRows) {
		return r, notFound(ctx, "There is no such module in the program.")
	}
	return r, err
}

// moduleText trims a module's title and description (nil: keep old).
func moduleText(title string, desc *string, old string) (string, string, []api.FieldError) {
	title = strings.TrimSpace(title)
	var fields []api.FieldError
	if title == "" {
		fields = append(fields, web.FieldError("title", "required", "must not be blank"))
	}
	if desc != nil {
		old = strings.TrimSpace(*desc)
	}
	return title, old, fields
}

func moduleDTO(m db.LearningModule, lessons int32) api.LearningModule {
	return api.LearningModule{
		ID: m.ID, ProgramID: m.ProgramID, Position: int(m.Position), Title: m.Title, Description: m.Description,
		LessonCount: int(lessons), Version: int(m.Version), CreatedAt: m.CreatedAt.UTC(), UpdatedAt: m.UpdatedAt.UTC(),
	}
}
