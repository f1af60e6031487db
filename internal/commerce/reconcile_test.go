package commerce_test

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/commerce"
	"github.com/kabinet-edu/kabinet/internal/payments/sandbox"
)

func TestRefundLeftPendingByACrashIsReconciledOnce(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	ctx := context.Background()
	l := s.learner(t)
	app, _ := s.seat(t, l.User.ID, 500000, 30, 10)
	o := s.order(t, l.AccessToken, client.OrderRequest{ApplicationIds: []uuid.UUID{app}})
	s.notify(t, s.decide(t, s.pay(t, l.AccessToken, o.ID, client.Next).ID, sandbox.Succeed))
	// The provider accepts the refund; the process dies while crediting it
	// to the order (the transaction that records it rolls back).
	if _, err := s.env.Pool.Exec(ctx, `
		CREATE FUNCTION crash_refund() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'simulated crash'; END $$;
		CREATE TRIGGER crash BEFORE INSERT ON order_events FOR EACH ROW WHEN (NEW.event = 'refund_succeeded') EXECUTE FUNCTION crash_refund();`); err != nil {
		t.Fatal(err)
	}
	res, _ := s.env.Client.CreateRefundWithResponse(ctx, s.org.ID, o.ID, &client.CreateRefundParams{IdempotencyKey: uuid.NewString()}, client.RefundRequest{Reason: "Отчисление"}, s.org.As("manager"))
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusBadGateway, "provider_unavailable")
	if c := s.count(t, `SELECT count(*) FROM refunds WHERE order_id = $1 AND status = 'pending' AND provider_refund_id IS NOT NULL`, o.ID); c != 1 {
		t.Fatalf("%d pending refunds", c)
	}
	if got := s.getOrder(t, l.AccessToken, o.ID); got.Refunded != 0 || got.Status != "paid" {
		t.Fatalf("order after the crash: %+v", got)
	}
	if _, err := s.env.Pool.Exec(ctx, `DROP TRIGGER crash ON order_events`); err != nil {
		t.Fatal(err)
	}
	// Two reconcilers at once: the refund is applied exactly once.
	var wg sync.WaitGroup
	changed := make(chan int, 2)
	for range 2 {
		wg.Go(func() {
			n, err := s.reconciler(t).Reconcile(ctx, 0)
			if err != nil {
				t.Error(err)
			}
			changed <- n
		})
	}
	wg.Wait()
	close(changed)
	total := 0
	for n := range changed {
		total += n
	}
	if total != 1 {
		t.Fatalf("reconciliation changed %d, want 1", total)
	}
	if n, _ := s.reconciler(t).Reconcile(ctx, 0); n != 0 {
		t.Fatalf("second reconcile changed %d", n)
	}
	got := s.getOrder(t, l.AccessToken, o.ID)
	if got.Status != "refunded" || got.Refunded != 500000 {
		t.Fatalf("order: %+v", got)
	}
	if c := s.count(t, `SELECT count(*) FROM order_events WHERE order_id = $1 AND event = 'refund_succeeded' AND cause = 'reconciliation'`, o.ID); c != 1 {
		t.Fatalf("%d refund events", c)
	}
}

