package organizations

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
	"github.com/kabinet-edu/kabinet/internal/contact"
	"github.com/kabinet-edu/kabinet/internal/invitation"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// CreateInvitation invites an e-mail address to the organization with a
// role. An address without an account gets a one-time link to create one; an
// existing account is granted the membership at once.
func (s *Handler) CreateInvitation(ctx context.Context, req api.CreateInvitationRequestObject) (api.CreateInvitationResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	orgID, b := req.OrganizationID, req.Body
	me, err := s.RequireRole(ctx, p, orgID, peopleManagers...)
	if err != nil {
		return nil, err
	}
	role := db.MemberRole(b.Role)
	if !mayInvite(me.Role, role) {
		return nil, forbiddenRole(ctx, role)
	}
	email, err := contact.NormalizeEmail(string(b.Email))
	if err != nil {
		return api.CreateInvitation422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusUnprocessableEntity, web.CodeValidationFailed, "One or more fields are invalid.", web.FieldError("email", "invalid_format", err.Error())))}, nil
	}
	in := db.CreateInvitationParams{
		OrganizationID: orgID, Email: email, Role: role, Locale: string(api.Ru), InvitedBy: &p.User.ID,
		FirstName: strings.TrimSpace(valueOrZero(b.FirstName)), LastName: strings.TrimSpace(valueOrZero(b.LastName)),
	}
	if b.Locale != nil {
		in.Locale = string(*b.Locale)
	}

	var (
		out      db.Invitation
		conflict string // a problem code when the invitation is refused
	)
	err = store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		org, me, err := web.LockOrganizationAs(ctx, q, p, orgID, peopleManagers...)
		if err != nil {
			return err
		}
		if !mayInvite(me.Role, role) {
			return forbiddenRole(ctx, role)
		}
		open, err := q.GetOpenInvitationByEmailForUpdate(ctx, db.GetOpenInvitationByEmailForUpdateParams{OrganizationID: orgID, Email: email})
		hasOpen := err == nil
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		user, err := q.GetUserByEmail(ctx, email)
		exists := err == nil
		if err != nil && !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		// A live invitation blocks a new one (resend it instead). An expired
		// one is replaced, and so is one whose address has got an account.
		if hasOpen && !exists && s.Now().Before(open.ExpiresAt) {
			conflict = codeInvitationPending
			return nil
		}
		if hasOpen {
			if err := q.RevokeInvitation(ctx, open.ID); err != nil {
				return err
			}
		}
		if exists {
			out, conflict, err = s.grantExisting(ctx, q, tx, org, user, in)
			return err
		}
		token, hash := invitation.NewToken()
		in.TokenHash, in.ExpiresAt = hash, s.Now().Add(s.Cfg.InvitationTTL)
		if out, err = q.CreateInvitation(ctx, in); err != nil {
			return err
		}
		if err := s.sendInvitation(ctx, tx, org, out, token, p.User); err != nil {
			return err
		}
		return s.RecordIn(ctx, q, audit.InvitationSent, orgID, nil, &p.User.ID,
			map[string]any{"invitationId": out.ID, "email": email, "role": role})
	})
	if _, ok := store.UniqueViolation(err); ok {
		// A concurrent request invited the same address first.
		conflict, err = codeInvitationPending, nil
	}
	if err != nil {
		return nil, err
	}
	switch conflict {
	case codeInvitationPending:
		return api.CreateInvitation409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusConflict, codeInvitationPending, "An invitation to this address is pending; resend it instead.",
				web.FieldError("email", "invitation_pending", "An invitation to this address is pending.")))}, nil
	case codeAlreadyMember:
		return api.CreateInvitation409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusConflict, codeAlreadyMember, "The account with this e-mail is already a member of the organization.",
				web.FieldError("email", "already_member", "This account is already a member.")))}, nil
	}
	return api.CreateInvitation201JSONResponse(invitationDTO(out, s.Now())), nil
}

// grantExisting makes an existing account a member at once (no link, no
// password) and tells the user by e-mail. The invitation is recorded as
// accepted, so the organization's history shows who granted what.
func (s *Handler) grantExisting(ctx context.Context, q *db.Queries, tx pgx.Tx, org db.Organization, user db.User, in db.CreateInvitationParams) (db.Invitation, string, error) {
	n, err := q.GrantMembership(ctx, db.GrantMembershipParams{OrganizationID: org.ID, UserID: user.ID, Role: in.Role})
	if err != nil {
		return db.Invitation{}, "", err
	}
	if n == 0 {
		return db.Invitation{}, codeAlreadyMember, nil
	}
	inv, err := q.CreateAcceptedInvitation(ctx, db.CreateAcceptedInvitationParams{
		OrganizationID: org.ID, Email: in.Email, Role: in.Role, FirstName: in.FirstName, LastName: in.LastName,
		Locale: user.Locale, InvitedBy: in.InvitedBy, AcceptedUserID: &user.ID,
	})
	if err != nil {
		return db.Invitation{}, "", err
	}
	if err := s.outbox.Enqueue(ctx, tx, notify.Message{
		Channel: notify.Email, To: user.Email, Template: "membership_granted", Locale: user.Locale,
		Data: map[string]any{"FirstName": user.FirstName, "OrgName": org.Name, "RoleName": roleName(user.Locale, in.Role)},
	}); err != nil {
		return db.Invitation{}, "", err
	}
	details := map[string]any{"invitationId": inv.ID, "email": in.Email, "role": in.Role, "existingAccount": true}
	if err := s.RecordIn(ctx, q, audit.InvitationSent, org.ID, &user.ID, in.InvitedBy, details); err != nil {
		return db.Invitation{}, "", err
	}
	return inv, "", s.RecordIn(ctx, q, audit.InvitationAccepted, org.ID, &user.ID, in.InvitedBy, details)
}

