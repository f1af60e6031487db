package commerce_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/payments/sandbox"
)

func TestOrderPaidOnceUnderDuplicatedReorderedAndConcurrentNotifications(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	l := s.learner(t)
	app, _ := s.seat(t, l.User.ID, 2500000, 30, 10)
	o := s.order(t, l.AccessToken, client.OrderRequest{ApplicationIds: []uuid.UUID{app}})
	if o.Status != "awaiting_payment" || o.Total != 2500000 || o.Due != 2500000 || len(o.Lines) != 1 || o.Lines[0].Price != 2500000 {
		t.Fatalf("order: %+v", o)
	}
	p := s.pay(t, l.AccessToken, o.ID, client.Next)
	if p.Status != "pending" || p.ConfirmationURL == nil || p.Amount != 2500000 || len(p.Receipt.Items) != 1 || p.Receipt.Items[0].PaymentMode != "full_prepayment" {
		t.Fatalf("payment: %+v", p)
	}
	// A repeated click gets the same open payment, not a second one.
	if again := s.pay(t, l.AccessToken, o.ID, client.Next); again.ID != p.ID {
		t.Fatalf("second payment %s, want %s", again.ID, p.ID)
	}
	// An early, out-of-order "pending" notification applies nothing.
	pendingBody, err := s.sb.Notification(context.Background(), s.providerID(t, p.ID))
	if err != nil {
		t.Fatal(err)
	}
	if code, out := s.notify(t, pendingBody.Body); code != http.StatusOK || out != "duplicate" {
		t.Fatalf("pending notification: %d %s", code, out)
	}
	body := s.decide(t, p.ID, sandbox.Succeed)
	const n = 16
	outcomes := make(chan string, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			_, out := s.notify(t, body)
			outcomes <- out
		})
	}
	wg.Wait()
	close(outcomes)
	applied := 0
	for out := range outcomes {
		switch out {
		case "applied":
			applied++
		case "duplicate":
		default:
			t.Errorf("outcome %q", out)
		}
	}
	if applied != 1 {
		t.Fatalf("%d notifications applied, want exactly 1", applied)
	}
	// The stale "pending" notification arriving late changes nothing.
	if _, out := s.notify(t, pendingBody.Body); out != "duplicate" {
		t.Fatalf("late pending: %s", out)
	}
	got := s.getOrder(t, l.AccessToken, o.ID)
	if got.Status != "paid" || got.Paid != 2500000 || got.Due != 0 {
		t.Fatalf("order after payment: %+v", got)
	}
	if c := s.count(t, `SELECT count(*) FROM order_events WHERE order_id = $1 AND event = 'payment_succeeded'`, o.ID); c != 1 {
		t.Fatalf("%d payment_succeeded events", c)
	}
	// A final status never reopens: a fabricated "canceled" is re-fetched as succeeded.
	if _, out := s.notify(t, []byte(`{"type":"notification","event":"payment.canceled","object":{"id":"`+s.providerID(t, p.ID)+`"}}`)); out != "duplicate" {
		t.Fatalf("canceled after succeeded: %s", out)
	}
	// Paid: no more payments.
	res, err := s.env.Client.CreatePaymentWithResponse(context.Background(), o.ID, &client.CreatePaymentParams{IdempotencyKey: uuid.NewString()}, client.PaymentRequest{}, apitest.Bearer(l.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusConflict, "order_not_payable")
}

func TestNotificationsAreNotTrusted(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	l := s.learner(t)
	app, _ := s.seat(t, l.User.ID, 100000, 30, 10)
	o := s.order(t, l.AccessToken, client.OrderRequest{ApplicationIds: []uuid.UUID{app}})
	p := s.pay(t, l.AccessToken, o.ID, client.Next)
	// A forged "succeeded" for a payment the provider has as pending.
	forged := []byte(`{"type":"notification","event":"payment.succeeded","object":{"id":"` + s.providerID(t, p.ID) + `","status":"succeeded"}}`)
	if code, out := s.notify(t, forged); code != http.StatusOK || out != "duplicate" {
		t.Fatalf("forged: %d %s", code, out)
	}
	// An unknown object is acknowledged and ignored.
	if _, out := s.notify(t, []byte(`{"type":"notification","event":"payment.succeeded","object":{"id":"`+uuid.NewString()+`"}}`)); out != "ignored" {
		t.Fatalf("unknown: %s", out)
	}
	if got := s.getOrder(t, l.AccessToken, o.ID); got.Paid != 0 || got.Status != "awaiting_payment" {
		t.Fatalf("order changed by a forged notification: %+v", got)
	}
	// Another provider's path is not ours.
	res, err := s.env.Client.ReceivePaymentNotificationWithBodyWithResponse(context.Background(), "yookassa", "application/json", bytesOf(forged))
	if err != nil {
		t.Fatal(err)
	}
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusNotFound, "not_found")
}

