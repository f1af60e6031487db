// Package organizations is the domain of an organization's people and
// settings: members and their roles, invitations, bulk import with initial
// passwords, staff security settings, and the organization's audit log.
package organizations

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/outbox"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Accounts is what this domain needs of the identity domain: signing in an
// account that accepted an invitation, and an admin's reset of a member's
// second factor. Every call runs in the caller's transaction (q, or tx where
// the call also enqueues a message).
type Accounts interface {
	StartSession(ctx context.Context, q *db.Queries, user db.User, remember bool) (api.AuthResponse, error)
	RemoveSecondFactor(ctx context.Context, q *db.Queries, userID uuid.UUID) error
	NotifySecondFactor(ctx context.Context, tx pgx.Tx, user db.User, template string, data map[string]any) error
}

// Handler implements the organization operations of the generated
// strict-server interface.
type Handler struct {
	web.Base
	outbox   *outbox.Outbox // messages, with their delivery jobs, in the caller's transaction
	accounts Accounts
}

// New builds the organization handlers.
func New(base web.Base, out *outbox.Outbox, accounts Accounts) *Handler {
	return &Handler{Base: base, outbox: out, accounts: accounts}
}
