// Package seed loads the demo data that `make run` starts with: a demo
// organization and one account of each role, with documented credentials.
package seed

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/auth"
	"github.com/kabinet-edu/kabinet/internal/store"
)

// DemoPassword is the password of every demo account (see README).
const DemoPassword = "Kabinet-Demo-2026"

// DemoOrgSlug is the slug of the demo organization.
const DemoOrgSlug = "demo"

// DemoUser is one demo account.
type DemoUser struct {
	Email, Phone, FirstName, LastName string
	Role                              db.MemberRole
}

// DemoUsers are the demo accounts, one per role.
var DemoUsers = []DemoUser{
	{"admin@demo.kabinet.test", "+79000000001", "Алексей", "Админов", db.MemberRoleAdmin},
	{"director@demo.kabinet.test", "+79000000002", "Дарья", "Директорова", db.MemberRoleDirector},
	{"manager@demo.kabinet.test", "+79000000003", "Мария", "Менеджерова", db.MemberRoleManager},
	{"teacher@demo.kabinet.test", "+79000000004", "Татьяна", "Учителева", db.MemberRoleTeacher},
	{"learner@demo.kabinet.test", "+79000000005", "Лев", "Учеников", db.MemberRoleLearner},
}

// Demo creates the demo organization and accounts; it is idempotent and
// leaves existing accounts (and their passwords) untouched.
func Demo(ctx context.Context, pool *pgxpool.Pool, hasher *auth.Hasher) error {
	hash, err := hasher.Hash(ctx, DemoPassword)
	if err != nil {
		return err
	}
	return store.InTx(ctx, pool, func(q *db.Queries) error {
		org, err := q.UpsertOrganization(ctx, db.UpsertOrganizationParams{Slug: DemoOrgSlug, Name: "Учебный центр «Экстерн» (демо)"})
		if err != nil {
			return fmt.Errorf("demo organization: %w", err)
		}
		def, err := q.GetDefaultOrganization(ctx)
		if err != nil {
			return err
		}
		for _, d := range DemoUsers {
			user, err := q.GetUserByEmail(ctx, d.Email)
			if err != nil {
				if err = store.NotFound(err); err != store.ErrNotFound {
					return err
				}
				user, err = q.CreateUser(ctx, db.CreateUserParams{
					Email: d.Email, Phone: &d.Phone, FirstName: d.FirstName, LastName: d.LastName,
					PasswordHash: &hash, Locale: "ru",
				})
				if err != nil {
					return fmt.Errorf("demo user %s: %w", d.Email, err)
				}
			}
			if err := q.AddMembership(ctx, db.AddMembershipParams{OrganizationID: org.ID, UserID: user.ID, Role: d.Role}); err != nil {
				return err
			}
			if d.Role == db.MemberRoleLearner {
				if err := q.AddMembership(ctx, db.AddMembershipParams{OrganizationID: def.ID, UserID: user.ID, Role: d.Role}); err != nil {
					return err
				}
			}
		}
		return demoInvitation(ctx, q, org)
	})
}
