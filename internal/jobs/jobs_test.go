package jobs_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/jobs"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/testdb"
)

type pingArgs struct{ N int }

func (pingArgs) Kind() string { return "test_ping" }

type otherArgs struct{}

func (otherArgs) Kind() string { return "test_other" }

type pingWorker struct {
	river.WorkerDefaults[pingArgs]
	done chan int
}

func (w *pingWorker) Work(_ context.Context, j *river.Job[pingArgs]) error {
	w.done <- j.Args.N
	return nil
}

var (
	discard = slog.New(slog.DiscardHandler)
	cfg     = config.Jobs{Workers: true, Concurrency: 2, RescueAfter: time.Minute}
)

func TestRegistryRefusesASecondWorkerForAKind(t *testing.T) {
	reg := jobs.NewRegistry()
	if err := jobs.Add(reg, &pingWorker{}); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Add(reg, &pingWorker{}); err == nil {
		t.Fatal("a second worker for one kind was accepted")
	}
}

// A job inserted in a transaction is worked once the transaction commits,
// in a queue the registry declared; a working client refuses kinds it has
// no worker for, so a typo cannot leave jobs nobody works.
func TestJobInsertedInATransactionIsWorkedAfterCommit(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	w := &pingWorker{done: make(chan int, 1)}
	reg := jobs.NewRegistry()
	reg.Queue("pings", 1)
	if err := jobs.Add(reg, w); err != nil {
		t.Fatal(err)
	}
	jc, err := jobs.New(pool, cfg, reg, discard)
	if err != nil {
		t.Fatal(err)
	}
	if !jc.Works() {
		t.Fatal("a client with a registry does not work jobs")
	}
	if err := jc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := jc.Stop(ctx); err != nil {
			t.Error(err)
		}
	})
	ctx := context.Background()
	err = store.InTxJobs(ctx, pool, func(_ *db.Queries, tx pgx.Tx) error {
		_, err := jc.InsertTx(ctx, tx, pingArgs{N: 7}, &river.InsertOpts{Queue: "pings"})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-w.done:
		if n != 7 {
			t.Fatalf("worked %d", n)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the job was not worked")
	}
	err = store.InTxJobs(ctx, pool, func(_ *db.Queries, tx pgx.Tx) error {
		_, err := jc.InsertTx(ctx, tx, otherArgs{}, nil)
		return err
	})
	var unknown *rivertype.UnknownJobKindError
	if !errors.As(err, &unknown) {
		t.Fatalf("inserting a kind without a worker: %v", err)
	}
}

// An insert-only client (an API instance with KABINET_WORKERS=false) inserts
// any kind and has nothing to start or stop.
func TestInsertOnlyClient(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	jc, err := jobs.New(pool, cfg, nil, discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if jc.Works() || jc.Start(ctx) != nil || jc.Stop(ctx) != nil {
		t.Fatal("an insert-only client works, or fails to start or stop")
	}
	err = store.InTxJobs(ctx, pool, func(_ *db.Queries, tx pgx.Tx) error {
		_, err := jc.InsertTx(ctx, tx, otherArgs{}, nil)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM river_job WHERE kind = 'test_other' AND state = 'available'").Scan(&n); err != nil || n != 1 {
		t.Fatalf("%d jobs (%v)", n, err)
	}
}
