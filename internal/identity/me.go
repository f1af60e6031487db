package identity

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// maxEmbeddedMemberships bounds the memberships embedded in GET /me; the
// full list is paginated at /me/organizations.
const maxEmbeddedMemberships = 100

// SessionInStatement lists the identity reads whose handlers check the
// caller's session in their own statement (web.Base.SessionInStatement):
// GET /me and GET /me/sessions, the calls every SPA makes most.
func SessionInStatement() []string { return []string{"GetMe", "ListMySessions"} }

// GetMe returns the caller's account and memberships, in one statement
// with the session check (GetMe): the token's signature was checked by
// the authentication func, the session here.
func (s *Handler) GetMe(ctx context.Context, _ api.GetMeRequestObject) (api.GetMeResponseObject, error) {
	userID, sessionID, err := web.UncheckedCaller(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	rows, err := s.Q.GetMe(ctx, db.GetMeParams{
		UserID: userID, SessionID: sessionID, MaxMemberships: maxEmbeddedMemberships, Before: now.Add(s.Cfg.Certificates.ExpiryWarning),
	})
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, web.SessionEnded(ctx)
	}
	row := rows[0]
	// The principal carries the user columns the statement read (GET /me
	// reads no others); nothing after this handler needs more.
	user := db.User{
		ID: row.ID, Email: row.Email, Phone: row.Phone, FirstName: row.FirstName, LastName: row.LastName,
		Locale: row.Locale, TimeZone: row.TimeZone, CreatedAt: row.CreatedAt,
		EmailVerifiedAt: row.EmailVerifiedAt, PhoneVerifiedAt: row.PhoneVerifiedAt, Status: db.UserStatusActive,
	}
	if _, err := web.Confirm(ctx, user, row.AuthenticatedAt); err != nil {
		return nil, err
	}
	var certs []expiringCertificate
	if err := unmarshalArray(row.ExpiringCertificates, &certs); err != nil {
		return nil, fmt.Errorf("GetMe certificates: %w", err)
	}
	ms := make([]api.Membership, 0, len(rows))
	for i := range rows {
		m := &rows[i]
		if !m.HasMembership { // the one row of a user without memberships
			continue
		}
		dto := membershipDTO(db.ListUserMembershipsRow{
			Role: m.Role, Status: m.Status, JoinedAt: m.JoinedAt,
			OrganizationID: m.OrganizationID, Slug: m.Slug, Name: m.Name, IsDefault: m.IsDefault,
		})
		required := m.SecondFactorRequired // not &m.…: that would keep the whole row
		dto.SecondFactorRequired = &required
		ms = append(ms, dto)
	}
	return api.GetMe200JSONResponse{
		ID: user.ID, FirstName: user.FirstName, LastName: user.LastName, Email: user.Email, Phone: user.Phone,
		EmailVerified: user.EmailVerifiedAt != nil, PhoneVerified: user.PhoneVerifiedAt != nil,
		Locale: api.Locale(user.Locale), TimeZone: user.TimeZone, CreatedAt: user.CreatedAt.UTC(),
		Memberships: ms, Warnings: expiryWarnings(now, certs),
	}, nil
}

// unmarshalArray decodes a JSON array of the statement's, sparing the
// decoder the usual empty one (most users have no expiring certificate).
func unmarshalArray[T any](raw []byte, out *[]T) error {
	if string(raw) == "[]" {
		return nil
	}
	return json.Unmarshal(raw, out)
}

// expiringCertificate is an item of GetMe's JSON array of certificates
// (the keys its json_build_object names).
type expiringCertificate struct {
	ID       uuid.UUID `json:"id"`
	Subject  string    `json:"subject"`
	NotAfter time.Time `json:"not_after"`
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
		out = append(out, membershipDTO(r))
	}
	return out
}

func membershipDTO(r db.ListUserMembershipsRow) api.Membership {
	return api.Membership{
		Organization: api.Organization{ID: r.OrganizationID, Slug: r.Slug, Name: r.Name, IsDefault: r.IsDefault},
		Role:         api.Role(r.Role),
		Status:       api.MemberStatus(r.Status),
		JoinedAt:     r.JoinedAt.UTC(),
	}
}
