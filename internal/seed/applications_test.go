package seed_test

import (
	"context"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/auth"
	"github.com/kabinet-edu/kabinet/internal/seed"
)

// The demo applications load twice without change, and the demo manager's
// queue and the demo learner's list show them.
func TestDemoApplications(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	hasher, err := auth.NewHasher(env.Config.Argon2, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := seed.Demo(ctx, env.Pool, hasher); err != nil {
		t.Fatal(err)
	}
	for range 2 {
		if err := seed.DemoApplications(ctx, env.Pool, hasher); err != nil {
			t.Fatal(err)
		}
	}
	if n := apitest.CountRows(t, env, "applications"); n != 6 {
		t.Fatalf("%d applications, want 6", n)
	}
	login := func(email string) client.RequestEditorFn {
		res := apitest.Login(t, env, email, seed.DemoPassword, false)
		if res.JSON200 == nil {
			t.Fatalf("%s: %d %s", email, res.StatusCode(), res.Body)
		}
		return apitest.Bearer(res.JSON200.AccessToken)
	}
	manager := login("manager@demo.kabinet.test")
	me, _ := env.Client.GetMeWithResponse(ctx, manager)
	var orgID = me.JSON200.Memberships[0].Organization.ID
	for _, m := range me.JSON200.Memberships {
		if m.Organization.Slug == seed.DemoOrgSlug {
			orgID = m.Organization.ID
		}
	}
	queue, _ := env.Client.ListOrganizationApplicationsWithResponse(ctx, orgID, nil, manager)
	if queue.JSON200 == nil || len(queue.JSON200.Items) != 1 {
		t.Fatalf("queue %d %s", queue.StatusCode(), queue.Body)
	}
	st := client.ListOrganizationApplicationsParamsStatusWaitlisted
	w, _ := env.Client.ListOrganizationApplicationsWithResponse(ctx, orgID, &client.ListOrganizationApplicationsParams{Status: &st}, manager)
	if len(w.JSON200.Items) != 1 {
		t.Fatalf("waiting list %s", w.Body)
	}
	mine, _ := env.Client.ListMyApplicationsWithResponse(ctx, nil, login("learner@demo.kabinet.test"))
	if len(mine.JSON200.Items) != 1 || mine.JSON200.Items[0].Status != client.ApplicationStatusDraft {
		t.Fatalf("demo learner's applications %s", mine.Body)
	}
}
