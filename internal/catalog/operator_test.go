package catalog_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/config"
)

func basic(user, password string) client.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.SetBasicAuth(user, password)
		return nil
	}
}

func TestOperatorCreatesOrganizations(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, func(c *config.Config) {
		c.Operator = config.Operator{Username: "ops", Password: "a long operator secret"}
	})
	in := client.OperatorOrganizationCreate{Slug: "new-center", Name: "Новый центр",
		Admin: client.OperatorAdmin{Email: "Director@Example.org", FirstName: ptr("Ирина")}}

	// Without credentials, with wrong ones, or with a user's token: 401.
	for name, auth := range map[string]client.RequestEditorFn{
		"none": func(context.Context, *http.Request) error { return nil }, "wrong": basic("ops", "guess"),
		"user": apitest.Bearer(apitest.Register(t, env, apitest.NewAccount()).AccessToken),
	} {
		res, _ := env.Client.CreateOrganizationWithResponse(bg, in, auth)
		apitest.WantProblem(t, res.HTTPResponse, res.Body, 401, "operator_authentication_required")
		if res.HTTPResponse.Header.Get("WWW-Authenticate") == "" {
			t.Fatalf("%s: no challenge", name)
		}
	}
	if n := apitest.CountRows(t, env, "organizations WHERE slug = 'new-center'"); n != 0 {
		t.Fatal("created without credentials")
	}

	// A new address: an invitation to become admin.
	res, _ := env.Client.CreateOrganizationWithResponse(bg, in, basic("ops", "a long operator secret"))
	if res.JSON201 == nil || res.JSON201.Admin.Status != "invited" || res.JSON201.Admin.ExpiresAt == nil || res.JSON201.Organization.Slug != "new-center" {
		t.Fatalf("create: %d %s", res.StatusCode(), res.Body)
	}
	if mail := apitest.LastMail(t, env, "director@example.org", "invitation"); !contains(mail, "Новый центр") {
		t.Fatalf("invitation mail: %s", mail)
	}
	again, _ := env.Client.CreateOrganizationWithResponse(bg, in, basic("ops", "a long operator secret"))
	p := apitest.WantProblem(t, again.HTTPResponse, again.Body, 409, "already_exists")
	if f := apitest.Fields(p); len(f) != 1 || f[0] != "slug:taken" {
		t.Fatalf("fields %v", f)
	}

	// An existing account: admin at once, and it can edit the card.
	acc := apitest.NewAccount()
	user := apitest.Register(t, env, acc)
	in2 := client.OperatorOrganizationCreate{Slug: "second", Name: "Второй центр", Admin: client.OperatorAdmin{Email: acc.Email}}
	res, _ = env.Client.CreateOrganizationWithResponse(bg, in2, basic("ops", "a long operator secret"))
	if res.JSON201 == nil || res.JSON201.Admin.Status != "granted" || res.JSON201.Admin.UserID == nil || *res.JSON201.Admin.UserID != user.User.ID {
		t.Fatalf("create with an existing admin: %d %s", res.StatusCode(), res.Body)
	}
	orgID := res.JSON201.Organization.ID
	upd, _ := env.Client.UpdateOrganizationProfileWithResponse(bg, orgID, &client.UpdateOrganizationProfileParams{IfMatch: etag(res.JSON201.Organization.Version)},
		client.OrganizationProfileUpdate{Address: ptr("г. Казань")}, apitest.Bearer(user.AccessToken))
	if upd.JSON200 == nil || upd.JSON200.Address != "г. Казань" {
		t.Fatalf("new admin edits: %d %s", upd.StatusCode(), upd.Body)
	}
}

func TestOperatorOperationsAreClosedWithoutCredentials(t *testing.T) {
	t.Parallel()
	env := apitest.New(t) // no KABINET_OPERATOR_* configured
	res, _ := env.Client.CreateOrganizationWithResponse(bg, client.OperatorOrganizationCreate{Slug: "x-center", Name: "X",
		Admin: client.OperatorAdmin{Email: "x@example.org"}}, basic("", ""))
	apitest.WantProblem(t, res.HTTPResponse, res.Body, 401, "operator_authentication_required")
}
