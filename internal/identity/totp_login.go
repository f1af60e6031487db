package identity

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

const (
	// challengeTTL is how long the second sign-in step may take.
	challengeTTL = 5 * time.Minute
	// challengeMaxAttempts wrong codes end a challenge; the user signs in again.
	challengeMaxAttempts = 5
	challengePrefix      = "sfc_"
)

// secondFactorChallenge is called by Login after the password and the
// account status were checked. When user has an enabled authenticator it
// answers 202 with a challenge instead of tokens (challenged is true).
func (s *Handler) secondFactorChallenge(ctx context.Context, user db.User, rememberMe *bool) (res api.LoginResponseObject, challenged bool, err error) {
	row, err := s.Q.GetTOTP(ctx, user.ID)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && row.EnabledAt == nil) {
		return nil, false, nil
	}
	if err != nil {
		return nil, true, err
	}
	token := challengePrefix + rand.Text() + rand.Text() // ≈ 260 bits
	expires := s.Now().Add(challengeTTL).UTC().Truncate(time.Second)
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		if err := q.DeleteStaleSecondFactorChallenges(ctx, user.ID); err != nil {
			return err
		}
		return q.CreateSecondFactorChallenge(ctx, db.CreateSecondFactorChallengeParams{
			TokenHash: hashChallenge(token), UserID: user.ID,
			RememberMe: rememberMe != nil && *rememberMe, ExpiresAt: expires,
		})
	})
	if err != nil {
		return nil, true, err
	}
	return api.Login202JSONResponse{
		ChallengeToken: token, ExpiresAt: expires,
		Methods: []api.SecondFactorChallengeMethods{"totp", "recovery_code"},
	}, true, nil
}

// LoginSecondFactor redeems a sign-in challenge with an authenticator code
// or a recovery code and opens the session.
func (s *Handler) LoginSecondFactor(ctx context.Context, req api.LoginSecondFactorRequestObject) (api.LoginSecondFactorResponseObject, error) {
	b := req.Body
	if (b.Code == nil) == (b.RecoveryCode == nil) {
		f := web.FieldError("code", "required", "send code or recoveryCode")
		if b.Code != nil {
			f = web.FieldError("recoveryCode", "conflict", "send either code or recoveryCode, not both")
		}
		return api.LoginSecondFactor422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusUnprocessableEntity, web.CodeValidationFailed, "One or more fields are invalid.", f))}, nil
	}
	// Per client address, against one address trying many accounts whose
	// passwords it knows (KABINET_LIMIT_CODE_IP).
	if err := s.LimitAttempts(ctx, web.ByIP(ctx, "second_factor:ip", s.Cfg.Security.Limits.CodeIP)); err != nil {
		return nil, err
	}
	method := "totp"
	if b.RecoveryCode != nil {
		method = "recovery_code"
	}
	var (
		out     api.AuthResponse
		outcome string     // a problem code when the step is refused
		limited *web.Error // 429: the account's code checks are locked out
		user    db.User
	)
	// The transaction commits whatever the outcome, so attempts count.
	err := store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		out, outcome, limited = api.AuthResponse{}, "", nil
		ch, err := q.GetSecondFactorChallengeForUpdate(ctx, hashChallenge(b.ChallengeToken))
		if errors.Is(err, pgx.ErrNoRows) {
			outcome = web.CodeInvalidChallenge
			return nil
		}
		if err != nil {
			return err
		}
		switch {
		case ch.ConsumedAt != nil || ch.Attempts >= challengeMaxAttempts:
			outcome = web.CodeInvalidChallenge
			return nil
		case !s.Now().Before(ch.ExpiresAt):
			outcome = web.CodeChallengeExpired
			return nil
		}
		// Counted in this transaction, which commits whatever the outcome.
		if err := s.LimitAttemptsIn(ctx, q, s.secondFactorLimit(ch.UserID)); err != nil {
			if errors.As(err, &limited) {
				return nil
			}
			return err
		}
		if user, err = q.GetUserByID(ctx, ch.UserID); err != nil {
			return err
		}
		if user.Status == db.UserStatusBlocked {
			outcome = web.CodeAccountBlocked
			return q.ConsumeSecondFactorChallenge(ctx, ch.TokenHash)
		}
		var ok bool
		if b.Code != nil {
			ok, err = s.verifyTOTP(ctx, q, user.ID, *b.Code)
		} else {
			ok, err = s.useRecoveryCode(ctx, q, user.ID, *b.RecoveryCode)
		}
		if err != nil {
			return err
		}
		if !ok {
			n, err := q.CountSecondFactorChallengeAttempt(ctx, ch.TokenHash)
			if err != nil {
				return err
			}
			outcome = codeInvalidSecondFactor
			if n >= challengeMaxAttempts {
				outcome = web.CodeInvalidChallenge
			}
			return s.Record(ctx, q, audit.SignInFailed, user.ID, map[string]any{"reason": "wrong_second_factor", "method": method})
		}
		if err := q.ConsumeSecondFactorChallenge(ctx, ch.TokenHash); err != nil {
			return err
		}
		remember := ch.RememberMe
		if b.RememberMe != nil {
			remember = *b.RememberMe
		}
		if out, err = s.StartSession(ctx, q, user, remember); err != nil {
			return err
		}
		return s.Record(ctx, q, audit.SignIn, user.ID, map[string]any{"method": "password", "secondFactor": method})
	})
	if err != nil {
		return nil, err
	}
	if limited != nil {
		return nil, limited
	}
	switch outcome {
	case "":
		s.resetSecondFactorLimit(ctx, user.ID)
		return api.LoginSecondFactor200JSONResponse(out), nil
	case web.CodeAccountBlocked:
		return api.LoginSecondFactor403ApplicationProblemPlusJSONResponse{ForbiddenApplicationProblemPlusJSONResponse: api.ForbiddenApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusForbidden, web.CodeAccountBlocked, "The account is blocked; contact the center's administrator."))}, nil
	}
	detail := map[string]string{
		web.CodeInvalidChallenge: "The sign-in challenge is not valid (used, unknown, or too many wrong codes); sign in again.",
		web.CodeChallengeExpired: "The sign-in challenge has expired; sign in again.",
		codeInvalidSecondFactor:  "The code is not correct; try again with a current code.",
	}[outcome]
	return api.LoginSecondFactor401ApplicationProblemPlusJSONResponse{UnauthorizedApplicationProblemPlusJSONResponse: api.UnauthorizedApplicationProblemPlusJSONResponse{
		Body: web.NewProblem(ctx, http.StatusUnauthorized, outcome, detail),
	}}, nil
}

