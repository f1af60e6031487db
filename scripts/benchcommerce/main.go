// Command benchcommerce measures the commerce hot paths against a real
// server on loopback (in process) and a fresh database: order creation with
// Idempotency-Keys (a fifth of the requests are replays of an earlier key),
// p50/p99; and provider notifications processed per second when every one
// is delivered three times, concurrently. It checks that every payment was
// applied exactly once. Run by scripts/bench-commerce.sh (make bench).
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/payments/sandbox"
	"github.com/kabinet-edu/kabinet/internal/store"
)

func main() {
	dbURL := flag.String("database-url", "", "PostgreSQL URL of an empty database")
	orders := flag.Int("orders", 2000, "orders to create")
	workers := flag.Int("workers", 8, "concurrent clients")
	flag.Parse()
	if err := run(*dbURL, *orders, *workers); err != nil {
		log.Fatal(err)
	}
}

func run(dbURL string, n, workers int) error {
	ctx := context.Background()
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"DATABASE_URL": dbURL, "KABINET_LIMIT_LOGIN_IP": "100000/1m"}[k]
	})
	if err != nil {
		return err
	}
	pool, err := store.Open(ctx, dbURL, 40)
	if err != nil {
		return err
	}
	defer pool.Close()
	if err := store.Migrate(ctx, pool, slog.New(slog.DiscardHandler)); err != nil {
		return err
	}
	env, err := apitest.Start(pool, cfg)
	if err != nil {
		return err
	}
	defer env.Close()
	var org uuid.UUID
	if err := pool.QueryRow(ctx, `INSERT INTO organizations (slug, name) VALUES ('bench-shop', 'Bench') RETURNING id`).Scan(&org); err != nil {
		return err
	}
	// Learners, each with n/workers approved applications (written directly:
	// the seats are setup, not what is measured).
	tokens := make([]string, workers)
	apps := make([][]uuid.UUID, workers)
	for w := range workers {
		acc := apitest.NewAccount()
		res, err := env.Client.RegisterWithResponse(ctx, acc)
		if err != nil || res.JSON201 == nil {
			return fmt.Errorf("register: %v %s", err, res.Body)
		}
		tokens[w] = res.JSON201.AccessToken
		rows, err := pool.Query(ctx, `
			WITH p AS (INSERT INTO programs (organization_id, slug, title, kind, completion_document, academic_hours, format, price_minor, status, published_at)
			           VALUES ($1, 'bench-' || $3::text, 'Программа', 'course', 'certificate', 16, 'online', 1234567, 'published', now()) RETURNING id),
			     g AS (INSERT INTO study_groups (organization_id, program_id, code, starts_on, ends_on, status)
			           SELECT $1, p.id, 'G-' || s, current_date + 30, current_date + 40, 'enrolling' FROM p, generate_series(1, $4::int) s RETURNING id, program_id)
			INSERT INTO applications (organization_id, program_id, group_id, user_id, status, last_name, first_name, waiting_since, submitted_at)
			SELECT $1, g.program_id, g.id, $2, 'approved', 'Иванова', 'Анна', now(), now() FROM g RETURNING id`,
			org, res.JSON201.User.ID, fmt.Sprint(w), n/workers)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id uuid.UUID
			if err := rows.Scan(&id); err != nil {
				return err
			}
			apps[w] = append(apps[w], id)
		}
		if err := rows.Err(); err != nil {
			return err
		}
	}
	// Orders: each worker orders its applications one by one; every fifth
	// request repeats the previous key and body (a client retry).
	lat := make([][]time.Duration, workers)
	made := make([][]uuid.UUID, workers)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			var key string
			var body client.OrderRequest
			for i, app := range apps[w] {
				if i%5 != 4 || key == "" {
					key, body = uuid.NewString(), client.OrderRequest{ApplicationIds: []uuid.UUID{app}}
				}
				t0 := time.Now()
				res, err := env.Client.CreateOrderWithResponse(ctx, &client.CreateOrderParams{IdempotencyKey: key}, body, apitest.Bearer(tokens[w]))
				lat[w] = append(lat[w], time.Since(t0))
				if err != nil || res.JSON201 == nil {
					log.Printf("order: %v %d", err, res.StatusCode())
					continue
				}
				if len(made[w]) == 0 || made[w][len(made[w])-1] != res.JSON201.ID {
					made[w] = append(made[w], res.JSON201.ID)
				}
			}
		})
	}
	wg.Wait()
	all := slices.Concat(lat...)
	slices.Sort(all)
	fmt.Printf("createOrder (Idempotency-Key, 1 in 5 a replay): %d requests in %s, %.0f req/s, p50 %s, p99 %s\n",
		len(all), time.Since(start).Round(time.Millisecond), float64(len(all))/time.Since(start).Seconds(),
		all[len(all)/2].Round(time.Microsecond), all[len(all)*99/100].Round(time.Microsecond))

	// Notifications: a payment per order, decided at the sandbox, then each
	// notification delivered three times by concurrent senders.
	sb := sandbox.New(pool, "")
	var bodies [][]byte
	for w := range workers {
		for _, id := range made[w] {
			res, err := env.Client.CreatePaymentWithResponse(ctx, id, &client.CreatePaymentParams{IdempotencyKey: uuid.NewString()}, client.PaymentRequest{}, apitest.Bearer(tokens[w]))
			if err != nil || res.JSON201 == nil {
				return fmt.Errorf("payment: %v %s", err, res.Body)
			}
			var pid string
			if err := pool.QueryRow(ctx, `SELECT provider_payment_id FROM payments WHERE id = $1`, res.JSON201.ID).Scan(&pid); err != nil {
				return err
			}
			d, err := sb.Decide(ctx, pid, sandbox.Succeed)
			if err != nil {
				return err
			}
			bodies = append(bodies, d.Body, d.Body, d.Body)
		}
	}
	queue := make(chan []byte, len(bodies))
	for i := range bodies {
		queue <- bodies[(i*7919)%len(bodies)] // spread the duplicates apart
	}
	close(queue)
	start = time.Now()
	for range workers {
		wg.Go(func() {
			for b := range queue {
				if _, err := env.Client.ReceivePaymentNotificationWithBodyWithResponse(ctx, "sandbox", "application/json", bytes.NewReader(b)); err != nil {
					log.Print(err)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	var paid, events int
	if err := pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE status = 'paid'), (SELECT count(*) FROM order_events WHERE event = 'payment_succeeded') FROM orders`).Scan(&paid, &events); err != nil {
		return err
	}
	fmt.Printf("notifications (each sent 3 times): %d in %s, %.0f/s; orders paid %d, payment_succeeded events %d (want %d each)\n",
		len(bodies), elapsed.Round(time.Millisecond), float64(len(bodies))/elapsed.Seconds(), paid, events, len(bodies)/3)
	if paid != len(bodies)/3 || events != paid {
		fmt.Fprintln(os.Stderr, "exactly-once violated")
		os.Exit(1)
	}
	return nil
}
