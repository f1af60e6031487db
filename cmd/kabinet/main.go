// Command kabinet runs the Kabinet API.
//
//	kabinet serve [-migrate] [-seed]   serve the API and, unless KABINET_WORKERS=false, work background jobs
//	                                   (optionally migrate and load demo data first)
//	kabinet worker                     work background jobs only (message delivery, housekeeping)
//	kabinet migrate                    apply pending database migrations
//	kabinet seed                       load the demo organization and accounts (development only)
//	kabinet keygen FILE                write a new Ed25519 signing key (PKCS#8 PEM) unless FILE exists
//
// Configuration comes from environment variables; see README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/internal/auth"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/httpapi"
	"github.com/kabinet-edu/kabinet/internal/seed"
	"github.com/kabinet-edu/kabinet/internal/store"
)

func main() {
	// Draw version 4 UUIDs (request ids, row ids, token ids) from a buffer
	// refilled from crypto/rand, not a read per UUID. It must be switched
	// on before any goroutine makes one.
	uuid.EnableRandPool()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "kabinet:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		return errors.New("usage: kabinet serve|worker|migrate|seed|keygen (see README.md)")
	}
	cmd, args := args[0], args[1:]
	if cmd == "keygen" {
		return keygen(args)
	}
	cfg, err := config.Load(os.Getenv)
	if err == nil {
		err = cfg.Validate()
	}
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	log, logOut, accessJSON := newLogger(cfg)
	defer logOut.Flush()
	switch cmd {
	case "serve":
		fs := flag.NewFlagSet("serve", flag.ContinueOnError)
		migrate := fs.Bool("migrate", false, "apply pending migrations before serving")
		demo := fs.Bool("seed", false, "load demo data before serving (development only)")
		if err := fs.Parse(args); err != nil {
			return err
		}
		return serve(ctx, cfg, log, accessJSON, *migrate, *demo)
	case "worker":
		return worker(ctx, cfg, log)
	case "migrate":
		return withPool(ctx, cfg, func(pool *pgxpool.Pool) error { return store.Migrate(ctx, pool, log) })
	case "seed":
		return withPool(ctx, cfg, func(pool *pgxpool.Pool) error { return loadDemo(ctx, cfg, pool, log) })
	}
	return fmt.Errorf("unknown command %q (want serve, worker, migrate, seed or keygen)", cmd)
}

