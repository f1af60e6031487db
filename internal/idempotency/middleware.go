package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Header is the request header that carries the key.
const Header = "Idempotency-Key"

// ReplayedHeader marks a replayed response.
const ReplayedHeader = "Idempotent-Replayed"

// Problem codes.
const (
	CodeKeyReused = "idempotency_key_reused"
	CodeKeyInUse  = "idempotency_key_in_use"
)

// Config configures the middleware.
type Config struct {
	// Pool holds the keys' rows. Each idempotent request in flight holds one
	// of its connections for as long as its handler runs, and so does each
	// waiting duplicate, beside the connections the handler itself uses:
	// give the middleware a small pool of its own, or size a shared pool for
	// both, or handlers may starve for connections.
	Pool *pgxpool.Pool
	// Routes limits the middleware to these operations, as "METHOD
	// /echo/route" (see Routes, which builds them from operation ids), for
	// use with e.Use. Nil: every request the middleware sees, for use as a
	// per-operation middleware (see ForOperations).
	Routes map[string]bool
	// TTL is how long a key is kept; 0 means 24 hours.
	TTL time.Duration
	// LockTimeout is how long a duplicate waits for the first request; 0
	// means 30 seconds.
	LockTimeout time.Duration
	// Scope names the caller; nil reads the authenticated user (web.Caller).
	Scope func(c echo.Context) (uuid.UUID, error)
	// Keep decides which responses are stored; nil means Keep.
	Keep func(status int) bool
}

// Keep is the default rule for what is stored (see the package doc).
func Keep(status int) bool {
	switch {
	case status >= 200 && status < 300:
		return true
	case status == http.StatusPaymentRequired, status == http.StatusConflict, status == http.StatusGone:
		return true
	}
	return false
}

// replayed are the response headers stored and replayed with the body.
var replayed = []string{echo.HeaderContentType, echo.HeaderLocation, "ETag", "Content-Language"}

// Key is the key of the request being handled, as handlers see it.
type Key struct {
	UserID uuid.UUID
	Key    string
}

type keyCtx struct{}

// KeyFrom returns the idempotency key of the request whose handler is
// running, if it came with one.
func KeyFrom(ctx context.Context) (Key, bool) {
	k, ok := ctx.Value(keyCtx{}).(Key)
	return k, ok
}

// Middleware returns the Echo middleware. It must run after the spec
// validator (which authenticates the caller): attach it to the operations
// with ForOperations, or add it last with e.Use and Config.Routes.
func Middleware(cfg Config) echo.MiddlewareFunc {
	if cfg.TTL <= 0 {
		cfg.TTL = 24 * time.Hour
	}
	if cfg.LockTimeout <= 0 {
		cfg.LockTimeout = 30 * time.Second
	}
	if cfg.Scope == nil {
		cfg.Scope = callerScope
	}
	if cfg.Keep == nil {
		cfg.Keep = Keep
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			key := req.Header.Get(Header)
			if key == "" || (cfg.Routes != nil && !cfg.Routes[req.Method+" "+c.Path()]) {
				return next(c)
			}
			if !validKey(key) {
				return web.Fail(req.Context(), http.StatusUnprocessableEntity, web.CodeValidationFailed, "One or more fields are invalid.",
					web.FieldError("header."+Header, "invalid_format", "must be 1–255 printable ASCII characters"))
			}
			user, err := cfg.Scope(c)
			if err != nil {
				return err
			}
			return cfg.serve(c, next, Key{UserID: user, Key: key})
		}
	}
}

func callerScope(c echo.Context) (uuid.UUID, error) {
	p, err := web.Caller(c.Request().Context())
	if err != nil {
		return uuid.Nil, err
	}
	return p.User.ID, nil
}

func validKey(k string) bool {
	if len(k) > 255 {
		return false
	}
	for i := range len(k) {
		if k[i] < 0x20 || k[i] > 0x7e {
			return false
		}
	}
	return true
}

