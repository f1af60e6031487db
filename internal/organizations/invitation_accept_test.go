package organizations_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

func TestAcceptingAfterTheAddressGotAnAccount(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	o := apitest.NewStaffOrg(t, env, "center")
	acc := apitest.NewAccount()
	apitest.Invite(t, env, o, "admin", string(acc.Email), "teacher")
	token := apitest.InvitationToken(t, env, string(acc.Email))
	reg := apitest.Register(t, env, acc) // the user signed up on their own meanwhile

	res, err := apitest.AcceptInvitation(env, token)
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusConflict, "account_exists")
	me := apitest.GetMe(t, env, reg.AccessToken)
	if me.JSON200 == nil || len(me.JSON200.Memberships) != 2 {
		t.Fatalf("the account should have the new membership too: %s", me.Body)
	}
	if ok := apitest.Login(t, env, string(acc.Email), acc.Password, false); ok.JSON200 == nil {
		t.Fatal("the account's own password must still work")
	}
	again, err := apitest.AcceptInvitation(env, token)
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, again.HTTPResponse, again.Body, http.StatusNotFound, "invitation_invalid")
}

func TestAcceptInvitationRefusesBadInputAndWritesNothing(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	ctx := context.Background()
	o := apitest.NewStaffOrg(t, env, "center")
	email := apitest.NewEmail()
	apitest.Invite(t, env, o, "admin", email, "learner")
	token := apitest.InvitationToken(t, env, email)
	taken := apitest.NewAccount()
	apitest.Register(t, env, taken)
	users := apitest.CountRows(t, env, "users")

	for _, tc := range []struct {
		name   string
		body   client.AcceptInvitationRequest
		status int
		code   string
		field  string
	}{
		{"weak password", client.AcceptInvitationRequest{FirstName: "A", LastName: "B", Password: "password"}, 422, "validation_failed", "password:missing_uppercase"},
		{"blank name", client.AcceptInvitationRequest{FirstName: "  ", LastName: "B", Password: "Own-Passw0rd!"}, 422, "validation_failed", "firstName:required"},
		{"bad phone", client.AcceptInvitationRequest{FirstName: "A", LastName: "B", Phone: new("12345"), Password: "Own-Passw0rd!"}, 422, "validation_failed", "phone:invalid_format"},
		{"landline", client.AcceptInvitationRequest{FirstName: "A", LastName: "B", Phone: new("+7 495 123-45-67"), Password: "Own-Passw0rd!"}, 422, "validation_failed", "phone:not_mobile"},
		{"phone taken", client.AcceptInvitationRequest{FirstName: "A", LastName: "B", Phone: new(taken.Phone), Password: "Own-Passw0rd!"}, 409, "already_exists", "phone:taken"},
	} {
		tc.body.Token = token
		res, err := env.Client.AcceptInvitationWithResponse(ctx, tc.body)
		if err != nil {
			t.Fatal(err)
		}
		p := apitest.WantProblem(t, res.HTTPResponse, res.Body, tc.status, tc.code)
		if !apitest.Contains(apitest.Fields(p), tc.field) {
			t.Errorf("%s: fields %v, want %s", tc.name, apitest.Fields(p), tc.field)
		}
	}
	// The password may not be the invited address itself.
	res, err := env.Client.AcceptInvitationWithResponse(ctx, client.AcceptInvitationRequest{Token: token, FirstName: "A", LastName: "B", Password: email})
	if err != nil {
		t.Fatal(err)
	}
	if p := apitest.WantProblem(t, res.HTTPResponse, res.Body, 422, "validation_failed"); !apitest.Contains(apitest.Fields(p), "password:equals_identifier") {
		t.Errorf("password = e-mail: fields %v", apitest.Fields(p))
	}
	if apitest.CountRows(t, env, "users") != users {
		t.Fatal("a refused acceptance created an account")
	}
	if pre, err := env.Client.GetInvitationWithResponse(ctx, token); err != nil || pre.JSON200 == nil {
		t.Fatalf("a refused acceptance consumed the invitation: %v %s", err, pre.Body)
	}

	// With a phone, the account gets it in E.164.
	ok, err := env.Client.AcceptInvitationWithResponse(ctx, client.AcceptInvitationRequest{
		Token: token, FirstName: "A", LastName: "B", Phone: new("8 (921) 777-66-55"), Password: "Own-Passw0rd!", Locale: new(client.Locale("en")),
	})
	if err != nil {
		t.Fatal(err)
	}
	if ok.JSON201 == nil || ok.JSON201.User.Phone == nil || *ok.JSON201.User.Phone != "+79217776655" || ok.JSON201.User.Locale != "en" {
		t.Fatalf("accept with phone: %d %s", ok.StatusCode(), ok.Body)
	}
}

func TestConcurrentAcceptancesCreateOneAccount(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	o := apitest.NewStaffOrg(t, env, "center")
	email := apitest.NewEmail()
	apitest.Invite(t, env, o, "admin", email, "learner")
	token := apitest.InvitationToken(t, env, email)

	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		statuses = map[int]int{}
	)
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := apitest.AcceptInvitation(env, token)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			statuses[res.StatusCode()]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if statuses[http.StatusCreated] != 1 || statuses[http.StatusNotFound] != 3 {
		t.Fatalf("statuses = %v, want one 201 and three 404", statuses)
	}
	var n int
	if err := env.Pool.QueryRow(context.Background(), `SELECT count(*) FROM users WHERE email = $1`, email).Scan(&n); err != nil || n != 1 {
		t.Fatalf("accounts for %s: %d %v", email, n, err)
	}
}
