package web

import (
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/auth"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/ratelimit"
)

// Base is what every domain's handler struct embeds: the concrete
// dependencies all of them use, and the shared checks built on those (role,
// throttle, recent authentication, audit).
type Base struct {
	Cfg     config.Config
	Pool    *pgxpool.Pool
	Q       *db.Queries
	Hasher  *auth.Hasher
	Issuer  *auth.Issuer
	Limiter *ratelimit.Limiter // keeps its counters in PostgreSQL
	Log     *slog.Logger
	Now     func() time.Time
	// SessionInStatement names the read operations (by operationId) whose
	// handlers check the caller's session in their own first statement
	// instead of a query of its own before them: the hottest reads (GET
	// /me, /me/sessions) then cost one round trip to PostgreSQL, and a
	// revoked session still fails on its next request. Their handlers use
	// UncheckedCaller, Confirm and SessionEnded; Caller refuses until
	// Confirm, so a handler that forgets fails closed.
	SessionInStatement map[string]bool
}

// NewBase builds the shared dependencies over pool.
func NewBase(cfg config.Config, pool *pgxpool.Pool, hasher *auth.Hasher, issuer *auth.Issuer, log *slog.Logger) Base {
	q := db.New(pool)
	return Base{Cfg: cfg, Pool: pool, Q: q, Hasher: hasher, Issuer: issuer, Limiter: ratelimit.New(q), Log: log, Now: time.Now}
}
