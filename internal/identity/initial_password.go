package identity

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
	"github.com/kabinet-edu/kabinet/internal/web"
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
func (s *Handler) initialPasswordRefusal(ctx context.Context, u db.User) *api.Problem {
	if !u.PasswordMustChange {
		return nil
	}
	if u.InitialPasswordExpiresAt != nil && !s.Now().Before(*u.InitialPasswordExpiresAt) {
		p := web.NewProblem(ctx, http.StatusForbidden, web.CodeInitialPasswordExpired,
			"The initial password was not changed in time; reset the password to sign in.")
		return &p
	}
	p := web.NewProblem(ctx, http.StatusForbidden, web.CodePasswordChangeRequired,
		"Replace the initial password with your own (POST /api/v1/auth/password/initial).")
	return &p
}

// ChangeInitialPassword replaces an issued initial password with the user's
// own and signs the user in.
func (s *Handler) ChangeInitialPassword(ctx context.Context, req api.ChangeInitialPasswordRequestObject) (api.ChangeInitialPasswordResponseObject, error) {
	b := req.Body
	if m := web.MetaFrom(ctx); m.IP != nil {
		if err := s.LimitAttempts(ctx, web.AttemptLimit{Rule: initialPasswordIPRule, Subject: m.IP.String()}); err != nil {
			return nil, err
		}
	}
	user, err := s.findByLogin(ctx, b.Login)
	if errors.Is(err, store.ErrNotFound) || err == nil && user.PasswordHash == nil {
		if err := s.LimitAttempts(ctx, web.AttemptLimit{Rule: initialPasswordAccountRule, Subject: strings.ToLower(strings.TrimSpace(b.Login))}); err != nil {
			return nil, err
		}
		if err := s.Hasher.VerifyDummy(ctx, b.CurrentPassword); err != nil {
			return nil, err
		}
		return initialUnauthorized(ctx), nil
	}
	if err != nil {
		return nil, err
	}
	if err := s.LimitAttempts(ctx, web.AttemptLimit{Rule: initialPasswordAccountRule, Subject: user.ID.String(), User: user.ID}); err != nil {
		return nil, err
	}
	ok, _, err := s.Hasher.Verify(ctx, b.CurrentPassword, *user.PasswordHash)
	if err != nil {
		return nil, err
	}
	if !ok {
		if err := s.Record(ctx, s.Q, audit.SignInFailed, user.ID, map[string]any{"reason": "wrong_password", "via": "initial_password"}); err != nil {
			return nil, err
		}
		return initialUnauthorized(ctx), nil
	}
	if user.Status == db.UserStatusBlocked {
		return api.ChangeInitialPassword403ApplicationProblemPlusJSONResponse{ForbiddenApplicationProblemPlusJSONResponse: api.ForbiddenApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusForbidden, web.CodeAccountBlocked, "The account is blocked; contact the center's administrator."))}, nil
	}
	if !user.PasswordMustChange {
		return notRequired(ctx), nil
	}
	if p := s.initialPasswordRefusal(ctx, user); p.Code == web.CodeInitialPasswordExpired {
		return api.ChangeInitialPassword403ApplicationProblemPlusJSONResponse{ForbiddenApplicationProblemPlusJSONResponse: api.ForbiddenApplicationProblemPlusJSONResponse(*p)}, nil
	}
	fields := s.newPasswordErrors("newPassword", b.NewPassword, user)
	if b.NewPassword == b.CurrentPassword {
		fields = append(fields, web.FieldError("newPassword", "same_as_current", "must differ from the initial password"))
	}
	if len(fields) > 0 {
		return api.ChangeInitialPassword422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusUnprocessableEntity, web.CodeValidationFailed, "One or more fields are invalid.", fields...))}, nil
	}
	hash, err := s.Hasher.Hash(ctx, b.NewPassword)
	if err != nil {
		return nil, err
	}
	var out api.AuthResponse
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		n, err := q.ReplaceInitialPassword(ctx, db.ReplaceInitialPasswordParams{ID: user.ID, PasswordHash: hash})
		if err != nil {
			return err
		}
		if n == 0 {
			return web.ErrRefused // a concurrent request replaced it first
		}
		if err := s.Record(ctx, q, audit.PasswordChanged, user.ID, map[string]any{"initial": true}); err != nil {
			return err
		}
		fresh, err := q.GetUserByID(ctx, user.ID)
		if err != nil {
			return err
		}
		out, err = s.StartSession(ctx, q, fresh, false)
		return err
	})
	if errors.Is(err, web.ErrRefused) {
		return notRequired(ctx), nil
	}
	if err != nil {
		return nil, err
	}
	if err := s.Limiter.Reset(ctx, initialPasswordAccountRule, user.ID.String()); err != nil {
		s.Log.WarnContext(ctx, "reset rate limit", "err", err, "user_id", user.ID)
	}
	return api.ChangeInitialPassword200JSONResponse(out), nil
}

func initialUnauthorized(ctx context.Context) api.ChangeInitialPassword401ApplicationProblemPlusJSONResponse {
	challenge := `Bearer realm="kabinet"`
	return api.ChangeInitialPassword401ApplicationProblemPlusJSONResponse{UnauthorizedApplicationProblemPlusJSONResponse: api.UnauthorizedApplicationProblemPlusJSONResponse{
		Body:    web.NewProblem(ctx, http.StatusUnauthorized, web.CodeInvalidCredentials, "The login or password is incorrect."),
		Headers: api.UnauthorizedResponseHeaders{WWWAuthenticate: &challenge},
	}}
}

func notRequired(ctx context.Context) api.ChangeInitialPassword409ApplicationProblemPlusJSONResponse {
	return api.ChangeInitialPassword409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
		web.NewProblem(ctx, http.StatusConflict, web.CodePasswordChangeNotRequired, "The account already has a password of its own; sign in with it."))}
}