func (cfg Config) serve(c echo.Context, next echo.HandlerFunc, k Key) error {
	req := c.Request()
	ctx := req.Context()
	body, err := io.ReadAll(req.Body)
	if err != nil {
		return fmt.Errorf("idempotency: read body: %w", err)
	}
	req.Body = io.NopCloser(bytes.NewReader(body))
	fp := fingerprint(req.Method, req.URL.RequestURI(), body)

	tx, err := cfg.Pool.Begin(ctx)
	if err != nil {
		return fmt.Errorf("idempotency: begin: %w", err)
	}
	// Once the handler may have run, the key's row is finished without the
	// request's context: a client hanging up must not roll back the record
	// of a change that was made.
	detached := context.WithoutCancel(ctx)
	defer tx.Rollback(detached) //nolint:errcheck // after Commit it is a no-op
	q := db.New(tx)
	if _, err := tx.Exec(ctx, "SELECT set_config('lock_timeout', $1, true)", strconv.FormatInt(cfg.LockTimeout.Milliseconds(), 10)+"ms"); err != nil {
		return fmt.Errorf("idempotency: lock timeout: %w", err)
	}
	if err := q.DeleteExpiredIdempotencyKey(ctx, db.DeleteExpiredIdempotencyKeyParams{UserID: k.UserID, Key: k.Key}); err != nil {
		return cfg.lockErr(ctx, err)
	}
	_, err = q.ClaimIdempotencyKey(ctx, db.ClaimIdempotencyKeyParams{
		UserID: k.UserID, Key: k.Key, Method: req.Method, Route: c.Path(), Fingerprint: fp[:], TtlSeconds: cfg.TTL.Seconds(),
	})
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return cfg.replay(c, q, k, fp[:])
	case err != nil:
		return cfg.lockErr(ctx, err)
	}

	// This request owns the key: run the handler, recording its response.
	rec := &recorder{ResponseWriter: c.Response().Writer}
	c.Response().Writer = rec
	c.SetRequest(req.WithContext(context.WithValue(ctx, keyCtx{}, k)))
	if err := next(c); err != nil {
		return err // rolled back: errors are never stored
	}
	res := c.Response()
	if !res.Committed || !cfg.Keep(res.Status) {
		return nil
	}
	headers := http.Header{}
	for _, h := range replayed {
		if v := res.Header().Values(h); len(v) > 0 {
			headers[h] = v
		}
	}
	hj, _ := json.Marshal(headers)
	if err := q.SaveIdempotentResponse(detached, db.SaveIdempotentResponseParams{
		UserID: k.UserID, Key: k.Key, ResponseStatus: pgtype.Int4{Int32: int32(res.Status), Valid: true},
		ResponseHeaders: hj, ResponseBody: rec.body.Bytes(),
	}); err != nil {
		return fmt.Errorf("idempotency: save response: %w", err)
	}
	if err := tx.Commit(detached); err != nil {
		return fmt.Errorf("idempotency: commit: %w", err)
	}
	return nil
}

// replay answers a request whose key exists: once the first request's
// transaction is over, the stored response, or a refusal if the request is
// not the same.
func (cfg Config) replay(c echo.Context, q *db.Queries, k Key, fp []byte) error {
	ctx := c.Request().Context()
	row, err := q.LockIdempotencyKey(ctx, db.LockIdempotencyKeyParams{UserID: k.UserID, Key: k.Key})
	if errors.Is(err, pgx.ErrNoRows) {
		// Rolled back and gone between our insert and this read: another
		// duplicate holds it now.
		return inUse(ctx)
	}
	if err != nil {
		return cfg.lockErr(ctx, err)
	}
	if !bytes.Equal(row.Fingerprint, fp) {
		return web.Fail(ctx, http.StatusUnprocessableEntity, CodeKeyReused,
			"This Idempotency-Key was used with another request; use a new key for a new request.")
	}
	if !row.ResponseStatus.Valid {
		return inUse(ctx)
	}
	var headers http.Header
	if err := json.Unmarshal(row.ResponseHeaders, &headers); err != nil {
		return fmt.Errorf("idempotency: stored headers: %w", err)
	}
	res := c.Response()
	for h, v := range headers {
		res.Header()[h] = v
	}
	res.Header().Set(ReplayedHeader, "true")
	res.WriteHeader(int(row.ResponseStatus.Int32))
	_, err = res.Write(row.ResponseBody)
	return err
}

// lockErr turns a lock timeout into 409 idempotency_key_in_use.
func (cfg Config) lockErr(ctx context.Context, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "55P03" { // lock_not_available
		return inUse(ctx)
	}
	return fmt.Errorf("idempotency: %w", err)
}

func inUse(ctx context.Context) error {
	e := web.Fail(ctx, http.StatusConflict, CodeKeyInUse,
		"A request with this Idempotency-Key is still being processed; retry shortly.")
	e.Header = http.Header{"Retry-After": {"1"}}
	return e
}

func fingerprint(method, uri string, body []byte) [sha256.Size]byte {
	h := sha256.New()
	for _, part := range [][]byte{[]byte(method), []byte(uri), body} {
		h.Write([]byte(strconv.Itoa(len(part)) + ":"))
		h.Write(part)
	}
	var out [sha256.Size]byte
	h.Sum(out[:0])
	return out
}

// recorder passes a response through while keeping a copy of its body.
type recorder struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (r *recorder) Write(p []byte) (int, error) {
	r.body.Write(p)
	return r.ResponseWriter.Write(p)
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// Purge deletes expired keys and reports how many; run it periodically.
func Purge(ctx context.Context, q *db.Queries) (int64, error) {
	return q.PurgeIdempotencyKeys(ctx)
}

// ForOperations attaches mw to the given operations, in the form the
// generated server's RegisterHandlersWithOptions takes as
// OperationMiddlewares (route middleware runs after e.Use's, so after the
// validator):
//
//	api.RegisterHandlersWithOptions(e, h, api.RegisterHandlersOptions{
//		OperationMiddlewares: idempotency.ForOperations(mw, "createOrder", "createPayment", "createRefund"),
//	})
func ForOperations(mw echo.MiddlewareFunc, operationIDs ...string) map[string][]echo.MiddlewareFunc {
	out := make(map[string][]echo.MiddlewareFunc, len(operationIDs))
	for _, id := range operationIDs {
		out[id] = append(out[id], mw)
	}
	return out
}
