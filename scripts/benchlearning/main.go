// Command benchlearning measures the test-taking hot paths against a real
// server on loopback (in process) and a fresh database: answer autosave
// (PUT /api/v1/me/attempts/{id}/answers/{questionId}) and attempt
// submission (POST …/submit, grading and closing in one transaction),
// p50/p95 over a bounded run. Run by scripts/bench-learning.sh (make bench).
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/store"
)

func main() {
	dbURL := flag.String("database-url", "", "PostgreSQL URL of an empty database")
	workers := flag.Int("workers", 8, "concurrent learners")
	attempts := flag.Int("attempts", 10, "attempts per learner")
	questions := flag.Int("questions", 20, "questions per attempt")
	flag.Parse()
	if err := run(*dbURL, *workers, *attempts, *questions); err != nil {
		log.Fatal(err)
	}
}

func run(dbURL string, workers, attempts, questions int) error {
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

	// Setup (not measured): a program with a running group, a test lesson,
	// a staff member who writes the bank and the settings, learners with
	// approved applications.
	var org, program, group, lesson uuid.UUID
	err = pool.QueryRow(ctx, `
		WITH o AS (INSERT INTO organizations (slug, name) VALUES ('bench-tests', 'Bench') RETURNING id),
		     p AS (INSERT INTO programs (organization_id, slug, title, kind, completion_document, academic_hours, format, price_minor, status, published_at)
		           SELECT o.id, 'bench-tests', 'Программа', 'course', 'certificate', 16, 'online', 0, 'published', now() FROM o RETURNING id, organization_id),
		     g AS (INSERT INTO study_groups (organization_id, program_id, code, starts_on, ends_on, status)
		           SELECT p.organization_id, p.id, 'G-1', current_date - 7, current_date + 30, 'running' FROM p RETURNING id),
		     m AS (INSERT INTO learning_modules (organization_id, program_id, position, title)
		           SELECT p.organization_id, p.id, 1, 'Модуль' FROM p RETURNING id, program_id, organization_id),
		     l AS (INSERT INTO lessons (organization_id, program_id, module_id, position, kind, title, final)
		           SELECT m.organization_id, m.program_id, m.id, 1, 'test', 'Итоговый тест', true FROM m RETURNING id)
		SELECT p.organization_id, p.id, g.id, l.id FROM p, g, l`).Scan(&org, &program, &group, &lesson)
	if err != nil {
		return fmt.Errorf("setup: %w", err)
	}
	staff, err := register(ctx, env)
	if err != nil {
		return err
	}
	if _, err := pool.Exec(ctx, `INSERT INTO memberships (organization_id, user_id, role) VALUES ($1, $2, 'manager')`, org, staff.User.ID); err != nil {
		return err
	}
	as := apitest.Bearer(staff.AccessToken)
	opts := []client.QuestionOption{{ID: "a", Text: "Первый"}, {ID: "b", Text: "Второй"}, {ID: "c", Text: "Третий"}, {ID: "d", Text: "Четвёртый"}}
	for i := range questions {
		in := client.BankQuestionInput{Type: "multiple_choice", Prompt: fmt.Sprintf("Вопрос %d", i+1), Options: &opts, Key: client.QuestionKey{Options: &[]string{"a", "c"}}}
		if i%2 == 1 {
			in = client.BankQuestionInput{Type: "short_text", Prompt: fmt.Sprintf("Вопрос %d", i+1), Key: client.QuestionKey{Texts: &[]string{"ответ"}}}
		}
		if res, err := env.Client.CreateBankQuestionWithResponse(ctx, org, program, in, as); err != nil || res.JSON201 == nil {
			return fmt.Errorf("question: %v %s", err, res.Body)
		}
	}
	if res, err := env.Client.PutLessonTestWithResponse(ctx, org, program, lesson, &client.PutLessonTestParams{},
		client.TestSettings{PassingScore: 60, Review: "after_submission", TimeLimitSeconds: new(3600), ShuffleQuestions: new(true), ShuffleOptions: new(true)}, as); err != nil || res.JSON200 == nil {
		return fmt.Errorf("settings: %v %s", err, res.Body)
	}
	tokens := make([]string, workers)
	for w := range workers {
		acc, err := register(ctx, env)
		if err != nil {
			return err
		}
		tokens[w] = acc.AccessToken
		if _, err := pool.Exec(ctx, `INSERT INTO applications (organization_id, program_id, group_id, user_id, status, last_name, first_name, waiting_since, submitted_at)
			VALUES ($1, $2, $3, $4, 'approved', 'Иванова', 'Анна', now(), now())`, org, program, group, acc.User.ID); err != nil {
			return err
		}
	}

	// The run: each learner takes its attempts back to back, saving every
	// answer (a few twice, as a SPA autosaves while typing), then submitting.
	saves := make([][]time.Duration, workers)
	submits := make([][]time.Duration, workers)
	failures := make([]int, workers)
	start := time.Now()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			bearer := apitest.Bearer(tokens[w])
			for range attempts {
				st, err := env.Client.StartTestAttemptWithResponse(ctx, program, lesson, bearer)
				if err != nil || st.JSON201 == nil {
					failures[w]++
					continue
				}
				for i, q := range st.JSON201.Questions {
					ans := client.AttemptAnswer{Options: &[]string{"a", "c"}}
					if q.Type == "short_text" {
						ans = client.AttemptAnswer{Text: new("Ответ")}
					}
					for range 1 + i%3/2 {
						t0 := time.Now()
						res, err := env.Client.SaveAttemptAnswerWithResponse(ctx, st.JSON201.ID, q.ID, ans, bearer)
						saves[w] = append(saves[w], time.Since(t0))
						if err != nil || res.JSON200 == nil {
							failures[w]++
						}
					}
				}
				t0 := time.Now()
				res, err := env.Client.SubmitAttemptWithResponse(ctx, st.JSON201.ID, bearer)
				submits[w] = append(submits[w], time.Since(t0))
				if err != nil || res.JSON200 == nil || res.JSON200.Result == nil || !res.JSON200.Result.Passed {
					failures[w]++
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	report := func(name string, lat [][]time.Duration) {
		all := slices.Concat(lat...)
		slices.Sort(all)
		if len(all) == 0 {
			fmt.Printf("%s: no requests\n", name)
			return
		}
		fmt.Printf("%s: %d requests, p50 %s, p95 %s, max %s\n", name, len(all),
			all[len(all)/2].Round(time.Microsecond), all[len(all)*95/100].Round(time.Microsecond), all[len(all)-1].Round(time.Microsecond))
	}
	fmt.Printf("tests and attempts: %d learners × %d attempts × %d questions in %s (%d failures)\n",
		workers, attempts, questions, elapsed.Round(time.Millisecond), sum(failures))
	report("saveAttemptAnswer (autosave)", saves)
	report("submitAttempt (grade and close)", submits)
	if sum(failures) > 0 {
		return fmt.Errorf("%d requests failed", sum(failures))
	}
	return nil
}

func register(ctx context.Context, env *apitest.Env) (*client.AuthResponse, error) {
	res, err := env.Client.RegisterWithResponse(ctx, apitest.NewAccount())
	if err != nil || res.JSON201 == nil {
		return nil, fmt.Errorf("register: %v %s", err, res.Body)
	}
	return res.JSON201, nil
}

func sum(xs []int) int {
	n := 0
	for _, x := range xs {
		n += x
	}
	return n
}
