package system

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"net/http"
	"slices"
	"time"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/internal/auth"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// GetHealth answers while the process runs.
func (s *Handler) GetHealth(context.Context, api.GetHealthRequestObject) (api.GetHealthResponseObject, error) {
	return api.GetHealth200JSONResponse{Status: api.Ok}, nil
}

// GetReadiness answers 200 only when the database answers.
func (s *Handler) GetReadiness(ctx context.Context, _ api.GetReadinessRequestObject) (api.GetReadinessResponseObject, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.Pool.Ping(ctx); err != nil {
		s.Log.WarnContext(ctx, "readiness: database unreachable", "err", err)
		return api.GetReadiness503ApplicationProblemPlusJSONResponse{ServiceUnavailableApplicationProblemPlusJSONResponse: api.ServiceUnavailableApplicationProblemPlusJSONResponse{
			Body:    web.NewProblem(ctx, http.StatusServiceUnavailable, web.CodeUnavailable, "The database is not reachable."),
			Headers: api.ServiceUnavailableResponseHeaders{RetryAfter: web.UnavailableRetryAfter},
		}}, nil
	}
	return api.GetReadiness200JSONResponse{Status: api.Ok}, nil
}

// GetJwks publishes every key that verifies access tokens: the current one
// first, then previous ones still trusted during a rotation; then the key
// of completion credentials.
func (s *Handler) GetJwks(context.Context, api.GetJwksRequestObject) (api.GetJwksResponseObject, error) {
	jwk := func(kid string, key ed25519.PublicKey) api.JWK {
		return api.JWK{Kty: api.OKP, Crv: api.Ed25519, X: base64.RawURLEncoding.EncodeToString(key), Kid: kid, Use: api.Sig, Alg: api.EdDSA}
	}
	keys := []api.JWK{jwk(s.Issuer.KeyID(), s.Issuer.PublicKey())}
	var previous []string
	for kid := range s.Issuer.VerificationKeys() {
		if kid != s.Issuer.KeyID() {
			previous = append(previous, kid)
		}
	}
	slices.Sort(previous)
	for _, kid := range previous {
		keys = append(keys, jwk(kid, s.Issuer.VerificationKeys()[kid]))
	}
	if s.CredentialKey != nil {
		if kid := auth.Thumbprint(s.CredentialKey); kid != s.Issuer.KeyID() && !slices.Contains(previous, kid) {
			keys = append(keys, jwk(kid, s.CredentialKey))
		}
	}
	return api.GetJwks200JSONResponse{Keys: keys}, nil
}
