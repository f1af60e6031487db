package idempotency_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/labstack/echo/v4"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/idempotency"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/testdb"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// env is an Echo server with the middleware on POST /orders and
// /orders/:id/payments; the caller is named by the X-User header.
type env struct {
	t     *testing.T
	srv   *httptest.Server
	pool  *pgxpool.Pool
	runs  atomic.Int64
	delay time.Duration
	// status the handler answers with (201 unless set)
	status atomic.Int64
	fail   atomic.Bool
}

func newEnv(t *testing.T, cfg idempotency.Config) *env {
	t.Helper()
	pool, url := testdb.NewWithURL(t)
	// The middleware gets a pool of its own (see Config.Pool).
	keys, err := store.Open(context.Background(), url, 20)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(keys.Close)
	en := &env{t: t, pool: pool}
	cfg.Pool = keys
	cfg.Routes = map[string]bool{"POST /orders": true, "POST /orders/:id/payments": true}
	cfg.Scope = func(c echo.Context) (uuid.UUID, error) { return uuid.Parse(c.Request().Header.Get("X-User")) }

	e := echo.New()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		var pe *web.Error
		if errors.As(err, &pe) {
			for k, v := range pe.Header {
				c.Response().Header()[k] = v
			}
			_ = c.JSON(pe.Problem.Status, pe.Problem)
			return
		}
		_ = c.JSON(http.StatusInternalServerError, map[string]string{"code": "internal"})
	}
	e.Use(idempotency.Middleware(cfg))
	handler := func(c echo.Context) error {
		n := en.runs.Add(1)
		status, fail := int(en.status.Load()), en.fail.Load()
		time.Sleep(en.delay)
		if fail {
			return errors.New("boom")
		}
		body, _ := io.ReadAll(c.Request().Body)
		if status == 0 {
			status = http.StatusCreated
		}
		k, _ := idempotency.KeyFrom(c.Request().Context())
		c.Response().Header().Set(echo.HeaderLocation, fmt.Sprintf("/orders/%d", n))
		c.Response().Header().Set("X-Not-Replayed", "1")
		return c.JSON(status, map[string]any{"run": n, "body": string(body), "key": k.Key})
	}
	e.POST("/orders", handler)
	e.POST("/orders/:id/payments", handler)
	e.POST("/other", handler)
	en.srv = httptest.NewServer(e)
	t.Cleanup(en.srv.Close)
	return en
}

type answer struct {
	status   int
	header   http.Header
	body     string
	replayed bool
	code     string
}

// user makes an account (keys belong to accounts).
func (en *env) user() uuid.UUID {
	en.t.Helper()
	u, err := db.New(en.pool).CreateUser(context.Background(), db.CreateUserParams{
		Email: uuid.NewString() + "@example.org", FirstName: "Анна", LastName: "Иванова", Locale: "ru",
	})
	if err != nil {
		en.t.Fatal(err)
	}
	return u.ID
}

