package identity_test

import (
	"context"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// TestGetMeMemberships: GET /me's one statement lists the memberships in
// the order they were granted, with the second-factor flag of each, beside
// the certificate warnings; a user whose last membership went still gets
// the profile, with an empty list (not a 401).
func TestGetMeMemberships(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	reg := apitest.Register(t, env, apitest.NewAccount())
	// Two more centers, granted after the default one and a minute apart;
	// the second requires a second factor of its staff.
	if _, err := env.Pool.Exec(ctx, `
		WITH o AS (
			INSERT INTO organizations (slug, name, require_staff_2fa)
			VALUES ('me-late', 'Late', true), ('me-early', 'Early', false)
			RETURNING id, slug)
		INSERT INTO memberships (organization_id, user_id, role, created_at)
		SELECT id, $1, 'teacher', now() + CASE slug WHEN 'me-early' THEN interval '1 minute' ELSE interval '2 minutes' END FROM o`,
		reg.User.ID); err != nil {
		t.Fatal(err)
	}
	notAfter := time.Now().Add(48 * time.Hour).UTC().Truncate(time.Second)
	if _, err := env.Pool.Exec(ctx, `
		INSERT INTO user_certificates (user_id, fingerprint, subject, issuer, serial_number, key_algorithm, not_before, not_after, der)
		VALUES ($1, sha256('me-cert'), 'CN=Me', 'CN=CA', '01', 'ECDSA', now() - interval '1 year', $2, '\x00')`,
		reg.User.ID, notAfter); err != nil {
		t.Fatal(err)
	}

	me := apitest.GetMe(t, env, reg.AccessToken)
	if me.JSON200 == nil {
		t.Fatalf("GET /me: %d %s", me.StatusCode(), me.Body)
	}
	var slugs []string
	required := map[string]bool{}
	for _, m := range me.JSON200.Memberships {
		slugs = append(slugs, m.Organization.Slug)
		required[m.Organization.Slug] = m.SecondFactorRequired != nil && *m.SecondFactorRequired
	}
	if len(slugs) != 3 || slugs[0] != "default" || slugs[1] != "me-early" || slugs[2] != "me-late" {
		t.Fatalf("memberships %v, want default, me-early, me-late", slugs)
	}
	if !required["me-late"] || required["me-early"] || required["default"] {
		t.Fatalf("second factor required: %v, want only me-late (staff, no TOTP)", required)
	}
	if w := me.JSON200.Warnings; len(w) != 1 || w[0].Code != "certificate_expires_soon" || w[0].ExpiresAt == nil || !w[0].ExpiresAt.Equal(notAfter) {
		t.Fatalf("warnings %+v, want the one certificate expiring at %s", w, notAfter)
	}

	if _, err := env.Pool.Exec(ctx, `DELETE FROM memberships WHERE user_id = $1`, reg.User.ID); err != nil {
		t.Fatal(err)
	}
	me = apitest.GetMe(t, env, reg.AccessToken)
	if me.JSON200 == nil || me.JSON200.ID != reg.User.ID || len(me.JSON200.Memberships) != 0 || len(me.JSON200.Warnings) != 1 {
		t.Fatalf("without memberships: %d %s", me.StatusCode(), me.Body)
	}

	// The certificate renewed far ahead, then a second one bound that
	// expires soon, then that one unbound: the warnings follow each step
	// (each GET /me reads them afresh).
	steps := []struct {
		sql  string
		want int
	}{
		{`UPDATE user_certificates SET not_after = now() + interval '2 years' WHERE user_id = $1`, 0},
		{`INSERT INTO user_certificates (user_id, fingerprint, subject, issuer, serial_number, key_algorithm, not_before, not_after, der)
		  VALUES ($1, sha256('me-cert-2'), 'CN=Soon', 'CN=CA', '02', 'ECDSA', now() - interval '1 year', now() + interval '1 day', '\x00')`, 1},
		{`DELETE FROM user_certificates WHERE user_id = $1 AND subject = 'CN=Soon'`, 0},
	}
	for i, st := range steps {
		if _, err := env.Pool.Exec(ctx, st.sql, reg.User.ID); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		me = apitest.GetMe(t, env, reg.AccessToken)
		if me.JSON200 == nil || len(me.JSON200.Warnings) != st.want {
			t.Fatalf("step %d: want %d warnings: %d %s", i, st.want, me.StatusCode(), me.Body)
		}
	}
}
