package learning

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// ReorderContent sets the whole order of a program's modules and of the
// lessons within them (moving lessons between modules) in one transaction.
// The order must name every module and lesson of the program once; it is
// checked under the program's lock, so a lesson added meanwhile makes it
// incomplete instead of being misplaced.
func (s *Handler) ReorderContent(ctx context.Context, req api.ReorderContentRequestObject) (api.ReorderContentResponseObject, error) {
	_, prog, err := s.author(ctx, req.OrganizationID, req.ProgramID)
	if err != nil {
		return nil, err
	}
	var out api.ContentOutline
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if err := q.LockProgramContent(ctx, prog.ID); err != nil {
			return err
		}
		modules, err := q.ListModules(ctx, prog.ID)
		if err != nil {
			return err
		}
		lessons, err := q.ListLessons(ctx, db.ListLessonsParams{ProgramID: prog.ID})
		if err != nil {
			return err
		}
		if fields := checkOrder(req.Body.Modules, modules, lessons); len(fields) > 0 {
			return invalid(ctx, fields...)
		}
		var mods, ids, moduleIDs []uuid.UUID
		var positions []int32
		for _, m := range req.Body.Modules {
			mods = append(mods, m.ID)
			for i, l := range m.Lessons {
				ids, moduleIDs, positions = append(ids, l), append(moduleIDs, m.ID), append(positions, int32(i+1))
			}
		}
		if err := q.ReorderModules(ctx, db.ReorderModulesParams{ProgramID: prog.ID, Ids: mods}); err != nil {
			return err
		}
		if err := q.ReorderLessons(ctx, db.ReorderLessonsParams{ProgramID: prog.ID, Ids: ids, ModuleIds: moduleIDs, Positions: positions}); err != nil {
			return err
		}
		out, err = outline(ctx, q, prog.OrganizationID, prog.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return api.ReorderContent200JSONResponse(out), nil
}

// checkOrder names every way order differs from a permutation of the
// program's content: unknown or repeated ids where they stand, and what
// is missing on the list that should have held it.
func checkOrder(order []api.ContentOrderModule, modules []db.ListModulesRow, lessons []db.Lesson) []api.FieldError {
	var fields []api.FieldError
	knownModules := map[uuid.UUID]bool{}
	for _, m := range modules {
		knownModules[m.LearningModule.ID] = true
	}
	knownLessons := map[uuid.UUID]bool{}
	for _, l := range lessons {
		knownLessons[l.ID] = true
	}
	seenModules, seenLessons := map[uuid.UUID]bool{}, map[uuid.UUID]bool{}
	for i, m := range order {
		field := fmt.Sprintf("modules.%d.id", i)
		switch {
		case !knownModules[m.ID]:
			fields = append(fields, web.FieldError(field, "unknown", "is not a module of this program"))
		case seenModules[m.ID]:
			fields = append(fields, web.FieldError(field, "duplicate", "is listed more than once"))
		}
		seenModules[m.ID] = true
		for j, l := range m.Lessons {
			field := fmt.Sprintf("modules.%d.lessons.%d", i, j)
			switch {
			case !knownLessons[l]:
				fields = append(fields, web.FieldError(field, "unknown", "is not a lesson of this program"))
			case seenLessons[l]:
				fields = append(fields, web.FieldError(field, "duplicate", "is listed more than once"))
			}
			seenLessons[l] = true
		}
	}
	// A missing lesson is reported on the list of the module that holds it
	// now (or on modules, when that module is missing too).
	index := map[uuid.UUID]int{}
	for i, m := range order {
		if _, ok := index[m.ID]; !ok {
			index[m.ID] = i
		}
	}
	var missingModules []string
	missingLessons := map[string][]string{}
	var lists []string
	for _, m := range modules {
		if !seenModules[m.LearningModule.ID] {
			missingModules = append(missingModules, m.LearningModule.ID.String())
		}
	}
	for _, l := range lessons {
		if seenLessons[l.ID] {
			continue
		}
		field := "modules"
		if i, ok := index[l.ModuleID]; ok {
			field = fmt.Sprintf("modules.%d.lessons", i)
		}
		if _, ok := missingLessons[field]; !ok {
			lists = append(lists, field)
		}
		missingLessons[field] = append(missingLessons[field], l.ID.String())
	}
	if len(missingModules) > 0 {
		fields = append(fields, web.FieldError("modules", "incomplete", "misses the modules "+strings.Join(missingModules, ", ")))
	}
	for _, field := range lists {
		fields = append(fields, web.FieldError(field, "incomplete", "misses the lessons "+strings.Join(missingLessons[field], ", ")))
	}
	return fields
}

// outline is the program's content in order, as staff see it.
func outline(ctx context.Context, q *db.Queries, orgID, programID uuid.UUID) (api.ContentOutline, error) {
	modules, err := q.ListModules(ctx, programID)
	if err != nil {
		return api.ContentOutline{}, err
	}
	lessons, err := q.ListLessons(ctx, db.ListLessonsParams{ProgramID: programID})
	if err != nil {
		return api.ContentOutline{}, err
	}
	out := api.ContentOutline{Modules: make([]api.LearningModule, len(modules)), Lessons: make([]api.Lesson, len(lessons))}
	for i, m := range modules {
		out.Modules[i] = moduleDTO(m.LearningModule, m.LessonCount)
	}
	for i, l := range lessons {
		out.Lessons[i] = staffLessonDTO(orgID, l)
	}
	return out, nil
}
