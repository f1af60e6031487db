package commerce_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/apitest"
	"github.com/kabinet-edu/kabinet/internal/commerce"
	"github.com/kabinet-edu/kabinet/internal/payments/sandbox"
)

func TestInstallmentsSuspendAndRestoreAccess(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	ctx := context.Background()
	plan, err := s.env.Client.CreateInstallmentPlanWithResponse(ctx, s.org.ID, client.InstallmentPlanRequest{
		Name: "3 платежа", Parts: 3, GraceDays: new(5), MinOrderAmount: new(int64(50000)),
	}, s.org.As("manager"))
	if err != nil || plan.JSON201 == nil {
		t.Fatalf("plan: %v %s", err, plan.Body)
	}
	// Learners may see the active plans but not create them.
	l := s.learner(t)
	denied, _ := s.env.Client.CreateInstallmentPlanWithResponse(ctx, s.org.ID, client.InstallmentPlanRequest{Name: "x", Parts: 2}, apitest.Bearer(l.AccessToken))
	apitest.WantProblem(t, denied.HTTPResponse, denied.Body, http.StatusForbidden, "forbidden")
	app, program := s.seat(t, l.User.ID, 100001, 30, 10)
	o := s.order(t, l.AccessToken, client.OrderRequest{ApplicationIds: []uuid.UUID{app}, InstallmentPlanID: &plan.JSON201.ID})
	// Rounding: the parts add up to the total exactly, the last takes the rest.
	if len(o.Installments) != 3 || o.Installments[0].Amount != 33333 || o.Installments[2].Amount != 33335 {
		t.Fatalf("schedule: %+v", o.Installments)
	}
	p1 := s.pay(t, l.AccessToken, o.ID, client.Next)
	if p1.Amount != 33333 || p1.Purpose != "installment" || p1.Receipt.Items[0].PaymentMode != "partial_prepayment" {
		t.Fatalf("first part: %+v", p1)
	}
	s.notify(t, s.decide(t, p1.ID, sandbox.Succeed))
	if got := s.getOrder(t, l.AccessToken, o.ID); got.Status != "in_progress" || got.Paid != 33333 || got.Installments[0].PaidAt == nil {
		t.Fatalf("after the first part: %+v", got)
	}
	q := db.New(s.env.Pool)
	if suspended, err := commerce.AccessSuspended(ctx, q, l.User.ID, program); err != nil || suspended {
		t.Fatalf("suspended before any due date: %v %v", suspended, err)
	}
	// The second part's grace period ended yesterday.
	if _, err := s.env.Pool.Exec(ctx, `UPDATE order_installments SET due_on = current_date - 10, grace_ends = current_date - 1 WHERE order_id = $1 AND number = 2`, o.ID); err != nil {
		t.Fatal(err)
	}
	if suspended, err := commerce.AccessSuspended(ctx, q, l.User.ID, program); err != nil || !suspended {
		t.Fatalf("not suspended with a part overdue: %v %v", suspended, err)
	}
	over, _ := s.env.Client.ListOverdueInstallmentsWithResponse(ctx, s.org.ID, &client.ListOverdueInstallmentsParams{}, s.org.As("director"))
	if over.JSON200 == nil || len(over.JSON200.Items) != 1 || over.JSON200.Items[0].Number != 2 || over.JSON200.Items[0].UserID != l.User.ID {
		t.Fatalf("overdue: %s", over.Body)
	}
	lo, _ := s.env.Client.ListOverdueInstallmentsWithResponse(ctx, s.org.ID, &client.ListOverdueInstallmentsParams{}, apitest.Bearer(l.AccessToken))
	apitest.WantProblem(t, lo.HTTPResponse, lo.Body, http.StatusForbidden, "forbidden")
	// Early repayment of everything left restores access at once.
	rest := s.pay(t, l.AccessToken, o.ID, client.Remainder)
	if rest.Amount != 33333+33335 || rest.Purpose != "early_repayment" || len(rest.Installments) != 2 {
		t.Fatalf("remainder: %+v", rest)
	}
	s.notify(t, s.decide(t, rest.ID, sandbox.Succeed))
	if suspended, _ := commerce.AccessSuspended(ctx, q, l.User.ID, program); suspended {
		t.Fatal("still suspended after paying")
	}
	got := s.getOrder(t, l.AccessToken, o.ID)
	if got.Status != "paid" || got.Paid != got.Total || got.Total != 100001 {
		t.Fatalf("after repayment: %+v", got)
	}
	st, _ := s.env.Client.GetMyPaymentStatisticsWithResponse(ctx, &client.GetMyPaymentStatisticsParams{}, apitest.Bearer(l.AccessToken))
	if st.JSON200 == nil || st.JSON200.Paid != 100001 || st.JSON200.Outstanding != 0 || st.JSON200.Orders != 1 {
		t.Fatalf("statistics: %s", st.Body)
	}
	// By month: everything was paid this month, nothing is due any more.
	month := time.Now().UTC().Format("2006-01")
	if m := st.JSON200.Months; len(m) != 1 || m[0].Month != month || m[0].Paid != 100001 || m[0].Due != 0 {
		t.Fatalf("months: %s", st.Body)
	}
}