// sendInvitation e-mails the link with token to the invited address.
func (s *Handler) sendInvitation(ctx context.Context, tx pgx.Tx, org db.Organization, inv db.Invitation, token string, inviter db.User) error {
	return s.outbox.Enqueue(ctx, tx, notify.Message{
		Channel: notify.Email, To: inv.Email, Template: "invitation", Locale: inv.Locale,
		Data: map[string]any{
			"FirstName":   inv.FirstName,
			"InviterName": strings.TrimSpace(inviter.FirstName + " " + inviter.LastName),
			"OrgName":     org.Name,
			"RoleName":    roleName(inv.Locale, inv.Role),
			"Link":        invitation.Link(s.Cfg.InvitationURL, token),
			"ExpiresAt":   mailTime(inv.ExpiresAt),
		},
	})
}

// ListInvitations pages through the organization's open invitations.
func (s *Handler) ListInvitations(ctx context.Context, req api.ListInvitationsRequestObject) (api.ListInvitationsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, peopleManagers...); err != nil {
		return nil, err
	}
	limit := web.Limit(req.Params.Limit)
	params := db.ListOpenInvitationsParams{OrganizationID: req.OrganizationID, MaxRows: int32(limit + 1)}
	if req.Params.Cursor != nil {
		at, id, err := web.DecodeCursor(*req.Params.Cursor)
		if err != nil {
			return api.ListInvitations422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.BadCursor(ctx))}, nil
		}
		params.AfterCreatedAt, params.AfterID = &at, &id
	}
	rows, err := s.Q.ListOpenInvitations(ctx, params)
	if err != nil {
		return nil, err
	}
	page := api.InvitationPage{Items: []api.Invitation{}}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1]
		next := web.EncodeCursor(last.CreatedAt, last.ID)
		page.NextCursor = &next
	}
	now := s.Now()
	for _, r := range rows {
		page.Items = append(page.Items, invitationDTO(r, now))
	}
	return api.ListInvitations200JSONResponse(page), nil
}

// ResendInvitation sends a new link with a fresh validity period; the old
// link stops working.
func (s *Handler) ResendInvitation(ctx context.Context, req api.ResendInvitationRequestObject) (api.ResendInvitationResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	var out db.Invitation
	err = s.withOpenInvitation(ctx, p, req.OrganizationID, req.InvitationID, func(q *db.Queries, tx pgx.Tx, org db.Organization, inv db.Invitation) error {
		token, hash := invitation.NewToken()
		out, err = q.RenewInvitationToken(ctx, db.RenewInvitationTokenParams{ID: inv.ID, TokenHash: hash, ExpiresAt: s.Now().Add(s.Cfg.InvitationTTL)})
		if err != nil {
			return err
		}
		if err := s.sendInvitation(ctx, tx, org, out, token, p.User); err != nil {
			return err
		}
		return s.RecordIn(ctx, q, audit.InvitationSent, org.ID, nil, &p.User.ID,
			map[string]any{"invitationId": inv.ID, "email": inv.Email, "role": inv.Role, "resent": true})
	})
	if err != nil {
		return nil, err
	}
	return api.ResendInvitation200JSONResponse(invitationDTO(out, s.Now())), nil
}

// RevokeInvitation kills an open invitation's link.
func (s *Handler) RevokeInvitation(ctx context.Context, req api.RevokeInvitationRequestObject) (api.RevokeInvitationResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	err = s.withOpenInvitation(ctx, p, req.OrganizationID, req.InvitationID, func(q *db.Queries, _ pgx.Tx, org db.Organization, inv db.Invitation) error {
		if err := q.RevokeInvitation(ctx, inv.ID); err != nil {
			return err
		}
		return s.RecordIn(ctx, q, audit.InvitationRevoked, org.ID, nil, &p.User.ID,
			map[string]any{"invitationId": inv.ID, "email": inv.Email, "role": inv.Role})
	})
	if err != nil {
		return nil, err
	}
	return api.RevokeInvitation204Response{}, nil
}

// withOpenInvitation runs fn in a transaction on an open invitation of the
// organization that the caller may manage: 404 when there is none, 403 when
// its role is above what the caller may hand out.
func (s *Handler) withOpenInvitation(ctx context.Context, p *web.Principal, orgID, invID uuid.UUID, fn func(*db.Queries, pgx.Tx, db.Organization, db.Invitation) error) error {
	if _, err := s.RequireRole(ctx, p, orgID, peopleManagers...); err != nil {
		return err
	}
	return store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		org, me, err := web.LockOrganizationAs(ctx, q, p, orgID, peopleManagers...)
		if err != nil {
			return err
		}
		inv, err := q.GetOpenInvitationForUpdate(ctx, db.GetOpenInvitationForUpdateParams{OrganizationID: orgID, ID: invID})
		if errors.Is(err, pgx.ErrNoRows) {
			return missingResource(ctx, "There is no open invitation with this id.")
		}
		if err != nil {
			return err
		}
		if !mayInvite(me.Role, inv.Role) {
			return forbiddenRole(ctx, inv.Role)
		}
		return fn(q, tx, org, inv)
	})
}

func valueOrZero[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}
