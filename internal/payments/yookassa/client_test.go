package yookassa_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/internal/payments"
	"github.com/kabinet-edu/kabinet/internal/payments/yookassa"
)

func setup(t *testing.T, mutate ...func(*yookassa.Config)) (*yookassa.Client, *fake) {
	t.Helper()
	f := newFake()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	cfg := yookassa.Config{ShopID: f.shopID, SecretKey: f.secret, BaseURL: srv.URL + "/v3", Backoff: func(int) time.Duration { return time.Millisecond }}
	for _, m := range mutate {
		m(&cfg)
	}
	return yookassa.New(cfg), f
}

func receipt(total int64) *payments.Receipt {
	return &payments.Receipt{
		Customer: payments.Customer{Email: "anna@example.org"},
		Items: []payments.ReceiptItem{{
			Description: "Повышение квалификации «Педагог ДПО», 72 ч", Quantity: 1,
			Amount: payments.Amount{Value: total, Currency: "RUB"}, VATCode: payments.VATNone,
			PaymentMode: payments.FullPrepayment, PaymentSubject: payments.SubjectService,
		}},
	}
}

func newPayment(key string, amount int64) payments.CreatePayment {
	return payments.CreatePayment{
		Amount: payments.Amount{Value: amount, Currency: "RUB"}, Description: "Заказ №1",
		ReturnURL: "https://kabinet.example.org/orders/1", Receipt: receipt(amount),
		Metadata: map[string]string{payments.MetadataOrderID: "order-1"}, IdempotenceKey: key,
	}
}

func TestCreatePaymentSpeaksTheAPI(t *testing.T) {
	c, f := setup(t)
	p, err := c.CreatePayment(context.Background(), newPayment("key-1", 123450))
	if err != nil {
		t.Fatal(err)
	}
	if p.Status != payments.StatusPending || p.Amount != (payments.Amount{Value: 123450, Currency: "RUB"}) ||
		!strings.HasPrefix(p.ConfirmationURL, "https://yoomoney.ru/") || p.Metadata[payments.MetadataOrderID] != "order-1" {
		t.Fatalf("payment = %+v", p)
	}
	body := f.lastBody
	amount := body["amount"].(map[string]any)
	conf := body["confirmation"].(map[string]any)
	item := body["receipt"].(map[string]any)["items"].([]any)[0].(map[string]any)
	checks := map[string][2]any{
		"amount.value":          {amount["value"], "1234.50"},
		"capture":               {body["capture"], true},
		"confirmation.type":     {conf["type"], "redirect"},
		"return_url":            {conf["return_url"], "https://kabinet.example.org/orders/1"},
		"items.quantity":        {item["quantity"], "1.00"},
		"items.amount.value":    {item["amount"].(map[string]any)["value"], "1234.50"},
		"items.vat_code":        {item["vat_code"], float64(1)},
		"items.payment_mode":    {item["payment_mode"], "full_prepayment"},
		"items.payment_subject": {item["payment_subject"], "service"},
	}
	for name, c := range checks {
		if c[0] != c[1] {
			t.Errorf("%s = %v, want %v", name, c[0], c[1])
		}
	}
	got, err := c.GetPayment(context.Background(), p.ID)
	if err != nil || got.ID != p.ID || got.Amount != p.Amount {
		t.Fatalf("GetPayment = %+v, %v", got, err)
	}
}

func TestRetriesKeepTheIdempotenceKey(t *testing.T) {
	tests := []struct {
		name   string
		faults []int
		ok     bool
		calls  int
	}{
		{"two 500s", []int{500, 500}, true, 3},
		{"a 429", []int{429}, true, 2},
		{"202 processing", []int{202}, true, 2},
		{"503", []int{503}, true, 2},
		{"500 beyond the attempts", []int{500, 500, 500, 500}, false, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, f := setup(t)
			f.fault("/payments", tt.faults...)
			_, err := c.CreatePayment(context.Background(), newPayment("key-"+tt.name, 5000))
			if (err == nil) != tt.ok || f.count("POST /payments") != tt.calls {
				t.Fatalf("err = %v, calls %d; want ok %v, %d calls", err, f.count("POST /payments"), tt.ok, tt.calls)
			}
			if !tt.ok && !payments.Retryable(err) {
				t.Errorf("exhausted retries: %v is not retryable", err)
			}
		})
	}
	// A repeat of a whole call with the same key creates nothing new.
	c, f := setup(t)
	a, _ := c.CreatePayment(context.Background(), newPayment("same", 5000))
	b, err := c.CreatePayment(context.Background(), newPayment("same", 5000))
	if err != nil || a.ID != b.ID || f.created != 1 {
		t.Fatalf("replay: %s vs %s, %v, created %d", a.ID, b.ID, err, f.created)
	}
	// The same key with other data is refused.
	_, err = c.CreatePayment(context.Background(), newPayment("same", 6000))
	var pe *payments.Error
	if !errors.As(err, &pe) || pe.Code != "invalid_request" || pe.Parameter != "Idempotence-Key" || pe.Retryable {
		t.Fatalf("reused key: %v", err)
	}
}

