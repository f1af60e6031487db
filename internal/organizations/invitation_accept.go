package organizations

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
	"github.com/kabinet-edu/kabinet/internal/invitation"
	"github.com/kabinet-edu/kabinet/internal/ratelimit"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// invitationLinkRule throttles the public invitation endpoints per IP.
// Guessing a 260-bit token is hopeless; this bounds the argon2id work an
// anonymous caller can make the server do by posting acceptances.
var invitationLinkRule = ratelimit.Rule{Name: "invitation_link:ip", Max: 30, Period: 15 * time.Minute}

// invitationOutcome tells why a link cannot be used: "" when it can.
func invitationOutcome(row db.GetInvitationByTokenForUpdateRow, err error, now time.Time) (string, error) {
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		// Unknown, tampered, replaced by a resend, accepted or revoked: the
		// hash is gone in every case.
		return codeInvitationInvalid, nil
	case err != nil:
		return "", err
	case row.Invitation.AcceptedAt != nil || row.Invitation.RevokedAt != nil:
		return codeInvitationInvalid, nil
	case !now.Before(row.Invitation.ExpiresAt):
		return codeInvitationExpired, nil
	}
	return "", nil
}

func invitationProblem(ctx context.Context, code string) api.Problem {
	if code == codeInvitationExpired {
		return web.NewProblem(ctx, http.StatusGone, code, "The invitation has expired; ask the organization for a new one.")
	}
	return web.NewProblem(ctx, http.StatusNotFound, code, "The invitation link is not valid: it was used, revoked or replaced by a newer one.")
}

func (s *Handler) throttleInvitationLink(ctx context.Context) error {
	if m := web.MetaFrom(ctx); m.IP != nil {
		return s.LimitAttempts(ctx, web.AttemptLimit{Rule: invitationLinkRule, Subject: m.IP.String()})
	}
	return nil
}

// GetInvitation shows an invitation by its link token, so the SPA can tell
// the user where they are invited and prefill the form.
func (s *Handler) GetInvitation(ctx context.Context, req api.GetInvitationRequestObject) (api.GetInvitationResponseObject, error) {
	if err := s.throttleInvitationLink(ctx); err != nil {
		return nil, err
	}
	row, err := s.Q.GetInvitationByTokenForUpdate(ctx, invitation.Hash(req.Token))
	code, err := invitationOutcome(row, err, s.Now())
	switch {
	case err != nil:
		return nil, err
	case code == codeInvitationExpired:
		return api.GetInvitation410ApplicationProblemPlusJSONResponse{GoneApplicationProblemPlusJSONResponse: api.GoneApplicationProblemPlusJSONResponse(invitationProblem(ctx, code))}, nil
	case code != "":
		return api.GetInvitation404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: api.NotFoundApplicationProblemPlusJSONResponse(invitationProblem(ctx, code))}, nil
	}
	inv := row.Invitation
	return api.GetInvitation200JSONResponse{
		Organization: api.Organization{ID: inv.OrganizationID, Slug: row.OrganizationSlug, Name: row.OrganizationName, IsDefault: row.OrganizationIsDefault},
		Email:        inv.Email,
		Role:         api.Role(inv.Role),
		FirstName:    inv.FirstName,
		LastName:     inv.LastName,
		ExpiresAt:    inv.ExpiresAt.UTC(),
	}, nil
}