func TestInstallmentRemindersAndOverdueNoticesGoOutOnce(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	ctx := context.Background()
	plan, _ := s.env.Client.CreateInstallmentPlanWithResponse(ctx, s.org.ID, client.InstallmentPlanRequest{Name: "3 платежа", Parts: 3, GraceDays: new(3)}, s.org.As("manager"))
	l := s.learner(t)
	app, _ := s.seat(t, l.User.ID, 300000, 30, 60)
	o := s.order(t, l.AccessToken, client.OrderRequest{ApplicationIds: []uuid.UUID{app}, InstallmentPlanID: &plan.JSON201.ID})
	s.notify(t, s.decide(t, s.pay(t, l.AccessToken, o.ID, client.Next).ID, sandbox.Succeed))
	// The second part is due in two days (within the default 3); the third in two months.
	if _, err := s.env.Pool.Exec(ctx, `UPDATE order_installments SET due_on = current_date + 2, grace_ends = current_date + 5 WHERE order_id = $1 AND number = 2`, o.ID); err != nil {
		t.Fatal(err)
	}
	// The statistics show what is due, by the parts' months.
	st, _ := s.env.Client.GetMyPaymentStatisticsWithResponse(ctx, &client.GetMyPaymentStatisticsParams{}, apitest.Bearer(l.AccessToken))
	if st.JSON200 == nil || st.JSON200.Outstanding != 200000 {
		t.Fatalf("statistics: %s", st.Body)
	}
	var paid, due int64
	for _, m := range st.JSON200.Months {
		paid, due = paid+m.Paid, due+m.Due
	}
	if paid != 100000 || due != 200000 || len(st.JSON200.Months) < 2 {
		t.Fatalf("months: %s", st.Body)
	}
	notifiers := make([]*commerce.Notifier, 4)
	for i := range notifiers {
		n, err := commerce.NewNotifier(s.env.Config, s.env.Pool, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		notifiers[i] = n
	}
	runAll := func(now time.Time) int {
		var wg sync.WaitGroup
		sent := make(chan int, len(notifiers))
		for _, n := range notifiers {
			wg.Go(func() {
				k, err := n.Run(ctx, now)
				if err != nil {
					t.Error(err)
				}
				sent <- k
			})
		}
		wg.Wait()
		close(sent)
		total := 0
		for k := range sent {
			total += k
		}
		return total
	}
	if n := runAll(time.Now()); n != 1 {
		t.Fatalf("%d reminders sent, want 1", n)
	}
	if n := runAll(time.Now()); n != 0 {
		t.Fatalf("%d reminders sent again", n)
	}
	if c := s.count(t, `SELECT count(*) FROM notifications WHERE user_id = $1 AND category = 'payment' AND title LIKE 'Напоминание: платёж 2%'`, l.User.ID); c != 1 {
		t.Fatalf("%d reminder notifications", c)
	}
	if c := s.count(t, `SELECT count(*) FROM outbox WHERE recipient = $1 AND template = 'notification'`, string(l.User.Email)); c != 1 {
		t.Fatalf("%d reminder e-mails", c)
	}
	// Past its grace period: the overdue notice, once.
	if _, err := s.env.Pool.Exec(ctx, `UPDATE order_installments SET due_on = current_date - 5, grace_ends = current_date - 1 WHERE order_id = $1 AND number = 2`, o.ID); err != nil {
		t.Fatal(err)
	}
	if n := runAll(time.Now()); n != 1 {
		t.Fatalf("%d overdue notices sent, want 1", n)
	}
	if n := runAll(time.Now()); n != 0 {
		t.Fatalf("%d overdue notices sent again", n)
	}
	if c := s.count(t, `SELECT count(*) FROM notifications WHERE user_id = $1 AND title LIKE 'Платёж 2 просрочен%'`, l.User.ID); c != 1 {
		t.Fatalf("%d overdue notifications", c)
	}
	if c := s.count(t, `SELECT count(*) FROM order_installments WHERE order_id = $1 AND reminded_at IS NOT NULL`, o.ID); c != 1 {
		t.Fatalf("%d parts reminded (the first, paid at checkout, and the third, far off, are not)", c)
	}
}

func TestCrashBeforeTheProviderAnswerWasRecordedIsRepairedWithTheSameIdempotenceKey(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	ctx := context.Background()
	l := s.learner(t)
	app, _ := s.seat(t, l.User.ID, 250000, 30, 10)
	o := s.order(t, l.AccessToken, client.OrderRequest{ApplicationIds: []uuid.UUID{app}})
	p := s.pay(t, l.AccessToken, o.ID, client.Next)
	sandboxID := s.providerID(t, p.ID)
	// The process died after the provider accepted the payment and before
	// its answer was stored: our payment is still "created", without the
	// provider's id. Meanwhile the payer paid on the provider's page.
	if _, err := s.env.Pool.Exec(ctx, `UPDATE payments SET status = 'created', provider_payment_id = NULL, confirmation_url = NULL, updated_at = now() - interval '1 hour' WHERE id = $1`, p.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := s.sb.Decide(ctx, sandboxID, sandbox.Succeed); err != nil {
		t.Fatal(err)
	}
	n, err := s.reconciler(t).Reconcile(ctx, time.Minute)
	if err != nil || n < 1 {
		t.Fatalf("reconcile: %d %v", n, err)
	}
	if c := s.count(t, `SELECT count(*) FROM sandbox_payments WHERE idempotence_key = $1`, p.ID.String()); c != 1 {
		t.Fatalf("%d provider payments for one of ours", c)
	}
	if got := s.providerID(t, p.ID); got != sandboxID {
		t.Fatalf("provider id %s, want %s", got, sandboxID)
	}
	if got := s.getOrder(t, l.AccessToken, o.ID); got.Status != "paid" || got.Paid != 250000 {
		t.Fatalf("order: %+v", got)
	}
	if n, _ := s.reconciler(t).Reconcile(ctx, 0); n != 0 {
		t.Fatalf("second reconcile changed %d", n)
	}
}
