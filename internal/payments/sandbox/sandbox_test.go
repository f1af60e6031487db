package sandbox_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kabinet-edu/kabinet/internal/payments"
	"github.com/kabinet-edu/kabinet/internal/payments/sandbox"
	"github.com/kabinet-edu/kabinet/internal/testdb"
)

// env runs the sandbox page on a test server and a webhook that keeps what
// it receives (or refuses it while down is set).
type env struct {
	sb       *sandbox.Provider
	page     *httptest.Server
	received chan []byte
	down     atomic.Bool
}

func newEnv(t *testing.T) *env {
	t.Helper()
	pool := testdb.New(t)
	en := &env{received: make(chan []byte, 10)}
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if en.down.Load() {
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		b, _ := io.ReadAll(r.Body)
		en.received <- b
	}))
	t.Cleanup(hook.Close)
	mux := http.NewServeMux()
	en.page = httptest.NewServer(mux)
	t.Cleanup(en.page.Close)
	en.sb = sandbox.New(pool, en.page.URL+"/sandbox/payments")
	mux.Handle("/sandbox/payments/", &sandbox.Page{Provider: en.sb, Deliverer: sandbox.HTTPDeliverer{URL: hook.URL}})
	return en
}

func rub(v int64) payments.Amount { return payments.Amount{Value: v, Currency: "RUB"} }

func (en *env) create(t *testing.T, key string, amount int64) payments.Payment {
	t.Helper()
	p, err := en.sb.CreatePayment(context.Background(), payments.CreatePayment{
		Amount: rub(amount), Description: "Курс «Педагог ДПО»", ReturnURL: "https://spa.example.org/orders/o1",
		Metadata: map[string]string{payments.MetadataOrderID: "o1"}, IdempotenceKey: key,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func choose(t *testing.T, confirmationURL, outcome string) *http.Response {
	t.Helper()
	res, err := noRedirect.PostForm(confirmationURL, url.Values{"outcome": {outcome}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

func TestPayOnTheHostedPage(t *testing.T) {
	en := newEnv(t)
	ctx := context.Background()
	p := en.create(t, "k1", 123450)
	if p.Status != payments.StatusPending || p.ConfirmationURL != en.page.URL+"/sandbox/payments/"+p.ID {
		t.Fatalf("payment = %+v", p)
	}
	if again := en.create(t, "k1", 123450); again.ID != p.ID {
		t.Fatal("the same idempotence key made another payment")
	}
	if _, err := en.sb.CreatePayment(ctx, payments.CreatePayment{Amount: rub(1), ReturnURL: "x", IdempotenceKey: "k1"}); !errors.Is(err, sandbox.ErrKeyReused) {
		t.Fatalf("reused key: %v", err)
	}

	res, err := http.Get(p.ConfirmationURL)
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{"1\u00a0234,50\u00a0₽", "Курс «Педагог ДПО»", `value="succeed"`, `value="fail"`} {
		if !strings.Contains(string(html), want) {
			t.Errorf("page lacks %q", want)
		}
	}

	res = choose(t, p.ConfirmationURL, "succeed")
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "https://spa.example.org/orders/o1" {
		t.Fatalf("after paying: %d → %s", res.StatusCode, res.Header.Get("Location"))
	}
	n, err := payments.ParseNotification(<-en.received)
	if err != nil || n.Event != "payment.succeeded" || n.ObjectID != p.ID {
		t.Fatalf("notification = %+v, %v", n, err)
	}
	// The webhook's checks pass against the sandbox as against ЮKassa.
	got, err := payments.VerifyPayment(ctx, en.sb, n, payments.Expected{OrderID: "o1", Amount: rub(123450)})
	if err != nil || got.Status != payments.StatusSucceeded || !got.Paid {
		t.Fatalf("verify = %+v, %v", got, err)
	}
	if _, err := payments.VerifyPayment(ctx, en.sb, n, payments.Expected{OrderID: "o1", Amount: rub(1)}); !errors.Is(err, payments.ErrMismatch) {
		t.Fatalf("verify with another amount: %v", err)
	}
	// Final states never reopen.
	if res := choose(t, p.ConfirmationURL, "fail"); res.StatusCode != http.StatusConflict {
		t.Fatalf("second choice: %d", res.StatusCode)
	}
}

func TestFailAndRedeliver(t *testing.T) {
	en := newEnv(t)
	p := en.create(t, "k2", 5000)
	en.down.Store(true)
	if res := choose(t, p.ConfirmationURL, "fail"); res.StatusCode != http.StatusBadGateway {
		t.Fatalf("delivery to a down webhook: %d", res.StatusCode)
	}
	got, _ := en.sb.GetPayment(context.Background(), p.ID)
	if got.Status != payments.StatusCanceled || got.CancellationReason == "" || got.ConfirmationURL != "" {
		t.Fatalf("payment = %+v", got)
	}
	en.down.Store(false)
	if res := choose(t, p.ConfirmationURL, "resend"); res.StatusCode != http.StatusSeeOther {
		t.Fatalf("resend: %d", res.StatusCode)
	}
	n, err := payments.ParseNotification(<-en.received)
	if err != nil || n.Event != "payment.canceled" {
		t.Fatalf("notification = %+v, %v", n, err)
	}
	if res, _ := http.Get(en.page.URL + "/sandbox/payments/00000000-0000-0000-0000-000000000000"); res.StatusCode != http.StatusNotFound {
		t.Fatalf("unknown payment: %d", res.StatusCode)
	}
}

func TestRefunds(t *testing.T) {
	en := newEnv(t)
	ctx := context.Background()
	p := en.create(t, "k3", 10000)
	refund := func(key string, v int64) (payments.Refund, error) {
		return en.sb.CreateRefund(ctx, payments.CreateRefund{PaymentID: p.ID, Amount: rub(v), IdempotenceKey: key})
	}
	if _, err := refund("r0", 100); !errors.Is(err, sandbox.ErrNotRefundable) {
		t.Fatalf("refund of a pending payment: %v", err)
	}
	if _, err := en.sb.Decide(ctx, p.ID, sandbox.Succeed); err != nil {
		t.Fatal(err)
	}
	// Concurrent refunds of 3000 each: at most three fit into 10000.
	var ok atomic.Int64
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			_, err := refund("r"+string(rune('a'+i)), 3000)
			switch {
			case err == nil:
				ok.Add(1)
			case !errors.Is(err, sandbox.ErrRefundTooLarge):
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 3 {
		t.Fatalf("%d refunds of 3000 accepted, want 3", ok.Load())
	}
	r, err := refund("rlast", 1000)
	if err != nil || r.Status != payments.RefundSucceeded {
		t.Fatalf("last refund: %+v, %v", r, err)
	}
	if again, err := refund("rlast", 1000); err != nil || again.ID != r.ID {
		t.Fatalf("replayed refund: %+v, %v", again, err)
	}
	got, _ := en.sb.GetPayment(ctx, p.ID)
	if got.RefundedAmount != rub(10000) {
		t.Fatalf("refunded = %v", got.RefundedAmount)
	}
	if fetched, err := en.sb.GetRefund(ctx, r.ID); err != nil || fetched.ID != r.ID {
		t.Fatalf("GetRefund = %+v, %v", fetched, err)
	}
}
