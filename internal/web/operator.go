package web

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"errors"

	"github.com/getkin/kin-openapi/openapi3filter"
)

// CodeOperatorAuthRequired answers an operator operation without the
// operators' credentials (or on an installation that has none configured).
const CodeOperatorAuthRequired = "operator_authentication_required"

// authenticateOperator checks HTTP Basic credentials against the configured
// platform operator (config.Operator). Both halves are compared as SHA-256
// digests in constant time, so neither the length nor the first differing
// byte of a guess shows in the timing. Without configured credentials every
// request is refused: operator operations are never open.
func (s *Base) authenticateOperator(ctx context.Context, in *openapi3filter.AuthenticationInput) error {
	refuse := &AuthError{code: CodeOperatorAuthRequired, basic: true,
		detail: "Send the platform operators' credentials with HTTP Basic authentication."}
	op := s.Cfg.Operator
	user, password, ok := in.RequestValidationInput.Request.BasicAuth()
	if !ok || !op.Configured() {
		return refuse
	}
	wantUser, wantPassword := sha256.Sum256([]byte(op.Username)), sha256.Sum256([]byte(op.Password))
	gotUser, gotPassword := sha256.Sum256([]byte(user)), sha256.Sum256([]byte(password))
	if subtle.ConstantTimeCompare(gotUser[:], wantUser[:])&subtle.ConstantTimeCompare(gotPassword[:], wantPassword[:]) != 1 {
		return refuse
	}
	slot, found := ctx.Value(principalKey{}).(*principalSlot)
	if !found {
		return errors.New("principal slot missing from context")
	}
	slot.p = &Principal{Operator: true}
	return nil
}
