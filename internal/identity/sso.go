package identity

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/oidc"
	"github.com/kabinet-edu/kabinet/internal/ratelimit"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Problem codes of sign-in through OpenID Connect providers.
const (
	codeSSOStateInvalid   = "sso_state_invalid"
	codeSSOCodeRejected   = "sso_code_rejected"
	codeSSOTokenInvalid   = "sso_token_invalid"
	codeSSOProviderError  = "sso_provider_error"
	codeSSOLinkRequired   = "sso_link_required"
	codeSSOEmailMissing   = "sso_email_missing"
	codeSSOIdentityTaken  = "sso_identity_taken"
	codeSSOProviderLinked = "sso_provider_already_linked"
)

// Purposes of an authorization request (sso_states.purpose).
const (
	ssoPurposeSignIn = "sign_in"
	ssoPurposeLink   = "link"
)

// Each start writes a row and each callback costs a request to the
// provider, so both are throttled per client address — generously, since a
// whole classroom may sign in at once from behind one address.
var (
	ssoStartRule    = ratelimit.Rule{Name: "sso_start:ip", Max: 60, Period: time.Minute}
	ssoCallbackRule = ratelimit.Rule{Name: "sso_callback:ip", Max: 60, Period: time.Minute}
)

// ssoFailure is an expected way for an SSO step to fail; each handler turns
// it into its own typed response.
type ssoFailure struct {
	status int
	code   string
	detail string
	fields []api.FieldError
}

func (f *ssoFailure) problem(ctx context.Context) api.Problem {
	return web.NewProblem(ctx, f.status, f.code, f.detail, f.fields...)
}

var (
	failUnknownProvider = &ssoFailure{status: http.StatusNotFound, code: web.CodeNotFound, detail: "There is no such sign-in provider."}
	failState           = &ssoFailure{status: http.StatusBadRequest, code: codeSSOStateInvalid, detail: "This sign-in attempt is unknown, expired or already used; start again."}
	failCode            = &ssoFailure{status: http.StatusBadRequest, code: codeSSOCodeRejected, detail: "The provider did not accept the authorization code; start again."}
	failToken           = &ssoFailure{status: http.StatusBadRequest, code: codeSSOTokenInvalid, detail: "The provider's answer could not be verified; start again."}
	failProvider        = &ssoFailure{status: http.StatusBadGateway, code: codeSSOProviderError, detail: "The sign-in provider did not answer as expected; try again later."}
	failRedirectURI     = &ssoFailure{status: http.StatusUnprocessableEntity, code: web.CodeValidationFailed, detail: "One or more fields are invalid.",
		fields: []api.FieldError{web.FieldError("redirectUri", "not_allowed", "is not a callback URL this server accepts")}}
)

// throttle counts one hit of rule for the client address.
func (s *Handler) throttle(ctx context.Context, rule ratelimit.Rule) error {
	return s.LimitAttempts(ctx, web.AttemptLimit{Rule: rule, Subject: clientKey(ctx)})
}

// ListSsoProviders lists the configured providers for the SPA's buttons.
func (s *Handler) ListSsoProviders(ctx context.Context, _ api.ListSsoProvidersRequestObject) (api.ListSsoProvidersResponseObject, error) {
	out := api.SsoProviderList{Items: []api.SsoProvider{}}
	for _, p := range s.sso.List() {
		out.Items = append(out.Items, api.SsoProvider{Name: p.Name(), DisplayName: p.DisplayName()})
	}
	return api.ListSsoProviders200JSONResponse(out), nil
}

// StartSsoSignIn opens an authorization request for signing in.
func (s *Handler) StartSsoSignIn(ctx context.Context, req api.StartSsoSignInRequestObject) (api.StartSsoSignInResponseObject, error) {
	remember := req.Body.RememberMe != nil && *req.Body.RememberMe
	out, fail, err := s.startAuthorization(ctx, string(req.Provider), req.Body.RedirectURI, remember, nil)
	if err != nil {
		return nil, err
	}
	if fail == nil {
		return api.StartSsoSignIn200JSONResponse(out), nil
	}
	p := fail.problem(ctx)
	switch fail.status {
	case http.StatusNotFound:
		return api.StartSsoSignIn404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: api.NotFoundApplicationProblemPlusJSONResponse(p)}, nil
	case http.StatusUnprocessableEntity:
		return api.StartSsoSignIn422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(p)}, nil
	case http.StatusBadGateway:
		return api.StartSsoSignIn502ApplicationProblemPlusJSONResponse{BadGatewayApplicationProblemPlusJSONResponse: api.BadGatewayApplicationProblemPlusJSONResponse(p)}, nil
	}
	return nil, &web.Error{Problem: p}
}

