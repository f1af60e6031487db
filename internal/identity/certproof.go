package identity

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/certauth"
	"github.com/kabinet-edu/kabinet/internal/ratelimit"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Problem codes of certificate binding and sign-in.
const (
	codeInvalidSignature    = "invalid_signature"
	codeCertificateNotBound = "certificate_not_bound"
	codeCertificateBound    = "certificate_already_bound"
	codeCertificateLimit    = "certificate_limit_reached"
)

// Challenge purposes (certificate_challenges.purpose): a binding challenge
// cannot sign in and a sign-in challenge cannot bind.
const (
	challengeBind   = "bind"
	challengeSignIn = "sign_in"
)

// certRule limits, per minute, one kind of certificate operation (asking for
// challenges, signing in) by one subject (a client IP or a user).
func (s *Handler) certRule(name string) ratelimit.Rule {
	return ratelimit.Rule{Name: name, Max: s.Cfg.Certificates.RatePerMinute, Period: time.Minute}
}

// clientKey is the rate-limit subject for the request's client address.
func clientKey(ctx context.Context) string {
	if ip := web.MetaFrom(ctx).IP; ip != nil {
		return ip.String()
	}
	return "unknown"
}

// issueChallenge stores a fresh challenge (for userID when binding) and
// returns it as the API shows it. Old challenges are pruned on the way.
func (s *Handler) issueChallenge(ctx context.Context, purpose string, userID *uuid.UUID) (api.CertificateChallenge, error) {
	if err := s.Q.PruneCertificateChallenges(ctx); err != nil {
		return api.CertificateChallenge{}, err
	}
	row, err := s.Q.CreateCertificateChallenge(ctx, db.CreateCertificateChallengeParams{
		Purpose:   purpose,
		UserID:    userID,
		Challenge: certauth.NewChallenge(),
		ExpiresAt: s.Now().Add(s.Cfg.Certificates.ChallengeTTL),
	})
	if err != nil {
		return api.CertificateChallenge{}, err
	}
	return api.CertificateChallenge{
		ChallengeID: row.ID,
		Challenge:   base64.StdEncoding.EncodeToString(row.Challenge),
		ExpiresAt:   row.ExpiresAt.UTC(),
	}, nil
}

// useChallenge spends challenge id and returns the bytes that must have been
// signed. It runs outside any transaction on purpose: the challenge stays
// used whatever happens next, so each one allows exactly one attempt. A
// failure comes back as a 422 problem naming challengeId.
func (s *Handler) useChallenge(ctx context.Context, id uuid.UUID, purpose string, userID *uuid.UUID) ([]byte, *api.Problem, error) {
	row, err := s.Q.UseCertificateChallenge(ctx, db.UseCertificateChallengeParams{ID: id, Purpose: purpose, UserID: userID})
	if errors.Is(err, pgx.ErrNoRows) {
		p := web.NewProblem(ctx, http.StatusUnprocessableEntity, web.CodeInvalidChallenge,
			"The challenge is unknown or was already used; ask for a new one.",
			web.FieldError("challengeId", web.CodeInvalidChallenge, "is unknown, already used, or was issued for another purpose"))
		return nil, &p, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if !s.Now().Before(row.ExpiresAt) {
		p := web.NewProblem(ctx, http.StatusUnprocessableEntity, web.CodeChallengeExpired,
			"The challenge has expired; ask for a new one and sign it at once.",
			web.FieldError("challengeId", web.CodeChallengeExpired, "expired at "+row.ExpiresAt.UTC().Format(time.RFC3339)))
		return nil, &p, nil
	}
	return row.Challenge, nil, nil
}

// readProof parses the certificate and the signature sent by the client and
// checks what needs no database: the key type and the validity period. It
// returns every problem as a field error.
func (s *Handler) readProof(certText, sigText string) (*certauth.Certificate, []byte, []api.FieldError) {
	var fields []api.FieldError
	cert, err := certauth.Parse(certText)
	switch {
	case errors.Is(err, certauth.ErrUnsupportedKey):
		fields = append(fields, web.FieldError("certificatePem", "unsupported_key_algorithm", err.Error()))
	case errors.Is(err, certauth.ErrWeakKey):
		fields = append(fields, web.FieldError("certificatePem", "weak_key", err.Error()))
	case err != nil:
		fields = append(fields, web.FieldError("certificatePem", "invalid_certificate", err.Error()))
	default:
		switch err := cert.CheckValidity(s.Now()); {
		case errors.Is(err, certauth.ErrExpired):
			fields = append(fields, web.FieldError("certificatePem", "certificate_expired",
				"has expired: it was valid until "+cert.NotAfter.Format(time.RFC3339)))
		case errors.Is(err, certauth.ErrNotYetValid):
			fields = append(fields, web.FieldError("certificatePem", "certificate_not_yet_valid",
				"is not valid yet: it is valid from "+cert.NotBefore.Format(time.RFC3339)))
		}
	}
	sig, err := certauth.DecodeSignature(sigText)
	if err != nil {
		fields = append(fields, web.FieldError("signature", "invalid_format", err.Error()))
	}
	return cert, sig, fields
}

func invalidInput(ctx context.Context, fields []api.FieldError) api.Problem {
	return web.NewProblem(ctx, http.StatusUnprocessableEntity, web.CodeValidationFailed, "One or more fields are invalid.", fields...)
}
