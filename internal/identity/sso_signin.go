package identity

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
	"github.com/kabinet-edu/kabinet/internal/contact"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/oidc"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// FinishSsoSignIn completes a sign-in through a provider: it signs in to
// the linked account, or creates one when nobody has the e-mail, or asks
// the user to link from the profile when somebody does.
func (s *Handler) FinishSsoSignIn(ctx context.Context, req api.FinishSsoSignInRequestObject) (api.FinishSsoSignInResponseObject, error) {
	ans, fail, err := s.finishAuthorization(ctx, string(req.Provider), req.Body, ssoPurposeSignIn, nil)
	if err != nil {
		return nil, err
	}
	var (
		out     api.AuthResponse
		created bool
	)
	if fail == nil {
		out, created, fail, err = s.ssoSignIn(ctx, ans)
		if err != nil {
			return nil, err
		}
	}
	if fail == nil {
		if created {
			return api.FinishSsoSignIn201JSONResponse(out), nil
		}
		return api.FinishSsoSignIn200JSONResponse(out), nil
	}
	p := fail.problem(ctx)
	switch fail.status {
	case http.StatusBadRequest:
		return api.FinishSsoSignIn400ApplicationProblemPlusJSONResponse{SsoFailedApplicationProblemPlusJSONResponse: api.SsoFailedApplicationProblemPlusJSONResponse(p)}, nil
	case http.StatusForbidden:
		return api.FinishSsoSignIn403ApplicationProblemPlusJSONResponse{ForbiddenApplicationProblemPlusJSONResponse: api.ForbiddenApplicationProblemPlusJSONResponse(p)}, nil
	case http.StatusNotFound:
		return api.FinishSsoSignIn404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: api.NotFoundApplicationProblemPlusJSONResponse(p)}, nil
	case http.StatusConflict:
		return api.FinishSsoSignIn409ApplicationProblemPlusJSONResponse{SsoLinkRequiredApplicationProblemPlusJSONResponse: api.SsoLinkRequiredApplicationProblemPlusJSONResponse(p)}, nil
	case http.StatusUnprocessableEntity:
		return api.FinishSsoSignIn422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(p)}, nil
	case http.StatusBadGateway:
		return api.FinishSsoSignIn502ApplicationProblemPlusJSONResponse{BadGatewayApplicationProblemPlusJSONResponse: api.BadGatewayApplicationProblemPlusJSONResponse(p)}, nil
	}
	return nil, &web.Error{Problem: p}
}

// errSSORaced: the identity was linked by a concurrent sign-in mid-transaction.
var errSSORaced = errors.New("sso identity linked concurrently")

// ssoSignIn signs in the account linked to the verified identity or makes
// one. Two concurrent first sign-ins (two tabs) can race on the unique
// indexes; the loser runs once more and then finds what the winner made.
func (s *Handler) ssoSignIn(ctx context.Context, ans ssoAnswer) (out api.AuthResponse, created bool, fail *ssoFailure, err error) {
	for attempt := 0; ; attempt++ {
		err = store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
			var err error
			out, created, fail, err = s.ssoSignInTx(ctx, q, tx, ans)
			return err
		})
		if _, unique := store.UniqueViolation(err); (unique || errors.Is(err, errSSORaced)) && attempt == 0 {
			continue
		}
		return out, created, fail, err
	}
}

