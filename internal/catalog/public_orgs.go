package catalog

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// ListCatalogOrganizations lists the centers with published programs.
func (s *Handler) ListCatalogOrganizations(ctx context.Context, req api.ListCatalogOrganizationsRequestObject) (api.ListCatalogOrganizationsResponseObject, error) {
	limit := web.Limit(req.Params.Limit)
	params := db.ListCatalogOrganizationsParams{Lim: int32(limit + 1)}
	if req.Params.Cursor != nil {
		name, id, ok := decodeNameCursor(*req.Params.Cursor)
		if !ok {
			return nil, &web.Error{Problem: web.BadCursor(ctx)}
		}
		params.AfterName, params.AfterID = name, id
	}
	rows, err := s.Q.ListCatalogOrganizations(ctx, params)
	if err != nil {
		return nil, err
	}
	page := api.CatalogOrganizationPage{Items: []api.CatalogOrganizationCard{}}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1]
		next := encodeNameCursor(last.Name, last.ID)
		page.NextCursor = &next
	}
	for _, r := range rows {
		card := api.CatalogOrganizationCard{ID: r.ID, Slug: r.Slug, Name: r.Name, ShortName: r.ShortName, Address: r.Address, Programs: r.Programs}
		card.LogoURL = logoURL(db.Organization{Slug: r.Slug, LogoKey: r.LogoKey})
		page.Items = append(page.Items, card)
	}
	tag, err := bodyTag(page)
	if err != nil {
		return nil, err
	}
	if notModified(req.Params.IfNoneMatch, tag) {
		return api.ListCatalogOrganizations304Response{Headers: api.ListCatalogOrganizations304ResponseHeaders{ETag: tag, CacheControl: publicCache}}, nil
	}
	return api.ListCatalogOrganizations200JSONResponse{Body: page,
		Headers: api.ListCatalogOrganizations200ResponseHeaders{ETag: tag, CacheControl: publicCache}}, nil
}

// GetCatalogOrganization shows a center's public page.
func (s *Handler) GetCatalogOrganization(ctx context.Context, req api.GetCatalogOrganizationRequestObject) (api.GetCatalogOrganizationResponseObject, error) {
	org, err := s.publicOrganization(ctx, req.Slug)
	if err != nil {
		return nil, err
	}
	body := publicOrgDTO(org)
	tag, err := bodyTag(body)
	if err != nil {
		return nil, err
	}
	if notModified(req.Params.IfNoneMatch, tag) {
		return api.GetCatalogOrganization304Response{Headers: api.GetCatalogOrganization304ResponseHeaders{ETag: tag, CacheControl: publicCache}}, nil
	}
	return api.GetCatalogOrganization200JSONResponse{Body: body,
		Headers: api.GetCatalogOrganization200ResponseHeaders{ETag: tag, CacheControl: publicCache}}, nil
}

// GetCatalogOrganizationLogo streams a center's logo.
func (s *Handler) GetCatalogOrganizationLogo(ctx context.Context, req api.GetCatalogOrganizationLogoRequestObject) (api.GetCatalogOrganizationLogoResponseObject, error) {
	org, err := s.publicOrganization(ctx, req.Slug)
	if err != nil {
		return nil, err
	}
	if org.LogoKey == nil {
		return nil, notFound(ctx, "The center has no logo.")
	}
	img, err := s.Q.GetCatalogImage(ctx, *org.LogoKey)
	if err != nil {
		return nil, err
	}
	r, err := s.imageResponse(ctx, img, publicCache, req.Params.Range, req.Params.IfRange, req.Params.IfNoneMatch)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// publicOrganization finds a center by slug. The default organization of
// a single-center installation is a center like any other.
func (s *Handler) publicOrganization(ctx context.Context, slug string) (db.Organization, error) {
	org, err := s.Q.GetOrganizationBySlug(ctx, slug)
	if errors.Is(err, pgx.ErrNoRows) {
		return org, notFound(ctx, "There is no center with this address.")
	}
	return org, err
}

// The organizations list is ordered by (name, id).
func encodeNameCursor(name string, id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(id.String() + "|" + name))
}

func decodeNameCursor(c string) (string, uuid.UUID, bool) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", uuid.Nil, false
	}
	idText, name, ok := strings.Cut(string(raw), "|")
	id, err := uuid.Parse(idText)
	return name, id, ok && err == nil
}
