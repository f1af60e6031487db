package identity

import (
	"bytes"
	"context"
	"errors"
	"net/http"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/ratelimit"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/twofactor"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Problem codes of the second factor.
const (
	codeSecondFactorAlreadyEnabled = "second_factor_already_enabled"
	codeNoPendingEnrolment         = "no_pending_enrolment"
	codeInvalidSecondFactor        = "invalid_second_factor"
)

// secondFactorAccountRule limits code checks per account across every
// endpoint that takes one (sign-in, confirmation, reauthentication,
// disabling), with the codes limit (KABINET_LIMIT_CODE_ACCOUNT): with three
// valid codes at any moment, the default 10 guesses per 15 minutes leave an
// attacker who knows the password about 0.3% a day.
func (s *Handler) secondFactorAccountRule() ratelimit.Rule {
	return web.LimitRule("second_factor:account", s.Cfg.Security.Limits.CodeAccount)
}

// GetTotpStatus tells the caller the state of their second factor.
func (s *Handler) GetTotpStatus(ctx context.Context, _ api.GetTotpStatusRequestObject) (api.GetTotpStatusResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	out, err := totpStatus(ctx, s.Q, p.User.ID)
	if err != nil {
		return nil, err
	}
	return api.GetTotpStatus200JSONResponse(out), nil
}

// totpStatus reads the state of userID's second factor (also for the data export).
func totpStatus(ctx context.Context, q *db.Queries, userID uuid.UUID) (api.TotpStatus, error) {
	out := api.TotpStatus{RequiredByOrganizations: []uuid.UUID{}}
	row, err := q.GetTOTP(ctx, userID)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return api.TotpStatus{}, err
	default:
		out.Enabled, out.EnrolmentPending = row.EnabledAt != nil, row.EnabledAt == nil
		if row.EnabledAt != nil {
			out.EnabledAt = ptr(row.EnabledAt.UTC())
		}
	}
	n, err := q.CountUnusedRecoveryCodes(ctx, userID)
	if err != nil {
		return api.TotpStatus{}, err
	}
	out.RecoveryCodesRemaining = int(n)
	if out.RequiredByOrganizations, err = q.ListOrganizationsAwaitingSecondFactor(ctx, userID); err != nil {
		return api.TotpStatus{}, err
	}
	return out, nil
}

// StartTotpEnrolment makes a pending secret and shows it once.
func (s *Handler) StartTotpEnrolment(ctx context.Context, _ api.StartTotpEnrolmentRequestObject) (api.StartTotpEnrolmentResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.RequireRecentAuth(ctx, p); err != nil {
		return nil, err
	}
	sealer, err := s.sealer()
	if err != nil {
		return nil, err
	}
	key, err := twofactor.NewKey(s.Cfg.TOTP.Issuer, p.User.Email)
	if err != nil {
		return nil, err
	}
	// No row is written while an authenticator is enabled, so a race with a
	// confirmation cannot replace an enabled secret.
	n, err := s.Q.StartTOTPEnrolment(ctx, db.StartTOTPEnrolmentParams{UserID: p.User.ID, SecretSealed: sealer.Seal(p.User.ID, key.Secret())})
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return api.StartTotpEnrolment409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusConflict, codeSecondFactorAlreadyEnabled, "An authenticator is already enabled; disable it before enrolling another."))}, nil
	}
	qr, err := twofactor.QRCode(key)
	if err != nil {
		return nil, err
	}
	return api.StartTotpEnrolment201JSONResponse{
		Secret: key.Secret(), OtpauthURI: key.URL(), QrCodePng: qr,
		Issuer: s.Cfg.TOTP.Issuer, AccountName: p.User.Email,
		Algorithm: api.TotpEnrolmentAlgorithm(twofactor.Algorithm), Digits: twofactor.Digits, Period: twofactor.Period,
	}, nil
}

