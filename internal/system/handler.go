// Package system serves the operations that are about the service itself:
// health, readiness, the JWKS of the token signing keys, and the development
// mailbox.
package system

import "github.com/kabinet-edu/kabinet/internal/web"

// Handler implements the system operations of the generated strict-server
// interface.
type Handler struct {
	web.Base
}

// New builds the system handlers.
func New(base web.Base) *Handler { return &Handler{Base: base} }
