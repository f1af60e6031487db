package seed_test

import (
	"context"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/auth"
	"github.com/kabinet-edu/kabinet/internal/seed"
)

func TestDemoInvitationCanBeShownAndAccepted(t *testing.T) {
	env := apitest.New(t)
	ctx := context.Background()
	hasher, err := auth.NewHasher(env.Config.Argon2, 2)
	if err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := seed.Demo(ctx, env.Pool, hasher); err != nil {
			t.Fatal(err)
		}
	}
	pre, err := env.Client.GetInvitationWithResponse(ctx, seed.DemoInvitationToken)
	if err != nil || pre.JSON200 == nil || pre.JSON200.Organization.Slug != seed.DemoOrgSlug || string(pre.JSON200.Email) != seed.DemoInvitationEmail {
		t.Fatalf("demo invitation: %v %s", err, pre.Body)
	}
	var open int
	if err := env.Pool.QueryRow(ctx, `SELECT count(*) FROM invitations WHERE accepted_at IS NULL AND revoked_at IS NULL`).Scan(&open); err != nil || open != 1 {
		t.Fatalf("open invitations after seeding twice: %d %v", open, err)
	}
	acc, err := env.Client.AcceptInvitationWithResponse(ctx, client.AcceptInvitationRequest{
		Token: seed.DemoInvitationToken, FirstName: "Игорь", LastName: "Приглашённый", Password: "Own-Passw0rd!",
	})
	if err != nil || acc.JSON201 == nil {
		t.Fatalf("accept the demo invitation: %v %s", err, acc.Body)
	}
	// Seeding again leaves the accepted invitation alone.
	if err := seed.Demo(ctx, env.Pool, hasher); err != nil {
		t.Fatal(err)
	}
	if pre, err := env.Client.GetInvitationWithResponse(ctx, seed.DemoInvitationToken); err != nil || pre.StatusCode() != 404 {
		t.Fatalf("after acceptance: %v %d", err, pre.StatusCode())
	}
}