// GetTotpQrCode shows the pending secret's QR code as an image.
func (s *Handler) GetTotpQrCode(ctx context.Context, _ api.GetTotpQrCodeRequestObject) (api.GetTotpQrCodeResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.RequireRecentAuth(ctx, p); err != nil {
		return nil, err
	}
	row, err := s.Q.GetTOTP(ctx, p.User.ID)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && row.EnabledAt != nil) {
		return api.GetTotpQrCode404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: api.NotFoundApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusNotFound, web.CodeNotFound, "No enrolment is pending; start one first."))}, nil
	}
	if err != nil {
		return nil, err
	}
	secret, err := s.openSecret(row)
	if err != nil {
		return nil, err
	}
	key, err := twofactor.KeyFor(s.Cfg.TOTP.Issuer, p.User.Email, secret)
	if err != nil {
		return nil, err
	}
	qr, err := twofactor.QRCode(key)
	if err != nil {
		return nil, err
	}
	return api.GetTotpQrCode200ImagePngResponse{
		Body: bytes.NewReader(qr), ContentLength: int64(len(qr)),
		Headers: api.GetTotpQrCode200ResponseHeaders{CacheControl: ptr("no-store")},
	}, nil
}

// ConfirmTotpEnrolment enables the pending authenticator with its first code
// and hands out the recovery codes.
func (s *Handler) ConfirmTotpEnrolment(ctx context.Context, req api.ConfirmTotpEnrolmentRequestObject) (api.ConfirmTotpEnrolmentResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.hitSecondFactorLimit(ctx, p.User.ID); err != nil {
		return nil, err
	}
	var (
		outcome string
		codes   []string
	)
	err = store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		outcome, codes = "", nil
		row, err := q.GetTOTPForUpdate(ctx, p.User.ID)
		if errors.Is(err, pgx.ErrNoRows) {
			outcome = codeNoPendingEnrolment
			return nil
		}
		if err != nil {
			return err
		}
		if row.EnabledAt != nil {
			outcome = codeSecondFactorAlreadyEnabled
			return nil
		}
		secret, err := s.openSecret(row)
		if err != nil {
			return err
		}
		step, ok := twofactor.Verify(secret, req.Body.Code, s.Now(), row.LastUsedStep)
		if !ok {
			outcome = codeInvalidSecondFactor
			return nil
		}
		if err := q.EnableTOTP(ctx, db.EnableTOTPParams{UserID: p.User.ID, Step: step}); err != nil {
			return err
		}
		if codes, err = s.replaceRecoveryCodes(ctx, q, p.User.ID); err != nil {
			return err
		}
		if err := s.NotifySecondFactor(ctx, tx, p.User, "totp_enabled", nil); err != nil {
			return err
		}
		return s.Record(ctx, q, audit.TOTPEnabled, p.User.ID, nil)
	})
	if err != nil {
		return nil, err
	}
	switch outcome {
	case "":
		s.resetSecondFactorLimit(ctx, p.User.ID)
		return api.ConfirmTotpEnrolment200JSONResponse{Codes: codes}, nil
	case codeInvalidSecondFactor:
		return api.ConfirmTotpEnrolment422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			wrongCodeProblem(ctx, false))}, nil
	case codeSecondFactorAlreadyEnabled:
		return api.ConfirmTotpEnrolment409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusConflict, outcome, "The authenticator is already enabled."))}, nil
	}
	return api.ConfirmTotpEnrolment409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
		web.NewProblem(ctx, http.StatusConflict, outcome, "No enrolment is pending; start one first."))}, nil
}

// RegenerateRecoveryCodes replaces the caller's recovery codes.
func (s *Handler) RegenerateRecoveryCodes(ctx context.Context, _ api.RegenerateRecoveryCodesRequestObject) (api.RegenerateRecoveryCodesResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.RequireRecentAuth(ctx, p); err != nil {
		return nil, err
	}
	var codes []string
	err = store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		codes = nil
		row, err := q.GetTOTPForUpdate(ctx, p.User.ID)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && row.EnabledAt == nil) {
			return nil
		}
		if err != nil {
			return err
		}
		if codes, err = s.replaceRecoveryCodes(ctx, q, p.User.ID); err != nil {
			return err
		}
		if err := s.NotifySecondFactor(ctx, tx, p.User, "recovery_codes_regenerated", nil); err != nil {
			return err
		}
		return s.Record(ctx, q, audit.RecoveryCodesRenewed, p.User.ID, nil)
	})
	if err != nil {
		return nil, err
	}
	if codes == nil {
		return api.RegenerateRecoveryCodes409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
			notEnabledProblem(ctx))}, nil
	}
	return api.RegenerateRecoveryCodes200JSONResponse{Codes: codes}, nil
}

