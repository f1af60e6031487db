package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
)

// recentAuthWindow is how long after proving who they are (password or second
// factor) a user may change credentials, contacts or close the account.
const recentAuthWindow = 10 * time.Minute

const codeReauthRequired = "reauthentication_required"

// requireRecentAuth refuses a sensitive change when the session's owner has
// not proved who they are within recentAuthWindow. The client then calls the
// reauthentication endpoint and retries.
func (s *Server) requireRecentAuth(ctx context.Context, p *principal) error {
	if s.now().Sub(p.authenticatedAt) <= recentAuthWindow {
		return nil
	}
	return &problemError{problem: newProblem(ctx, http.StatusForbidden, codeReauthRequired,
		"Confirm your password (or a second-factor code) first, then repeat the request.")}
}

// record writes an audit event about userID through q, with the request's IP
// and user agent.
func (s *Server) record(ctx context.Context, q *db.Queries, name string, userID uuid.UUID, details map[string]any) error {
	m := metaFrom(ctx)
	var uid *uuid.UUID
	if userID != uuid.Nil {
		uid = &userID
	}
	return audit.Record(ctx, q, audit.Event{Name: name, UserID: uid, IP: m.ip, UserAgent: m.userAgent, Details: details})
}
