package catalog

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// programMoves is the programs' state machine: for each target status the
// statuses it may be reached from.
var programMoves = map[db.ProgramStatus][]db.ProgramStatus{
	db.ProgramStatusPublished: {db.ProgramStatusDraft, db.ProgramStatusArchived},  // publish
	db.ProgramStatusDraft:     {db.ProgramStatusPublished},                        // unpublish
	db.ProgramStatusArchived:  {db.ProgramStatusDraft, db.ProgramStatusPublished}, // archive
}

// PublishProgram puts a draft or archived program in the public catalog.
func (s *Handler) PublishProgram(ctx context.Context, req api.PublishProgramRequestObject) (api.PublishProgramResponseObject, error) {
	out, err := s.moveProgram(ctx, req.OrganizationID, req.ProgramID, req.Params.IfMatch, db.ProgramStatusPublished)
	if err != nil {
		return nil, err
	}
	return api.PublishProgram200JSONResponse{Body: out, Headers: api.PublishProgram200ResponseHeaders{ETag: versionTag(out.Version)}}, nil
}

// UnpublishProgram takes a published program back to draft.
func (s *Handler) UnpublishProgram(ctx context.Context, req api.UnpublishProgramRequestObject) (api.UnpublishProgramResponseObject, error) {
	out, err := s.moveProgram(ctx, req.OrganizationID, req.ProgramID, req.Params.IfMatch, db.ProgramStatusDraft)
	if err != nil {
		return nil, err
	}
	return api.UnpublishProgram200JSONResponse{Body: out, Headers: api.UnpublishProgram200ResponseHeaders{ETag: versionTag(out.Version)}}, nil
}

// ArchiveProgram archives a draft or published program.
func (s *Handler) ArchiveProgram(ctx context.Context, req api.ArchiveProgramRequestObject) (api.ArchiveProgramResponseObject, error) {
	out, err := s.moveProgram(ctx, req.OrganizationID, req.ProgramID, req.Params.IfMatch, db.ProgramStatusArchived)
	if err != nil {
		return nil, err
	}
	return api.ArchiveProgram200JSONResponse{Body: out, Headers: api.ArchiveProgram200ResponseHeaders{ETag: versionTag(out.Version)}}, nil
}

// moveProgram applies one transition. The update is conditional on the
// version read, so of two concurrent transitions from the same status only
// one applies; the other finds the new status and answers as if it had
// come second (409 when that status does not allow it, else 412).
func (s *Handler) moveProgram(ctx context.Context, orgID, id uuid.UUID, ifMatch *string, to db.ProgramStatus) (api.Program, error) {
	p, err := s.staffCaller(ctx, orgID, editors...)
	if err != nil {
		return api.Program{}, err
	}
	prog, err := s.program(ctx, orgID, id)
	if err != nil {
		return api.Program{}, err
	}
	version, err := optionalIfMatch(ctx, ifMatch, prog.Version)
	if err != nil {
		return api.Program{}, err
	}
	if !slices.Contains(programMoves[to], prog.Status) {
		return api.Program{}, illegalMove(ctx, "program", string(prog.Status), string(to))
	}
	var out db.Program
	var teachers []db.ListProgramTeachersRow
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if err := q.SetCatalogActor(ctx, p.User.ID); err != nil {
			return err
		}
		if out, err = q.SetProgramStatus(ctx, db.SetProgramStatusParams{OrganizationID: orgID, ID: id, Version: version, Status: to}); err != nil {
			return err
		}
		teachers, err = q.ListProgramTeachers(ctx, db.ListProgramTeachersParams{OrganizationID: orgID, ProgramID: id})
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		now, err := s.program(ctx, orgID, id)
		if err != nil {
			return api.Program{}, err
		}
		if !slices.Contains(programMoves[to], now.Status) {
			return api.Program{}, illegalMove(ctx, "program", string(now.Status), string(to))
		}
		return api.Program{}, stale(ctx, now.Version)
	}
	if err != nil {
		return api.Program{}, err
	}
	return programDTO(out, teachers), nil
}

// illegalMove is the 409 of a transition the current status does not allow.
func illegalMove(ctx context.Context, what, current, to string) error {
	return web.Fail(ctx, http.StatusConflict, codeInvalidTransition,
		"The "+what+" is "+current+"; it cannot become "+to+" from there.",
		web.FieldError("status", "invalid_transition", "current status: "+current))
}