func TestCrashBetweenPaymentAndOrderIsRepairedByReconciliation(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	l := s.learner(t)
	app, _ := s.seat(t, l.User.ID, 300000, 30, 10)
	o := s.order(t, l.AccessToken, client.OrderRequest{ApplicationIds: []uuid.UUID{app}})
	p := s.pay(t, l.AccessToken, o.ID, client.Next)
	body := s.decide(t, p.ID, sandbox.Succeed)
	// The transaction dies after the payment and its event were written,
	// when the order's history is: everything rolls back together.
	ctx := context.Background()
	if _, err := s.env.Pool.Exec(ctx, `
		CREATE FUNCTION crash_once() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'simulated crash'; END $$;
		CREATE TRIGGER crash BEFORE INSERT ON order_events FOR EACH ROW WHEN (NEW.event = 'payment_succeeded') EXECUTE FUNCTION crash_once();`); err != nil {
		t.Fatal(err)
	}
	if code, _ := s.notify(t, body); code != http.StatusInternalServerError {
		t.Fatalf("crashed notification answered %d", code)
	}
	if c := s.count(t, `SELECT count(*) FROM payment_events WHERE object_id = $1 AND status = 'succeeded'`, s.providerID(t, p.ID)); c != 0 {
		t.Fatal("the event record survived the rolled-back transaction")
	}
	if _, err := s.env.Pool.Exec(ctx, `DROP TRIGGER crash ON order_events`); err != nil {
		t.Fatal(err)
	}
	// No notification comes again; reconciliation finds the open payment.
	n, err := s.reconciler(t).Reconcile(ctx, 0)
	if err != nil || n != 1 {
		t.Fatalf("reconcile: %d %v", n, err)
	}
	if n, _ := s.reconciler(t).Reconcile(ctx, 0); n != 0 {
		t.Fatalf("second reconcile changed %d", n)
	}
	if _, out := s.notify(t, body); out != "duplicate" {
		t.Fatalf("late retry: %s", out)
	}
	if got := s.getOrder(t, l.AccessToken, o.ID); got.Status != "paid" || got.Paid != 300000 {
		t.Fatalf("order: %+v", got)
	}
}

