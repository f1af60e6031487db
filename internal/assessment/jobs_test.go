package assessment_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/assessment"
	"github.com/kabinet-edu/kabinet/internal/jobs"
)

// TestExpiryJobClosesAnAbandonedAttempt: the job inserted with the attempt
// closes it at its deadline plus grace, without the learner coming back.
func TestExpiryJobClosesAnAbandonedAttempt(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	bank := f.sixTypes(t)
	lesson := f.lesson(t, "test", false, nil)
	f.putTest(t, lesson, client.TestSettings{PassingScore: 10, Review: "after_submission", TimeLimitSeconds: new(1), GraceSeconds: new(0)})
	token, user := f.learner(t)
	a := f.start(t, token, lesson)
	if res := f.save(t, token, a.ID, bank["single_choice"].ID, client.AttemptAnswer{Options: &[]string{"b"}}); res.JSON200 == nil {
		t.Fatalf("save: %s", res.Body)
	}
	workJobs(t, f.env)

	deadline := time.Now().Add(30 * time.Second)
	for {
		var status string
		if err := f.env.Pool.QueryRow(ctx, `SELECT status FROM assessment_attempts WHERE id = $1`, a.ID).Scan(&status); err != nil {
			t.Fatal(err)
		}
		if status == "expired" {
			break
		}
		if time.Now().After(deadline) {
			var state, errs string
			_ = f.env.Pool.QueryRow(ctx, `SELECT state::text, errors::text FROM river_job WHERE kind = 'assessment_close_attempt'`).Scan(&state, &errs)
			t.Fatalf("attempt still %s 30 s after its deadline; its job: %s %s", status, state, errs)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// Graded with the saved answer (1 of 6 ≥ 10 %): the lesson is completed.
	if n := apitest.CountRows(t, f.env, "lesson_completions WHERE user_id = '"+user.String()+"'"); n != 1 {
		t.Fatalf("%d completions", n)
	}
}

// workJobs runs this domain's River workers over env's database until the
// test ends.
func workJobs(t *testing.T, env *apitest.Env) {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	reg := jobs.NewRegistry()
	if err := assessment.Register(reg, env.Config.Jobs, env.Pool, log); err != nil {
		t.Fatal(err)
	}
	cfg := env.Config.Jobs
	cfg.Concurrency = 2
	jc, err := jobs.New(env.Pool, cfg, reg, log)
	if err != nil {
		t.Fatal(err)
	}
	if err := jc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = jc.Stop(ctx)
	})
}
