package httpapi

import (
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
)

// maxEmbeddedMemberships bounds the memberships embedded in GET /me; the
// full list is paginated at /me/organizations.
const maxEmbeddedMemberships = 100

// GetMe returns the caller's account and memberships.
func (s *Server) GetMe(ctx context.Context, _ api.GetMeRequestObject) (api.GetMeResponseObject, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.q.ListUserMemberships(ctx, db.ListUserMembershipsParams{UserID: p.user.ID, MaxRows: maxEmbeddedMemberships})
	if err != nil {
		return nil, err
	}
	ms := membershipDTOs(rows)
	if err := s.markSecondFactorRequired(ctx, p.user.ID, ms); err != nil {
		return nil, err
	}
	warnings, err := s.certificateWarnings(ctx, p.user.ID)
	if err != nil {
		return nil, err
	}
	u := userDTO(p.user)
	return api.GetMe200JSONResponse{
		ID: u.ID, FirstName: u.FirstName, LastName: u.LastName, Email: u.Email, Phone: u.Phone,
		EmailVerified: u.EmailVerified, PhoneVerified: u.PhoneVerified, Locale: u.Locale, TimeZone: u.TimeZone, CreatedAt: u.CreatedAt,
		Memberships: ms, Warnings: warnings,
	}, nil
}

// ListMyOrganizations pages through the caller's memberships.
func (s *Server) ListMyOrganizations(ctx context.Context, req api.ListMyOrganizationsRequestObject) (api.ListMyOrganizationsResponseObject, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	limit := listLimit(req.Params.Limit)
	params := db.ListUserMembershipsParams{UserID: p.user.ID, MaxRows: int32(limit + 1)}
	if req.Params.Cursor != nil {
		at, id, err := decodeCursor(*req.Params.Cursor)
		if err != nil {
			return api.ListMyOrganizations422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(invalidCursorProblem(ctx))}, nil
		}
		params.AfterCreatedAt, params.AfterOrganizationID = &at, &id
	}
	rows, err := s.q.ListUserMemberships(ctx, params)
	if err != nil {
		return nil, err
	}
	page := api.MembershipPage{}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1]
		next := encodeCursor(last.JoinedAt, last.OrganizationID)
		page.NextCursor = &next
	}
	page.Items = membershipDTOs(rows)
	if err := s.markSecondFactorRequired(ctx, p.user.ID, page.Items); err != nil {
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

// Cursors are opaque to clients: base64url of "<RFC 3339 time>|<uuid>" of
// the last item of the previous page, the keyset the list is ordered by.
func encodeCursor(at time.Time, id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(at.UTC().Format(time.RFC3339Nano) + "|" + id.String()))
}

func decodeCursor(c string) (time.Time, uuid.UUID, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, uuid.Nil, err
	}
	ts, idText, ok := strings.Cut(string(raw), "|")
	if !ok {
		return time.Time{}, uuid.Nil, errors.New("malformed cursor")
	}
	at, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return time.Time{}, uuid.Nil, err
	}
	id, err := uuid.Parse(idText)
	return at, id, err
}
