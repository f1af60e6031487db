package main

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/auth"
	"github.com/kabinet-edu/kabinet/internal/testdb"
)

// TestServeMigratesSeedsAndShutsDownGracefully runs the real entry point:
// serve -migrate -seed on a fresh database, then a cancelled context (what
// SIGTERM does) must end it cleanly.
func TestServeMigratesSeedsAndShutsDownGracefully(t *testing.T) {
	pool, url := testdb.NewWithURL(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()

	keyFile := filepath.Join(t.TempDir(), "jwt.pem")
	if err := run(context.Background(), []string{"keygen", keyFile}); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(keyFile)
	if err := run(context.Background(), []string{"keygen", keyFile}); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(keyFile); string(after) != string(before) {
		t.Fatal("keygen replaced an existing key (that would sign everybody out)")
	}

	// A rotation in progress: the previous key's public half is still trusted.
	_, oldKey, _ := ed25519.GenerateKey(rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(oldKey.Public())
	previousFile := filepath.Join(t.TempDir(), "previous.pem")
	if err := os.WriteFile(previousFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("KABINET_JWT_PREVIOUS_KEYS_FILE", previousFile)
	t.Setenv("DATABASE_URL", url)
	t.Setenv("KABINET_HTTP_ADDR", addr)
	t.Setenv("KABINET_JWT_PRIVATE_KEY_FILE", keyFile)
	t.Setenv("KABINET_LOG_LEVEL", "warn")
	t.Setenv("KABINET_BLOB_URL", "file://"+t.TempDir()+"?create_dir=true&no_tmp_dir=true")
	t.Setenv("KABINET_ARGON2_MEMORY_KIB", "19456")

	// Every answer is checked against the spec, as in the API tests.
	c := apitest.CheckingClient(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "-migrate", "-seed"}) }()

	// Migrating and seeding the demo catalog (covers included) takes seconds on a busy machine.
	ready := false
	for i := 0; i < 1200 && !ready; i++ {
		if res, err := c.Get("http://" + addr + "/readyz"); err == nil {
			res.Body.Close()
			ready = res.StatusCode == http.StatusOK
		}
		if !ready {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if !ready {
		cancel()
		t.Fatalf("server not ready: %v", <-done)
	}
	res, err := c.Post("http://"+addr+"/api/v1/auth/login", "application/json",
		strings.NewReader(`{"login":"learner@demo.kabinet.test","password":"Kabinet-Demo-2026"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("demo learner cannot sign in: %d", res.StatusCode)
	}

	// The outbox worker runs inside serve: the welcome e-mail of a new account
	// is delivered (by the log sender, as no SMTP server is configured).
	res, err = c.Post("http://"+addr+"/api/v1/auth/register", "application/json", strings.NewReader(
		`{"firstName":"Анна","lastName":"Иванова","email":"serve@example.org","phone":"+79217654321","password":"Str0ng-Passw0rd"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	status := ""
	for i := 0; i < 200 && status != "sent"; i++ {
		if err := pool.QueryRow(context.Background(), "SELECT status FROM outbox WHERE recipient = 'serve@example.org'").Scan(&status); err != nil || status != "sent" {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if status != "sent" {
		t.Fatalf("register: %d; welcome e-mail not delivered by serve's worker (status %q)", res.StatusCode, status)
	}

	jwks, err := c.Get("http://" + addr + "/.well-known/jwks.json")
	if err != nil {
		t.Fatal(err)
	}
	var set struct {
		Keys []struct{ Kid string } `json:"keys"`
	}
	err = json.NewDecoder(jwks.Body).Decode(&set)
	jwks.Body.Close()
	if err != nil || len(set.Keys) != 3 || set.Keys[1].Kid != auth.Thumbprint(oldKey.Public().(ed25519.PublicKey)) {
		t.Fatalf("JWKS during a rotation: %+v %v; want the current key, the previous one and the credential key", set, err)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after shutdown", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop after its context was cancelled")
	}
	if _, err := c.Get("http://" + addr + "/healthz"); err == nil {
		t.Fatal("server still answers after shutdown")
	}
}

// With KABINET_WORKERS=false serve only enqueues: the welcome e-mail waits,
// with its job, until a `kabinet worker` process delivers it. Both stop
// cleanly on cancellation.
func TestServeWithoutWorkersAndWorkerCommand(t *testing.T) {
	pool, url := testdb.NewWithURL(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	t.Setenv("DATABASE_URL", url)
	t.Setenv("KABINET_HTTP_ADDR", addr)
	t.Setenv("KABINET_LOG_LEVEL", "warn")
	t.Setenv("KABINET_BLOB_URL", "file://"+t.TempDir()+"?create_dir=true&no_tmp_dir=true")
	t.Setenv("KABINET_WORKERS", "false")

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- run(ctx, []string{"serve"}) }()
	ready := false
	for i := 0; i < 200 && !ready; i++ {
		if res, err := http.Get("http://" + addr + "/readyz"); err == nil {
			res.Body.Close()
			ready = res.StatusCode == http.StatusOK
		}
		if !ready {
			time.Sleep(50 * time.Millisecond)
		}
	}
	if !ready {
		cancel()
		t.Fatalf("server not ready: %v", <-served)
	}
	res, err := http.Post("http://"+addr+"/api/v1/auth/register", "application/json", strings.NewReader(
		`{"firstName":"Анна","lastName":"Иванова","email":"worker@example.org","phone":"+79217654322","password":"Str0ng-Passw0rd"}`))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	status := func() string {
		var s string
		_ = pool.QueryRow(context.Background(), "SELECT status FROM outbox WHERE recipient = 'worker@example.org'").Scan(&s)
		return s
	}
	time.Sleep(time.Second)
	if s := status(); s != "pending" {
		t.Fatalf("register: %d; with KABINET_WORKERS=false the welcome e-mail is %q, want pending", res.StatusCode, s)
	}

	workerCtx, stopWorker := context.WithCancel(context.Background())
	defer stopWorker()
	worked := make(chan error, 1)
	go func() { worked <- run(workerCtx, []string{"worker"}) }()
	for i := 0; i < 400 && status() != "sent"; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	if s := status(); s != "sent" {
		t.Fatalf("the worker process did not deliver the welcome e-mail (status %q)", s)
	}
	stopWorker()
	cancel()
	for name, done := range map[string]chan error{"worker": worked, "serve": served} {
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s returned %v after shutdown", name, err)
			}
		case <-time.After(20 * time.Second):
			t.Fatalf("%s did not stop after its context was cancelled", name)
		}
	}
}

func TestRunRejectsBadUsage(t *testing.T) {
	t.Setenv("DATABASE_URL", "postgres://unused")
	for _, args := range [][]string{nil, {"fly"}, {"keygen"}} {
		if err := run(context.Background(), args); err == nil {
			t.Errorf("run(%q) succeeded", args)
		}
	}
	t.Setenv("KABINET_ACCESS_TOKEN_TTL", "forever")
	if err := run(context.Background(), []string{"serve"}); err == nil {
		t.Error("serve started with an invalid configuration")
	}
}

func TestLoopbackOnly(t *testing.T) {
	for addr, want := range map[string]bool{
		"127.0.0.1:8080": true, "localhost:8080": true, "[::1]:8080": true,
		"0.0.0.0:8080": false, ":8080": false, "10.0.0.5:80": false, "nonsense": false,
	} {
		if got := loopbackOnly(addr); got != want {
			t.Errorf("loopbackOnly(%q) = %v, want %v", addr, got, want)
		}
	}
}