func (en *env) post(user uuid.UUID, path, key, body string) answer {
	en.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, en.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-User", user.String())
	if key != "" {
		req.Header.Set(idempotency.Header, key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		en.t.Error(err)
		return answer{}
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	var p struct{ Code string }
	_ = json.Unmarshal(b, &p)
	return answer{status: res.StatusCode, header: res.Header, body: string(b), replayed: res.Header.Get(idempotency.ReplayedHeader) == "true", code: p.Code}
}

func TestReplayAndConflicts(t *testing.T) {
	en := newEnv(t, idempotency.Config{})
	anna, boris := en.user(), en.user()

	first := en.post(anna, "/orders", "k1", `{"program":"a"}`)
	if first.status != http.StatusCreated || first.replayed {
		t.Fatalf("first: %+v", first)
	}
	tests := []struct {
		name     string
		user     uuid.UUID
		path     string
		key      string
		body     string
		status   int
		replayed bool
		code     string
		runs     int64 // handler runs after the request
	}{
		{"same key and body: replayed", anna, "/orders", "k1", `{"program":"a"}`, 201, true, "", 1},
		{"same key, another body", anna, "/orders", "k1", `{"program":"b"}`, 422, false, idempotency.CodeKeyReused, 1},
		{"same key, another endpoint", anna, "/orders/1/payments", "k1", `{"program":"a"}`, 422, false, idempotency.CodeKeyReused, 1},
		{"same key, another user: their own", boris, "/orders", "k1", `{"program":"a"}`, 201, false, "", 2},
		{"new key", anna, "/orders", "k2", `{"program":"a"}`, 201, false, "", 3},
		{"no key: not idempotent", anna, "/orders", "", `{"program":"a"}`, 201, false, "", 4},
		{"no key again", anna, "/orders", "", `{"program":"a"}`, 201, false, "", 5},
		{"route not enabled", anna, "/other", "k1", `{}`, 201, false, "", 6},
		{"path parameters count", anna, "/orders/2/payments", "k3", `{}`, 201, false, "", 7},
		{"another id, same key", anna, "/orders/3/payments", "k3", `{}`, 422, false, idempotency.CodeKeyReused, 7},
		{"invalid key", anna, "/orders", strings.Repeat("x", 256), `{}`, 422, false, web.CodeValidationFailed, 7},
		{"non-ASCII key", anna, "/orders", "ключ", `{}`, 422, false, web.CodeValidationFailed, 7},
	}
	for _, tt := range tests {
		got := en.post(tt.user, tt.path, tt.key, tt.body)
		if got.status != tt.status || got.replayed != tt.replayed || got.code != tt.code || en.runs.Load() != tt.runs {
			t.Errorf("%s: status %d replayed %v code %q runs %d; want %d %v %q %d",
				tt.name, got.status, got.replayed, got.code, en.runs.Load(), tt.status, tt.replayed, tt.code, tt.runs)
		}
	}
	again := en.post(anna, "/orders", "k1", `{"program":"a"}`)
	if again.body != first.body || again.header.Get("Location") != first.header.Get("Location") ||
		again.header.Get("Content-Type") != first.header.Get("Content-Type") {
		t.Errorf("replay differs:\n%+v\n%+v", first, again)
	}
	if again.header.Get("X-Not-Replayed") != "" {
		t.Error("a header outside the replayed list was replayed")
	}
	if !strings.Contains(first.body, `"key":"k1"`) {
		t.Errorf("KeyFrom did not reach the handler: %s", first.body)
	}
}

func TestWhatIsStored(t *testing.T) {
	tests := []struct {
		name   string
		status int
		fail   bool
		stored bool
	}{
		{"200", 200, false, true},
		{"202", 202, false, true},
		{"409 business outcome", 409, false, true},
		{"402 declined", 402, false, true},
		{"422 refused by the handler's checks", 422, false, false},
		{"404", 404, false, false},
		{"403", 403, false, false},
		{"500", 500, false, false},
		{"error", 0, true, false},
	}
	en := newEnv(t, idempotency.Config{})
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			en.status.Store(int64(tt.status))
			en.fail.Store(tt.fail)
			user, key := en.user(), fmt.Sprintf("key-%d", i)
			before := en.runs.Load()
			en.post(user, "/orders", key, `{}`)
			second := en.post(user, "/orders", key, `{}`)
			ran := en.runs.Load() - before
			if tt.stored && (ran != 1 || !second.replayed || second.status != tt.status) {
				t.Errorf("stored: handler ran %d times, second %+v", ran, second)
			}
			if !tt.stored && (ran != 2 || second.replayed) {
				t.Errorf("not stored: handler ran %d times, second replayed %v", ran, second.replayed)
			}
		})
	}
}

func TestExpiryAndPurge(t *testing.T) {
	en := newEnv(t, idempotency.Config{})
	ctx := context.Background()
	anna := en.user()
	en.post(anna, "/orders", "old", `{}`)
	en.post(anna, "/orders", "fresh", `{}`)
	if _, err := en.pool.Exec(ctx, "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'old'"); err != nil {
		t.Fatal(err)
	}
	// An expired key is free at once, even before the purge, and any body goes.
	if got := en.post(anna, "/orders", "old", `{"other":1}`); got.status != 201 || got.replayed || en.runs.Load() != 3 {
		t.Fatalf("expired key: %+v, runs %d", got, en.runs.Load())
	}
	if _, err := en.pool.Exec(ctx, "UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = 'old'"); err != nil {
		t.Fatal(err)
	}
	n, err := idempotency.Purge(ctx, db.New(en.pool))
	if err != nil || n != 1 {
		t.Fatalf("Purge = %d, %v; want 1", n, err)
	}
	var ttl time.Duration
	if err := en.pool.QueryRow(ctx, "SELECT expires_at - created_at FROM idempotency_keys WHERE key = 'fresh'").Scan(&ttl); err != nil || ttl != 24*time.Hour {
		t.Fatalf("key lifetime %s, %v; want 24h", ttl, err)
	}
}