func (s *Handler) ssoSignInTx(ctx context.Context, q *db.Queries, tx pgx.Tx, ans ssoAnswer) (api.AuthResponse, bool, *ssoFailure, error) {
	c, name := ans.claims, ans.provider.Name()
	details := map[string]any{"method": "sso", "provider": name}
	ident, err := q.GetSSOIdentityBySubject(ctx, db.GetSSOIdentityBySubjectParams{Issuer: ans.provider.Issuer(), Subject: c.Subject})
	switch {
	case err == nil:
		user, err := q.GetUserByID(ctx, ident.UserID)
		if err != nil {
			return api.AuthResponse{}, false, nil, err
		}
		if refusal := accountRefusal(user); refusal != "" {
			return api.AuthResponse{}, false, &ssoFailure{status: http.StatusForbidden, code: web.CodeAccountBlocked, detail: refusal}, nil
		}
		if err := q.TouchSSOIdentity(ctx, db.TouchSSOIdentityParams{ID: ident.ID, Email: emailClaim(c)}); err != nil {
			return api.AuthResponse{}, false, nil, err
		}
		out, err := s.StartSession(ctx, q, user, ans.state.RememberMe)
		if err != nil {
			return api.AuthResponse{}, false, nil, err
		}
		return out, false, nil, s.Record(ctx, q, audit.SignIn, user.ID, details)
	case !errors.Is(err, pgx.ErrNoRows):
		return api.AuthResponse{}, false, nil, err
	}

	prof := s.ssoProfile(c)
	if prof.Email == "" || prof.EmailVerifiedAt == nil {
		// An address the provider has not confirmed proves nothing: an
		// account made with it would let whoever typed it at the provider
		// keep a way into the account its real owner later recovers (and a
		// look-up with it would tell who has an account).
		return api.AuthResponse{}, false, &ssoFailure{status: http.StatusUnprocessableEntity, code: codeSSOEmailMissing,
			detail: "The provider did not share a valid, confirmed e-mail address, which a new account needs. Confirm and share it at " +
				ans.provider.DisplayName() + " and try again, or register and link the provider from your profile."}, nil
	}
	existing, err := q.GetUserByEmail(ctx, prof.Email)
	if err == nil {
		// A concurrent first sign-in of the same identity may have made this
		// account (and its link) since the look-up above: then go round again.
		if _, err := q.GetSSOIdentityBySubject(ctx, db.GetSSOIdentityBySubjectParams{Issuer: ans.provider.Issuer(), Subject: c.Subject}); err == nil {
			return api.AuthResponse{}, false, nil, errSSORaced
		}
		// Never link on an e-mail match alone: the owner must prove the
		// account is theirs by signing in to it first. The attempt is
		// recorded in their log (and committed: the failure is not an error).
		return api.AuthResponse{}, false, &ssoFailure{status: http.StatusConflict, code: codeSSOLinkRequired,
				detail: "An account with this e-mail already exists. Sign in to it another way, then link " +
					ans.provider.DisplayName() + " from your profile."},
			s.Record(ctx, q, audit.SignInFailed, existing.ID, map[string]any{"method": "sso", "provider": name, "reason": codeSSOLinkRequired})
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return api.AuthResponse{}, false, nil, err
	}
	if prof.Phone != nil {
		// The phone is optional: one another account uses is left out.
		if _, err := q.GetUserByPhone(ctx, *prof.Phone); err == nil {
			prof.Phone, prof.PhoneVerifiedAt = nil, nil
		} else if !errors.Is(err, pgx.ErrNoRows) {
			return api.AuthResponse{}, false, nil, err
		}
	}
	user, err := q.CreateSSOUser(ctx, prof)
	if err != nil {
		return api.AuthResponse{}, false, nil, err
	}
	org, err := q.GetDefaultOrganization(ctx)
	if err != nil {
		return api.AuthResponse{}, false, nil, err
	}
	if err := q.AddMembership(ctx, db.AddMembershipParams{OrganizationID: org.ID, UserID: user.ID, Role: db.MemberRoleLearner}); err != nil {
		return api.AuthResponse{}, false, nil, err
	}
	now := s.Now()
	if _, err := q.CreateSSOIdentity(ctx, db.CreateSSOIdentityParams{
		UserID: user.ID, Provider: name, Issuer: ans.provider.Issuer(), Subject: c.Subject, Email: emailClaim(c), LastUsedAt: &now,
	}); err != nil {
		return api.AuthResponse{}, false, nil, err
	}
	if err := s.outbox.Enqueue(ctx, tx, notify.Message{
		Channel: notify.Email, To: user.Email, Template: "sso_welcome", Locale: user.Locale,
		Data: map[string]any{"FirstName": user.FirstName, "Provider": ans.provider.DisplayName()},
	}); err != nil {
		return api.AuthResponse{}, false, nil, err
	}
	for _, ev := range []string{audit.Registered, audit.SSOLinked, audit.SignIn} {
		if err := s.Record(ctx, q, ev, user.ID, details); err != nil {
			return api.AuthResponse{}, false, nil, err
		}
	}
	out, err := s.StartSession(ctx, q, user, ans.state.RememberMe)
	return out, true, nil, err
}

// ssoProfile turns the provider's claims into a new account. Names fall
// back to "name" split at the first space, then to the e-mail's local part;
// e-mail and phone count as confirmed only when the provider says so (an
// account is made only with a confirmed e-mail).
func (s *Handler) ssoProfile(c *oidc.Claims) db.CreateSSOUserParams {
	in := db.CreateSSOUserParams{
		FirstName: strings.TrimSpace(c.GivenName),
		LastName:  strings.TrimSpace(c.FamilyName),
		Locale:    string(api.Ru),
	}
	if strings.HasPrefix(strings.ToLower(c.Locale), "en") {
		in.Locale = string(api.En)
	}
	now := s.Now()
	if email, err := contact.NormalizeEmail(c.Email); err == nil && c.Email != "" {
		in.Email = email
		if c.EmailVerified {
			in.EmailVerifiedAt = &now
		}
	}
	if phone, err := contact.NormalizeMobile(c.PhoneNumber, s.Cfg.PhoneDefaultRegion); err == nil && c.PhoneNumber != "" {
		in.Phone = &phone
		if c.PhoneNumberVerified {
			in.PhoneVerifiedAt = &now
		}
	}
	if in.FirstName == "" && in.LastName == "" {
		first, last, _ := strings.Cut(strings.TrimSpace(c.Name), " ")
		in.FirstName, in.LastName = first, strings.TrimSpace(last)
	}
	if in.FirstName == "" {
		in.FirstName, _, _ = strings.Cut(in.Email, "@")
	}
	in.FirstName, in.LastName = truncateRunes(in.FirstName, 100), truncateRunes(in.LastName, 100)
	return in
}

// emailClaim is the e-mail to show beside a linked identity.
func emailClaim(c *oidc.Claims) *string {
	if email, err := contact.NormalizeEmail(c.Email); err == nil && c.Email != "" {
		return &email
	}
	return nil
}

// truncateRunes keeps at most n characters (not bytes) of s.
func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) > n {
		return string(r[:n])
	}
	return s
}
