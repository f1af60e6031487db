package web

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

// Principal is the authenticated caller of a request.
type Principal struct {
	User      db.User
	SessionID uuid.UUID
	// AuthenticatedAt is when the session's owner last proved who they are;
	// sensitive changes require it to be recent.
	AuthenticatedAt time.Time
	// Operator is set instead of User for a platform operator (HTTP Basic
	// with the configured credentials, see operator.go).
	Operator bool
}

type principalKey struct{}

// principalSlot is placed on the context before validation; the
// authentication func fills it.
type principalSlot struct{ p *Principal }

// WithCallerSlot prepares ctx for a request to a secured operation: the
// authentication func fills the slot, handlers read it back with Caller.
func WithCallerSlot(ctx context.Context) context.Context {
	return context.WithValue(ctx, principalKey{}, &principalSlot{})
}

// Caller returns the authenticated principal. Handlers of secured
// operations call it; the validator guarantees it is set.
func Caller(ctx context.Context) (*Principal, error) {
	if s, ok := ctx.Value(principalKey{}).(*principalSlot); ok && s.p != nil {
		return s.p, nil
	}
	return nil, errors.New("no authenticated principal on a secured operation")
}

// AuthError is a failed authentication; it becomes a 401 problem.
type AuthError struct {
	code   string
	detail string
	basic  bool // challenge with Basic (operatorBasic) instead of Bearer
}

func (e *AuthError) Error() string { return e.code }

// Problem is the 401 problem, with its WWW-Authenticate challenge.
func (e *AuthError) Problem(ctx context.Context) *Error {
	h := http.Header{}
	challenge := `Bearer realm="kabinet"`
	if e.basic {
		challenge = `Basic realm="Kabinet operators", charset="UTF-8"`
	} else if e.code != CodeAuthRequired {
		challenge += `, error="invalid_token"`
	}
	h.Set("WWW-Authenticate", challenge)
	return &Error{Problem: NewProblem(ctx, http.StatusUnauthorized, e.code, e.detail), Header: h}
}

// Authenticate is the validator's AuthenticationFunc: it checks the bearer
// token's signature and expiry, then that its session is still active, so a
// sign-out or a revoked session stops the token at once on every instance.
func (s *Base) Authenticate(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
	if in.SecuritySchemeName == "operatorBasic" {
		return s.authenticateOperator(ctx, in)
	}
	if in.SecuritySchemeName != "bearerAuth" {
		return fmt.Errorf("unsupported security scheme %q", in.SecuritySchemeName)
	}
	h := in.RequestValidationInput.Request.Header.Get("Authorization")
	scheme, token, found := strings.Cut(h, " ")
	if h == "" || !found || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return &AuthError{code: CodeAuthRequired, detail: "Send an access token as Authorization: Bearer <token>."}
	}
	userID, sessionID, err := s.Issuer.Parse(strings.TrimSpace(token))
	switch {
	case errors.Is(err, auth.ErrTokenExpired):
		return &AuthError{code: CodeTokenExpired, detail: "The access token has expired; refresh it."}
	case err != nil:
		return &AuthError{code: CodeInvalidToken, detail: "The access token is not valid."}
	}
	row, err := s.Q.GetSessionPrincipal(ctx, db.GetSessionPrincipalParams{SessionID: sessionID, UserID: userID})
	if errors.Is(err, pgx.ErrNoRows) {
		return &AuthError{code: CodeSessionEnded, detail: "The session has ended; sign in again."}
	}
	if err != nil {
		return err
	}
	slot, ok := ctx.Value(principalKey{}).(*principalSlot)
	if !ok {
		return errors.New("principal slot missing from context")
	}
	slot.p = &Principal{User: row.User, SessionID: sessionID, AuthenticatedAt: row.AuthenticatedAt}
	return nil
}
