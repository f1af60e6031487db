// Command calbench measures the learner's iCalendar feed
// (GET /api/v1/calendar/feeds/{token}.ics) against a real server on
// loopback (in process) and a fresh database: a learner in three running
// programs with webinars, deadlines, group dates and installments — about
// 200 events a year — fetched by closed-loop clients for a bounded time,
// first whole (200), then revalidated with If-None-Match (304). It prints
// requests/s and p50/p95/p99. Run by scripts/bench-calendar.sh (make bench).
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/store"
)

func main() {
	dbURL := flag.String("database-url", "", "PostgreSQL URL of an empty database")
	duration := flag.Duration("duration", 8*time.Second, "length of the whole-feed run (the 304 run is half as long; at most 10s)")
	workers := flag.Int("workers", 8, "concurrent clients")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the whole-feed run (server and clients) here")
	flag.Parse()
	if err := run(*dbURL, min(*duration, 10*time.Second), *workers, *profile); err != nil {
		log.Fatal(err)
	}
}

func run(dbURL string, d time.Duration, workers int, profile string) error {
	ctx := context.Background()
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"DATABASE_URL": dbURL, "KABINET_LIMIT_LOGIN_IP": "100000/1m"}[k]
	})
	if err != nil {
		return err
	}
	pool, err := store.Open(ctx, dbURL, 20)
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
	res, err := env.Client.RegisterWithResponse(ctx, apitest.NewAccount())
	if err != nil || res.JSON201 == nil {
		return fmt.Errorf("register: %v", err)
	}
	if err := seed(ctx, env, res.JSON201.User.ID); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	feed, err := env.Client.IssueMyCalendarFeedWithResponse(ctx, apitest.Bearer(res.JSON201.AccessToken))
	if err != nil || feed.JSON201 == nil {
		return fmt.Errorf("issue feed: %v", err)
	}
	url := env.URL + feed.JSON201.URL[strings.Index(feed.JSON201.URL, "/api/v1/"):]
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: workers}, Timeout: 10 * time.Second}
	first, err := hc.Get(url)
	if err != nil {
		return err
	}
	body, _ := io.ReadAll(first.Body)
	first.Body.Close()
	if first.StatusCode != 200 {
		return fmt.Errorf("feed: %d %s", first.StatusCode, body)
	}
	etag := first.Header.Get("ETag")
	fmt.Printf("feed: %d events, %d bytes\n", strings.Count(string(body), "BEGIN:VEVENT"), len(body))
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	attack(hc, url, "", 200, d, workers)
	pprof.StopCPUProfile()
	attack(hc, url, etag, 304, d/2, workers)
	return nil
}

// attack runs closed-loop GETs for d and prints the figures.
func attack(hc *http.Client, url, etag string, want int, d time.Duration, workers int) {
	lat := make([][]time.Duration, workers)
	failed := make([]int, workers)
	end := time.Now().Add(d)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for time.Now().Before(end) {
				req, _ := http.NewRequest(http.MethodGet, url, nil)
				if etag != "" {
					req.Header.Set("If-None-Match", etag)
				}
				t0 := time.Now()
				res, err := hc.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, res.Body)
					res.Body.Close()
				}
				lat[w] = append(lat[w], time.Since(t0))
				if err != nil || res.StatusCode != want {
					failed[w]++
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	all := slices.Concat(lat...)
	slices.Sort(all)
	bad := 0
	for _, f := range failed {
		bad += f
	}
	label := "GET feed.ics (200, whole feed)"
	if etag != "" {
		label = "GET feed.ics with If-None-Match (304)"
	}
	fmt.Printf("%s: %d requests in %s, %.0f req/s, p50 %s, p95 %s, p99 %s, %d not %d (%d clients)\n",
		label, len(all), elapsed.Round(time.Millisecond), float64(len(all))/elapsed.Seconds(),
		pct(all, 50), pct(all, 95), pct(all, 99), bad, want, workers)
}

func pct(s []time.Duration, p int) time.Duration {
	if len(s) == 0 {
		return 0
	}
	return s[min(len(s)*p/100, len(s)-1)].Round(time.Microsecond)
}

