// Command bench load-tests a Kabinet server on loopback beside the bare-stack
// ceiling (../shared/bench/ceiling: Echo + Ed25519 JWT + one pgx select) on
// the same PostgreSQL, and reports Kabinet's figures as ratios to it.
//
// It starts the built binary against a throw-away database, signs a user up,
// then runs bounded closed-loop vegeta attacks, alternating with the
// ceiling's GET /me: ceiling, Kabinet's GET /api/v1/me, ceiling, GET
// /api/v1/me/sessions, ceiling (-rounds repeats the reads), each read's
// ratio taken to the ceiling runs around it; then POST /api/v1/auth/refresh
// (each worker rotating its own session), POST /api/v1/auth/login and the
// second sign-in step with a TOTP code. It reports throughput, latency
// percentiles, the ratios and the server's idle and peak RSS.
//
//	go run ./scripts/bench -bin .bin/kabinet -ceiling .bin/ceiling -database-url URL [-duration 10s] [-rounds 1] [-profile]
//
// `make bench` (scripts/bench.sh) builds both and prepares the database.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"
	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/kabinet-edu/kabinet/gen/client"
)

type options struct {
	bin, ceiling, dbURL, out string
	duration                 time.Duration
	workers, rounds          int
	profile                  bool
}

func main() {
	var o options
	flag.StringVar(&o.bin, "bin", ".bin/kabinet", "the kabinet binary")
	flag.StringVar(&o.ceiling, "ceiling", "", "the ceiling binary (empty: no ceiling, no ratios)")
	flag.StringVar(&o.dbURL, "database-url", "", "a database the benchmark may fill (required)")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "length of each attack (at most 60s)")
	flag.IntVar(&o.workers, "workers", 32, "connections of the read attacks (ceiling and Kabinet alike)")
	flag.IntVar(&o.rounds, "rounds", 1, "rounds of the read attacks, each between ceiling runs")
	flag.StringVar(&o.out, "out", ".bench", "folder for results.json, results.md and profiles")
	flag.BoolVar(&o.profile, "profile", false, "save CPU and heap profiles of Kabinet under the GET /api/v1/me attack (KABINET_DEBUG_ADDR)")
	flag.Parse()
	o.duration = min(o.duration, time.Minute)
	o.rounds = min(max(o.rounds, 1), 5)
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	if o.dbURL == "" {
		return errors.New("-database-url is required")
	}
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	env := []string{
		"DATABASE_URL=" + o.dbURL,
		"KABINET_ENV=development",
		"KABINET_LOG_LEVEL=info",
		// The login attack comes from one address: lift the per-IP limits.
		"KABINET_LIMIT_LOGIN_IP=100000000/1m",
		"KABINET_LIMIT_CODE_IP=100000000/1m",
	}
	var pprofBase string
	if o.profile {
		addr, err := freeLoopbackAddr()
		if err != nil {
			return err
		}
		pprofBase = "http://" + addr
		env = append(env, "KABINET_DEBUG_ADDR="+addr)
	}
	kab, err := start(ctx, "kabinet", o.bin, []string{"serve", "-migrate"}, env, "KABINET_HTTP_ADDR", "", "/readyz", http.StatusOK)
	if err != nil {
		return err
	}
	defer kab.stop()
	time.Sleep(time.Second) // let start-up garbage settle before "idle"
	rep := report{Time: time.Now().UTC(), CPUs: numCPU(), Duration: o.duration.String(),
		StartPeakRSSMiB: kab.rssMiB("VmHWM"), IdleRSSMiB: kab.rssMiB("VmRSS")}
	rep.Host, _ = os.Hostname()

	var ceil *server
	var ceilTarget vegeta.Targeter
	if o.ceiling != "" {
		key := filepath.Join(o.out, "ceiling.key")
		ceil, err = start(ctx, "ceiling", o.ceiling, []string{"-db", o.dbURL, "-seed", "10000", "-key", key}, nil, "", "-addr", "/me", http.StatusUnauthorized)
		if err != nil {
			return err
		}
		defer ceil.stop()
		tok, err := ceilingToken(ctx, o.ceiling, key)
		if err != nil {
			return err
		}
		ceilTarget = get(ceil.base+"/me", tok)
		rep.Ceiling = &ceilingReport{IdleRSSMiB: ceil.rssMiB("VmRSS")}
	}

	email := fmt.Sprintf("bench-%d@example.org", time.Now().UnixNano())
	password := "Bench-Passw0rd"
	token, err := signUp(kab.base, email, password)
	if err != nil {
		return err
	}
	me := get(kab.base+"/api/v1/me", token)
	sessions := get(kab.base+"/api/v1/me/sessions", token)

	// The peaks that follow are those of the load, not of the start-up or
	// the sign-up (an argon2id hash, whose memory the server hands back a
	// second after the last hash).
	time.Sleep(2 * time.Second)
	if err := kab.resetPeak(); err != nil {
		fmt.Fprintln(os.Stderr, "bench: cannot reset the peak RSS, peaks include the start-up:", err)
	}
	if ceil != nil {
		_ = ceil.resetPeak()
	}
	// Warm both up (connections, pools, caches), unmeasured.
	w := uint64(o.workers)
	if ceil != nil {
		attack("warm-up ceiling", ceilTarget, w, time.Second, true)
	}
	attack("warm-up kabinet", me, w, time.Second, true)

	// The reads alternate with the ceiling, each Kabinet attack between two
	// ceiling runs, whose mean is its reference: the machine's drift (other
	// work on it) weighs on both alike.
	ceilingRun := func() int {
		if ceil == nil {
			return -1
		}
		rep.Ceiling.Runs = append(rep.Ceiling.Runs, attack("ceiling GET /me", ceilTarget, w, o.duration, false))
		return len(rep.Ceiling.Runs) - 1
	}
	var reads []readRun
	before := ceilingRun()
	for round := range o.rounds {
		var profErr chan error
		if o.profile && round == 0 {
			profErr = make(chan error, 1)
			go func() { profErr <- profileCPU(pprofBase, filepath.Join(o.out, "cpu-me.pprof"), o.duration-time.Second) }()
		}
		r := attack("GET /api/v1/me", me, w, o.duration, false)
		if profErr != nil {
			if err := <-profErr; err != nil {
				return fmt.Errorf("CPU profile: %w", err)
			}
			_ = fetchTo(pprofBase+"/debug/pprof/heap", filepath.Join(o.out, "heap-me.pprof"))
			_ = fetchTo(pprofBase+"/debug/pprof/allocs", filepath.Join(o.out, "allocs-me.pprof"))
			_ = fetchTo(pprofBase+"/debug/pprof/heap?debug=1", filepath.Join(o.out, "heap-me.txt")) // with the MemStats
		}
		after := ceilingRun()
		reads = append(reads, readRun{r, before, after})
		before = after
		r = attack("GET /api/v1/me/sessions", sessions, w, o.duration, false)
		after = ceilingRun()
		reads = append(reads, readRun{r, before, after})
		before = after
	}
	if ceil != nil {
		rep.Ceiling.PeakRSSMiB = ceil.rssMiB("VmHWM")
	}
	rep.Results = append(rep.Results, rep.bracketed(reads)...)
	rep.ReadsPeakRSSMiB = kab.rssMiB("VmHWM")

	// Keep a connection per worker alive, as the vegeta attacks do (the
	// default transport keeps two, and the others would reconnect per request).
	keepAlive := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 10 * time.Second}
	c, err := client.NewClientWithResponses(kab.base, client.WithHTTPClient(keepAlive))
	if err != nil {
		return err
	}
	var refreshProf chan error
	if o.profile {
		refreshProf = make(chan error, 1)
		go func() {
			time.Sleep(time.Second) // past the set-up's sign-ins
			refreshProf <- profileCPU(pprofBase, filepath.Join(o.out, "cpu-refresh.pprof"), o.duration-2*time.Second)
		}()
	}
	refresh, err := benchRefresh(ctx, c, email, password, 8, o.duration)
	if err != nil {
		return err
	}
	if o.profile {
		if err := <-refreshProf; err != nil {
			return fmt.Errorf("CPU profile: %w", err)
		}
	}
	rep.Results = append(rep.Results, refresh)
	rep.RefreshPeakRSSMiB = kab.rssMiB("VmHWM")

	login := vegeta.NewStaticTargeter(vegeta.Target{
		Method: http.MethodPost, URL: kab.base + "/api/v1/auth/login",
		Body:   []byte(fmt.Sprintf(`{"login":%q,"password":%q}`, email, password)),
		Header: http.Header{"Content-Type": {"application/json"}},
	})
	rep.Results = append(rep.Results, attack("POST /api/v1/auth/login", login, 8, o.duration, false))
	second, err := benchSecondFactor(ctx, c, 100, 8)
	if err != nil {
		return err
	}
	rep.Results = append(rep.Results, second)
	rep.PeakRSSMiB = kab.rssMiB("VmHWM")
	rep.ratios()
	return write(rep, o.out)
}