// AcceptInvitation creates the invited account with the user's own password,
// grants the membership, consumes the link and signs the user in.
func (s *Handler) AcceptInvitation(ctx context.Context, req api.AcceptInvitationRequestObject) (api.AcceptInvitationResponseObject, error) {
	if err := s.throttleInvitationLink(ctx); err != nil {
		return nil, err
	}
	b := req.Body
	hash := invitation.Hash(b.Token)
	// A first look, without a lock, to check the input against the invited
	// address before paying for argon2id; the transaction looks again.
	row, err := s.Q.GetInvitationByTokenForUpdate(ctx, hash)
	code, err := invitationOutcome(row, err, s.Now())
	if err != nil {
		return nil, err
	}
	if code != "" {
		return acceptRefused(ctx, code), nil
	}
	in, fields := s.checkAcceptance(b, row.Invitation.Email)
	if len(fields) > 0 {
		return api.AcceptInvitation422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusUnprocessableEntity, web.CodeValidationFailed, "One or more fields are invalid.", fields...))}, nil
	}
	if in.Phone != nil {
		if _, err := s.Q.GetUserByPhone(ctx, *in.Phone); err == nil {
			return phoneTaken(ctx), nil
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return nil, err
		}
	}
	pwHash, err := s.Hasher.Hash(ctx, b.Password)
	if err != nil {
		return nil, err
	}
	in.PasswordHash = pwHash

	var out api.AuthResponse
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		out, code = api.AuthResponse{}, ""
		row, err := q.GetInvitationByTokenForUpdate(ctx, hash)
		if code, err = invitationOutcome(row, err, s.Now()); err != nil || code != "" {
			return err
		}
		inv := row.Invitation
		user, err := q.GetUserByEmail(ctx, inv.Email)
		switch {
		case err == nil:
			// The address got an account after the invitation was sent. The
			// link proves control of the address, which is all an existing
			// account needs to be granted the membership; its password stays.
			code = codeAccountExists
		case errors.Is(err, pgx.ErrNoRows):
			if user, err = q.CreateInvitedUser(ctx, in); err != nil {
				return err
			}
		default:
			return err
		}
		if _, err := q.GrantMembership(ctx, db.GrantMembershipParams{OrganizationID: inv.OrganizationID, UserID: user.ID, Role: inv.Role}); err != nil {
			return err
		}
		if err := q.MarkInvitationAccepted(ctx, db.MarkInvitationAcceptedParams{ID: inv.ID, UserID: &user.ID}); err != nil {
			return err
		}
		if err := s.RecordIn(ctx, q, audit.InvitationAccepted, inv.OrganizationID, &user.ID, inv.InvitedBy,
			map[string]any{"invitationId": inv.ID, "role": inv.Role, "existingAccount": code == codeAccountExists}); err != nil {
			return err
		}
		if code == codeAccountExists {
			return nil
		}
		out, err = s.accounts.StartSession(ctx, q, user, false)
		return err
	})
	if constraint, ok := store.UniqueViolation(err); ok && strings.Contains(constraint, "phone") {
		return phoneTaken(ctx), nil
	}
	if err != nil {
		return nil, err
	}
	if code != "" {
		return acceptRefused(ctx, code), nil
	}
	return api.AcceptInvitation201JSONResponse(out), nil
}

// checkAcceptance normalizes the new account's data and applies the rules
// the schema cannot express.
func (s *Handler) checkAcceptance(b *api.AcceptInvitationRequest, email string) (db.CreateInvitedUserParams, []api.FieldError) {
	in := db.CreateInvitedUserParams{Email: email, Locale: string(api.Ru)}
	if b.Locale != nil {
		in.Locale = string(*b.Locale)
	}
	var fields, errs []api.FieldError
	in.FirstName, errs = web.CheckName("firstName", b.FirstName)
	fields = append(fields, errs...)
	in.LastName, errs = web.CheckName("lastName", b.LastName)
	fields = append(fields, errs...)
	phone := ""
	if b.Phone != nil {
		if phone, errs = s.CheckMobile("phone", *b.Phone); len(errs) == 0 {
			in.Phone = &phone
		}
		fields = append(fields, errs...)
	}
	fields = append(fields, s.CheckNewPassword("password", b.Password, email, phone)...)
	return in, fields
}

func acceptRefused(ctx context.Context, code string) api.AcceptInvitationResponseObject {
	switch code {
	case codeInvitationExpired:
		return api.AcceptInvitation410ApplicationProblemPlusJSONResponse{GoneApplicationProblemPlusJSONResponse: api.GoneApplicationProblemPlusJSONResponse(invitationProblem(ctx, code))}
	case codeAccountExists:
		return api.AcceptInvitation409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusConflict, codeAccountExists,
				"An account with this e-mail already exists; it was given the membership. Sign in with that account (or reset its password)."))}
	}
	return api.AcceptInvitation404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: api.NotFoundApplicationProblemPlusJSONResponse(invitationProblem(ctx, code))}
}

func phoneTaken(ctx context.Context) api.AcceptInvitation409ApplicationProblemPlusJSONResponse {
	return api.AcceptInvitation409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
		web.NewProblem(ctx, http.StatusConflict, web.CodeAlreadyExists, "An account with this phone already exists.",
			web.FieldError("phone", "taken", "An account with this phone already exists.")))}
}
