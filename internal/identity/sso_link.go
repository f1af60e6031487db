package identity

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// StartSsoLink opens an authorization request bound to the signed-in user
// and session, for linking a provider identity to the account.
func (s *Handler) StartSsoLink(ctx context.Context, req api.StartSsoLinkRequestObject) (api.StartSsoLinkResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.RequireRecentAuth(ctx, p); err != nil {
		return nil, err
	}
	out, fail, err := s.startAuthorization(ctx, string(req.Provider), req.Body.RedirectURI, false, p)
	if err != nil {
		return nil, err
	}
	if fail == nil {
		return api.StartSsoLink200JSONResponse(out), nil
	}
	pr := fail.problem(ctx)
	switch fail.status {
	case http.StatusNotFound:
		return api.StartSsoLink404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: api.NotFoundApplicationProblemPlusJSONResponse(pr)}, nil
	case http.StatusUnprocessableEntity:
		return api.StartSsoLink422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(pr)}, nil
	case http.StatusBadGateway:
		return api.StartSsoLink502ApplicationProblemPlusJSONResponse{BadGatewayApplicationProblemPlusJSONResponse: api.BadGatewayApplicationProblemPlusJSONResponse(pr)}, nil
	}
	return nil, &web.Error{Problem: pr}
}

// FinishSsoLink links the verified provider identity to the signed-in
// account. The user proved both sides: the account by being signed in
// (recently, to start), the identity by signing in at the provider.
func (s *Handler) FinishSsoLink(ctx context.Context, req api.FinishSsoLinkRequestObject) (api.FinishSsoLinkResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	ans, fail, err := s.finishAuthorization(ctx, string(req.Provider), req.Body, ssoPurposeLink, p)
	if err != nil {
		return nil, err
	}
	var (
		ident   db.SsoIdentity
		created bool
	)
	if fail == nil {
		ident, created, fail, err = s.linkIdentity(ctx, p, ans)
		if err != nil {
			return nil, err
		}
	}
	if fail == nil {
		if created {
			return api.FinishSsoLink201JSONResponse(s.identityDTO(ident)), nil
		}
		return api.FinishSsoLink200JSONResponse(s.identityDTO(ident)), nil
	}
	pr := fail.problem(ctx)
	switch fail.status {
	case http.StatusBadRequest:
		return api.FinishSsoLink400ApplicationProblemPlusJSONResponse{SsoFailedApplicationProblemPlusJSONResponse: api.SsoFailedApplicationProblemPlusJSONResponse(pr)}, nil
	case http.StatusNotFound:
		return api.FinishSsoLink404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: api.NotFoundApplicationProblemPlusJSONResponse(pr)}, nil
	case http.StatusConflict:
		return api.FinishSsoLink409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(pr)}, nil
	case http.StatusBadGateway:
		return api.FinishSsoLink502ApplicationProblemPlusJSONResponse{BadGatewayApplicationProblemPlusJSONResponse: api.BadGatewayApplicationProblemPlusJSONResponse(pr)}, nil
	}
	return nil, &web.Error{Problem: pr}
}

var (
	failIdentityTaken = &ssoFailure{status: http.StatusConflict, code: codeSSOIdentityTaken,
		detail: "This provider identity is linked to another account."}
	failProviderLinked = &ssoFailure{status: http.StatusConflict, code: codeSSOProviderLinked,
		detail: "Your account is already linked to another identity at this provider; unlink it first."}
)

func (s *Handler) linkIdentity(ctx context.Context, p *web.Principal, ans ssoAnswer) (db.SsoIdentity, bool, *ssoFailure, error) {
	var (
		ident   db.SsoIdentity
		created bool
		fail    *ssoFailure
	)
	name, c := ans.provider.Name(), ans.claims
	err := store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		existing, err := q.GetSSOIdentityBySubject(ctx, db.GetSSOIdentityBySubjectParams{Issuer: ans.provider.Issuer(), Subject: c.Subject})
		switch {
		case err == nil && existing.UserID == p.User.ID:
			ident = existing
			return nil
		case err == nil:
			fail = failIdentityTaken
			return nil
		case !errors.Is(err, pgx.ErrNoRows):
			return err
		}
		mine, err := q.ListUserSSOIdentities(ctx, p.User.ID)
		if err != nil {
			return err
		}
		for _, m := range mine {
			if m.Provider == name {
				fail = failProviderLinked
				return nil
			}
		}
		if ident, err = q.CreateSSOIdentity(ctx, db.CreateSSOIdentityParams{
			UserID: p.User.ID, Provider: name, Issuer: ans.provider.Issuer(), Subject: c.Subject, Email: emailClaim(c),
		}); err != nil {
			return err
		}
		created = true
		if err := s.outbox.Enqueue(ctx, tx, notify.Message{
			Channel: notify.Email, To: p.User.Email, Template: "sso_linked", Locale: p.User.Locale,
			Data: map[string]any{"FirstName": p.User.FirstName, "Provider": ans.provider.DisplayName()},
		}); err != nil {
			return err
		}
		return s.Record(ctx, q, audit.SSOLinked, p.User.ID, map[string]any{"provider": name})
	})
	// A concurrent link won the race for one of the unique indexes.
	if constraint, ok := store.UniqueViolation(err); ok {
		if constraint == "sso_identities_user_provider_key" {
			return db.SsoIdentity{}, false, failProviderLinked, nil
		}
		return db.SsoIdentity{}, false, failIdentityTaken, nil
	}
	return ident, created, fail, err
}

