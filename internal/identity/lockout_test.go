package identity_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/config"
)

// retryAfter checks a 429 answer and returns its Retry-After in seconds.
func retryAfter(t *testing.T, res *client.LoginResponse) int {
	t.Helper()
	apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 429, "rate_limited")
	n, err := strconv.Atoi(res.HTTPResponse.Header.Get("Retry-After"))
	if err != nil || n < 1 {
		t.Fatalf("Retry-After = %q", res.HTTPResponse.Header.Get("Retry-After"))
	}
	return n
}

func TestLoginLockoutAndItsEnd(t *testing.T) {
	t.Parallel()
	window := 3 * time.Second
	env := apitest.New(t, func(c *config.Config) { c.Security.Limits.LoginAccount = config.Limit{Max: 3, Period: window} })
	acc := apitest.NewAccount()
	apitest.Register(t, env, acc)
	email := string(acc.Email)

	for range 3 {
		res := apitest.LoginFrom(t, env, email, "Wrong-Passw0rd")
		apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 401, "invalid_credentials")
	}
	// Locked out: even the right password waits.
	if n := retryAfter(t, apitest.LoginFrom(t, env, email, acc.Password)); n > int(window/time.Second) {
		t.Errorf("Retry-After = %d, longer than the window", n)
	}
	retryAfter(t, apitest.LoginFrom(t, env, email, acc.Password))
	events := auditEvents(t, env, acc)
	if countOf(events, "locked_out") != 1 || countOf(events, "sign_in_failed") != 3 || countOf(events, "sign_in") != 0 {
		t.Errorf("audit = %v, want 3 failures and one lockout", events)
	}

	// When the window ends, the lockout ends.
	deadline := time.Now().Add(window + 2*time.Second)
	for {
		res := apitest.LoginFrom(t, env, email, acc.Password)
		if res.JSON200 != nil {
			break
		}
		retryAfter(t, res)
		if time.Now().After(deadline) {
			t.Fatal("still locked out after the window")
		}
		time.Sleep(200 * time.Millisecond)
	}
	// A success starts the count over: two failures do not lock.
	for range 2 {
		apitest.LoginFrom(t, env, email, "Wrong-Passw0rd")
	}
	if res := apitest.LoginFrom(t, env, email, acc.Password); res.JSON200 == nil {
		t.Fatalf("after a success and two failures: %d %s", res.StatusCode(), res.Body)
	}
}

func TestLockoutFollowsTheAccountAcrossAddresses(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, func(c *config.Config) {
		c.TrustProxyHeaders = true
		c.Security.Limits.LoginAccount = config.Limit{Max: 3, Period: time.Minute}
	})
	victim, bystander := apitest.NewAccount(), apitest.NewAccount()
	reg := apitest.Register(t, env, victim)
	apitest.Register(t, env, bystander)

	// Three addresses guess, by e-mail and by phone: one account, one count.
	for i, name := range []string{string(victim.Email), victim.Phone, string(victim.Email)} {
		res := apitest.LoginFrom(t, env, name, "Wrong-Passw0rd", viaIP("203.0.113."+strconv.Itoa(i+1)))
		apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 401, "invalid_credentials")
	}
	retryAfter(t, apitest.LoginFrom(t, env, string(victim.Email), victim.Password, viaIP("198.51.100.9")))
	// Other accounts, even from the guessing addresses, are unaffected.
	if res := apitest.LoginFrom(t, env, string(bystander.Email), bystander.Password, viaIP("203.0.113.1")); res.JSON200 == nil {
		t.Fatalf("bystander: %d %s", res.StatusCode(), res.Body)
	}
	// A lockout does not end existing sessions.
	if me := apitest.GetMe(t, env, reg.AccessToken); me.JSON200 == nil {
		t.Fatal("the lockout ended a session")
	}
}

