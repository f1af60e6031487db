package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
	"github.com/kabinet-edu/kabinet/internal/ratelimit"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// The initial-password endpoint checks a password, so it is throttled like
// a sign-in: per client address and per account.
var (
	initialPasswordIPRule      = ratelimit.Rule{Name: "initial_password:ip", Max: 30, Period: 15 * time.Minute}
	initialPasswordAccountRule = ratelimit.Rule{Name: "initial_password:account", Max: 5, Period: 15 * time.Minute}
)

// initialPasswordRefusal is the 403 problem for a correct password that is
// an issued initial one: it must be replaced (changeInitialPassword) or, past
// its period, the account waits for a password reset. nil otherwise.
func (s *Server) initialPasswordRefusal(ctx context.Context, u db.User) *api.Problem {
	if !u.PasswordMustChange {
		return nil
	}
	if u.InitialPasswordExpiresAt != nil && !s.now().Before(*u.InitialPasswordExpiresAt) {
		p := newProblem(ctx, http.StatusForbidden, codeInitialPasswordExpired,
			"The initial password was not changed in time; reset the password to sign in.")
		return &p
	}
	p := newProblem(ctx, http.StatusForbidden, codePasswordChangeRequired,
		"Replace the initial password with your own (POST /api/v1/auth/password/initial).")
	return &p
}

// ChangeInitialPassword replaces an issued initial password with the user's
// own and signs the user in.
func (s *Server) ChangeInitialPassword(ctx context.Context, req api.ChangeInitialPasswordRequestObject) (api.ChangeInitialPasswordResponseObject, error) {
	b := req.Body
	if m := metaFrom(ctx); m.ip != nil {
		if err := s.limitAttempts(ctx, attemptLimit{rule: initialPasswordIPRule, subject: m.ip.String()}); err != nil {
			return nil, err
		}
	}
	user, err := s.findByLogin(ctx, b.Login)
	if errors.Is(err, store.ErrNotFound) || err == nil && user.PasswordHash == nil {
		if err := s.limitAttempts(ctx, attemptLimit{rule: initialPasswordAccountRule, subject: strings.ToLower(strings.TrimSpace(b.Login))}); err != nil {
			return nil, err
		}
		if err := s.hasher.VerifyDummy(ctx, b.CurrentPassword); err != nil {
			return nil, err
		}
		return initialUnauthorized(ctx), nil
	}
	if err != nil {
		return nil, err
	}
	if err := s.limitAttempts(ctx, attemptLimit{rule: initialPasswordAccountRule, subject: user.ID.String(), user: user.ID}); err != nil {
		return nil, err
	}
	ok, _, err := s.hasher.Verify(ctx, b.CurrentPassword, *user.PasswordHash)
	if err != nil {
		return nil, err
	}
	if !ok {
		if err := s.record(ctx, s.q, audit.SignInFailed, user.ID, map[string]any{"reason": "wrong_password", "via": "initial_password"}); err != nil {
			return nil, err
		}
		return initialUnauthorized(ctx), nil
	}
	if user.Status == db.UserStatusBlocked {
		return api.ChangeInitialPassword403ApplicationProblemPlusJSONResponse{ForbiddenApplicationProblemPlusJSONResponse: api.ForbiddenApplicationProblemPlusJSONResponse(
			newProblem(ctx, http.StatusForbidden, codeAccountBlocked, "The account is blocked; contact the center's administrator."))}, nil
	}
	if !user.PasswordMustChange {
		return notRequired(ctx), nil
	}
	if p := s.initialPasswordRefusal(ctx, user); p.Code == codeInitialPasswordExpired {
		return api.ChangeInitialPassword403ApplicationProblemPlusJSONResponse{ForbiddenApplicationProblemPlusJSONResponse: api.ForbiddenApplicationProblemPlusJSONResponse(*p)}, nil
	}
	fields := s.newPasswordErrors("newPassword", b.NewPassword, user)
	if b.NewPassword == b.CurrentPassword {
		fields = append(fields, fieldError("newPassword", "same_as_current", "must differ from the initial password"))
	}
	if len(fields) > 0 {
		return api.ChangeInitialPassword422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			newProblem(ctx, http.StatusUnprocessableEntity, codeValidationFailed, "One or more fields are invalid.", fields...))}, nil
	}
	hash, err := s.hasher.Hash(ctx, b.NewPassword)
	if err != nil {
		return nil, err
	}
	var out api.AuthResponse
	err = store.InTx(ctx, s.pool, func(q *db.Queries) error {
		n, err := q.ReplaceInitialPassword(ctx, db.ReplaceInitialPasswordParams{ID: user.ID, PasswordHash: hash})
		if err != nil {
			return err
		}
		if n == 0 {
			return errRefused // a concurrent request replaced it first
		}
		if err := s.record(ctx, q, audit.PasswordChanged, user.ID, map[string]any{"initial": true}); err != nil {
			return err
		}
		fresh, err := q.GetUserByID(ctx, user.ID)
		if err != nil {
			return err
		}
		out, err = s.startSession(ctx, q, fresh, false)
		return err
	})
	if errors.Is(err, errRefused) {
		return notRequired(ctx), nil
	}
	if err != nil {
		return nil, err
	}
	if err := s.limiter.Reset(ctx, initialPasswordAccountRule, user.ID.String()); err != nil {
		s.log.WarnContext(ctx, "reset rate limit", "err", err, "user_id", user.ID)
	}
	return api.ChangeInitialPassword200JSONResponse(out), nil
}

func initialUnauthorized(ctx context.Context) api.ChangeInitialPassword401ApplicationProblemPlusJSONResponse {
	challenge := `Bearer realm="kabinet"`
	return api.ChangeInitialPassword401ApplicationProblemPlusJSONResponse{UnauthorizedApplicationProblemPlusJSONResponse: api.UnauthorizedApplicationProblemPlusJSONResponse{
		Body:    newProblem(ctx, http.StatusUnauthorized, codeInvalidCredentials, "The login or password is incorrect."),
		Headers: api.UnauthorizedResponseHeaders{WWWAuthenticate: &challenge},
	}}
}

func notRequired(ctx context.Context) api.ChangeInitialPassword409ApplicationProblemPlusJSONResponse {
	return api.ChangeInitialPassword409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
		newProblem(ctx, http.StatusConflict, codePasswordChangeNotRequired, "The account already has a password of its own; sign in with it."))}
}
