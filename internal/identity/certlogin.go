package identity

import (
	"context"
	"errors"
	"net/http"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// CreateCertificateSignInChallenge gives anybody a challenge to sign for
// certificate sign-in; limited per client IP, since each one is a row.
func (s *Handler) CreateCertificateSignInChallenge(ctx context.Context, _ api.CreateCertificateSignInChallengeRequestObject) (api.CreateCertificateSignInChallengeResponseObject, error) {
	if err := s.LimitAttempts(ctx, web.AttemptLimit{Rule: s.certRule("cert_challenge:ip"), Subject: clientKey(ctx)}); err != nil {
		return nil, err
	}
	c, err := s.issueChallenge(ctx, challengeSignIn, nil)
	if err != nil {
		return nil, err
	}
	return api.CreateCertificateSignInChallenge201JSONResponse(c), nil
}

// LoginWithCertificate signs in the account the certificate is bound to,
// when the certificate is valid now and its key signed a fresh sign-in
// challenge. The certificate is a possession factor of its own, so no TOTP
// code is asked (unlike password sign-in).
func (s *Handler) LoginWithCertificate(ctx context.Context, req api.LoginWithCertificateRequestObject) (api.LoginWithCertificateResponseObject, error) {
	if err := s.LimitAttempts(ctx, web.AttemptLimit{Rule: s.certRule("cert_login:ip"), Subject: clientKey(ctx)}); err != nil {
		return nil, err
	}
	b := req.Body
	cert, sig, fields := s.readProof(b.CertificatePem, b.Signature)
	if len(fields) > 0 {
		return certLogin422(invalidInput(ctx, fields)), nil
	}
	message, problem, err := s.useChallenge(ctx, b.ChallengeID, challengeSignIn, nil)
	if err != nil {
		return nil, err
	}
	if problem != nil {
		return certLogin422(*problem), nil
	}
	bound, err := s.Q.GetCertificateByFingerprint(ctx, cert.Fingerprint[:])
	known := err == nil
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return nil, err
	}
	// The signature is checked before the binding is revealed: only the
	// key's holder learns whether the certificate belongs to an account.
	if cert.Verify(message, sig) != nil {
		if known {
			if err := s.Record(ctx, s.Q, audit.SignInFailed, bound.UserID, map[string]any{
				"method": "certificate", "reason": codeInvalidSignature, "certificateId": bound.ID,
			}); err != nil {
				return nil, err
			}
		}
		return certLogin401(ctx, codeInvalidSignature, "The signature does not verify with the certificate's public key."), nil
	}
	if !known {
		return certLogin401(ctx, codeCertificateNotBound,
			"No account has this certificate; sign in another way and bind it in your profile."), nil
	}
	user, err := s.Q.GetUserByID(ctx, bound.UserID)
	if err != nil {
		return nil, err
	}
	if refusal := accountRefusal(user); refusal != "" {
		return api.LoginWithCertificate403ApplicationProblemPlusJSONResponse{ForbiddenApplicationProblemPlusJSONResponse: api.ForbiddenApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusForbidden, web.CodeAccountBlocked, refusal))}, nil
	}
	var out api.AuthResponse
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		out, err = s.StartSession(ctx, q, user, b.RememberMe != nil && *b.RememberMe)
		if err != nil {
			return err
		}
		if err := q.TouchUserCertificate(ctx, bound.ID); err != nil {
			return err
		}
		return s.Record(ctx, q, audit.SignIn, user.ID, map[string]any{"method": "certificate", "certificateId": bound.ID})
	})
	if err != nil {
		return nil, err
	}
	return api.LoginWithCertificate200JSONResponse(out), nil
}

func certLogin422(p api.Problem) api.LoginWithCertificate422ApplicationProblemPlusJSONResponse {
	return api.LoginWithCertificate422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(p)}
}

func certLogin401(ctx context.Context, code, detail string) api.LoginWithCertificate401ApplicationProblemPlusJSONResponse {
	challenge := `Bearer realm="kabinet"`
	return api.LoginWithCertificate401ApplicationProblemPlusJSONResponse{UnauthorizedApplicationProblemPlusJSONResponse: api.UnauthorizedApplicationProblemPlusJSONResponse{
		Body:    web.NewProblem(ctx, http.StatusUnauthorized, code, detail),
		Headers: api.UnauthorizedResponseHeaders{WWWAuthenticate: &challenge},
	}}
}

// accountRefusal says why user may not sign in without a password (by
// certificate or through a provider), or "" when they may. Only active
// accounts sign in: a blocked one waits for an administrator, and a closed
// one is gone for good — closure removes its certificates and provider
// links, but a sign-in racing the closure may still have found one.
func accountRefusal(user db.User) string {
	switch user.Status {
	case db.UserStatusActive:
		return ""
	case db.UserStatusClosed:
		return "The account is closed."
	}
	return "The account is blocked; contact the center's administrator."
}
