package catalog

import (
	"context"
	"errors"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// UploadOrganizationLogo replaces the organization's logo (admins).
func (s *Handler) UploadOrganizationLogo(ctx context.Context, req api.UploadOrganizationLogoRequestObject) (api.UploadOrganizationLogoResponseObject, error) {
	p, err := s.staffCaller(ctx, req.OrganizationID, admins...)
	if err != nil {
		return nil, err
	}
	org, err := s.Q.GetOrganization(ctx, req.OrganizationID)
	if err != nil {
		return nil, err
	}
	version, err := requireIfMatch(ctx, req.Params.IfMatch, org.Version)
	if err != nil {
		return nil, err
	}
	obj, err := s.storeImage(ctx, org.ID, &p.User.ID, "logos", req.Body)
	if err != nil {
		return nil, err
	}
	out, err := s.setLogo(ctx, p.User.ID, org, version, &obj.Key, func(q *db.Queries) error {
		return saveImage(ctx, q, org.ID, obj, "logo-"+fileBase(org.Slug))
	})
	if err != nil {
		s.dropBlob(ctx, obj.Key)
		return nil, err
	}
	return api.UploadOrganizationLogo200JSONResponse{Body: profileDTO(out),
		Headers: api.UploadOrganizationLogo200ResponseHeaders{ETag: versionTag(out.Version)}}, nil
}

// DeleteOrganizationLogo removes the logo (admins).
func (s *Handler) DeleteOrganizationLogo(ctx context.Context, req api.DeleteOrganizationLogoRequestObject) (api.DeleteOrganizationLogoResponseObject, error) {
	p, err := s.staffCaller(ctx, req.OrganizationID, admins...)
	if err != nil {
		return nil, err
	}
	org, err := s.Q.GetOrganization(ctx, req.OrganizationID)
	if err != nil {
		return nil, err
	}
	version, err := requireIfMatch(ctx, req.Params.IfMatch, org.Version)
	if err != nil {
		return nil, err
	}
	out := org
	if org.LogoKey != nil {
		if out, err = s.setLogo(ctx, p.User.ID, org, version, nil, nil); err != nil {
			return nil, err
		}
	}
	return api.DeleteOrganizationLogo200JSONResponse{Body: profileDTO(out),
		Headers: api.DeleteOrganizationLogo200ResponseHeaders{ETag: versionTag(out.Version)}}, nil
}

// setLogo points the organization at key (nil: no logo) in one
// transaction with before (which records the new image), drops the old
// image's row, and after the commit its blob.
func (s *Handler) setLogo(ctx context.Context, actor uuid.UUID, org db.Organization, version int32, key *string, before func(*db.Queries) error) (db.Organization, error) {
	var out db.Organization
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
		if out, err = q.SetOrganizationLogo(ctx, db.SetOrganizationLogoParams{ID: org.ID, Version: version, LogoKey: key}); err != nil {
			return err
		}
		if org.LogoKey != nil {
			return q.DeleteCatalogImage(ctx, *org.LogoKey)
		}
		return nil
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return out, s.staleOrganization(ctx, org.ID)
	}
	if err == nil && org.LogoKey != nil {
		s.dropBlob(ctx, *org.LogoKey)
	}
	return out, err
}