func TestConcurrentDuplicatesRunOnce(t *testing.T) {
	en := newEnv(t, idempotency.Config{})
	en.delay = 150 * time.Millisecond
	anna := en.user()
	const n = 8
	answers := make([]answer, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { answers[i] = en.post(anna, "/orders", "dup", `{"program":"a"}`) })
	}
	wg.Wait()
	if got := en.runs.Load(); got != 1 {
		t.Fatalf("handler ran %d times, want 1", got)
	}
	replays := 0
	for _, a := range answers {
		if a.status != 201 || a.body != answers[0].body {
			t.Errorf("answer %+v differs from %+v", a, answers[0])
		}
		if a.replayed {
			replays++
		}
	}
	if replays != n-1 {
		t.Errorf("%d replays, want %d", replays, n-1)
	}
}

func TestConcurrentDuplicateAfterFailureRunsAgain(t *testing.T) {
	en := newEnv(t, idempotency.Config{})
	en.delay = 150 * time.Millisecond
	en.status.Store(500) // the first attempt fails and is not stored
	anna := en.user()
	var wg sync.WaitGroup
	var second answer
	wg.Go(func() { en.post(anna, "/orders", "retry", `{}`) })
	time.Sleep(50 * time.Millisecond)
	wg.Go(func() {
		en.status.Store(201)
		second = en.post(anna, "/orders", "retry", `{}`)
	})
	wg.Wait()
	if en.runs.Load() != 2 || second.status != 201 || second.replayed {
		t.Fatalf("runs %d, waiting duplicate %+v; want it to run after the failure", en.runs.Load(), second)
	}
}

func TestWaitingTooLongIsInUse(t *testing.T) {
	en := newEnv(t, idempotency.Config{LockTimeout: 50 * time.Millisecond})
	en.delay = 400 * time.Millisecond
	anna := en.user()
	var wg sync.WaitGroup
	wg.Go(func() { en.post(anna, "/orders", "slow", `{}`) })
	time.Sleep(100 * time.Millisecond)
	got := en.post(anna, "/orders", "slow", `{}`)
	wg.Wait()
	if got.status != http.StatusConflict || got.code != idempotency.CodeKeyInUse || got.header.Get("Retry-After") == "" {
		t.Fatalf("waiting duplicate: %+v", got)
	}
	if en.runs.Load() != 1 {
		t.Fatalf("runs = %d", en.runs.Load())
	}
	if again := en.post(anna, "/orders", "slow", `{}`); !again.replayed {
		t.Fatalf("after the first finished: %+v", again)
	}
}

// As route middleware (Routes nil), the middleware guards exactly the
// routes it is attached to.
func TestPerOperationMiddleware(t *testing.T) {
	pool, url := testdb.NewWithURL(t)
	keys, err := store.Open(context.Background(), url, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(keys.Close)
	mw := idempotency.Middleware(idempotency.Config{Pool: keys,
		Scope: func(c echo.Context) (uuid.UUID, error) { return uuid.Parse(c.Request().Header.Get("X-User")) }})
	ops := idempotency.ForOperations(mw, "createOrder")
	var runs atomic.Int64
	h := func(c echo.Context) error { return c.JSON(http.StatusCreated, map[string]int64{"run": runs.Add(1)}) }
	e := echo.New()
	e.POST("/orders", h, ops["createOrder"]...)
	e.POST("/notes", h, ops["createNote"]...)
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	en := &env{t: t, srv: srv, pool: pool}
	u := en.user()
	for range 2 {
		en.post(u, "/orders", "k", `{}`)
		en.post(u, "/notes", "k", `{}`)
	}
	if runs.Load() != 3 {
		t.Fatalf("handler ran %d times, want 3 (orders once, notes twice)", runs.Load())
	}
}
