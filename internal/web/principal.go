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
	// unchecked: the token is valid but its session has not been checked
	// yet; the operation's handler checks it in its own first statement
	// (Base.SessionInStatement). Only User.ID and SessionID are set until
	// Confirm, and Caller refuses it.
	unchecked bool
}

type principalKey struct{}

// principalSlot is placed on the context before validation; the
// authentication func fills it.
type principalSlot struct {
	p *Principal
	// own holds the principal of the one-statement operations, made in
	// the slot rather than apart from it (one allocation fewer, twice, on
	// the hottest reads).
	own Principal
}

// WithCallerSlot prepares ctx for a request to a secured operation: the
// authentication func fills the slot, handlers read it back with Caller.
func WithCallerSlot(ctx context.Context) context.Context {
	return context.WithValue(ctx, principalKey{}, &principalSlot{})
}

// Caller returns the authenticated principal. Handlers of secured
// operations call it; the validator guarantees it is set.
func Caller(ctx context.Context) (*Principal, error) {
	if s, ok := ctx.Value(principalKey{}).(*principalSlot); ok && s.p != nil {
		if s.p.unchecked {
			// Fail closed: this operation's handler was meant to check the
			// session itself (UncheckedCaller, Confirm).
			return nil, errors.New("the session of this request has not been checked")
		}
		return s.p, nil
	}
	return nil, errors.New("no authenticated principal on a secured operation")
}

// UncheckedCaller returns the user and session named by a valid access
// token whose session the handler checks itself, in its first statement:
// the handlers of the operations listed in Base.SessionInStatement call it,
// then Confirm with what that statement returned, or answer SessionEnded.
// On any other operation it is Caller's principal, already checked.
func UncheckedCaller(ctx context.Context) (userID, sessionID uuid.UUID, err error) {
	s, ok := ctx.Value(principalKey{}).(*principalSlot)
	if !ok || s.p == nil || s.p.Operator {
		return uuid.Nil, uuid.Nil, errors.New("no authenticated user on a secured operation")
	}
	return s.p.User.ID, s.p.SessionID, nil
}

// Confirm records that the handler's statement found the session live and
// its user active; Caller answers from then on, with user and
// authenticatedAt: what the statement read of them (at least the user's
// id; a zero authenticatedAt when it did not read it), enough for the rest
// of that handler.
func Confirm(ctx context.Context, user db.User, authenticatedAt time.Time) (*Principal, error) {
	s, ok := ctx.Value(principalKey{}).(*principalSlot)
	if !ok || s.p == nil || s.p.User.ID != user.ID {
		return nil, errors.New("confirming a session that is not this request's")
	}
	s.own = Principal{User: user, SessionID: s.p.SessionID, AuthenticatedAt: authenticatedAt}
	s.p = &s.own
	return s.p, nil
}

// SessionEnded is the 401 a handler answers when its statement found the
// token's session ended (signed out, revoked, expired) or its user blocked:
// the same problem the authentication func gives on other operations.
func SessionEnded(ctx context.Context) error {
	return sessionEnded().Problem(ctx)
}

func sessionEnded() *AuthError {
	return &AuthError{code: CodeSessionEnded, detail: "The session has ended; sign in again."}
}

// ErrSessionNotChecked marks a response written by a handler of
// Base.SessionInStatement that neither confirmed nor refused the session:
// a bug, logged as an error (the response has gone already).
var ErrSessionNotChecked = errors.New("the handler did not check the session")

// Unchecked reports whether ctx's caller still awaits the session check
// its handler was meant to make (a handler that forgot: a bug).
func Unchecked(ctx context.Context) bool {
	s, ok := ctx.Value(principalKey{}).(*principalSlot)
	return ok && s.p != nil && s.p.unchecked
}

// CheckSession makes the session check of an unchecked caller now (a no-op
// for any other): what the validator does when a request to such an
// operation fails validation, and a handler when its statement found no
// row, so that an ended session is a 401 there as everywhere. The 401 is
// a *Error, ready to return.
func (s *Base) CheckSession(ctx context.Context) error {
	slot, ok := ctx.Value(principalKey{}).(*principalSlot)
	if !ok || slot.p == nil || !slot.p.unchecked {
		return nil
	}
	err := s.checkSession(ctx, slot, slot.p.User.ID, slot.p.SessionID)
	var ae *AuthError
	if errors.As(err, &ae) {
		return ae.Problem(ctx)
	}
	return err
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
	slot, ok := ctx.Value(principalKey{}).(*principalSlot)
	if !ok {
		return errors.New("principal slot missing from context")
	}
	if s.sessionInStatement(in) {
		// The handler's first statement checks the session (one round trip
		// for the whole request); until it does, Caller refuses.
		slot.own = Principal{User: db.User{ID: userID}, SessionID: sessionID, unchecked: true}
		slot.p = &slot.own
		return nil
	}
	return s.checkSession(ctx, slot, userID, sessionID)
}

// checkSession fills slot with the principal of a live session, or fails
// with session_ended.
func (s *Base) checkSession(ctx context.Context, slot *principalSlot, userID, sessionID uuid.UUID) error {
	row, err := s.Q.GetSessionPrincipal(ctx, db.GetSessionPrincipalParams{SessionID: sessionID, UserID: userID})
	if errors.Is(err, pgx.ErrNoRows) {
		return sessionEnded()
	}
	if err != nil {
		return err
	}
	slot.p = &Principal{User: row.User, SessionID: sessionID, AuthenticatedAt: row.AuthenticatedAt}
	return nil
}

// sessionInStatement reports whether in's operation is one whose handler
// checks the session in its own first statement: a safe method, and its
// operationId in SessionInStatement.
func (s *Base) sessionInStatement(in *openapi3filter.AuthenticationInput) bool {
	if len(s.SessionInStatement) == 0 || in.RequestValidationInput == nil || in.RequestValidationInput.Route == nil ||
		in.RequestValidationInput.Route.Operation == nil {
		return false
	}
	if m := in.RequestValidationInput.Request.Method; m != http.MethodGet && m != http.MethodHead {
		return false
	}
	return s.SessionInStatement[in.RequestValidationInput.Route.Operation.OperationID]
}

// NewAuthError is a failed authentication with its stable code, for the
// authentication funcs of other security schemes (the notification
// stream's ticket).
func NewAuthError(code, detail string) *AuthError {
	return &AuthError{code: code, detail: detail}
}

// SetCaller fills the caller's slot of ctx: what an authentication func of
// another security scheme does once it has identified the caller.
func SetCaller(ctx context.Context, p *Principal) error {
	slot, ok := ctx.Value(principalKey{}).(*principalSlot)
	if !ok {
		return errors.New("principal slot missing from context")
	}
	slot.p = p
	return nil
}
