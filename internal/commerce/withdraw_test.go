package commerce_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/commerce"
	"github.com/kabinet-edu/kabinet/internal/payments/sandbox"
)

func withdraw(t *testing.T, s *shop, token string, orderID uuid.UUID) *client.WithdrawFromMyOrderResponse {
	t.Helper()
	res, err := s.env.Client.WithdrawFromMyOrderWithResponse(context.Background(), orderID, &client.WithdrawFromMyOrderParams{IdempotencyKey: uuid.NewString()},
		client.WithdrawalRequest{Reason: "Меняю работу"}, apitest.Bearer(token))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestWithdrawalProRataRefundsTheUnusedDaysAndKeepsAccessForThePaidPeriod(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	ctx := context.Background()
	l, other := s.learner(t), s.learner(t)
	// The group started 5 of its 10 days ago: pro rata (the default) returns half.
	app, program := s.seat(t, l.User.ID, 200000, -5, 10)
	o := s.order(t, l.AccessToken, client.OrderRequest{ApplicationIds: []uuid.UUID{app}})
	pay := s.pay(t, l.AccessToken, o.ID, client.Next)
	s.notify(t, s.decide(t, pay.ID, sandbox.Succeed))
	quote, _ := s.env.Client.ListMyOrderRefundsWithResponse(ctx, o.ID, &client.ListMyOrderRefundsParams{}, apitest.Bearer(l.AccessToken))
	if quote.JSON200 == nil || quote.JSON200.Refundable != 100000 || len(quote.JSON200.Items) != 0 {
		t.Fatalf("quote: %s", quote.Body)
	}
	theirs, _ := s.env.Client.ListMyOrderRefundsWithResponse(ctx, o.ID, &client.ListMyOrderRefundsParams{}, apitest.Bearer(other.AccessToken))
	apitest.WantProblem(t, theirs.HTTPResponse, theirs.Body, http.StatusNotFound, "not_found")
	ow := withdraw(t, s, other.AccessToken, o.ID)
	apitest.WantProblem(t, ow.HTTPResponse, ow.Body, http.StatusNotFound, "not_found")

	w := withdraw(t, s, l.AccessToken, o.ID)
	if w.JSON200 == nil {
		t.Fatalf("withdraw: %d %s", w.StatusCode(), w.Body)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	got := w.JSON200
	if len(got.Refunds) != 1 || got.Refunds[0].Amount != 100000 || got.Refunds[0].Status != "succeeded" ||
		got.Refunds[0].Receipt.Items[0].Amount != 100000 || got.Order.Status != "partially_refunded" || got.Order.Refunded != 100000 ||
		got.Order.WithdrawnAt == nil || got.AccessUntil.Format(time.DateOnly) != today {
		t.Fatalf("withdrawal: %s", w.Body)
	}
	// The learner reads each refund's receipt.
	mine, _ := s.env.Client.ListMyOrderRefundsWithResponse(ctx, o.ID, &client.ListMyOrderRefundsParams{}, apitest.Bearer(l.AccessToken))
	if mine.JSON200 == nil || len(mine.JSON200.Items) != 1 || mine.JSON200.Items[0].Receipt.Items[0].PaymentMode != "full_prepayment" ||
		mine.JSON200.Items[0].Receipt.Items[0].VatCode != 1 || mine.JSON200.Refundable != 0 {
		t.Fatalf("my refunds: %s", mine.Body)
	}
	again := withdraw(t, s, l.AccessToken, o.ID)
	apitest.WantProblem(t, again.HTTPResponse, again.Body, http.StatusConflict, "order_withdrawn")
	// Access lasts through the paid period (today), then ends.
	q := db.New(s.env.Pool)
	if suspended, err := commerce.AccessSuspended(ctx, q, l.User.ID, program); err != nil || suspended {
		t.Fatalf("suspended within the paid period: %v %v", suspended, err)
	}
	if _, err := s.env.Pool.Exec(ctx, `UPDATE orders SET access_until = current_date - 1 WHERE id = $1`, o.ID); err != nil {
		t.Fatal(err)
	}
	if suspended, err := commerce.AccessSuspended(ctx, q, l.User.ID, program); err != nil || !suspended {
		t.Fatalf("not suspended after the paid period: %v %v", suspended, err)
	}
	if c := s.count(t, `SELECT count(*) FROM order_events WHERE order_id = $1 AND event = 'withdrawn' AND cause = 'learner'`, o.ID); c != 1 {
		t.Fatalf("%d withdrawn events", c)
	}
}

func TestWithdrawalBeforeStartRefundsAllAndEndsInstallments(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	ctx := context.Background()
	set, _ := s.env.Client.PutCommerceSettingsWithResponse(ctx, s.org.ID, client.CommerceSettings{WithdrawalPolicy: "full_before_start", NoRefundAfterPercent: 100, ReminderDays: 3}, s.org.As("admin"))
	if set.JSON200 == nil {
		t.Fatalf("settings: %s", set.Body)
	}
	plan, _ := s.env.Client.CreateInstallmentPlanWithResponse(ctx, s.org.ID, client.InstallmentPlanRequest{Name: "2 платежа", Parts: 2}, s.org.As("manager"))
	l := s.learner(t)
	app, program := s.seat(t, l.User.ID, 300000, 30, 10)
	// An order nothing was paid for is canceled, not withdrawn.
	o := s.order(t, l.AccessToken, client.OrderRequest{ApplicationIds: []uuid.UUID{app}, InstallmentPlanID: &plan.JSON201.ID})
	early := withdraw(t, s, l.AccessToken, o.ID)
	apitest.WantProblem(t, early.HTTPResponse, early.Body, http.StatusConflict, "order_not_withdrawable")
	s.notify(t, s.decide(t, s.pay(t, l.AccessToken, o.ID, client.Next).ID, sandbox.Succeed))
	w := withdraw(t, s, l.AccessToken, o.ID)
	if w.JSON200 == nil || len(w.JSON200.Refunds) != 1 || w.JSON200.Refunds[0].Amount != 150000 || w.JSON200.Order.Status != "refunded" || w.JSON200.Order.Due != 0 {
		t.Fatalf("withdraw: %d %s", w.StatusCode(), w.Body)
	}
	// Nothing kept: access ends at once; the second part is no longer due.
	if w.JSON200.AccessUntil.Format(time.DateOnly) != time.Now().UTC().AddDate(0, 0, -1).Format(time.DateOnly) {
		t.Fatalf("access until %s", w.JSON200.AccessUntil)
	}
	if suspended, _ := commerce.AccessSuspended(ctx, db.New(s.env.Pool), l.User.ID, program); !suspended {
		t.Fatal("access kept after a full refund")
	}
	res, _ := s.env.Client.CreatePaymentWithResponse(ctx, o.ID, &client.CreatePaymentParams{IdempotencyKey: uuid.NewString()}, client.PaymentRequest{}, apitest.Bearer(l.AccessToken))
	apitest.WantProblem(t, res.HTTPResponse, res.Body, http.StatusConflict, "order_not_payable")
	st, _ := s.env.Client.GetMyPaymentStatisticsWithResponse(ctx, &client.GetMyPaymentStatisticsParams{}, apitest.Bearer(l.AccessToken))
	if st.JSON200 == nil || st.JSON200.Paid != 150000 || st.JSON200.Refunded != 150000 || st.JSON200.Outstanding != 0 {
		t.Fatalf("statistics: %s", st.Body)
	}
}

func TestWithdrawalWithNoRefundPolicyKeepsAccessToTheEnd(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	ctx := context.Background()
	if set, _ := s.env.Client.PutCommerceSettingsWithResponse(ctx, s.org.ID, client.CommerceSettings{WithdrawalPolicy: "none", NoRefundAfterPercent: 100, ReminderDays: 3}, s.org.As("admin")); set.JSON200 == nil {
		t.Fatalf("settings: %s", set.Body)
	}
	l := s.learner(t)
	app, _ := s.seat(t, l.User.ID, 100000, -2, 10)
	o := s.order(t, l.AccessToken, client.OrderRequest{ApplicationIds: []uuid.UUID{app}})
	s.notify(t, s.decide(t, s.pay(t, l.AccessToken, o.ID, client.Next).ID, sandbox.Succeed))
	w := withdraw(t, s, l.AccessToken, o.ID)
	// Everything kept: access until the group's last day (started 2 days ago, 10 days long).
	if w.JSON200 == nil || len(w.JSON200.Refunds) != 0 || w.JSON200.Order.Status != "paid" ||
		w.JSON200.AccessUntil.Format(time.DateOnly) != time.Now().UTC().AddDate(0, 0, 7).Format(time.DateOnly) {
		t.Fatalf("withdraw: %d %s", w.StatusCode(), w.Body)
	}
}