// ListMySsoIdentities lists the provider identities linked to the caller.
func (s *Handler) ListMySsoIdentities(ctx context.Context, _ api.ListMySsoIdentitiesRequestObject) (api.ListMySsoIdentitiesResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.Q.ListUserSSOIdentities(ctx, p.User.ID)
	if err != nil {
		return nil, err
	}
	out := api.SsoIdentityList{Items: make([]api.SsoIdentity, 0, len(rows))}
	for _, r := range rows {
		out.Items = append(out.Items, s.identityDTO(r))
	}
	return api.ListMySsoIdentities200JSONResponse(out), nil
}

// UnlinkSsoIdentity removes a link, unless it is the account's last way to
// sign in.
func (s *Handler) UnlinkSsoIdentity(ctx context.Context, req api.UnlinkSsoIdentityRequestObject) (api.UnlinkSsoIdentityResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.RequireRecentAuth(ctx, p); err != nil {
		return nil, err
	}
	var outcome string // a problem code when refused
	err = store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		// The row lock serializes concurrent unlinks of one account.
		if err := q.LockUserSignInMethods(ctx, p.User.ID); err != nil {
			return err
		}
		mine, err := q.ListUserSSOIdentities(ctx, p.User.ID)
		if err != nil {
			return err
		}
		var target *db.SsoIdentity
		for i := range mine {
			if mine[i].ID == req.ID {
				target = &mine[i]
			}
		}
		switch {
		case target == nil:
			outcome = web.CodeNotFound
			return nil
		}
		others, err := q.CountOtherSignInMethods(ctx, db.CountOtherSignInMethodsParams{UserID: p.User.ID, ExceptIdentityID: target.ID})
		if err != nil {
			return err
		}
		if others == 0 {
			outcome = web.CodeLastSignInMethod
			return nil
		}
		if _, err := q.DeleteSSOIdentity(ctx, db.DeleteSSOIdentityParams{ID: target.ID, UserID: p.User.ID}); err != nil {
			return err
		}
		if err := s.outbox.Enqueue(ctx, tx, notify.Message{
			Channel: notify.Email, To: p.User.Email, Template: "sso_unlinked", Locale: p.User.Locale,
			Data: map[string]any{"FirstName": p.User.FirstName, "Provider": s.providerLabel(target.Provider)},
		}); err != nil {
			return err
		}
		return s.Record(ctx, q, audit.SSOUnlinked, p.User.ID, map[string]any{"provider": target.Provider})
	})
	switch {
	case err != nil:
		return nil, err
	case outcome == web.CodeNotFound:
		return api.UnlinkSsoIdentity404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: api.NotFoundApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusNotFound, web.CodeNotFound, "There is no such linked identity."))}, nil
	case outcome == web.CodeLastSignInMethod:
		return api.UnlinkSsoIdentity409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusConflict, web.CodeLastSignInMethod,
				"This is the account's only way to sign in; set a password or link another provider first."))}, nil
	}
	return api.UnlinkSsoIdentity204Response{}, nil
}

func (s *Handler) identityDTO(r db.SsoIdentity) api.SsoIdentity {
	out := api.SsoIdentity{
		ID: r.ID, Provider: r.Provider, ProviderDisplayName: s.providerLabel(r.Provider),
		Email: r.Email, LinkedAt: r.CreatedAt.UTC(),
	}
	if r.LastUsedAt != nil {
		t := r.LastUsedAt.UTC()
		out.LastUsedAt = &t
	}
	return out
}

// providerLabel is the display name of a configured provider, or the bare
// name of one that is no longer configured.
func (s *Handler) providerLabel(name string) string {
	if p, ok := s.sso.Get(name); ok {
		return p.DisplayName()
	}
	return name
}
