package identity

import (
	"context"
	"net/http"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// ChangePassword sets a new password for the caller, who proves who they are
// with the current one; every other session ends.
func (s *Handler) ChangePassword(ctx context.Context, req api.ChangePasswordRequestObject) (api.ChangePasswordResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	b := req.Body
	if err := s.limitOwnCredentialChecks(ctx, p.User.ID); err != nil {
		return nil, err
	}
	if fields := s.newPasswordErrors("newPassword", b.NewPassword, p.User); len(fields) > 0 {
		return api.ChangePassword422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusUnprocessableEntity, web.CodeValidationFailed, "One or more fields are invalid.", fields...))}, nil
	}
	wrong, err := s.verifyOwnPassword(ctx, p.User, "currentPassword", b.CurrentPassword, "change_password")
	if err != nil {
		return nil, err
	}
	if wrong != nil {
		return api.ChangePassword422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusUnprocessableEntity, web.CodeValidationFailed, wrong.Message, *wrong))}, nil
	}
	hash, err := s.Hasher.Hash(ctx, b.NewPassword)
	if err != nil {
		return nil, err
	}
	err = store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		if err := q.UpdateUserPasswordHash(ctx, db.UpdateUserPasswordHashParams{ID: p.User.ID, PasswordHash: hash}); err != nil {
			return err
		}
		n, err := s.revokeSessions(ctx, q, p.User.ID, p.SessionID, "password_changed")
		if err != nil {
			return err
		}
		// A second sign-in step earned with the old password ends too.
		if err := q.DeleteSecondFactorChallenges(ctx, p.User.ID); err != nil {
			return err
		}
		// Typing the current password is a fresh authentication.
		if err := q.MarkSessionAuthenticated(ctx, p.SessionID); err != nil {
			return err
		}
		if err := s.notifyPasswordChanged(ctx, tx, p.User, false); err != nil {
			return err
		}
		return s.Record(ctx, q, audit.PasswordChanged, p.User.ID, map[string]any{"sessionsRevoked": n})
	})
	if err != nil {
		return nil, err
	}
	s.resetOwnCredentialChecks(ctx, p.User.ID)
	return api.ChangePassword204Response{}, nil
}

// Reauthenticate marks the caller's session as authenticated now, after
// the user proves who they are again, so that requireRecentAuth lets
// sensitive changes through for a while.
func (s *Handler) Reauthenticate(ctx context.Context, req api.ReauthenticateRequestObject) (api.ReauthenticateResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.limitOwnCredentialChecks(ctx, p.User.ID); err != nil {
		return nil, err
	}
	b := req.Body
	var wrong *api.FieldError
	switch {
	case b.Password != nil:
		wrong, err = s.verifyOwnPassword(ctx, p.User, "password", *b.Password, "reauthenticate")
	// A second-factor code reauthenticates through its own endpoint
	// (ReauthenticateSecondFactor, totp_login.go).
	default:
		wrong = ptr(web.FieldError("password", "required", "is required"))
	}
	if err != nil {
		return nil, err
	}
	if wrong != nil {
		return api.Reauthenticate422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusUnprocessableEntity, web.CodeValidationFailed, wrong.Message, *wrong))}, nil
	}
	now := s.Now().UTC()
	if err := s.Q.MarkSessionAuthenticated(ctx, p.SessionID); err != nil {
		return nil, err
	}
	s.resetOwnCredentialChecks(ctx, p.User.ID)
	return api.Reauthenticate200JSONResponse{AuthenticatedAt: now, ValidUntil: now.Add(web.RecentAuthWindow)}, nil
}

// limitOwnCredentialChecks throttles a signed-in user's password (or code)
// checks, so a stolen access token cannot be used to guess the password.
func (s *Handler) limitOwnCredentialChecks(ctx context.Context, user uuid.UUID) error {
	lim := s.Cfg.Security.Limits
	return s.LimitAttempts(ctx, web.ByIP(ctx, "code:ip", lim.CodeIP), web.ByAccount("code:account", lim.CodeAccount, user))
}

func (s *Handler) resetOwnCredentialChecks(ctx context.Context, user uuid.UUID) {
	l := s.Cfg.Security.Limits.CodeAccount
	if err := s.Limiter.Reset(ctx, web.LimitRule("code:account", l), user.String()); err != nil {
		s.Log.WarnContext(ctx, "reset credential-check limit", "err", err, "user_id", user)
	}
}

// verifyOwnPassword checks the password of a signed-in user. It returns the
// field error to answer with when it does not match (audited as a failed
// sign-in: a stolen session may be guessing), or when the account has none.
func (s *Handler) verifyOwnPassword(ctx context.Context, user db.User, field, password, during string) (*api.FieldError, error) {
	if user.PasswordHash == nil {
		return ptr(web.FieldError(field, "not_set", "The account has no password; set one with password recovery.")), nil
	}
	ok, _, err := s.Hasher.Verify(ctx, password, *user.PasswordHash)
	if err != nil || ok {
		return nil, err
	}
	if err := s.Record(ctx, s.Q, audit.SignInFailed, user.ID, map[string]any{"reason": "wrong_password", "during": during}); err != nil {
		return nil, err
	}
	return ptr(web.FieldError(field, "incorrect", "The password is incorrect.")), nil
}

// newPasswordErrors applies the password policy to a new password of user.
func (s *Handler) newPasswordErrors(field, password string, user db.User) []api.FieldError {
	phone := ""
	if user.Phone != nil {
		phone = *user.Phone
	}
	return s.CheckNewPassword(field, password, user.Email, phone)
}

// notifyPasswordChanged tells the user by e-mail that the password changed
// (reset: through recovery), so a hijack does not go unnoticed.
func (s *Handler) notifyPasswordChanged(ctx context.Context, tx pgx.Tx, user db.User, reset bool) error {
	return s.outbox.Enqueue(ctx, tx, notify.Message{
		Channel: notify.Email, To: user.Email, Template: "password_changed", Locale: user.Locale,
		Data: map[string]any{"FirstName": user.FirstName, "Reset": reset, "When": s.Now().UTC().Format("2006-01-02 15:04 UTC")},
	})
}
