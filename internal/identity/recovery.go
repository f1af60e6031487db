package identity

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
	"github.com/kabinet-edu/kabinet/internal/contact"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/onetime"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Problem codes of a refused password reset.
const (
	codeResetInvalid = "reset_code_invalid" // wrong, used, unknown, or out of attempts
	codeResetExpired = "reset_code_expired" // a real link, too old: ask again
)

// Purposes of the recovery secrets (one_time_codes.purpose).
const (
	purposeResetLink = "password_reset"
	purposeResetCode = "password_reset_sms"
)

func (s *Handler) resetLinkSpec() onetime.Spec {
	return onetime.Spec{Purpose: purposeResetLink, TTL: s.Cfg.Security.PasswordResetTTL, MaxAttempts: 1}
}

func (s *Handler) resetCodeSpec() onetime.Spec {
	return onetime.Spec{Purpose: purposeResetCode, TTL: s.Cfg.Security.ResetCodeTTL, MaxAttempts: 5, Digits: 6}
}

// RequestPasswordReset sends a reset link to an account's e-mail or a code
// to its confirmed phone. The answer is the same, after about the same
// time, whether or not there is such an account.
func (s *Handler) RequestPasswordReset(ctx context.Context, req api.RequestPasswordResetRequestObject) (api.RequestPasswordResetResponseObject, error) {
	start := time.Now()
	b := req.Body
	var (
		channel, target string
		err             error
	)
	switch {
	case (b.Email == nil) == (b.Phone == nil):
		return api.RequestPasswordReset422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusUnprocessableEntity, web.CodeValidationFailed, "Send exactly one of email and phone.",
				web.FieldError("email", "exactly_one", "send exactly one of email and phone"),
				web.FieldError("phone", "exactly_one", "send exactly one of email and phone")))}, nil
	case b.Email != nil:
		channel = notify.Email
		target, err = contact.NormalizeEmail(string(*b.Email))
	default:
		channel = notify.SMS
		target, err = contact.NormalizePhone(*b.Phone, s.Cfg.PhoneDefaultRegion)
	}
	if err != nil {
		field := map[string]string{notify.Email: "email", notify.SMS: "phone"}[channel]
		return api.RequestPasswordReset422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusUnprocessableEntity, web.CodeValidationFailed, "One or more fields are invalid.",
				web.FieldError(field, "invalid_format", err.Error())))}, nil
	}
	// The address is charged whether or not an account has it, so the
	// limit reveals nothing either.
	lim := s.Cfg.Security.Limits
	if err := s.LimitAttempts(ctx, web.ByIP(ctx, "recovery:ip", lim.RecoveryIP),
		web.AttemptLimit{Rule: web.LimitRule("recovery:target", lim.RecoveryTarget), Subject: target}); err != nil {
		return nil, err
	}
	if err := s.sendPasswordReset(ctx, channel, target); err != nil {
		return nil, err
	}
	s.padRecovery(ctx, start)
	return api.RequestPasswordReset202Response{}, nil
}

// sendPasswordReset issues the link or code and enqueues it, if an account
// has the address (for SMS: as a confirmed phone). Otherwise it does nothing.
func (s *Handler) sendPasswordReset(ctx context.Context, channel, target string) error {
	var (
		user db.User
		err  error
	)
	if channel == notify.Email {
		user, err = s.Q.GetUserByEmail(ctx, target)
	} else {
		user, err = s.Q.GetUserByPhone(ctx, target)
	}
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && channel == notify.SMS && user.PhoneVerifiedAt == nil) {
		return nil
	}
	if err != nil {
		return err
	}
	return store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		msg := notify.Message{Channel: channel, To: target, Locale: user.Locale}
		if channel == notify.Email {
			link, err := onetime.Issue(ctx, q, s.resetLinkSpec(), user.ID, target)
			if err != nil {
				return err
			}
			msg.Template = "password_reset"
			msg.Data = map[string]any{
				"FirstName": user.FirstName,
				"Link":      strings.Replace(s.Cfg.Security.PasswordResetURL, "{token}", url.QueryEscape(link.Secret), 1),
				"Hours":     int(math.Ceil(s.Cfg.Security.PasswordResetTTL.Hours())),
			}
		} else {
			code, err := onetime.Issue(ctx, q, s.resetCodeSpec(), user.ID, target)
			if err != nil {
				return err
			}
			msg.Template = "password_reset_sms"
			msg.Data = map[string]any{"Code": code.Secret, "Minutes": int(math.Ceil(s.Cfg.Security.ResetCodeTTL.Minutes()))}
		}
		if err := s.outbox.Enqueue(ctx, tx, msg); err != nil {
			return err
		}
		return s.Record(ctx, q, audit.PasswordResetRequested, user.ID, map[string]any{"channel": channel})
	})
}