func get(url, token string) vegeta.Targeter {
	return vegeta.NewStaticTargeter(vegeta.Target{
		Method: http.MethodGet, URL: url,
		Header: http.Header{"Authorization": {"Bearer " + token}},
	})
}

// attack runs a closed-loop load: `workers` clients send back to back for d.
func attack(name string, t vegeta.Targeter, workers uint64, d time.Duration, quiet bool) result {
	a := vegeta.NewAttacker(vegeta.Workers(workers), vegeta.MaxWorkers(workers), vegeta.KeepAlive(true),
		vegeta.Connections(int(workers)), vegeta.Timeout(10*time.Second))
	var m vegeta.Metrics
	for res := range a.Attack(t, vegeta.Rate{Freq: 0}, d, name) {
		m.Add(res)
	}
	m.Close()
	r := result{
		Name: name, Requests: m.Requests, Workers: workers, Throughput: m.Throughput,
		P50Millis: ms(m.Latencies.P50), P99Millis: ms(m.Latencies.P99), MaxMillis: ms(m.Latencies.Max),
		SuccessRate: m.Success, Errors: m.Errors,
	}
	if !quiet {
		r.log()
	}
	return r
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func signUp(base, email, password string) (string, error) {
	c, err := client.NewClientWithResponses(base)
	if err != nil {
		return "", err
	}
	res, err := c.RegisterWithResponse(context.Background(), client.RegisterRequest{
		FirstName: "Bench", LastName: "Mark", Email: openapi_types.Email(email), Password: password,
		Phone: fmt.Sprintf("+7921%07d", time.Now().UnixNano()%10_000_000),
	})
	if err != nil || res.JSON201 == nil {
		return "", fmt.Errorf("register: %s", status(res, err))
	}
	return res.JSON201.AccessToken, nil
}