func TestErrorsAreTyped(t *testing.T) {
	c, f := setup(t, func(cfg *yookassa.Config) { cfg.SecretKey = "wrong" })
	_, err := c.CreatePayment(context.Background(), newPayment("k", 100))
	var pe *payments.Error
	if !errors.As(err, &pe) || pe.HTTPStatus != 401 || pe.Code != "invalid_credentials" || pe.Retryable || pe.ID == "" {
		t.Fatalf("bad credentials: %#v", err)
	}
	if f.count("POST /payments") != 1 {
		t.Fatalf("a refusal was retried: %d calls", f.count("POST /payments"))
	}

	c, f = setup(t)
	if _, err := c.GetPayment(context.Background(), "nope"); !errors.Is(err, payments.ErrNotFound) {
		t.Fatalf("unknown payment: %v", err)
	}
	f.requireReceipt = true
	req := newPayment("k2", 100)
	req.Receipt = nil
	_, err = c.CreatePayment(context.Background(), req)
	if !errors.As(err, &pe) || pe.Code != "invalid_request" || pe.Parameter != "receipt" {
		t.Fatalf("missing receipt at the server: %v", err)
	}
	long := newPayment("k3", 100)
	long.Description = strings.Repeat("я", 129)
	if _, err = c.CreatePayment(context.Background(), long); !errors.As(err, &pe) || pe.Parameter != "description" {
		t.Fatalf("long description: %v", err)
	}
}

func TestReceiptCheckedBeforeSending(t *testing.T) {
	c, f := setup(t, func(cfg *yookassa.Config) { cfg.ReceiptRequired = true })
	bad := []func(*payments.CreatePayment){
		func(r *payments.CreatePayment) { r.Receipt = nil },
		func(r *payments.CreatePayment) { r.Receipt.Customer = payments.Customer{} },
		func(r *payments.CreatePayment) { r.Receipt.Items[0].Amount.Value = 1 },
		func(r *payments.CreatePayment) { r.Receipt.Items[0].VATCode = 13 },
		func(r *payments.CreatePayment) { r.Receipt.Items[0].Description = strings.Repeat("x", 129) },
		func(r *payments.CreatePayment) { r.Receipt.Items[0].PaymentMode = "" },
	}
	for i, mutate := range bad {
		req := newPayment("k", 100)
		mutate(&req)
		if _, err := c.CreatePayment(context.Background(), req); !errors.Is(err, payments.ErrInvalidReceipt) {
			t.Errorf("case %d: err = %v, want ErrInvalidReceipt", i, err)
		}
	}
	if f.count("POST /payments") != 0 {
		t.Fatal("an invalid receipt was sent")
	}
}

func TestRefunds(t *testing.T) {
	c, f := setup(t)
	ctx := context.Background()
	p, err := c.CreatePayment(ctx, newPayment("pay", 10000))
	if err != nil {
		t.Fatal(err)
	}
	refund := payments.CreateRefund{PaymentID: p.ID, Amount: payments.Amount{Value: 2550, Currency: "RUB"}, Receipt: receipt(2550), IdempotenceKey: "ref-1"}
	if _, err := c.CreateRefund(ctx, refund); err == nil {
		t.Fatal("refund of a pending payment accepted")
	}
	f.succeed(p.ID)
	refund.IdempotenceKey = "ref-2"
	r, err := c.CreateRefund(ctx, refund)
	if err != nil || r.Status != payments.RefundSucceeded || r.Amount.Value != 2550 || r.PaymentID != p.ID {
		t.Fatalf("refund = %+v, %v", r, err)
	}
	if f.lastBody["amount"].(map[string]any)["value"] != "25.50" {
		t.Errorf("refund amount sent as %v", f.lastBody["amount"])
	}
	got, err := c.GetRefund(ctx, r.ID)
	if err != nil || got != r {
		t.Fatalf("GetRefund = %+v, %v; want %+v", got, err, r)
	}
}