// padRecovery waits until the recovery answer has taken at least the
// configured floor, so the work done for an existing account does not show.
func (s *Handler) padRecovery(ctx context.Context, start time.Time) {
	wait := s.Cfg.Security.RecoveryResponseFloor - time.Since(start)
	if wait <= 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// errKeepResetCode rolls back a reset whose new password breaks the policy,
// so the link or code stays usable for a better password.
var errKeepResetCode = errors.New("new password refused")

// ResetPassword sets a new password with a reset link token or SMS code,
// consumes it and ends every session of the account.
func (s *Handler) ResetPassword(ctx context.Context, req api.ResetPasswordRequestObject) (api.ResetPasswordResponseObject, error) {
	start := time.Now()
	b := req.Body
	byLink := b.Token != nil
	if fields := resetShapeErrors(b); len(fields) > 0 {
		return resetUnprocessable(ctx, web.CodeValidationFailed, "One or more fields are invalid.", fields...), nil
	}
	lim := s.Cfg.Security.Limits
	limits := []web.AttemptLimit{web.ByIP(ctx, "code:ip", lim.CodeIP)}
	var phone string
	if !byLink {
		var err error
		if phone, err = contact.NormalizePhone(*b.Phone, s.Cfg.PhoneDefaultRegion); err != nil {
			return resetUnprocessable(ctx, web.CodeValidationFailed, "One or more fields are invalid.",
				web.FieldError("phone", "invalid_format", err.Error())), nil
		}
		// Charged by number, known or not, so the limit reveals nothing.
		limits = append(limits, web.AttemptLimit{Rule: web.LimitRule("code:account", lim.CodeAccount), Subject: "phone:" + phone})
	}
	if err := s.LimitAttempts(ctx, limits...); err != nil {
		return nil, err
	}

	var (
		refused error // an onetime error: the token or code is not accepted
		fields  []api.FieldError
		user    db.User
	)
	err := store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		refused, fields = nil, nil
		row, err := s.redeemResetSecret(ctx, q, b, phone)
		if isOnetimeRefusal(err) {
			refused = err
			return nil // commit: a wrong code counts as an attempt
		}
		if err != nil {
			return err
		}
		if user, err = q.GetUserByID(ctx, *row.UserID); err != nil {
			return err
		}
		if fields = s.newPasswordErrors("newPassword", b.NewPassword, user); len(fields) > 0 {
			return errKeepResetCode
		}
		return s.applyPasswordReset(ctx, q, tx, user, row, b.NewPassword)
	})
	switch {
	case errors.Is(err, errKeepResetCode):
		return resetUnprocessable(ctx, web.CodeValidationFailed, "One or more fields are invalid.", fields...), nil
	case err != nil:
		return nil, err
	case refused != nil:
		return s.resetRefused(ctx, start, byLink, refused), nil
	}
	// A recovered account may sign in at once, even if it was locked out.
	s.SignInSucceeded(ctx, user.ID)
	return api.ResetPassword204Response{}, nil
}

// redeemResetSecret consumes the link token, or checks the SMS code of the
// account with the confirmed phone. An unknown or unconfirmed phone is
// refused like a wrong code.
func (s *Handler) redeemResetSecret(ctx context.Context, q *db.Queries, b *api.PasswordResetRequest, phone string) (db.OneTimeCode, error) {
	if b.Token != nil {
		return onetime.Redeem(ctx, q, s.resetLinkSpec(), *b.Token)
	}
	u, err := q.GetUserByPhone(ctx, phone)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return db.OneTimeCode{}, onetime.ErrInvalid
	case err != nil:
		return db.OneTimeCode{}, err
	case u.PhoneVerifiedAt == nil:
		return db.OneTimeCode{}, onetime.ErrInvalid
	}
	return onetime.Check(ctx, q, s.resetCodeSpec(), u.ID, *b.Code)
}

