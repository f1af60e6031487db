package organizations

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"unicode"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
	"github.com/kabinet-edu/kabinet/internal/contact"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// ListMembers pages through the organization's members, filtered and searched.
func (s *Handler) ListMembers(ctx context.Context, req api.ListMembersRequestObject) (api.ListMembersResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, peopleManagers...); err != nil {
		return nil, err
	}
	q := req.Params
	limit := web.Limit(q.Limit)
	params := db.ListMembersParams{OrganizationID: req.OrganizationID, MaxRows: int32(limit + 1)}
	if q.Role != nil {
		params.Role = db.NullMemberRole{MemberRole: db.MemberRole(*q.Role), Valid: true}
	}
	if q.Status != nil {
		params.Status = db.NullMembershipStatus{MembershipStatus: db.MembershipStatus(*q.Status), Valid: true}
	}
	if q.Query != nil {
		params.Pattern, params.PhonePattern = s.searchPatterns(*q.Query)
	}
	if q.Cursor != nil {
		at, id, err := web.DecodeCursor(*q.Cursor)
		if err != nil {
			return api.ListMembers422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.BadCursor(ctx))}, nil
		}
		params.AfterJoinedAt, params.AfterUserID = &at, &id
	}
	rows, err := s.Q.ListMembers(ctx, params)
	if err != nil {
		return nil, err
	}
	page := api.MemberPage{Items: []api.Member{}}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1]
		next := web.EncodeCursor(last.JoinedAt, last.UserID)
		page.NextCursor = &next
	}
	for _, r := range rows {
		page.Items = append(page.Items, memberDTO(db.GetMemberRow(r)))
	}
	return api.ListMembers200JSONResponse(page), nil
}

// searchPatterns turns a search text into LIKE patterns: a lower-case one for
// e-mails and names, and, when the text has at least three digits, one for
// phones (stored as E.164: a full number in any notation is normalized first,
// so "8 921 123-45-67" finds +79211234567).
func (s *Handler) searchPatterns(query string) (pattern, phonePattern *string) {
	text := strings.ToLower(strings.Join(strings.Fields(query), " "))
	if text == "" {
		return nil, nil
	}
	like := "%" + escapeLike(text) + "%"
	var digits strings.Builder
	for _, r := range query {
		if unicode.IsDigit(r) {
			digits.WriteRune(r)
		}
	}
	if e164, err := contact.NormalizePhone(query, s.Cfg.PhoneDefaultRegion); err == nil {
		digits.Reset()
		digits.WriteString(strings.TrimPrefix(e164, "+"))
	}
	if digits.Len() >= 3 {
		p := "%" + digits.String() + "%"
		return &like, &p
	}
	return &like, nil
}

// escapeLike makes LIKE's wildcards match themselves (backslash is the
// default escape character).
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// UpdateMember changes a member's role; the last active admin cannot be demoted.
func (s *Handler) UpdateMember(ctx context.Context, req api.UpdateMemberRequestObject) (api.UpdateMemberResponseObject, error) {
	role := db.MemberRole(req.Body.Role)
	m, code, err := s.changeMember(ctx, req.OrganizationID, req.UserID, func(q *db.Queries, p *web.Principal, m db.GetMemberRow) (string, error) {
		if m.Role == role {
			return "", nil
		}
		if m.Role == db.MemberRoleAdmin {
			if code, err := s.keepsAnAdmin(ctx, q, req.OrganizationID, m); code != "" || err != nil {
				return code, err
			}
		}
		if err := q.SetMemberRole(ctx, db.SetMemberRoleParams{OrganizationID: req.OrganizationID, UserID: m.UserID, Role: role}); err != nil {
			return "", err
		}
		return "", s.RecordIn(ctx, q, audit.RoleChanged, req.OrganizationID, &m.UserID, &p.User.ID,
			map[string]any{"from": m.Role, "to": role})
	})
	if err != nil {
		return nil, err
	}
	if code != "" {
		return api.UpdateMember409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(memberConflict(ctx, code))}, nil
	}
	return api.UpdateMember200JSONResponse(memberDTO(m)), nil
}

