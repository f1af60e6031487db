package payments_test

import (
	"context"
	"errors"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/payments"
	"github.com/kabinet-edu/kabinet/internal/testdb"
)

func TestSources(t *testing.T) {
	s, err := payments.ParseSources(payments.YooKassaSources())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ip   string
		want bool
	}{
		{"185.71.76.0", true}, {"185.71.76.31", true}, {"185.71.76.32", false},
		{"185.71.77.5", true}, {"77.75.153.127", true}, {"77.75.153.128", false},
		{"77.75.156.11", true}, {"77.75.156.12", false}, {"77.75.156.35", true},
		{"77.75.154.200", true}, {"77.75.154.127", false},
		{"2a02:5180::1", true}, {"2a02:5181::1", false},
		{"::ffff:185.71.76.10", true}, // IPv4-mapped
		{"127.0.0.1", false}, {"10.0.0.1", false},
	}
	for _, tt := range tests {
		if got := s.Allows(netip.MustParseAddr(tt.ip)); got != tt.want {
			t.Errorf("Allows(%s) = %v, want %v", tt.ip, got, tt.want)
		}
	}
	if _, err := payments.ParseSources([]string{"185.71.76.0/33"}); err == nil {
		t.Error("a bad range was accepted")
	}
	loop, _ := payments.ParseSources([]string{"127.0.0.0/8", "::1"})
	if !loop.Allows(netip.MustParseAddr("127.0.0.1")) || !loop.Allows(netip.MustParseAddr("::1")) {
		t.Error("loopback sources refuse loopback")
	}
}

func TestParseNotification(t *testing.T) {
	tests := []struct {
		body string
		want payments.Notification
		ok   bool
	}{
		{`{"type":"notification","event":"payment.succeeded","object":{"id":"p1","status":"succeeded"}}`,
			payments.Notification{Event: "payment.succeeded", ObjectType: "payment", ObjectID: "p1"}, true},
		{`{"type":"notification","event":"refund.succeeded","object":{"id":"r1","payment_id":"p1"}}`,
			payments.Notification{Event: "refund.succeeded", ObjectType: "refund", ObjectID: "r1"}, true},
		{`{"type":"notification","event":"payout.succeeded","object":{"id":"x"}}`, payments.Notification{}, false},
		{`{"type":"error","event":"payment.succeeded","object":{"id":"x"}}`, payments.Notification{}, false},
		{`{"type":"notification","event":"payment.succeeded","object":{}}`, payments.Notification{}, false},
		{`not json`, payments.Notification{}, false},
	}
	for _, tt := range tests {
		got, err := payments.ParseNotification([]byte(tt.body))
		if tt.ok != (err == nil) || got != tt.want {
			t.Errorf("ParseNotification(%s) = %+v, %v", tt.body, got, err)
		}
		if !tt.ok && !errors.Is(err, payments.ErrBadNotification) {
			t.Errorf("err %v is not ErrBadNotification", err)
		}
	}
}

func TestCheckPayment(t *testing.T) {
	rub := func(v int64) payments.Amount { return payments.Amount{Value: v, Currency: "RUB"} }
	pay := payments.Payment{ID: "p", Amount: rub(1000), Metadata: map[string]string{payments.MetadataOrderID: "o1"}}
	tests := []struct {
		name string
		want payments.Expected
		ok   bool
	}{
		{"matches", payments.Expected{OrderID: "o1", Amount: rub(1000)}, true},
		{"another order", payments.Expected{OrderID: "o2", Amount: rub(1000)}, false},
		{"another amount", payments.Expected{OrderID: "o1", Amount: rub(999)}, false},
		{"another currency", payments.Expected{OrderID: "o1", Amount: payments.Amount{Value: 1000, Currency: "USD"}}, false},
	}
	for _, tt := range tests {
		err := payments.CheckPayment(pay, tt.want)
		if tt.ok != (err == nil) || (!tt.ok && !errors.Is(err, payments.ErrMismatch)) {
			t.Errorf("%s: err = %v", tt.name, err)
		}
	}
}

func TestRecordEventOnce(t *testing.T) {
	pool := testdb.New(t)
	e := payments.Event{Provider: "yookassa", ObjectType: "payment", ObjectID: "p1", Status: "succeeded", Event: "payment.succeeded"}
	var news atomic.Int64
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			isNew, err := payments.RecordEvent(context.Background(), db.New(pool), e)
			if err != nil {
				t.Error(err)
			}
			if isNew {
				news.Add(1)
			}
		})
	}
	wg.Wait()
	if news.Load() != 1 {
		t.Fatalf("%d notifications recorded as new, want 1", news.Load())
	}
	// Another status of the same object is a new event; another provider's
	// object with the same id too.
	for _, other := range []payments.Event{
		{Provider: "yookassa", ObjectType: "payment", ObjectID: "p1", Status: "canceled", Event: "payment.canceled"},
		{Provider: "sandbox", ObjectType: "payment", ObjectID: "p1", Status: "succeeded", Event: "payment.succeeded"},
	} {
		if isNew, err := payments.RecordEvent(context.Background(), db.New(pool), other); err != nil || !isNew {
			t.Errorf("%+v: new = %v, %v", other, isNew, err)
		}
	}
}
