package httpapi

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
)

// ChangePassword sets a new password for the caller, who proves who they are
// with the current one; every other session ends.
func (s *Server) ChangePassword(ctx context.Context, req api.ChangePasswordRequestObject) (api.ChangePasswordResponseObject, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	b := req.Body
	if err := s.limitOwnCredentialChecks(ctx, p.user.ID); err != nil {
		return nil, err
	}
	if fields := s.newPasswordErrors("newPassword", b.NewPassword, p.user); len(fields) > 0 {
		return api.ChangePassword422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			newProblem(ctx, http.StatusUnprocessableEntity, codeValidationFailed, "One or more fields are invalid.", fields...))}, nil
	}
	wrong, err := s.verifyOwnPassword(ctx, p.user, "currentPassword", b.CurrentPassword, "change_password")
	if err != nil {
		return nil, err
	}
	if wrong != nil {
		return api.ChangePassword422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			newProblem(ctx, http.StatusUnprocessableEntity, codeValidationFailed, wrong.Message, *wrong))}, nil
	}
	hash, err := s.hasher.Hash(ctx, b.NewPassword)
	if err != nil {
		return nil, err
	}
	err = store.InTxJobs(ctx, s.pool, func(q *db.Queries, tx pgx.Tx) error {
		if err := q.UpdateUserPasswordHash(ctx, db.UpdateUserPasswordHashParams{ID: p.user.ID, PasswordHash: hash}); err != nil {
			return err
		}
		n, err := s.revokeSessions(ctx, q, p.user.ID, p.sessionID, "password_changed")
		if err != nil {
			return err
		}
		// A second sign-in step earned with the old password ends too.
		if err := q.DeleteSecondFactorChallenges(ctx, p.user.ID); err != nil {
			return err
		}
		// Typing the current password is a fresh authentication.
		if err := q.MarkSessionAuthenticated(ctx, p.sessionID); err != nil {
			return err
		}
		if err := s.notifyPasswordChanged(ctx, tx, p.user, false); err != nil {
			return err
		}
		return s.record(ctx, q, audit.PasswordChanged, p.user.ID, map[string]any{"sessionsRevoked": n})
	})
	if err != nil {
		return nil, err
	}
	s.resetOwnCredentialChecks(ctx, p.user.ID)
	return api.ChangePassword204Response{}, nil
}

// Reauthenticate marks the caller's session as authenticated now, after
// the user proves who they are again, so that requireRecentAuth lets
// sensitive changes through for a while.
func (s *Server) Reauthenticate(ctx context.Context, req api.ReauthenticateRequestObject) (api.ReauthenticateResponseObject, error) {
	p, err := caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.limitOwnCredentialChecks(ctx, p.user.ID); err != nil {
		return nil, err
	}
	b := req.Body
	var wrong *api.FieldError
	switch {
	case b.Password != nil:
		wrong, err = s.verifyOwnPassword(ctx, p.user, "password", *b.Password, "reauthenticate")
	// A second-factor code reauthenticates through its own endpoint
	// (ReauthenticateSecondFactor, totp_login.go).
	default:
		wrong = ptr(fieldError("password", "required", "is required"))
	}
	if err != nil {
		return nil, err
	}
	if wrong != nil {
		return api.Reauthenticate422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			newProblem(ctx, http.StatusUnprocessableEntity, codeValidationFailed, wrong.Message, *wrong))}, nil
	}
	now := s.now().UTC()
	if err := s.q.MarkSessionAuthenticated(ctx, p.sessionID); err != nil {
		return nil, err
	}
	s.resetOwnCredentialChecks(ctx, p.user.ID)
	return api.Reauthenticate200JSONResponse{AuthenticatedAt: now, ValidUntil: now.Add(recentAuthWindow)}, nil
}

// limitOwnCredentialChecks throttles a signed-in user's password (or code)
// checks, so a stolen access token cannot be used to guess the password.
func (s *Server) limitOwnCredentialChecks(ctx context.Context, user uuid.UUID) error {
	lim := s.cfg.Security.Limits
	return s.limitAttempts(ctx, byIP(ctx, "code:ip", lim.CodeIP), byAccount("code:account", lim.CodeAccount, user))
}

func (s *Server) resetOwnCredentialChecks(ctx context.Context, user uuid.UUID) {
	l := s.cfg.Security.Limits.CodeAccount
	if err := s.limiter.Reset(ctx, limitRule("code:account", l), user.String()); err != nil {
		s.log.WarnContext(ctx, "reset credential-check limit", "err", err, "user_id", user)
	}
}

// verifyOwnPassword checks the password of a signed-in user. It returns the
// field error to answer with when it does not match (audited as a failed
// sign-in: a stolen session may be guessing), or when the account has none.
func (s *Server) verifyOwnPassword(ctx context.Context, user db.User, field, password, during string) (*api.FieldError, error) {
	if user.PasswordHash == nil {
		return ptr(fieldError(field, "not_set", "The account has no password; set one with password recovery.")), nil
	}
	ok, _, err := s.hasher.Verify(ctx, password, *user.PasswordHash)
	if err != nil || ok {
		return nil, err
	}
	if err := s.record(ctx, s.q, audit.SignInFailed, user.ID, map[string]any{"reason": "wrong_password", "during": during}); err != nil {
		return nil, err
	}
	return ptr(fieldError(field, "incorrect", "The password is incorrect.")), nil
}

// newPasswordErrors applies the password policy to a new password of user.
func (s *Server) newPasswordErrors(field, password string, user db.User) []api.FieldError {
	phone := ""
	if user.Phone != nil {
		phone = *user.Phone
	}
	return s.checkNewPassword(field, password, user.Email, phone)
}

// notifyPasswordChanged tells the user by e-mail that the password changed
// (reset: through recovery), so a hijack does not go unnoticed.
func (s *Server) notifyPasswordChanged(ctx context.Context, tx pgx.Tx, user db.User, reset bool) error {
	return s.outbox.Enqueue(ctx, tx, notify.Message{
		Channel: notify.Email, To: user.Email, Template: "password_changed", Locale: user.Locale,
		Data: map[string]any{"FirstName": user.FirstName, "Reset": reset, "When": s.now().UTC().Format("2006-01-02 15:04 UTC")},
	})
}