// ReauthenticateSecondFactor marks the caller's session as recently
// authenticated after a correct second-factor code.
func (s *Handler) ReauthenticateSecondFactor(ctx context.Context, req api.ReauthenticateSecondFactorRequestObject) (api.ReauthenticateSecondFactorResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if err := s.hitSecondFactorLimit(ctx, p.User.ID); err != nil {
		return nil, err
	}
	var outcome string
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		outcome = ""
		row, err := q.GetTOTP(ctx, p.User.ID)
		if errors.Is(err, pgx.ErrNoRows) || (err == nil && row.EnabledAt == nil) {
			outcome = web.CodeSecondFactorNotEnabled
			return nil
		}
		if err != nil {
			return err
		}
		ok, err := s.verifySecondFactor(ctx, q, p.User.ID, req.Body.Code)
		if err != nil {
			return err
		}
		if !ok {
			// Audited like a wrong password here: a stolen session may be guessing.
			outcome = codeInvalidSecondFactor
			return s.Record(ctx, q, audit.SignInFailed, p.User.ID, map[string]any{"reason": "wrong_second_factor", "during": "reauthenticate"})
		}
		return q.MarkSessionAuthenticated(ctx, p.SessionID)
	})
	if err != nil {
		return nil, err
	}
	switch outcome {
	case web.CodeSecondFactorNotEnabled:
		return api.ReauthenticateSecondFactor409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
			notEnabledProblem(ctx))}, nil
	case codeInvalidSecondFactor:
		return api.ReauthenticateSecondFactor422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			wrongCodeProblem(ctx, true))}, nil
	}
	s.resetSecondFactorLimit(ctx, p.User.ID)
	return api.ReauthenticateSecondFactor204Response{}, nil
}

func hashChallenge(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
