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

// Register adds the commerce jobs to reg: publishing invoices and acts into
// learners' archives (PublishDocumentArgs), payment and refund reconciliation
// every KABINET_PAYMENT_RECONCILE_INTERVAL, installment reminders and
// overdue notices every KABINET_INSTALLMENT_NOTICE_INTERVAL; periodic jobs
// are inserted by the elected leader only.
func Register(reg *jobs.Registry, h *Handler) error {
	p := h.Cfg.Payments
	reg.Periodic(river.NewPeriodicJob(river.PeriodicInterval(p.ReconcileInterval),
		func() (river.JobArgs, *river.InsertOpts) { return ReconcileArgs{}, nil },
		&river.PeriodicJobOpts{ID: "commerce_reconcile_payments"}))
	if err := jobs.Add(reg, &reconcileWorker{h: h, after: p.ReconcileAfter}); err != nil {
		return err
	}
	if err := jobs.Add(reg, &publishWorker{h: h}); err != nil {
		return err
	}
	n, err := NewNotifier(h.Cfg, h.Pool, h.Log)
	if err != nil {
		return err
	}
	reg.Periodic(river.NewPeriodicJob(river.PeriodicInterval(p.NoticeInterval),
		func() (river.JobArgs, *river.InsertOpts) { return NoticesArgs{}, nil },
		&river.PeriodicJobOpts{ID: "commerce_installment_notices", RunOnStart: true}))
	return jobs.Add(reg, &noticesWorker{n: n})
}
