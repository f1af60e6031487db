package commerce

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/kabinet-edu/kabinet/internal/jobs"
)

// ReconcileArgs is the periodic job that reconciles open payments.
type ReconcileArgs struct{}

// Kind names the job in River.
func (ReconcileArgs) Kind() string { return "commerce_reconcile_payments" }

// reconcileWorker runs Handler.Reconcile.
type reconcileWorker struct {
	river.WorkerDefaults[ReconcileArgs]
	h     *Handler
	after time.Duration
}

// Work reconciles once; River retries a failed run.
func (w *reconcileWorker) Work(ctx context.Context, _ *river.Job[ReconcileArgs]) error {
	n, err := w.h.Reconcile(ctx, w.after)
	if err != nil {
		return fmt.Errorf("reconcile payments: %w", err)
	}
	if n > 0 {
		w.h.Log.InfoContext(ctx, "payments reconciled", "changed", n)
	}
	return nil
}

// Register adds the commerce jobs to reg: payment reconciliation every
// KABINET_PAYMENT_RECONCILE_INTERVAL, run by one working process.
func Register(reg *jobs.Registry, h *Handler) error {
	p := h.Cfg.Payments
	reg.Periodic(river.NewPeriodicJob(river.PeriodicInterval(p.ReconcileInterval),
		func() (river.JobArgs, *river.InsertOpts) { return ReconcileArgs{}, nil },
		&river.PeriodicJobOpts{ID: "commerce_reconcile_payments"}))
	return jobs.Add(reg, &reconcileWorker{h: h, after: p.ReconcileAfter})
}
