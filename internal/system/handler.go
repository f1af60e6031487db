// Package system serves the operations that are about the service itself:
// health, readiness, the JWKS of the token signing keys, and the development
// mailbox.
package system

import (
	"crypto/ed25519"

	"github.com/kabinet-edu/kabinet/internal/web"
)

// Handler implements the system operations of the generated strict-server
// interface.
type Handler struct {
	web.Base
	// CredentialKey, when set, is the public key of completion credentials
	// (internal/completion), published in the JWKS after the token keys.
	CredentialKey ed25519.PublicKey
}

// New builds the system handlers.
func New(base web.Base) *Handler { return &Handler{Base: base} }
