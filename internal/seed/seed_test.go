package seed_test

import (
	"context"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/auth"
	"github.com/kabinet-edu/kabinet/internal/seed"
)

func TestDemoAccountsSignInWithTheirRoles(t *testing.T) {
	env := apitest.New(t)
	ctx := context.Background()
	hasher, err := auth.NewHasher(env.Config.Argon2, 2)
	if err != nil {
		t.Fatal(err)
	}
	// Twice: loading demo data again must change nothing.
	for range 2 {
		if err := seed.Demo(ctx, env.Pool, hasher); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range seed.DemoUsers {
		remember := false
		res, err := env.Client.LoginWithResponse(ctx, client.LoginRequest{Login: d.Email, Password: seed.DemoPassword, RememberMe: &remember})
		if err != nil {
			t.Fatal(err)
		}
		if res.JSON200 == nil {
			t.Fatalf("%s cannot sign in: %d %s", d.Email, res.StatusCode(), res.Body)
		}
		me, err := env.Client.GetMeWithResponse(ctx, apitest.Bearer(res.JSON200.AccessToken))
		if err != nil || me.JSON200 == nil {
			t.Fatalf("%s: /me %v", d.Email, err)
		}
		var demoRole client.Role
		for _, m := range me.JSON200.Memberships {
			if m.Organization.Slug == seed.DemoOrgSlug {
				demoRole = m.Role
			}
		}
		if string(demoRole) != string(d.Role) {
			t.Errorf("%s has role %q in the demo organization, want %q", d.Email, demoRole, d.Role)
		}
	}
	var users int
	if err := env.Pool.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&users); err != nil || users != len(seed.DemoUsers) {
		t.Fatalf("users = %d (%v), want %d", users, err, len(seed.DemoUsers))
	}
}
