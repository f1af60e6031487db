package client_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/testdb"
)

// serverURL is a real Kabinet server on a fresh database, started by TestMain.
var serverURL string

func TestMain(m *testing.M) {
	pool, _, drop, err := testdb.Create(context.Background())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	env, err := apitest.Start(pool, apitest.Config())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	serverURL = env.URL
	code := m.Run()
	env.Close()
	drop()
	os.Exit(code)
}

// Register an account, sign in with its phone number, and read the profile.
func Example() {
	ctx := context.Background()
	c, err := client.NewClientWithResponses(serverURL) // e.g. "https://kabinet.example.org"
	if err != nil {
		panic(err)
	}

	reg, err := c.RegisterWithResponse(ctx, client.RegisterRequest{
		FirstName: "Анна",
		LastName:  "Иванова",
		Email:     "Anna.Ivanova@example.org",
		Phone:     "8 (921) 123-45-67",
		Password:  "Str0ng-Passw0rd",
	})
	if err != nil {
		panic(err)
	}
	if reg.JSON201 == nil {
		fmt.Println("registration refused:", reg.StatusCode(), string(reg.Body))
		return
	}
	fmt.Println("registered:", reg.JSON201.User.Email, *reg.JSON201.User.Phone)

	login, err := c.LoginWithResponse(ctx, client.LoginRequest{Login: "+7 921 123 45 67", Password: "Str0ng-Passw0rd"})
	if err != nil {
		panic(err)
	}
	if login.ApplicationProblemJSON401 != nil {
		fmt.Println("sign-in refused:", login.ApplicationProblemJSON401.Code)
		return
	}
	token := login.JSON200.AccessToken

	bearer := func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
	me, err := c.GetMeWithResponse(ctx, bearer)
	if err != nil {
		panic(err)
	}
	fmt.Println("signed in as:", me.JSON200.FirstName, me.JSON200.LastName)
	for _, m := range me.JSON200.Memberships {
		fmt.Println("member of:", m.Organization.Name, "as", m.Role)
	}

	// A wrong password gets a problem with a stable code.
	bad, err := c.LoginWithResponse(ctx, client.LoginRequest{Login: "anna.ivanova@example.org", Password: "wrong"})
	if err != nil {
		panic(err)
	}
	fmt.Println("wrong password:", bad.StatusCode(), bad.ApplicationProblemJSON401.Code)

	// Output:
	// registered: anna.ivanova@example.org +79211234567
	// signed in as: Анна Иванова
	// member of: Kabinet as learner
	// wrong password: 401 invalid_credentials
}
