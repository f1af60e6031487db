package identity_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/testdb"
)

// More concurrent second-factor sign-ins than the pool has connections all
// complete: none holds its transaction's connection while it waits for
// another one (the attempt limit counts inside the transaction). Before,
// each took a second connection from inside its transaction, and a pool's
// worth of them waited for each other until their clients gave up.
func TestSecondFactorSignInsDoNotExhaustThePool(t *testing.T) {
	t.Parallel()
	pool := testdb.NewWithConfig(t, func(c *pgxpool.Config) { c.MaxConns = 2 })
	env := apitest.NewOnPool(t, pool)

	const n = 6
	users := make([]*apitest.TOTPUser, n)
	challenges := make([]string, n)
	for i := range users {
		users[i] = apitest.EnrolledUser(t, env)
		challenges[i] = users[i].Challenge(t, env, false)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]string, n)
	for i := range users {
		code := users[i].NextCode(t)
		wg.Go(func() {
			res, err := env.Client.LoginSecondFactorWithResponse(ctx, client.SecondFactorLoginRequest{ChallengeToken: challenges[i], Code: &code})
			switch {
			case err != nil:
				errs[i] = err.Error()
			case res.JSON200 == nil:
				errs[i] = string(res.Body)
			}
		})
	}
	wg.Wait()
	for i, e := range errs {
		if e != "" {
			t.Errorf("sign-in %d: %s", i, e)
		}
	}
}
