package journey_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// Step 4: the manager sets up a promo code and an installment plan; the
// learner orders with both, pays the first part on the sandbox's hosted
// page (its notification reaches our webhook: the order is in progress),
// then pays the rest at once (early repayment: the order is paid).
func (j *journey) learnerPays(t *testing.T) {
	t.Helper()
	promo, err := j.env.Client.CreatePromoCodeWithResponse(bg, j.org.ID, client.PromoCodeRequest{
		Code: "PEDAGOG10", Kind: "percent", Value: 10, ProgramIds: &[]uuid.UUID{j.program.ID},
	}, j.org.As("manager"))
	must(t, err)
	if promo.JSON201 == nil {
		t.Fatalf("createPromoCode: %d %s", promo.StatusCode(), promo.Body)
	}
	plan, err := j.env.Client.CreateInstallmentPlanWithResponse(bg, j.org.ID, client.InstallmentPlanRequest{
		Name: "Две части", Parts: 2, IntervalMonths: ptr(1),
	}, j.org.As("manager"))
	must(t, err)
	if plan.JSON201 == nil {
		t.Fatalf("createInstallmentPlan: %d %s", plan.StatusCode(), plan.Body)
	}

	o, err := j.env.Client.CreateOrderWithResponse(bg, &client.CreateOrderParams{IdempotencyKey: uuid.NewString()}, client.OrderRequest{
		ApplicationIds: []uuid.UUID{j.application.ID}, PromoCode: ptr("pedagog10"), InstallmentPlanID: &plan.JSON201.ID,
	}, j.as())
	must(t, err)
	if o.JSON201 == nil {
		t.Fatalf("createOrder: %d %s", o.StatusCode(), o.Body)
	}
	j.order = *o.JSON201
	if j.order.Status != "awaiting_payment" || j.order.Subtotal != 1_200_000 || j.order.Discount != 120_000 ||
		j.order.Total != 1_080_000 || j.order.Currency != "RUB" || len(j.order.Installments) != 2 {
		t.Fatalf("order: %s", o.Body)
	}
	first := j.order.Installments[0].Amount

	j.payOnHostedPage(t, "next")
	j.order = j.waitOrder(t, "in_progress")
	if j.order.Paid != first || j.order.Due <= 0 {
		t.Fatalf("after the first part: paid %d, due %d; first part %d", j.order.Paid, j.order.Due, first)
	}
	j.payOnHostedPage(t, "remainder")
	j.order = j.waitOrder(t, "paid")
	if j.order.Paid != j.order.Total || j.order.Due != 0 {
		t.Fatalf("after early repayment: paid %d of %d, due %d", j.order.Paid, j.order.Total, j.order.Due)
	}
	pays, err := j.env.Client.ListOrderPaymentsWithResponse(bg, j.order.ID, &client.ListOrderPaymentsParams{}, j.as())
	must(t, err)
	if pays.JSON200 == nil || len(pays.JSON200.Items) != 2 {
		t.Fatalf("listOrderPayments: %d %s", pays.StatusCode(), pays.Body)
	}
}

// payOnHostedPage starts a payment of the order (mode next or remainder),
// opens its confirmation page and presses "Pay"; the page delivers the
// provider's notification to our webhook and sends the learner back (303).
func (j *journey) payOnHostedPage(t *testing.T, mode client.PaymentRequestMode) {
	t.Helper()
	p, err := j.env.Client.CreatePaymentWithResponse(bg, j.order.ID, &client.CreatePaymentParams{IdempotencyKey: uuid.NewString()},
		client.PaymentRequest{Mode: &mode}, j.as())
	must(t, err)
	if p.JSON201 == nil || p.JSON201.ConfirmationURL == nil || p.JSON201.Provider != "sandbox" {
		t.Fatalf("createPayment %s: %d %s", mode, p.StatusCode(), p.Body)
	}
	page := *p.JSON201.ConfirmationURL
	if !strings.HasPrefix(page, j.public+"/sandbox/payments/") {
		t.Fatalf("confirmation URL %q is not the hosted page", page)
	}
	status, body, _ := j.page(t, http.MethodGet, page, nil)
	if status != http.StatusOK || !strings.Contains(body, "Pay") {
		t.Fatalf("hosted page: %d %s", status, body)
	}
	status, body, back := j.page(t, http.MethodPost, page, url.Values{"outcome": {"succeed"}})
	if status != http.StatusSeeOther || back == "" {
		t.Fatalf("Pay: %d %s", status, body)
	}
}

// waitOrder waits until the learner's order has status.
func (j *journey) waitOrder(t *testing.T, status client.OrderStatus) client.Order {
	t.Helper()
	var o client.Order
	apitest.Eventually(t, "order "+string(status), func() bool {
		res, err := j.env.Client.GetMyOrderWithResponse(bg, j.order.ID, j.as())
		must(t, err)
		if res.JSON200 == nil {
			t.Fatalf("getMyOrder: %d %s", res.StatusCode(), res.Body)
		}
		o = *res.JSON200
		return o.Status == status
	})
	return o
}