// DisableTotp removes the caller's authenticator after checking the password
// and a code.
func (s *Handler) DisableTotp(ctx context.Context, req api.DisableTotpRequestObject) (api.DisableTotpResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	b := req.Body
	invalid := func(f api.FieldError) api.DisableTotp422ApplicationProblemPlusJSONResponse {
		return api.DisableTotp422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusUnprocessableEntity, web.CodeValidationFailed, "One or more fields are invalid.", f))}
	}
	if p.User.PasswordHash == nil {
		// Without a password the code alone is not a fresh authentication.
		if err := s.RequireRecentAuth(ctx, p); err != nil {
			return nil, err
		}
	} else if b.Password == nil {
		return invalid(web.FieldError("password", "required", "is required")), nil
	}
	if err := s.hitSecondFactorLimit(ctx, p.User.ID); err != nil {
		return nil, err
	}
	if p.User.PasswordHash != nil {
		wrong, err := s.verifyOwnPassword(ctx, p.User, "password", *b.Password, "disable_totp")
		if err != nil {
			return nil, err
		}
		if wrong != nil {
			return invalid(*wrong), nil
		}
	}
	var outcome string
	err = store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		outcome = ""
		row, err := q.GetTOTPForUpdate(ctx, p.User.ID)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && row.EnabledAt == nil) {
			outcome = web.CodeSecondFactorNotEnabled
			return nil
		}
		if err != nil {
			return err
		}
		ok, err := s.verifySecondFactor(ctx, q, p.User.ID, b.Code)
		if err != nil || !ok {
			outcome = codeInvalidSecondFactor
			return err
		}
		if err := s.RemoveSecondFactor(ctx, q, p.User.ID); err != nil {
			return err
		}
		if err := s.NotifySecondFactor(ctx, tx, p.User, "totp_disabled", nil); err != nil {
			return err
		}
		return s.Record(ctx, q, audit.TOTPDisabled, p.User.ID, nil)
	})
	if err != nil {
		return nil, err
	}
	switch outcome {
	case web.CodeSecondFactorNotEnabled:
		return api.DisableTotp409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
			notEnabledProblem(ctx))}, nil
	case codeInvalidSecondFactor:
		return api.DisableTotp422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			wrongCodeProblem(ctx, true))}, nil
	}
	s.resetSecondFactorLimit(ctx, p.User.ID)
	return api.DisableTotp204Response{}, nil
}

// verifySecondFactor checks code against userID's enabled second factor: a
// six-digit code against the authenticator (once per time step), anything
// else as an unused recovery code (which it uses up). It is false when the
// user has no second factor. Call it inside a transaction and commit even
// when it is false, like onetime.Check.
func (s *Handler) verifySecondFactor(ctx context.Context, q *db.Queries, userID uuid.UUID, code string) (bool, error) {
	if twofactor.IsTOTPCode(code) {
		return s.verifyTOTP(ctx, q, userID, code)
	}
	return s.useRecoveryCode(ctx, q, userID, code)
}

// verifyTOTP checks an authenticator code and records its time step, so the
// same code (or an older one) is refused from then on.
func (s *Handler) verifyTOTP(ctx context.Context, q *db.Queries, userID uuid.UUID, code string) (bool, error) {
	row, err := q.GetTOTPForUpdate(ctx, userID)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil || row.EnabledAt == nil {
		return false, err
	}
	secret, err := s.openSecret(row)
	if err != nil {
		return false, err
	}
	step, ok := twofactor.Verify(secret, code, s.Now(), row.LastUsedStep)
	if !ok {
		return false, nil
	}
	return true, q.SetTOTPLastUsedStep(ctx, db.SetTOTPLastUsedStepParams{UserID: userID, Step: step})
}