// startAuthorization stores a new authorization request (state, nonce,
// PKCE verifier) in PostgreSQL — any instance may receive the callback —
// and returns the provider URL. link, when set, binds the request to that
// signed-in user and session.
func (s *Handler) startAuthorization(ctx context.Context, name, redirectURI string, remember bool, link *web.Principal) (api.SsoAuthorization, *ssoFailure, error) {
	if err := s.throttle(ctx, ssoStartRule); err != nil {
		return api.SsoAuthorization{}, nil, err
	}
	prov, ok := s.sso.Get(name)
	if !ok {
		return api.SsoAuthorization{}, failUnknownProvider, nil
	}
	if !slices.Contains(s.Cfg.SSO.RedirectURIs, redirectURI) {
		return api.SsoAuthorization{}, failRedirectURI, nil
	}
	state, nonce, verifier := oidc.RandomString(), oidc.RandomString(), oidc.RandomString()
	authURL, err := prov.AuthorizationURL(ctx, oidc.AuthRequest{
		State: state, Nonce: nonce, CodeChallenge: oidc.S256(verifier), RedirectURI: redirectURI,
	})
	if errors.Is(err, oidc.ErrProvider) {
		s.Log.WarnContext(ctx, "sso discovery failed", "provider", name, "err", err)
		return api.SsoAuthorization{}, failProvider, nil
	}
	if err != nil {
		return api.SsoAuthorization{}, nil, err
	}
	row := db.CreateSSOStateParams{
		StateHash: stateHash(state), Provider: name, Purpose: ssoPurposeSignIn,
		Nonce: nonce, CodeVerifier: verifier, RedirectUri: redirectURI, RememberMe: remember,
		ExpiresAt: s.Now().Add(s.Cfg.SSO.StateTTL).UTC().Truncate(time.Second),
	}
	if link != nil {
		row.Purpose, row.UserID, row.SessionID = ssoPurposeLink, &link.User.ID, &link.SessionID
	}
	// Abandoned requests are swept here rather than by a background job.
	if err := s.Q.DeleteExpiredSSOStates(ctx); err != nil {
		return api.SsoAuthorization{}, nil, err
	}
	if err := s.Q.CreateSSOState(ctx, row); err != nil {
		return api.SsoAuthorization{}, nil, err
	}
	return api.SsoAuthorization{AuthorizationURL: authURL, ExpiresAt: row.ExpiresAt}, nil, nil
}

func stateHash(state string) []byte {
	sum := sha256.Sum256([]byte(state))
	return sum[:]
}

// ssoAnswer is a verified answer of a provider to one authorization request.
type ssoAnswer struct {
	provider *oidc.Provider
	state    db.SsoState
	claims   *oidc.Claims
}

// finishAuthorization consumes the request's state (single use, whatever
// happens next), redeems the code at the provider with the PKCE verifier and
// verifies the ID token against the request's nonce. For a link request the
// state must belong to link's user and session.
func (s *Handler) finishAuthorization(ctx context.Context, name string, b *api.SsoCallbackRequest, purpose string, link *web.Principal) (ssoAnswer, *ssoFailure, error) {
	if err := s.throttle(ctx, ssoCallbackRule); err != nil {
		return ssoAnswer{}, nil, err
	}
	prov, ok := s.sso.Get(name)
	if !ok {
		return ssoAnswer{}, failUnknownProvider, nil
	}
	st, err := s.Q.ConsumeSSOState(ctx, stateHash(b.State))
	if errors.Is(err, pgx.ErrNoRows) {
		return ssoAnswer{}, failState, nil
	}
	if err != nil {
		return ssoAnswer{}, nil, err
	}
	if st.Provider != name || st.Purpose != purpose || !s.Now().Before(st.ExpiresAt) ||
		(link != nil && (!sameID(st.UserID, link.User.ID) || !sameID(st.SessionID, link.SessionID))) {
		return ssoAnswer{}, failState, nil
	}
	tokens, err := prov.Exchange(ctx, b.Code, st.CodeVerifier, st.RedirectUri)
	if err != nil {
		return s.providerFailure(ctx, name, err)
	}
	claims, err := prov.VerifyIDToken(ctx, tokens.IDToken, st.Nonce)
	if err != nil {
		return s.providerFailure(ctx, name, err)
	}
	if claims.Email == "" || (claims.GivenName == "" && claims.FamilyName == "" && claims.Name == "") {
		// Core 5.4: with the code flow a provider may return the profile
		// only from userinfo.
		info, err := prov.UserInfo(ctx, tokens.AccessToken)
		if err != nil {
			return s.providerFailure(ctx, name, err)
		}
		if info != nil {
			if info.Subject != claims.Subject { // Core 5.3.2: must not be used otherwise
				s.Log.WarnContext(ctx, "sso userinfo subject differs from the ID token", "provider", name)
				return ssoAnswer{}, failToken, nil
			}
			mergeClaims(claims, info)
		}
	}
	return ssoAnswer{provider: prov, state: st, claims: claims}, nil, nil
}

// providerFailure turns the oidc package's expected errors into failures;
// anything else stays an unexpected error.
func (s *Handler) providerFailure(ctx context.Context, name string, err error) (ssoAnswer, *ssoFailure, error) {
	var f *ssoFailure
	switch {
	case errors.Is(err, oidc.ErrCodeRejected):
		f = failCode
	case errors.Is(err, oidc.ErrInvalidIDToken):
		f = failToken
	case errors.Is(err, oidc.ErrProvider):
		f = failProvider
	default:
		return ssoAnswer{}, nil, err
	}
	s.Log.WarnContext(ctx, "sso sign-in failed", "provider", name, "code", f.code, "err", err)
	return ssoAnswer{}, f, nil
}

// mergeClaims fills what the ID token left out from the userinfo answer.
func mergeClaims(c, info *oidc.Claims) {
	if c.Email == "" {
		c.Email, c.EmailVerified = info.Email, info.EmailVerified
	}
	if c.PhoneNumber == "" {
		c.PhoneNumber, c.PhoneNumberVerified = info.PhoneNumber, info.PhoneNumberVerified
	}
	if c.GivenName == "" && c.FamilyName == "" && c.Name == "" {
		c.GivenName, c.FamilyName, c.Name = info.GivenName, info.FamilyName, info.Name
	}
	if c.Locale == "" {
		c.Locale = info.Locale
	}
}

func sameID(a *uuid.UUID, b uuid.UUID) bool { return a != nil && *a == b }
