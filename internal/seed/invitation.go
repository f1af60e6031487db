package seed

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/invitation"
)

// DemoInvitationToken is the link token of a pending demo invitation, so a
// tester can try GET /api/v1/auth/invitations/{token} and accepting it in
// Swagger UI without reading mail (see README). Real tokens are random.
const DemoInvitationToken = "DEMO-INVITATION-2026"

// DemoInvitationEmail is the address the demo invitation was sent to.
const DemoInvitationEmail = "invited@demo.kabinet.test"

// demoInvitation keeps a pending teacher invitation in the demo organization,
// valid for another 24 hours after every seeding, until it is accepted.
func demoInvitation(ctx context.Context, q *db.Queries, org db.Organization) error {
	if _, err := q.GetUserByEmail(ctx, DemoInvitationEmail); err == nil {
		return nil // accepted already
	} else if !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	hash, expires := invitation.Hash(DemoInvitationToken), time.Now().Add(24*time.Hour)
	open, err := q.GetOpenInvitationByEmailForUpdate(ctx, db.GetOpenInvitationByEmailForUpdateParams{OrganizationID: org.ID, Email: DemoInvitationEmail})
	if err == nil {
		_, err = q.RenewInvitationToken(ctx, db.RenewInvitationTokenParams{ID: open.ID, TokenHash: hash, ExpiresAt: expires})
		return err
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	_, err = q.CreateInvitation(ctx, db.CreateInvitationParams{
		OrganizationID: org.ID, Email: DemoInvitationEmail, Role: db.MemberRoleTeacher,
		FirstName: "Игорь", LastName: "Приглашённый", Locale: "ru", TokenHash: hash, ExpiresAt: expires,
	})
	return err
}
