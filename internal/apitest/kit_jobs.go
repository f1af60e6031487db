package apitest

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/internal/jobs"
)

// WorkJobs runs, over env's database until the test ends, the River
// workers that register adds (a domain's Register, wrapped). The test
// servers work no jobs themselves; message deliveries stay in the outbox
// unless register adds them.
func WorkJobs(t *testing.T, env *Env, register func(reg *jobs.Registry, log *slog.Logger) error) {
	t.Helper()
	log := slog.New(slog.DiscardHandler)
	reg := jobs.NewRegistry()
	if err := register(reg, log); err != nil {
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

// Eventually waits up to 10 s for cond, polling every 50 ms, and fails the
// test with what when it does not hold by then.
func Eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s", what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