func TestLoginIsLimitedPerAddress(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, func(c *config.Config) {
		c.TrustProxyHeaders = true
		c.Security.Limits.LoginIP = config.Limit{Max: 4, Period: time.Minute}
	})
	var accounts []client.RegisterRequest
	for range 5 {
		acc := apitest.NewAccount()
		apitest.Register(t, env, acc)
		accounts = append(accounts, acc)
	}
	// One address tries four accounts (right or wrong, and unknown ones count too).
	for i, acc := range accounts[:4] {
		pw := acc.Password
		if i%2 == 1 {
			pw = "Wrong-Passw0rd"
		}
		if res := apitest.LoginFrom(t, env, string(acc.Email), pw, viaIP("203.0.113.7")); res.StatusCode() == 429 {
			t.Fatalf("attempt %d refused early", i)
		}
	}
	retryAfter(t, apitest.LoginFrom(t, env, string(accounts[4].Email), accounts[4].Password, viaIP("203.0.113.7")))
	retryAfter(t, apitest.LoginFrom(t, env, "nobody@example.org", "Wrong-Passw0rd", viaIP("203.0.113.7")))
	if res := apitest.LoginFrom(t, env, string(accounts[4].Email), accounts[4].Password, viaIP("198.51.100.2")); res.JSON200 == nil {
		t.Fatalf("another address: %d %s", res.StatusCode(), res.Body)
	}
	var n int
	if err := env.Pool.QueryRow(context.Background(),
		"SELECT count(*) FROM audit_events WHERE event = 'locked_out' AND user_id IS NULL AND details->>'limit' = 'login:ip'").Scan(&n); err != nil || n != 1 {
		t.Errorf("address lockouts audited: %d, %v; want 1", n, err)
	}
}

func TestLockoutRevealsNoAccounts(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, func(c *config.Config) { c.Security.Limits.LoginAccount = config.Limit{Max: 2, Period: time.Minute} })
	acc := apitest.NewAccount()
	apitest.Register(t, env, acc)
	digits := regexp.MustCompile(`\d+`)

	var answers []string
	for _, name := range []string{string(acc.Email), "nobody@example.org", "+7 921 999-99-99"} {
		var seq []string
		for range 3 {
			res := apitest.LoginFrom(t, env, name, "Wrong-Passw0rd")
			seq = append(seq, strconv.Itoa(res.StatusCode()))
			if res.StatusCode() == http.StatusTooManyRequests {
				retryAfter(t, res)
				p := apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, 429, "rate_limited")
				seq = append(seq, p.Title, digits.ReplaceAllString(*p.Detail, "N"))
			}
		}
		answers = append(answers, strings.Join(seq, "|"))
	}
	for _, a := range answers {
		if a != answers[0] {
			t.Fatalf("known and unknown accounts answer differently: %q", answers)
		}
	}
	if answers[0] != "401|401|429|Too many requests|Too many attempts; try again in N seconds." {
		t.Errorf("answers = %q", answers[0])
	}
}

func TestPasswordResetLiftsTheLockout(t *testing.T) {
	t.Parallel()
	env := apitest.New(t, quickRecovery, func(c *config.Config) { c.Security.Limits.LoginAccount = config.Limit{Max: 2, Period: time.Hour} })
	acc := apitest.NewAccount()
	reg := apitest.Register(t, env, acc)
	for range 2 {
		apitest.LoginFrom(t, env, string(acc.Email), "Wrong-Passw0rd")
	}
	retryAfter(t, apitest.LoginFrom(t, env, string(acc.Email), acc.Password))
	token := apitest.ResetToken(t, env, string(reg.User.Email))
	const next = "N3w-Str0ng-Passw0rd"
	if res := apitest.ResetPassword(t, env, client.PasswordResetRequest{Token: &token, NewPassword: next}); res.StatusCode() != http.StatusNoContent {
		t.Fatalf("reset: %d %s", res.StatusCode(), res.Body)
	}
	if res := apitest.LoginFrom(t, env, string(acc.Email), next); res.JSON200 == nil {
		t.Fatalf("sign in after recovery: %d %s", res.StatusCode(), res.Body)
	}
}
