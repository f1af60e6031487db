// Package apitest starts a real Kabinet HTTP server on loopback against a
// fresh PostgreSQL database, with the generated client pointed at it. API
// tests and the SDK example use it.
package apitest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/auth"
	"github.com/kabinet-edu/kabinet/internal/blob"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/httpapi"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/testdb"
)

// Env is a running server and what a test needs to talk to it.
type Env struct {
	URL    string
	Pool   *pgxpool.Pool
	Client *client.ClientWithResponses
	// HTTPClient is for requests the generated client cannot make (raw
	// bodies, odd paths). From New, both check every response against the
	// spec; from Start (TestMain, examples), neither does.
	HTTPClient *http.Client
	Config     config.Config
	Issuer     *auth.Issuer
	Key        ed25519.PrivateKey
	server     *httptest.Server
	stop       context.CancelFunc // ends the jobs UI's background queries
}

// Close stops the server.
func (e *Env) Close() {
	e.server.Close()
	e.stop()
}

// Config returns the configuration tests run with: the defaults, with cheap
// argon2id parameters so that tests under -race stay fast.
func Config() config.Config {
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		panic(err)
	}
	cfg.Argon2 = config.Argon2Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}
	cfg.CORSOrigins = []string{"https://spa.example.org"}
	cfg.BodyLimit = "64K"
	return cfg
}

// New starts a server on a fresh database; everything stops when t ends.
// mutate, if given, adjusts the configuration first.
func New(t testing.TB, mutate ...func(*config.Config)) *Env {
	t.Helper()
	cfg := Config()
	cfg.Blob.URL = tempBlobURL(t)
	for _, m := range mutate {
		m(&cfg)
	}
	return start(t, testdb.New(t), cfg)
}

// NewOnPool is New over a pool of the test's choosing (one that points at a
// database that is down, say).
func NewOnPool(t testing.TB, pool *pgxpool.Pool, mutate ...func(*config.Config)) *Env {
	t.Helper()
	cfg := Config()
	cfg.Blob.URL = tempBlobURL(t)
	for _, m := range mutate {
		m(&cfg)
	}
	return start(t, pool, cfg)
}

// start serves the API with every response checked against the spec
// (conformance.go): a mismatch fails t.
func start(t testing.TB, pool *pgxpool.Pool, cfg config.Config) *Env {
	t.Helper()
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return NewWithKeys(t, pool, cfg, key)
}

// NewWithKeys is New over pool with cfg, signing with key and also
// accepting the tokens of previous keys (a key rotation).
func NewWithKeys(t testing.TB, pool *pgxpool.Pool, cfg config.Config, key ed25519.PrivateKey, previous ...ed25519.PublicKey) *Env {
	t.Helper()
	s, err := loadSpec()
	if err != nil {
		t.Fatal(err)
	}
	env, err := startWithKeys(pool, cfg, key, previous...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(env.Close)
	env.HTTPClient = &http.Client{Transport: &conformance{t: t, next: env.server.Client().Transport, spec: s}}
	if env.Client, err = client.NewClientWithResponses(env.URL, client.WithHTTPClient(env.HTTPClient)); err != nil {
		t.Fatal(err)
	}
	return env
}

// Another starts a second instance beside e: the same database,
// configuration and signing key, as instances behind a load balancer are
// (what one instance did, seen from another). It stops when t ends.
func (e *Env) Another(t testing.TB) *Env {
	t.Helper()
	return NewWithKeys(t, e.Pool, e.Config, e.Key)
}

// Start serves the API over pool with cfg on a loopback port. No job workers
// run: messages stay pending in the outbox, with their delivery jobs, where
// tests read them. With cfg.Jobs.UI the jobs UI is served, as by serve.
func Start(pool *pgxpool.Pool, cfg config.Config) (*Env, error) {
	if cfg.Blob.URL == "" {
		// TestMain and examples: a folder of their own, left to the OS.
		dir, err := os.MkdirTemp("", "kabinet-blobs-")
		if err != nil {
			return nil, err
		}
		if cfg.Blob.URL, err = blob.FileURL(dir); err != nil {
			return nil, err
		}
	}
	_, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, err
	}
	return startWithKeys(pool, cfg, key)
}

func startWithKeys(pool *pgxpool.Pool, cfg config.Config, key ed25519.PrivateKey, previous ...ed25519.PublicKey) (*Env, error) {
	hasher, err := auth.NewHasher(cfg.Argon2, cfg.MaxConcurrentHashes)
	if err != nil {
		return nil, err
	}
	issuer := auth.NewIssuer(key, cfg.PublicURL, cfg.AccessTokenTTL)
	issuer.TrustPrevious(previous...)
	log := slog.New(slog.DiscardHandler)
	jc, err := jobs.New(pool, cfg.Jobs, nil, log)
	if err != nil {
		return nil, err
	}
	deps := httpapi.Deps{Config: cfg, Pool: pool, Hasher: hasher, Issuer: issuer, Logger: log, Jobs: jc}
	ctx, stop := context.WithCancel(context.Background())
	if cfg.Jobs.UI {
		if deps.JobsUI, err = jc.UIHandler(ctx, httpapi.JobsUIPath); err != nil {
			stop()
			return nil, err
		}
	}
	e, err := httpapi.New(deps)
	if err != nil {
		stop()
		return nil, err
	}
	srv := httptest.NewServer(e)
	c, err := client.NewClientWithResponses(srv.URL)
	if err != nil {
		srv.Close()
		stop()
		return nil, err
	}
	return &Env{URL: srv.URL, Pool: pool, Client: c, HTTPClient: srv.Client(), Config: cfg, Issuer: issuer, Key: key, server: srv, stop: stop}, nil
}

// tempBlobURL is a blob folder that lives as long as the test.
func tempBlobURL(t testing.TB) string {
	u, err := blob.FileURL(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return u
}

// Bearer returns a request editor that sends token as the access token.
func Bearer(token string) client.RequestEditorFn {
	return func(_ context.Context, req *http.Request) error {
		req.Header.Set("Authorization", "Bearer "+token)
		return nil
	}
}

// Send makes a raw request through HTTPClient (so its answer is checked
// against the spec too) and returns the answer with its whole body: the
// method, a path with its query, an access token (none when empty) and a
// JSON body (none when empty). For what the generated client cannot send —
// malformed ids, hostile text, repeated parameters.
func (e *Env) Send(t testing.TB, method, path, token, body string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, e.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := e.HTTPClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res, b
}