// seed gives the learner three running programs with 40 webinars and 15
// deadlines each over the coming year, and an order in 12 monthly
// installments.
func seed(ctx context.Context, env *apitest.Env, user uuid.UUID) error {
	pool := env.Pool
	var org uuid.UUID
	if err := pool.QueryRow(ctx, `INSERT INTO organizations (slug, name) VALUES ('bench-cal', 'Bench') RETURNING id`).Scan(&org); err != nil {
		return err
	}
	var firstApp, firstProgram uuid.UUID
	for i := range 3 {
		var program, group, module, app uuid.UUID
		if err := pool.QueryRow(ctx, `INSERT INTO programs (organization_id, slug, title, kind, completion_document, academic_hours, format, price_minor, status, published_at)
			VALUES ($1, 'bench-cal-' || $2::text, 'Программа повышения квалификации № ' || $2::text, 'course', 'certificate', 72, 'online', 3600000, 'published', now()) RETURNING id`,
			org, fmt.Sprint(i)).Scan(&program); err != nil {
			return err
		}
		if err := pool.QueryRow(ctx, `INSERT INTO study_groups (organization_id, program_id, code, starts_on, ends_on, status)
			VALUES ($1, $2, 'G-' || $3::text, current_date - 10, current_date + 300, 'running') RETURNING id`, org, program, fmt.Sprint(i)).Scan(&group); err != nil {
			return err
		}
		if err := pool.QueryRow(ctx, `INSERT INTO applications (organization_id, program_id, group_id, user_id, status, last_name, first_name, waiting_since, submitted_at)
			VALUES ($1, $2, $3, $4, 'approved', 'Иванова', 'Анна', now(), now()) RETURNING id`, org, program, group, user).Scan(&app); err != nil {
			return err
		}
		if err := pool.QueryRow(ctx, `INSERT INTO learning_modules (organization_id, program_id, position, title) VALUES ($1, $2, 1, 'Модуль') RETURNING id`,
			org, program).Scan(&module); err != nil {
			return err
		}
		if _, err := pool.Exec(ctx, `INSERT INTO lessons (organization_id, program_id, module_id, position, kind, title, webinar_starts_at, webinar_minutes, webinar_join_url)
			SELECT $1, $2, $3, s, 'webinar', 'Вебинар ' || s || ': разбор практических заданий модуля', date_trunc('day', now()) + s * interval '8 days' + interval '15 hours', 90,
			       'https://meet.example.org/j/' || s FROM generate_series(1, 40) s`, org, program, module); err != nil {
			return err
		}
		if _, err := pool.Exec(ctx, `INSERT INTO lessons (organization_id, program_id, module_id, position, kind, title, due_at)
			SELECT $1, $2, $3, 100 + s, 'test', 'Тест по теме ' || s, date_trunc('day', now()) + s * interval '20 days' + interval '20 hours 59 minutes'
			FROM generate_series(1, 15) s`, org, program, module); err != nil {
			return err
		}
		if i == 0 {
			firstApp, firstProgram = app, program
		}
	}
	var order uuid.UUID
	if err := pool.QueryRow(ctx, `INSERT INTO orders (organization_id, user_id, status, currency, subtotal, total, paid)
		VALUES ($1, $2, 'in_progress', 'RUB', 3600000, 3600000, 300000) RETURNING id`, org, user).Scan(&order); err != nil {
		return err
	}
	if _, err := pool.Exec(ctx, `INSERT INTO order_lines (order_id, line_no, application_id, program_id, title, price) VALUES ($1, 1, $2, $3, 'Программа', 3600000)`,
		order, firstApp, firstProgram); err != nil {
		return err
	}
	_, err := pool.Exec(ctx, `INSERT INTO order_installments (order_id, number, amount, due_on, grace_ends)
		SELECT $1, s, 300000, current_date + (s - 1) * 30, current_date + (s - 1) * 30 + 7 FROM generate_series(1, 12) s`, order)
	return err
}