// useRecoveryCode marks an unused recovery code of userID as used.
func (s *Handler) useRecoveryCode(ctx context.Context, q *db.Queries, userID uuid.UUID, code string) (bool, error) {
	n, err := q.UseRecoveryCode(ctx, db.UseRecoveryCodeParams{UserID: userID, CodeHash: twofactor.HashRecoveryCode(userID, code)})
	return n == 1, err
}

// replaceRecoveryCodes issues a new set of recovery codes and returns them;
// only their hashes are kept.
func (s *Handler) replaceRecoveryCodes(ctx context.Context, q *db.Queries, userID uuid.UUID) ([]string, error) {
	if err := q.DeleteRecoveryCodes(ctx, userID); err != nil {
		return nil, err
	}
	codes := twofactor.NewRecoveryCodes()
	hashes := make([][]byte, len(codes))
	for i, c := range codes {
		hashes[i] = twofactor.HashRecoveryCode(userID, c)
	}
	return codes, q.InsertRecoveryCodes(ctx, db.InsertRecoveryCodesParams{UserID: userID, CodeHashes: hashes})
}

// removeSecondFactor deletes the authenticator, the recovery codes and the
// pending sign-in challenges of userID.
func (s *Handler) RemoveSecondFactor(ctx context.Context, q *db.Queries, userID uuid.UUID) error {
	if _, err := q.DeleteTOTP(ctx, userID); err != nil {
		return err
	}
	if err := q.DeleteRecoveryCodes(ctx, userID); err != nil {
		return err
	}
	return q.DeleteSecondFactorChallenges(ctx, userID)
}

// notifySecondFactor e-mails user about a change of their second factor.
func (s *Handler) NotifySecondFactor(ctx context.Context, tx pgx.Tx, user db.User, template string, data map[string]any) error {
	d := map[string]any{"FirstName": user.FirstName}
	for k, v := range data {
		d[k] = v
	}
	return s.outbox.Enqueue(ctx, tx, notify.Message{Channel: notify.Email, To: user.Email, Template: template, Locale: user.Locale, Data: d})
}

func (s *Handler) sealer() (*twofactor.Sealer, error) {
	return twofactor.NewSealer(s.Cfg.TOTP.EncryptionKey)
}

func (s *Handler) openSecret(row db.TotpAuthenticator) (string, error) {
	sealer, err := s.sealer()
	if err != nil {
		return "", err
	}
	return sealer.Open(row.UserID, row.SecretSealed)
}

// hitSecondFactorLimit counts one code check for userID; refused with 429.
func (s *Handler) hitSecondFactorLimit(ctx context.Context, userID uuid.UUID) error {
	return s.LimitAttempts(ctx, s.secondFactorLimit(userID))
}

// secondFactorLimit is userID's charge under secondFactorAccountRule.
func (s *Handler) secondFactorLimit(userID uuid.UUID) web.AttemptLimit {
	return web.ByAccount("second_factor:account", s.Cfg.Security.Limits.CodeAccount, userID)
}

// resetSecondFactorLimit forgets the failures before a correct code. A
// failure to reset only leaves the counter to expire, so it is logged.
func (s *Handler) resetSecondFactorLimit(ctx context.Context, userID uuid.UUID) {
	if err := s.Limiter.Reset(ctx, s.secondFactorAccountRule(), userID.String()); err != nil {
		s.Log.WarnContext(ctx, "reset second-factor rate limit", "err", err, "user_id", userID)
	}
}

// wrongCodeProblem is the 422 for a code that did not match; recovery says
// whether a recovery code would have been accepted instead.
func wrongCodeProblem(ctx context.Context, recovery bool) api.Problem {
	msg := "is not a current authenticator code"
	if recovery {
		msg += " or an unused recovery code"
	}
	return web.NewProblem(ctx, http.StatusUnprocessableEntity, web.CodeValidationFailed, "One or more fields are invalid.",
		web.FieldError("code", "incorrect", msg))
}

func notEnabledProblem(ctx context.Context) api.Problem {
	return web.NewProblem(ctx, http.StatusConflict, web.CodeSecondFactorNotEnabled, "No authenticator is enabled.")
}
