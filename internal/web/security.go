package web

import (
	"context"
	"net/http"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
)

// RecentAuthWindow is how long after proving who they are (password or second
// factor) a user may change credentials, contacts or close the account.
const RecentAuthWindow = 10 * time.Minute

// requireRecentAuth refuses a sensitive change when the session's owner has
// not proved who they are within RecentAuthWindow. The client then calls the
// reauthentication endpoint and retries.
func (s *Base) RequireRecentAuth(ctx context.Context, p *Principal) error {
	if s.Now().Sub(p.AuthenticatedAt) <= RecentAuthWindow {
		return nil
	}
	return &Error{Problem: NewProblem(ctx, http.StatusForbidden, CodeReauthRequired,
		"Confirm your password (or a second-factor code) first, then repeat the request.")}
}

// record writes an audit event about userID through q, with the request's IP
// and user agent.
func (s *Base) Record(ctx context.Context, q *db.Queries, name string, userID uuid.UUID, details map[string]any) error {
	m := MetaFrom(ctx)
	var uid *uuid.UUID
	if userID != uuid.Nil {
		uid = &userID
	}
	return audit.Record(ctx, q, audit.Event{Name: name, UserID: uid, IP: m.IP, UserAgent: m.UserAgent, Details: details})
}

// recordIn writes an audit event that belongs to organization orgID's log:
// about userID (if any), done by actorID (if any).
func (s *Base) RecordIn(ctx context.Context, q *db.Queries, name string, orgID uuid.UUID, userID, actorID *uuid.UUID, details map[string]any) error {
	m := MetaFrom(ctx)
	return audit.Record(ctx, q, audit.Event{
		Name: name, UserID: userID, ActorID: actorID, OrgID: &orgID,
		IP: m.IP, UserAgent: m.UserAgent, Details: details,
	})
}
