package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/auth"
)

// principal is the authenticated caller of a request.
type principal struct {
	user      db.User
	sessionID uuid.UUID
	// authenticatedAt is when the session's owner last proved who they are;
	// sensitive changes require it to be recent.
	authenticatedAt time.Time
}

type principalKey struct{}

// principalSlot is placed on the context before validation; the
// authentication func fills it.
type principalSlot struct{ p *principal }

// caller returns the authenticated principal. Handlers of secured
// operations call it; the validator guarantees it is set.
func caller(ctx context.Context) (*principal, error) {
	if s, ok := ctx.Value(principalKey{}).(*principalSlot); ok && s.p != nil {
		return s.p, nil
	}
	return nil, errors.New("no authenticated principal on a secured operation")
}

// authError is a failed authentication; it becomes a 401 problem.
type authError struct {
	code   string
	detail string
}

func (e *authError) Error() string { return e.code }

func (e *authError) problem(ctx context.Context) *problemError {
	h := http.Header{}
	challenge := `Bearer realm="kabinet"`
	if e.code != codeAuthRequired {
		challenge += `, error="invalid_token"`
	}
	h.Set("WWW-Authenticate", challenge)
	return &problemError{problem: newProblem(ctx, http.StatusUnauthorized, e.code, e.detail), header: h}
}

// authenticate is the validator's AuthenticationFunc: it checks the bearer
// token's signature and expiry, then that its session is still active, so a
// sign-out or a revoked session stops the token at once on every instance.
func (s *Server) authenticate(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecuritySchemeName != "bearerAuth" {
		return fmt.Errorf("unsupported security scheme %q", in.SecuritySchemeName)
	}
	h := in.RequestValidationInput.Request.Header.Get("Authorization")
	scheme, token, found := strings.Cut(h, " ")
	if h == "" || !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return &authError{code: codeAuthRequired, detail: "Send an access token as Authorization: Bearer <token>."}
	}
	userID, sessionID, err := s.issuer.Parse(strings.TrimSpace(token))
	switch {
	case errors.Is(err, auth.ErrTokenExpired):
		return &authError{code: codeTokenExpired, detail: "The access token has expired; refresh it."}
	case err != nil:
		return &authError{code: codeInvalidToken, detail: "The access token is not valid."}
	}
	row, err := s.q.GetSessionPrincipal(ctx, db.GetSessionPrincipalParams{SessionID: sessionID, UserID: userID})
	if errors.Is(err, pgx.ErrNoRows) {
		return &authError{code: codeSessionEnded, detail: "The session has ended; sign in again."}
	}
	if err != nil {
		return err
	}
	slot, ok := ctx.Value(principalKey{}).(*principalSlot)
	if !ok {
		return errors.New("principal slot missing from context")
	}
	slot.p = &principal{user: row.User, sessionID: sessionID, authenticatedAt: row.AuthenticatedAt}
	return nil
}