func serve(ctx context.Context, cfg config.Config, log *slog.Logger, accessJSON io.Writer, migrate, demo bool) error {
	applyMemoryLimit(cfg, log)
	if err := defaultBlobURL(&cfg); err != nil {
		return err
	}
	pool, err := store.Open(ctx, cfg.DatabaseURL, cfg.DBMaxConns)
	if err != nil {
		return err
	}
	defer pool.Close()
	if migrate {
		if err := store.Migrate(ctx, pool, log); err != nil {
			return err
		}
	}
	if demo {
		if err := loadDemo(ctx, cfg, pool, log); err != nil {
			return err
		}
	}
	key, ephemeral, err := auth.LoadKey(cfg.JWTPrivateKey, cfg.JWTPrivateKeyFile)
	if err != nil {
		return err
	}
	if ephemeral {
		log.Warn("no KABINET_JWT_PRIVATE_KEY_FILE: using a throw-away signing key; tokens die with this process and other instances reject them")
	}
	hasher, err := auth.NewHasher(cfg.Argon2, cfg.MaxConcurrentHashes)
	if err != nil {
		return err
	}
	// Each argon2id hash leaves Argon2.MemoryKiB of garbage that the runtime
	// would hand back to the system only slowly: after a burst of sign-ins,
	// return it at once (a forced GC, a few milliseconds).
	hasher.WhenIdle(time.Second, debug.FreeOSMemory)
	issuer := auth.NewIssuer(key, cfg.PublicURL, cfg.AccessTokenTTL)
	issuer.SetTokenCacheSize(cfg.Runtime.TokenCacheSize)
	if cfg.JWTPreviousKeysFile != "" {
		data, err := os.ReadFile(cfg.JWTPreviousKeysFile)
		if err != nil {
			return fmt.Errorf("KABINET_JWT_PREVIOUS_KEYS_FILE: %w", err)
		}
		previous, err := auth.ParsePublicKeysPEM(data)
		if err != nil {
			return fmt.Errorf("KABINET_JWT_PREVIOUS_KEYS_FILE: %w", err)
		}
		issuer.TrustPrevious(previous...)
		log.Info("previous signing keys trusted", "count", len(previous))
	}
	// The job workers, when this process works jobs, get a pool of their
	// own (config.JobsDBConns): the API's is sized to the cores.
	jobsPool := pool
	if cfg.Jobs.Workers {
		if jobsPool, err = store.Open(ctx, cfg.DatabaseURL, cfg.JobsDBConns()); err != nil {
			return err
		}
		defer jobsPool.Close()
	}
	jc, err := newJobs(cfg, jobsPool, log, cfg.Jobs.Workers)
	if err != nil {
		return err
	}
	// Idempotency-Key rows are held for a whole request: a pool of their own
	// keeps waiting duplicates from starving the handlers of connections.
	idemPool, err := store.Open(ctx, cfg.DatabaseURL, 4)
	if err != nil {
		return err
	}
	defer idemPool.Close()
	deps := httpapi.Deps{Config: cfg, Pool: pool, Hasher: hasher, Logger: log, AccessLogJSON: accessJSON, Issuer: issuer, Jobs: jc, IdempotencyPool: idemPool}
	uiCtx, stopUI := context.WithCancel(context.WithoutCancel(ctx))
	defer stopUI()
	if cfg.Jobs.UI {
		if deps.JobsUI, err = jc.UIHandler(uiCtx, httpapi.JobsUIPath); err != nil {
			return err
		}
	}
	e, err := httpapi.New(deps)
	if err != nil {
		return err
	}
	if err := startJobs(ctx, cfg, jc, log); err != nil {
		return err
	}
	srv := &http.Server{
		Addr:              cfg.HTTPAddr,
		Handler:           e,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	// Start-up (the migrations, the spec, the router, the dummy argon2id
	// hash) churns far more heap than serving keeps, and touches far more of
	// the executable: hand both back before serving.
	releaseStartupPages(cfg, log)
	if cfg.Runtime.DebugAddr != "" {
		defer startDebug(cfg.Runtime.DebugAddr, log).Close()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("serving", "addr", "http://"+cfg.HTTPAddr, "docs", "http://"+cfg.HTTPAddr+"/docs/", "env", cfg.Env)
	if cfg.Env == config.EnvDevelopment && !loopbackOnly(cfg.HTTPAddr) {
		log.Warn("KABINET_ENV=development on a non-loopback address: the development mailbox (GET /api/v1/dev/messages) shows codes and links to anyone who can reach this server; set KABINET_ENV=production")
	}

	select {
	case err := <-errc:
		stopCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		stopJobs(stopCtx, jc, log)
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout)
	shutCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	err = srv.Shutdown(shutCtx)
	stopJobs(shutCtx, jc, log) // after the last request, which may have enqueued a message
	if err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

func loadDemo(ctx context.Context, cfg config.Config, pool *pgxpool.Pool, log *slog.Logger) error {
	if cfg.Env != config.EnvDevelopment {
		return errors.New("demo data is loaded only with KABINET_ENV=development")
	}
	hasher, err := auth.NewHasher(cfg.Argon2, cfg.MaxConcurrentHashes)
	if err != nil {
		return err
	}
	if err := seed.Demo(ctx, pool, hasher); err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	if err := demoCatalog(ctx, cfg, pool); err != nil {
		return fmt.Errorf("demo catalog: %w", err)
	}
	if err := seed.DemoApplications(ctx, pool, hasher); err != nil {
		return fmt.Errorf("demo applications: %w", err)
	}
	if err := demoLearning(ctx, cfg, pool); err != nil {
		return fmt.Errorf("demo learning content: %w", err)
	}
	if err := seed.DemoOrders(ctx, pool); err != nil {
		return fmt.Errorf("demo orders: %w", err)
	}
	if err := demoDomains(ctx, cfg, pool, log); err != nil {
		return fmt.Errorf("demo domains: %w", err)
	}
	log.Info("demo data loaded", "organization", seed.DemoOrgSlug, "accounts", len(seed.DemoUsers), "password", seed.DemoPassword)
	return nil
}

func withPool(ctx context.Context, cfg config.Config, fn func(*pgxpool.Pool) error) error {
	pool, err := store.Open(ctx, cfg.DatabaseURL, 2)
	if err != nil {
		return err
	}
	defer pool.Close()
	return fn(pool)
}

func keygen(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: kabinet keygen FILE")
	}
	if _, err := os.Stat(args[0]); err == nil {
		return nil // keep the existing key: replacing it would sign everyone out
	}
	pemBytes, err := auth.GenerateKeyPEM()
	if err != nil {
		return err
	}
	return os.WriteFile(args[0], pemBytes, 0o600)
}

// newLogger logs to standard output through a logWriter (Flush it before
// exiting). With the JSON format, accessJSON is that writer too: the access
// log may write its lines there by hand (httpapi.Deps.AccessLogJSON); with
// the text format it is nil and they go through slog.
func newLogger(cfg config.Config) (log *slog.Logger, out *logWriter, accessJSON io.Writer) {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	out = newLogWriter(os.Stdout)
	if strings.EqualFold(cfg.LogFormat, "text") {
		return slog.New(slog.NewTextHandler(out, opts)), out, nil
	}
	return slog.New(slog.NewJSONHandler(out, opts)), out, out
}

// loopbackOnly reports whether addr (host:port) listens on loopback only.
func loopbackOnly(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