func TestPromoLimitsHoldUnderConcurrentOrders(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	ctx := context.Background()
	pc, err := s.env.Client.CreatePromoCodeWithResponse(ctx, s.org.ID, client.PromoCodeRequest{
		Code: "spring-3", Kind: "percent", Value: 15, MaxUses: new(3), PerUserLimit: new(1),
	}, s.org.As("admin"))
	if err != nil || pc.JSON201 == nil || pc.JSON201.Code != "SPRING-3" {
		t.Fatalf("promo: %v %s", err, pc.Body)
	}
	dup, _ := s.env.Client.CreatePromoCodeWithResponse(ctx, s.org.ID, client.PromoCodeRequest{Code: "Spring-3", Kind: "fixed", Value: 100}, s.org.As("manager"))
	apitest.WantProblem(t, dup.HTTPResponse, dup.Body, http.StatusConflict, "promo_code_exists")
	const n = 8
	type buyer struct {
		token string
		app   uuid.UUID
	}
	buyers := make([]buyer, n)
	for i := range buyers {
		l := s.learner(t)
		app, _ := s.seat(t, l.User.ID, 99999, 30, 10)
		buyers[i] = buyer{l.AccessToken, app}
	}
	code := "spring-3"
	var mu sync.Mutex
	won, refused := 0, map[string]int{}
	var wg sync.WaitGroup
	for _, b := range buyers {
		wg.Go(func() {
			res, err := s.env.Client.CreateOrderWithResponse(ctx, &client.CreateOrderParams{IdempotencyKey: uuid.NewString()},
				client.OrderRequest{ApplicationIds: []uuid.UUID{b.app}, PromoCode: &code}, apitest.Bearer(b.token))
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case res.JSON201 != nil:
				won++
				// 15% of 999.99 ₽ rounds half up to 150.00 ₽.
				if res.JSON201.Discount != 15000 || res.JSON201.Total != 84999 {
					t.Errorf("discount: %+v", res.JSON201)
				}
			case res.StatusCode() == http.StatusUnprocessableEntity:
				refused[apitest.Fields(apitest.ProblemOf(t, res.StatusCode(), res.HTTPResponse.Header, res.Body, http.StatusUnprocessableEntity, "validation_failed"))[0]]++
			default:
				t.Errorf("order: %d %s", res.StatusCode(), res.Body)
			}
		})
	}
	wg.Wait()
	if won != 3 || refused["promoCode:used_up"] != n-3 {
		t.Fatalf("won %d, refused %v", won, refused)
	}
	got, _ := s.env.Client.GetPromoCodeWithResponse(ctx, s.org.ID, pc.JSON201.ID, s.org.As("manager"))
	if got.JSON200 == nil || got.JSON200.Used != 3 {
		t.Fatalf("used: %s", got.Body)
	}
	used, _ := s.env.Client.DeletePromoCodeWithResponse(ctx, s.org.ID, pc.JSON201.ID, s.org.As("manager"))
	apitest.WantProblem(t, used.HTTPResponse, used.Body, http.StatusConflict, "promo_code_used")
}

