// Command bench load-tests a Kabinet server on loopback: it starts the
// built binary against a throw-away database, signs a user up, then runs
// bounded vegeta attacks on GET /api/v1/me and POST /api/v1/auth/login,
// closed loops of POST /api/v1/auth/refresh (each worker rotating its own
// session) and of the second sign-in step with a TOTP code (one enrolled
// account per sample), and reports throughput, latency percentiles and the
// server's peak RSS.
//
//	go run ./scripts/bench -bin .bin/kabinet -database-url URL [-duration 10s]
//
// `make bench` (scripts/bench.sh) prepares the database and the binary.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/kabinet-edu/kabinet/gen/client"
)

type result struct {
	Name        string   `json:"name"`
	Requests    uint64   `json:"requests"`
	Workers     uint64   `json:"workers"`
	Throughput  float64  `json:"requestsPerSecond"`
	P50Millis   float64  `json:"p50Ms"`
	P99Millis   float64  `json:"p99Ms"`
	MaxMillis   float64  `json:"maxMs"`
	SuccessRate float64  `json:"successRate"`
	Errors      []string `json:"errors,omitempty"`
}

type report struct {
	Time       time.Time `json:"time"`
	Host       string    `json:"host"`
	CPUs       int       `json:"cpus"`
	Duration   string    `json:"durationPerAttack"`
	Results    []result  `json:"results"`
	IdleRSSMiB float64   `json:"idleRssMiB"`
	PeakRSSMiB float64   `json:"peakRssMiB"`
}

func main() {
	bin := flag.String("bin", ".bin/kabinet", "the kabinet binary")
	dbURL := flag.String("database-url", "", "a database the benchmark may fill (required)")
	duration := flag.Duration("duration", 10*time.Second, "length of each attack (at most 60s)")
	out := flag.String("out", ".bench", "folder for results.json and results.md")
	flag.Parse()
	if err := run(*bin, *dbURL, min(*duration, time.Minute), *out); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(bin, dbURL string, duration time.Duration, outDir string) error {
	if dbURL == "" {
		return errors.New("-database-url is required")
	}
	addr, err := freeLoopbackAddr()
	if err != nil {
		return err
	}
	base := "http://" + addr
	logFile, err := os.CreateTemp("", "kabinet-bench-*.log")
	if err != nil {
		return err
	}
	defer logFile.Close()

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "serve", "-migrate")
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+dbURL,
		"KABINET_HTTP_ADDR="+addr,
		"KABINET_ENV=development",
		"KABINET_LOG_LEVEL=info",
		// The login attack comes from one address: lift the per-IP sign-in limit.
		"KABINET_LIMIT_LOGIN_IP=100000000/1m",
		"KABINET_LIMIT_CODE_IP=100000000/1m",
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Signal(os.Interrupt); _ = cmd.Wait() }()
	if err := waitReady(base + "/readyz"); err != nil {
		return fmt.Errorf("%w (server log: %s)", err, logFile.Name())
	}
	pid := cmd.Process.Pid
	idle := rssMiB(pid, "VmRSS")

	email := fmt.Sprintf("bench-%d@example.org", time.Now().UnixNano())
	password := "Bench-Passw0rd"
	token, err := signUp(base, email, password)
	if err != nil {
		return err
	}

	rep := report{Time: time.Now().UTC(), CPUs: numCPU(), Duration: duration.String(), IdleRSSMiB: idle}
	rep.Host, _ = os.Hostname()

	me := vegeta.NewStaticTargeter(vegeta.Target{
		Method: http.MethodGet, URL: base + "/api/v1/me",
		Header: http.Header{"Authorization": {"Bearer " + token}},
	})
	rep.Results = append(rep.Results, attack("GET /api/v1/me", me, 32, duration))

	loginBody, _ := json.Marshal(map[string]any{"login": email, "password": password})
	login := vegeta.NewStaticTargeter(vegeta.Target{
		Method: http.MethodPost, URL: base + "/api/v1/auth/login", Body: loginBody,
		Header: http.Header{"Content-Type": {"application/json"}},
	})
	rep.Results = append(rep.Results, attack("POST /api/v1/auth/login", login, 8, duration))

	c, err := client.NewClientWithResponses(base)
	if err != nil {
		return err
	}
	refresh, err := benchRefresh(ctx, c, email, password, 8, duration)
	if err != nil {
		return err
	}
	rep.Results = append(rep.Results, refresh)
	second, err := benchSecondFactor(ctx, c, 100, 8)
	if err != nil {
		return err
	}
	rep.Results = append(rep.Results, second)

	rep.PeakRSSMiB = rssMiB(pid, "VmHWM")
	return write(rep, outDir)
}

// attack runs a closed-loop load: `workers` clients send back to back for d.
func attack(name string, t vegeta.Targeter, workers uint64, d time.Duration) result {
	a := vegeta.NewAttacker(vegeta.Workers(workers), vegeta.MaxWorkers(workers), vegeta.KeepAlive(true), vegeta.Timeout(10*time.Second))
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
	fmt.Fprintf(os.Stderr, "%-38s %6d req  %8.1f req/s  p50 %7.2f ms  p99 %7.2f ms  ok %5.1f%%\n",
		name, r.Requests, r.Throughput, r.P50Millis, r.P99Millis, 100*r.SuccessRate)
	return r
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func signUp(base, email, password string) (string, error) {
	body, _ := json.Marshal(map[string]any{
		"firstName": "Bench", "lastName": "Mark", "email": email, "password": password,
		"phone": fmt.Sprintf("+7921%07d", time.Now().UnixNano()%10_000_000),
	})
	res, err := http.Post(base+"/api/v1/auth/register", "application/json", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	var out struct {
		AccessToken string `json:"accessToken"`
	}
	if err := json.NewDecoder(res.Body).Decode(&out); err != nil || res.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("register: status %d: %v", res.StatusCode, err)
	}
	return out.AccessToken, nil
}

func waitReady(url string) error {
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return errors.New("server did not become ready in 30s")
}

func freeLoopbackAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// rssMiB reads a memory figure (VmRSS now, VmHWM peak) of a process.
func rssMiB(pid int, field string) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

func numCPU() int {
	data, _ := os.ReadFile("/proc/cpuinfo")
	return max(1, strings.Count(string(data), "processor\t:"))
}

func write(rep report, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	js, _ := json.MarshalIndent(rep, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, "results.json"), js, 0o644); err != nil {
		return err
	}
	var md strings.Builder
	fmt.Fprintf(&md, "# Kabinet benchmark, %s\n\n%d CPUs, %s per attack, closed loop on loopback.\n\n", rep.Time.Format(time.RFC3339), rep.CPUs, rep.Duration)
	md.WriteString("| endpoint | workers | requests | req/s | p50 ms | p99 ms | max ms | success |\n|---|---|---|---|---|---|---|---|\n")
	for _, r := range rep.Results {
		fmt.Fprintf(&md, "| %s | %d | %d | %.1f | %.2f | %.2f | %.2f | %.1f%% |\n", r.Name, r.Workers, r.Requests, r.Throughput, r.P50Millis, r.P99Millis, r.MaxMillis, 100*r.SuccessRate)
	}
	fmt.Fprintf(&md, "\nServer RSS: %.1f MiB idle, %.1f MiB peak.\n", rep.IdleRSSMiB, rep.PeakRSSMiB)
	if err := os.WriteFile(filepath.Join(dir, "results.md"), []byte(md.String()), 0o644); err != nil {
		return err
	}
	fmt.Print(md.String())
	return nil
}
