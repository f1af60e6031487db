package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"
	"github.com/pquerna/otp/totp"

	"github.com/kabinet-edu/kabinet/gen/client"
)

// sampler collects latencies of a closed-loop run driven by our own code,
// for flows whose next request depends on the previous answer (refresh
// rotates its token; a second-factor challenge is single-use), which a
// static vegeta targeter cannot express.
type sampler struct {
	mu        sync.Mutex
	latencies []time.Duration
	failures  int
	errs      map[string]bool
}

func (s *sampler) add(d time.Duration, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil {
		s.failures++
		if s.errs == nil {
			s.errs = map[string]bool{}
		}
		s.errs[err.Error()] = true
		return
	}
	s.latencies = append(s.latencies, d)
}

func (s *sampler) result(name string, workers int, elapsed time.Duration) result {
	slices.Sort(s.latencies)
	pct := func(p float64) time.Duration {
		if len(s.latencies) == 0 {
			return 0
		}
		return s.latencies[min(len(s.latencies)-1, int(p*float64(len(s.latencies))))]
	}
	total := len(s.latencies) + s.failures
	r := result{
		Name: name, Requests: uint64(total), Workers: uint64(workers),
		Throughput: float64(len(s.latencies)) / elapsed.Seconds(),
		P50Millis:  ms(pct(0.50)), P99Millis: ms(pct(0.99)),
	}
	if n := len(s.latencies); n > 0 {
		r.MaxMillis = ms(s.latencies[n-1])
	}
	if total > 0 {
		r.SuccessRate = float64(len(s.latencies)) / float64(total)
	}
	for e := range s.errs {
		r.Errors = append(r.Errors, e)
	}
	r.log()
	return r
}

// benchRefresh: each worker owns one session and rotates its refresh token
// back to back for d.
func benchRefresh(ctx context.Context, c *client.ClientWithResponses, login, password string, workers int, d time.Duration) (result, error) {
	tokens := make([]string, workers)
	for i := range tokens {
		res, err := c.LoginWithResponse(ctx, client.LoginRequest{Login: login, Password: password})
		if err != nil || res.JSON200 == nil {
			return result{}, fmt.Errorf("refresh setup: login: %s", status(res, err))
		}
		tokens[i] = res.JSON200.RefreshToken
	}
	var s sampler
	deadline := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				t0 := time.Now()
				res, err := c.RefreshTokensWithResponse(ctx, client.RefreshRequest{RefreshToken: tokens[i]})
				if err == nil && res.JSON200 == nil {
					err = fmt.Errorf("status %d", res.StatusCode())
				}
				s.add(time.Since(t0), err)
				if err != nil {
					return
				}
				tokens[i] = res.JSON200.RefreshToken
			}
		})
	}
	wg.Wait()
	return s.result("POST /api/v1/auth/refresh", workers, time.Since(start)), nil
}

// benchSecondFactor measures the second sign-in step (POST
// /auth/login/second-factor with a TOTP code). A TOTP code is accepted once
// per account and time step, so every sample needs its own account:
// `accounts` accounts enrol an authenticator and get a challenge first (not
// measured), then the challenges are answered by `workers` clients.
func benchSecondFactor(ctx context.Context, c *client.ClientWithResponses, accounts, workers int) (result, error) {
	type pending struct{ challenge, secret string }
	var queue []pending
	password := "Bench-Passw0rd-2fa"
	for i := range accounts {
		email := fmt.Sprintf("bench-2fa-%d-%d@example.org", time.Now().UnixNano(), i)
		reg, err := c.RegisterWithResponse(ctx, client.RegisterRequest{
			FirstName: "Bench", LastName: "TwoFactor", Email: openapi_types.Email(email), Password: password,
			Phone: fmt.Sprintf("+7922%07d", (time.Now().UnixNano()+int64(i))%10_000_000),
		})
		if err != nil || reg.JSON201 == nil {
			return result{}, fmt.Errorf("2fa setup: register: %s", status(reg, err))
		}
		bearer := func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+reg.JSON201.AccessToken)
			return nil
		}
		enr, err := c.StartTotpEnrolmentWithResponse(ctx, bearer)
		if err != nil || enr.JSON201 == nil {
			return result{}, fmt.Errorf("2fa setup: enrol: %s", status(enr, err))
		}
		code, _ := totp.GenerateCode(enr.JSON201.Secret, time.Now())
		if conf, err := c.ConfirmTotpEnrolmentWithResponse(ctx, client.TotpCodeRequest{Code: code}, bearer); err != nil || conf.StatusCode() >= 300 {
			return result{}, fmt.Errorf("2fa setup: confirm: %s", status(conf, err))
		}
		lg, err := c.LoginWithResponse(ctx, client.LoginRequest{Login: email, Password: password})
		if err != nil || lg.JSON202 == nil {
			return result{}, fmt.Errorf("2fa setup: login: %s", status(lg, err))
		}
		queue = append(queue, pending{lg.JSON202.ChallengeToken, enr.JSON201.Secret})
	}
	var s sampler
	next := make(chan pending, len(queue))
	for _, p := range queue {
		next <- p
	}
	close(next)
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for p := range next {
				// The enrolment used the current time step; the next one is
				// accepted too (one step of drift), and is not a replay.
				code, _ := totp.GenerateCode(p.secret, time.Now().Add(30*time.Second))
				t0 := time.Now()
				res, err := c.LoginSecondFactorWithResponse(ctx, client.SecondFactorLoginRequest{ChallengeToken: p.challenge, Code: &code})
				if err == nil && res.JSON200 == nil {
					err = fmt.Errorf("status %d", res.StatusCode())
				}
				s.add(time.Since(t0), err)
			}
		})
	}
	wg.Wait()
	return s.result("POST /api/v1/auth/login/second-factor", workers, time.Since(start)), nil
}

// status describes an unexpected answer without touching a nil response
// (the client returns nil with an error).
func status[R interface{ StatusCode() int }](r R, err error) string {
	if err != nil {
		return err.Error()
	}
	return fmt.Sprintf("status %d", r.StatusCode())
}