func TestRefundsFollowTheWithdrawalPolicy(t *testing.T) {
	t.Parallel()
	s := newShop(t)
	ctx := context.Background()
	l := s.learner(t)
	// The group started 5 of its 10 days ago: pro rata returns half.
	app, _ := s.seat(t, l.User.ID, 200000, -5, 10)
	o := s.order(t, l.AccessToken, client.OrderRequest{ApplicationIds: []uuid.UUID{app}})
	s.notify(t, s.decide(t, s.pay(t, l.AccessToken, o.ID, client.Next).ID, sandbox.Succeed))
	list, _ := s.env.Client.ListRefundsWithResponse(ctx, s.org.ID, o.ID, &client.ListRefundsParams{}, s.org.As("director"))
	if list.JSON200 == nil || list.JSON200.Refundable != 100000 {
		t.Fatalf("refundable: %s", list.Body)
	}
	key := &client.CreateRefundParams{IdempotencyKey: uuid.NewString()}
	denied, _ := s.env.Client.CreateRefundWithResponse(ctx, s.org.ID, o.ID, key, client.RefundRequest{Reason: "x"}, apitest.Bearer(l.AccessToken))
	apitest.WantProblem(t, denied.HTTPResponse, denied.Body, http.StatusForbidden, "forbidden")
	tooMuch, _ := s.env.Client.CreateRefundWithResponse(ctx, s.org.ID, o.ID, &client.CreateRefundParams{IdempotencyKey: uuid.NewString()}, client.RefundRequest{Amount: new(int64(100001)), Reason: "x"}, s.org.As("manager"))
	if p := apitest.WantProblem(t, tooMuch.HTTPResponse, tooMuch.Body, http.StatusUnprocessableEntity, "validation_failed"); !apitest.Contains(apitest.Fields(p), "amount:exceeds_refundable") {
		t.Fatalf("too much: %s", tooMuch.Body)
	}
	part, _ := s.env.Client.CreateRefundWithResponse(ctx, s.org.ID, o.ID, key, client.RefundRequest{Amount: new(int64(40000)), Reason: "Отчисление"}, s.org.As("manager"))
	if part.JSON201 == nil || len(part.JSON201.Items) != 1 || part.JSON201.Items[0].Status != "succeeded" || part.JSON201.Items[0].Receipt.Items[0].Amount != 40000 {
		t.Fatalf("partial refund: %s", part.Body)
	}
	replay, _ := s.env.Client.CreateRefundWithResponse(ctx, s.org.ID, o.ID, key, client.RefundRequest{Amount: new(int64(40000)), Reason: "Отчисление"}, s.org.As("manager"))
	if replay.JSON201 == nil || replay.JSON201.Items[0].ID != part.JSON201.Items[0].ID {
		t.Fatalf("replay: %s", replay.Body)
	}
	if got := s.getOrder(t, l.AccessToken, o.ID); got.Status != "partially_refunded" || got.Refunded != 40000 {
		t.Fatalf("after refund: %+v", got)
	}
	rest, _ := s.env.Client.CreateRefundWithResponse(ctx, s.org.ID, o.ID, &client.CreateRefundParams{IdempotencyKey: uuid.NewString()}, client.RefundRequest{Reason: "Остаток"}, s.org.As("admin"))
	if rest.JSON201 == nil || rest.JSON201.Items[0].Amount != 60000 || rest.JSON201.Refundable != 0 {
		t.Fatalf("rest: %s", rest.Body)
	}
	if c := s.count(t, `SELECT count(*) FROM order_events WHERE order_id = $1 AND event = 'refund_succeeded'`, o.ID); c != 2 {
		t.Fatalf("%d refund events", c)
	}
}