// applyPasswordReset sets the password and ends every session; the e-mail
// notice and the audit record go in the same transaction.
func (s *Handler) applyPasswordReset(ctx context.Context, q *db.Queries, tx pgx.Tx, user db.User, row db.OneTimeCode, password string) error {
	hash, err := s.Hasher.Hash(ctx, password)
	if err != nil {
		return err
	}
	if err := q.UpdateUserPasswordHash(ctx, db.UpdateUserPasswordHashParams{ID: user.ID, PasswordHash: hash}); err != nil {
		return err
	}
	// The user chose this password: an issued initial password (and its
	// expiry block) no longer applies.
	if err := q.ClearInitialPassword(ctx, user.ID); err != nil {
		return err
	}
	n, err := s.revokeSessions(ctx, q, user.ID, uuid.Nil, "password_reset")
	if err != nil {
		return err
	}
	// So does a second sign-in step earned with the old password.
	if err := q.DeleteSecondFactorChallenges(ctx, user.ID); err != nil {
		return err
	}
	// Whichever way was used, the other outstanding link or code dies too.
	for _, purpose := range []string{purposeResetLink, purposeResetCode} {
		if err := q.InvalidateOneTimeCodes(ctx, db.InvalidateOneTimeCodesParams{UserID: &user.ID, Purpose: purpose}); err != nil {
			return err
		}
	}
	method := notify.SMS
	if row.Purpose == purposeResetLink {
		method = notify.Email
		if err := q.MarkEmailVerifiedByRecovery(ctx, db.MarkEmailVerifiedByRecoveryParams{ID: user.ID, Email: row.Target}); err != nil {
			return err
		}
	}
	if err := s.notifyPasswordChanged(ctx, tx, user, true); err != nil {
		return err
	}
	return s.Record(ctx, q, audit.PasswordReset, user.ID, map[string]any{"method": method, "sessionsRevoked": n})
}

func isOnetimeRefusal(err error) bool {
	return errors.Is(err, onetime.ErrInvalid) || errors.Is(err, onetime.ErrExpired) || errors.Is(err, onetime.ErrTooManyAttempts)
}

// resetRefused answers a refused token or code. A link token names its own
// account, so "expired" tells a stranger nothing; SMS refusals are all alike
// (and padded in time), so they do not tell whether the phone has an account.
func (s *Handler) resetRefused(ctx context.Context, start time.Time, byLink bool, refused error) api.ResetPasswordResponseObject {
	if byLink {
		if errors.Is(refused, onetime.ErrExpired) {
			return resetUnprocessable(ctx, codeResetExpired, "The link has expired; ask for a new one.",
				web.FieldError("token", "expired", "has expired"))
		}
		return resetUnprocessable(ctx, codeResetInvalid, "The link is not valid or was already used; ask for a new one.",
			web.FieldError("token", "invalid", "is not valid"))
	}
	s.padRecovery(ctx, start)
	return resetUnprocessable(ctx, codeResetInvalid, "The code is wrong or no longer valid; check it or ask for a new one.",
		web.FieldError("code", "invalid", "is not valid"))
}

// resetShapeErrors requires a token, or a phone and a code, but not both.
func resetShapeErrors(b *api.PasswordResetRequest) []api.FieldError {
	switch {
	case b.Token != nil && (b.Phone != nil || b.Code != nil):
		return []api.FieldError{web.FieldError("token", "exclusive", "send either token, or phone and code")}
	case b.Token == nil && b.Phone == nil && b.Code == nil:
		return []api.FieldError{web.FieldError("token", "required", "send either token, or phone and code")}
	case b.Token == nil && b.Phone == nil:
		return []api.FieldError{web.FieldError("phone", "required", "is required with code")}
	case b.Token == nil && b.Code == nil:
		return []api.FieldError{web.FieldError("code", "required", "is required with phone")}
	}
	return nil
}

func resetUnprocessable(ctx context.Context, code, detail string, fields ...api.FieldError) api.ResetPassword422ApplicationProblemPlusJSONResponse {
	return api.ResetPassword422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
		web.NewProblem(ctx, http.StatusUnprocessableEntity, code, detail, fields...))}
}
