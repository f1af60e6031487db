// Package identity is the account domain: registration, sign-in by password,
// certificate or SSO, sessions and refresh, recovery and passwords, TOTP,
// contacts, profile, data export and closure, and the user's own audit log.
package identity

import (
	"context"

	"github.com/kabinet-edu/kabinet/internal/captcha"
	"github.com/kabinet-edu/kabinet/internal/oidc"
	"github.com/kabinet-edu/kabinet/internal/outbox"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Handler implements the identity operations of the generated strict-server
// interface.
type Handler struct {
	web.Base
	outbox  *outbox.Outbox    // messages, with their delivery jobs, in the caller's transaction
	sso     *oidc.Registry    // OpenID Connect providers (sso.go)
	captcha *captcha.Verifier // nil: registration needs no captcha
	// Files deletes stored files (applicants' documents) that closing an
	// account erases; nil keeps them.
	Files FileDeleter
}

// FileDeleter deletes a stored file by its key (blob.Store does).
type FileDeleter interface {
	Delete(ctx context.Context, key string) error
}

// New builds the identity handlers over the shared dependencies.
func New(base web.Base, out *outbox.Outbox) *Handler {
	return &Handler{
		Base: base, outbox: out,
		sso:     oidc.NewRegistry(base.Cfg.SSO.Providers, nil),
		captcha: newCaptcha(base.Cfg),
	}
}
