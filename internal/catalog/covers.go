package catalog

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// UploadProgramCover replaces a program's cover (managers, admins).
func (s *Handler) UploadProgramCover(ctx context.Context, req api.UploadProgramCoverRequestObject) (api.UploadProgramCoverResponseObject, error) {
	p, err := s.staffCaller(ctx, req.OrganizationID, editors...)
	if err != nil {
		return nil, err
	}
	prog, err := s.program(ctx, req.OrganizationID, req.ProgramID)
	if err != nil {
		return nil, err
	}
	version, err := requireIfMatch(ctx, req.Params.IfMatch, prog.Version)
	if err != nil {
		return nil, err
	}
	obj, err := s.storeImage(ctx, prog.OrganizationID, &p.User.ID, "covers", req.Body)
	if err != nil {
		return nil, err
	}
	out, err := s.setCover(ctx, p.User.ID, prog, version, &obj.Key, func(q *db.Queries) error {
		return saveImage(ctx, q, prog.OrganizationID, obj, fileBase(prog.Slug))
	})
	if err != nil {
		s.dropBlob(ctx, obj.Key)
		return nil, err
	}
	return api.UploadProgramCover200JSONResponse{Body: out, Headers: api.UploadProgramCover200ResponseHeaders{ETag: versionTag(out.Version)}}, nil
}

// DeleteProgramCover removes a program's cover.
func (s *Handler) DeleteProgramCover(ctx context.Context, req api.DeleteProgramCoverRequestObject) (api.DeleteProgramCoverResponseObject, error) {
	p, err := s.staffCaller(ctx, req.OrganizationID, editors...)
	if err != nil {
		return nil, err
	}
	prog, err := s.program(ctx, req.OrganizationID, req.ProgramID)
	if err != nil {
		return nil, err
	}
	version, err := requireIfMatch(ctx, req.Params.IfMatch, prog.Version)
	if err != nil {
		return nil, err
	}
	out, err := s.setCover(ctx, p.User.ID, prog, version, nil, nil)
	if err != nil {
		return nil, err
	}
	return api.DeleteProgramCover200JSONResponse{Body: out, Headers: api.DeleteProgramCover200ResponseHeaders{ETag: versionTag(out.Version)}}, nil
}

// GetProgramCover streams a program's cover to its staff.
func (s *Handler) GetProgramCover(ctx context.Context, req api.GetProgramCoverRequestObject) (api.GetProgramCoverResponseObject, error) {
	if _, err := s.staffCaller(ctx, req.OrganizationID, web.StaffRoles...); err != nil {
		return nil, err
	}
	prog, err := s.program(ctx, req.OrganizationID, req.ProgramID)
	if err != nil {
		return nil, err
	}
	r, err := s.coverResponse(ctx, prog.CoverKey, privateCache, req.Params.Range, req.Params.IfRange, req.Params.IfNoneMatch)
	if err != nil {
		return nil, err
	}
	return r, nil
}

func (s *Handler) coverResponse(ctx context.Context, key *string, cc string, rangeH, ifRange, ifNoneMatch *string) (imageResponse, error) {
	if key == nil {
		return imageResponse{}, notFound(ctx, "The program has no cover.")
	}
	img, err := s.Q.GetCatalogImage(ctx, *key)
	if err != nil {
		return imageResponse{}, err
	}
	return s.imageResponse(ctx, img, cc, rangeH, ifRange, ifNoneMatch)
}

// setCover points the program at key (nil: no cover) in one transaction
// with before, drops the old image's row, and after the commit its blob.
func (s *Handler) setCover(ctx context.Context, actor uuid.UUID, prog db.Program, version int32, key *string, before func(*db.Queries) error) (api.Program, error) {
	var out db.Program
	var teachers []db.ListProgramTeachersRow
	err := store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if err := q.SetCatalogActor(ctx, actor); err != nil {
			return err
		}
		if before != nil {
			if err := before(q); err != nil {
				return err
			}
		}
		var err error
		out, err = q.SetProgramCover(ctx, db.SetProgramCoverParams{OrganizationID: prog.OrganizationID, ID: prog.ID, Version: version, CoverKey: key})
		if err != nil {
			return err
		}
		if prog.CoverKey != nil {
			if err := q.DeleteCatalogImage(ctx, *prog.CoverKey); err != nil {
				return err
			}
		}
		teachers, err = q.ListProgramTeachers(ctx, db.ListProgramTeachersParams{OrganizationID: prog.OrganizationID, ProgramID: prog.ID})
		return err
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return api.Program{}, s.staleProgram(ctx, prog)
	}
	if err != nil {
		return api.Program{}, err
	}
	if prog.CoverKey != nil {
		s.dropBlob(ctx, *prog.CoverKey)
	}
	return programDTO(out, teachers), nil
}