// BlockMember closes this organization to a member; the account and its
// other memberships are untouched.
func (s *Handler) BlockMember(ctx context.Context, req api.BlockMemberRequestObject) (api.BlockMemberResponseObject, error) {
	m, code, err := s.changeMember(ctx, req.OrganizationID, req.UserID, func(q *db.Queries, p *web.Principal, m db.GetMemberRow) (string, error) {
		if m.UserID == p.User.ID {
			return codeCannotBlockSelf, nil
		}
		if m.Status == db.MembershipStatusBlocked {
			return "", nil
		}
		if m.Role == db.MemberRoleAdmin {
			if code, err := s.keepsAnAdmin(ctx, q, req.OrganizationID, m); code != "" || err != nil {
				return code, err
			}
		}
		return "", s.setMemberStatus(ctx, q, p, req.OrganizationID, m, db.MembershipStatusBlocked, audit.MemberBlocked)
	})
	if err != nil {
		return nil, err
	}
	if code != "" {
		return api.BlockMember409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(memberConflict(ctx, code))}, nil
	}
	return api.BlockMember200JSONResponse(memberDTO(m)), nil
}

// UnblockMember gives a blocked member access to the organization again.
func (s *Handler) UnblockMember(ctx context.Context, req api.UnblockMemberRequestObject) (api.UnblockMemberResponseObject, error) {
	m, _, err := s.changeMember(ctx, req.OrganizationID, req.UserID, func(q *db.Queries, p *web.Principal, m db.GetMemberRow) (string, error) {
		if m.Status == db.MembershipStatusActive {
			return "", nil
		}
		return "", s.setMemberStatus(ctx, q, p, req.OrganizationID, m, db.MembershipStatusActive, audit.MemberUnblocked)
	})
	if err != nil {
		return nil, err
	}
	return api.UnblockMember200JSONResponse(memberDTO(m)), nil
}

// changeMember runs change on a member of the organization, for an admin
// caller, with the organization locked; it returns the member as it is
// afterwards, or the conflict code change reported (nothing is written then).
func (s *Handler) changeMember(ctx context.Context, orgID, userID uuid.UUID, change func(*db.Queries, *web.Principal, db.GetMemberRow) (string, error)) (db.GetMemberRow, string, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return db.GetMemberRow{}, "", err
	}
	if _, err := s.RequireRole(ctx, p, orgID, db.MemberRoleAdmin); err != nil {
		return db.GetMemberRow{}, "", err
	}
	var (
		out  db.GetMemberRow
		code string
	)
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if _, _, err := web.LockOrganizationAs(ctx, q, p, orgID, db.MemberRoleAdmin); err != nil {
			return err
		}
		params := db.GetMemberParams{OrganizationID: orgID, UserID: userID}
		m, err := q.GetMember(ctx, params)
		if errors.Is(err, pgx.ErrNoRows) {
			return missingResource(ctx, "There is no such member in this organization.")
		}
		if err != nil {
			return err
		}
		if code, err = change(q, p, m); err != nil {
			return err
		}
		if code != "" {
			return web.ErrRefused // roll back whatever change did before it refused
		}
		out, err = q.GetMember(ctx, params)
		return err
	})
	if errors.Is(err, web.ErrRefused) {
		return db.GetMemberRow{}, code, nil
	}
	return out, "", err
}

// keepsAnAdmin refuses to take away active admin m's power (demotion or
// block) when m is the organization's last active admin.
func (s *Handler) keepsAnAdmin(ctx context.Context, q *db.Queries, orgID uuid.UUID, m db.GetMemberRow) (string, error) {
	if m.Status != db.MembershipStatusActive {
		return "", nil
	}
	n, err := q.CountActiveAdmins(ctx, orgID)
	if err != nil || n > 1 {
		return "", err
	}
	return web.CodeLastAdmin, nil
}

func (s *Handler) setMemberStatus(ctx context.Context, q *db.Queries, p *web.Principal, orgID uuid.UUID, m db.GetMemberRow, status db.MembershipStatus, event string) error {
	if err := q.SetMemberStatus(ctx, db.SetMemberStatusParams{OrganizationID: orgID, UserID: m.UserID, Status: status}); err != nil {
		return err
	}
	return s.RecordIn(ctx, q, event, orgID, &m.UserID, &p.User.ID, map[string]any{"role": m.Role})
}

func memberConflict(ctx context.Context, code string) api.Problem {
	if code == codeCannotBlockSelf {
		return web.NewProblem(ctx, http.StatusConflict, code, "You cannot block yourself.")
	}
	return web.NewProblem(ctx, http.StatusConflict, web.CodeLastAdmin,
		"This is the organization's last active admin; make somebody else an admin first.")
}
