package organizations

import (
	"context"
	"errors"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/audit"
	"github.com/kabinet-edu/kabinet/internal/invitation"
)

// FirstAdmin names the first admin of a new organization.
type FirstAdmin struct {
	Email     string // normalized (contact.NormalizeEmail)
	FirstName string
	LastName  string
	Locale    string // "ru" or "en"; "" means ru
}

// AppointFirstAdmin makes a.Email the admin of org, a new organization that
// has no members, inside the caller's transaction (q over tx): an existing
// account becomes admin at once and is told by e-mail (granted = true);
// otherwise an invitation link is e-mailed, as CreateInvitation does. There
// is no inviting member: the platform's operators create organizations.
func (s *Handler) AppointFirstAdmin(ctx context.Context, q *db.Queries, tx pgx.Tx, org db.Organization, a FirstAdmin) (inv db.Invitation, granted bool, err error) {
	in := db.CreateInvitationParams{
		OrganizationID: org.ID, Email: a.Email, Role: db.MemberRoleAdmin, Locale: a.Locale,
		FirstName: strings.TrimSpace(a.FirstName), LastName: strings.TrimSpace(a.LastName),
	}
	if in.Locale == "" {
		in.Locale = "ru"
	}
	user, err := q.GetUserByEmail(ctx, a.Email)
	switch {
	case err == nil:
		inv, conflict, err := s.grantExisting(ctx, q, tx, org, user, in)
		if err == nil && conflict != "" {
			err = errors.New("appoint first admin: the account is already a member of a new organization")
		}
		return inv, true, err
	case !errors.Is(err, pgx.ErrNoRows):
		return db.Invitation{}, false, err
	}
	token, hash := invitation.NewToken()
	in.TokenHash, in.ExpiresAt = hash, s.Now().Add(s.Cfg.InvitationTTL)
	if inv, err = q.CreateInvitation(ctx, in); err != nil {
		return db.Invitation{}, false, err
	}
	if err := s.sendInvitation(ctx, tx, org, inv, token, db.User{}); err != nil {
		return db.Invitation{}, false, err
	}
	return inv, false, s.RecordIn(ctx, q, audit.InvitationSent, org.ID, nil, nil,
		map[string]any{"invitationId": inv.ID, "email": a.Email, "role": db.MemberRoleAdmin, "byOperator": true})
}