func TestOrdersAndPaymentsOfOthersAre404(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	owner, other := s.learner(t), s.learner(t)
	app, _ := s.seat(t, owner.User.ID, 100000, 30, 10)
	o := s.order(t, owner.AccessToken, client.OrderRequest{ApplicationIds: []uuid.UUID{app}})
	ctx := context.Background()
	as := apitest.Bearer(other.AccessToken)
	g, _ := s.env.Client.GetMyOrderWithResponse(ctx, o.ID, as)
	apitest.WantProblem(t, g.HTTPResponse, g.Body, http.StatusNotFound, "not_found")
	lp, _ := s.env.Client.ListOrderPaymentsWithResponse(ctx, o.ID, &client.ListOrderPaymentsParams{}, as)
	apitest.WantProblem(t, lp.HTTPResponse, lp.Body, http.StatusNotFound, "not_found")
	cp, _ := s.env.Client.CreatePaymentWithResponse(ctx, o.ID, &client.CreatePaymentParams{IdempotencyKey: uuid.NewString()}, client.PaymentRequest{}, as)
	apitest.WantProblem(t, cp.HTTPResponse, cp.Body, http.StatusNotFound, "not_found")
	cc, _ := s.env.Client.CancelMyOrderWithResponse(ctx, o.ID, as)
	apitest.WantProblem(t, cc.HTTPResponse, cc.Body, http.StatusNotFound, "not_found")
	// Another learner cannot order somebody's application either.
	r, _ := s.env.Client.CreateOrderWithResponse(ctx, &client.CreateOrderParams{IdempotencyKey: uuid.NewString()}, client.OrderRequest{ApplicationIds: []uuid.UUID{app}}, as)
	if p := apitest.WantProblem(t, r.HTTPResponse, r.Body, http.StatusUnprocessableEntity, "validation_failed"); !apitest.Contains(apitest.Fields(p), "applicationIds.0:not_approved") {
		t.Fatalf("fields %v", apitest.Fields(p))
	}
	list, _ := s.env.Client.ListMyOrdersWithResponse(ctx, &client.ListMyOrdersParams{}, as)
	if list.JSON200 == nil || len(list.JSON200.Items) != 0 {
		t.Fatalf("other's archive: %s", list.Body)
	}
	// A staff member of another organization sees nothing of this one's money.
	stranger := apitest.NewStaffOrg(t, s.env, "other-"+apitest.Itoa(apitest.Seq.Add(1)))
	rf, _ := s.env.Client.ListRefundsWithResponse(ctx, s.org.ID, o.ID, &client.ListRefundsParams{}, stranger.As("manager"))
	apitest.WantProblem(t, rf.HTTPResponse, rf.Body, http.StatusNotFound, "not_found")
	rf2, _ := s.env.Client.ListRefundsWithResponse(ctx, stranger.ID, o.ID, &client.ListRefundsParams{}, stranger.As("manager"))
	apitest.WantProblem(t, rf2.HTTPResponse, rf2.Body, http.StatusNotFound, "not_found")
}

func TestIdempotentOrderReplayAndKeyConflict(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	l := s.learner(t)
	app, _ := s.seat(t, l.User.ID, 100000, 30, 10)
	app2, _ := s.seat(t, l.User.ID, 200000, 30, 10)
	ctx := context.Background()
	key := &client.CreateOrderParams{IdempotencyKey: uuid.NewString()}
	first, err := s.env.Client.CreateOrderWithResponse(ctx, key, client.OrderRequest{ApplicationIds: []uuid.UUID{app}}, apitest.Bearer(l.AccessToken))
	if err != nil || first.JSON201 == nil {
		t.Fatalf("first: %v %s", err, first.Body)
	}
	again, _ := s.env.Client.CreateOrderWithResponse(ctx, key, client.OrderRequest{ApplicationIds: []uuid.UUID{app}}, apitest.Bearer(l.AccessToken))
	if again.JSON201 == nil || again.JSON201.ID != first.JSON201.ID || again.HTTPResponse.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %s", again.StatusCode(), again.Body)
	}
	other, _ := s.env.Client.CreateOrderWithResponse(ctx, key, client.OrderRequest{ApplicationIds: []uuid.UUID{app2}}, apitest.Bearer(l.AccessToken))
	apitest.WantProblem(t, other.HTTPResponse, other.Body, http.StatusUnprocessableEntity, "idempotency_key_reused")
	// A new key for an application already ordered is refused by name.
	dup, _ := s.env.Client.CreateOrderWithResponse(ctx, &client.CreateOrderParams{IdempotencyKey: uuid.NewString()}, client.OrderRequest{ApplicationIds: []uuid.UUID{app}}, apitest.Bearer(l.AccessToken))
	if p := apitest.WantProblem(t, dup.HTTPResponse, dup.Body, http.StatusUnprocessableEntity, "validation_failed"); (*p.Errors)[0].Code != "already_ordered" {
		t.Fatalf("dup: %s", dup.Body)
	}
	if c := s.count(t, `SELECT count(*) FROM orders WHERE user_id = $1`, l.User.ID); c != 1 {
		t.Fatalf("%d orders", c)
	}
	// Cancel gives the application back.
	cc, _ := s.env.Client.CancelMyOrderWithResponse(ctx, first.JSON201.ID, apitest.Bearer(l.AccessToken))
	if cc.JSON200 == nil || cc.JSON200.Status != "canceled" {
		t.Fatalf("cancel: %s", cc.Body)
	}
	s.order(t, l.AccessToken, client.OrderRequest{ApplicationIds: []uuid.UUID{app}})
}
