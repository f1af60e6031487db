package identity

import (
	"context"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// maxEmbeddedMemberships bounds the memberships embedded in GET /me; the
// full list is paginated at /me/organizations.
const maxEmbeddedMemberships = 100

// GetMe returns the caller's account and memberships.
func (s *Handler) GetMe(ctx context.Context, _ api.GetMeRequestObject) (api.GetMeResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.Q.ListUserMemberships(ctx, db.ListUserMembershipsParams{UserID: p.User.ID, MaxRows: maxEmbeddedMemberships})
	if err != nil {
		return nil, err
	}
	ms := membershipDTOs(rows)
	if err := s.MarkSecondFactorRequired(ctx, p.User.ID, ms); err != nil {
		return nil, err
	}
	warnings, err := s.certificateWarnings(ctx, p.User.ID)
	if err != nil {
		return nil, err
	}
	u := userDTO(p.User)
	return api.GetMe200JSONResponse{
		ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email, Phone: u.Phone,
		EmailVerified: u.EmailVerified, PhoneVerified: u.PhoneVerified, Locale: u.Locale, TimeZone: u.TimeZone, CreatedAt: u.CreatedAt,
		Memberships: ms, Warnings: warnings,
	}, nil
}

// ListMyOrganizations pages through the caller's memberships.
func (s *Handler) ListMyOrganizations(ctx context.Context, req api.ListMyOrganizationsRequestObject) (api.ListMyOrganizationsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	limit := web.Limit(req.Params.Limit)
	params := db.ListUserMembershipsParams{UserID: p.User.ID, MaxRows: int32(limit + 1)}
	if req.Params.Cursor != nil {
		at, id, err := web.DecodeCursor(*req.Params.Cursor)
		if err != nil {
			return api.ListMyOrganizations422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.BadCursor(ctx))}, nil
		}
		params.AfterCreatedAt, params.AfterOrganizationID = &at, &id
	}
	rows, err := s.Q.ListUserMemberships(ctx, params)
	if err != nil {
		return nil, err
	}
	page := api.MembershipPage{}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1]
		next := web.EncodeCursor(last.JoinedAt, last.OrganizationID)
		page.NextCursor = &next
	}
	page.Items = membershipDTOs(rows)
	if err := s.MarkSecondFactorRequired(ctx, p.User.ID, page.Items); err != nil {
		return nil, err
	}
	return api.ListMyOrganizations200JSONResponse(page), nil
}

func membershipDTOs(rows []db.ListUserMembershipsRow) []api.Membership {
	out := make([]api.Membership, 0, len(rows))
	for _, r := range rows {
		out = append(out, api.Membership{
			Organization: api.Organization{ID: r.OrganizationID, Slug: r.Slug, Name: r.Name, IsDefault: r.IsDefault},
			Role:         api.Role(r.Role),
			Status:       api.MemberStatus(r.Status),
			JoinedAt:     r.JoinedAt.UTC(),
		})
	}
	return out
}
