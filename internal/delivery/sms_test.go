package delivery_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/config"
	"github.com/kabinet-edu/kabinet/internal/delivery"
	"github.com/kabinet-edu/kabinet/internal/notify"
	"github.com/kabinet-edu/kabinet/internal/testdb"
)

const testAPIKey = "A3CA597E-3ACF-4E7D-82EE-CF82B52B1A8B"

// smsRu is an httptest server that speaks SMS.ru's /sms/send: it checks the
// request like the real one and answers from a script, one answer per call
// (the last one repeats).
type smsRu struct {
	mu       sync.Mutex
	answers  []smsAnswer
	received []map[string]string // the form of each accepted request
}

type smsAnswer struct {
	status int    // HTTP status; 0 means 200
	body   string // JSON; "%s" is replaced by the number
}

const (
	smsOK          = `{"status":"OK","status_code":100,"sms":{"%s":{"status":"OK","status_code":100,"sms_id":"000000-10000001"}},"balance":4122.56}`
	smsBadKey      = `{"status":"ERROR","status_code":200,"status_text":"Неправильный api_id"}`
	smsBadNumber   = `{"status":"OK","status_code":100,"sms":{"%s":{"status":"ERROR","status_code":202,"status_text":"Неправильно указан номер телефона получателя, либо на него нет маршрута"}},"balance":4122.56}`
	smsTooOften    = `{"status":"OK","status_code":100,"sms":{"%s":{"status":"ERROR","status_code":231,"status_text":"Превышен лимит одинаковых сообщений на этот номер в минуту"}},"balance":4122.56}`
	smsUnavailable = `{"status":"ERROR","status_code":220,"status_text":"Сервис временно недоступен, попробуйте чуть позже"}`
)

func startSMSRu(t *testing.T, answers ...smsAnswer) (*smsRu, config.SMS) {
	t.Helper()
	g := &smsRu{answers: answers}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/sms/send" {
			http.NotFound(w, r)
			return
		}
		if err := r.ParseForm(); err != nil || r.Form.Get("json") != "1" {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if r.PostForm.Get("api_id") != testAPIKey {
			fmt.Fprint(w, smsBadKey)
			return
		}
		form := map[string]string{}
		for k := range r.PostForm {
			form[k] = r.PostForm.Get(k)
		}
		g.mu.Lock()
		a := g.answers[min(len(g.received), len(g.answers)-1)]
		g.received = append(g.received, form)
		g.mu.Unlock()
		if a.status != 0 {
			w.WriteHeader(a.status)
		}
		fmt.Fprintf(w, a.body, form["to"])
	}))
	t.Cleanup(srv.Close)
	return g, config.SMS{GatewayURL: srv.URL + "/", APIKey: testAPIKey, Sender: "Kabinet"}
}

func (g *smsRu) requests() []map[string]string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]map[string]string(nil), g.received...)
}

func smsMessage() db.Outbox {
	return db.Outbox{ID: 7, Channel: notify.SMS, Recipient: "+79211234567", Template: "phone_code", BodyText: "Код подтверждения: 123456"}
}

func TestSMSSenderPostsToSMSRu(t *testing.T) {
	t.Parallel()
	g, cfg := startSMSRu(t, smsAnswer{body: smsOK})
	if err := delivery.NewSMSSender(cfg, nil).Send(context.Background(), smsMessage()); err != nil {
		t.Fatal(err)
	}
	reqs := g.requests()
	if len(reqs) != 1 {
		t.Fatalf("%d requests", len(reqs))
	}
	want := map[string]string{"api_id": testAPIKey, "to": "79211234567", "msg": "Код подтверждения: 123456", "json": "1", "from": "Kabinet"}
	for k, v := range want {
		if reqs[0][k] != v {
			t.Errorf("%s = %q, want %q", k, reqs[0][k], v)
		}
	}
}

func TestSMSSenderClassifiesGatewayErrors(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		answer    smsAnswer
		permanent bool
	}{
		{"wrong number", smsAnswer{body: smsBadNumber}, true},
		{"per-minute limit", smsAnswer{body: smsTooOften}, false},
		{"gateway unavailable", smsAnswer{body: smsUnavailable}, false},
		{"HTTP 503", smsAnswer{status: http.StatusServiceUnavailable, body: "upstream down"}, false},
		{"not JSON", smsAnswer{body: "<html>maintenance</html>"}, false},
		{"no entry for the number", smsAnswer{body: `{"status":"OK","status_code":100,"sms":{}}`}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, cfg := startSMSRu(t, tc.answer)
			err := delivery.NewSMSSender(cfg, nil).Send(context.Background(), smsMessage())
			if err == nil || delivery.IsPermanent(err) != tc.permanent {
				t.Fatalf("err = %v, permanent = %v, want permanent = %v", err, delivery.IsPermanent(err), tc.permanent)
			}
		})
	}
	t.Run("wrong key", func(t *testing.T) {
		t.Parallel()
		_, cfg := startSMSRu(t, smsAnswer{body: smsOK})
		cfg.APIKey = "wrong"
		err := delivery.NewSMSSender(cfg, nil).Send(context.Background(), smsMessage())
		if err == nil || delivery.IsPermanent(err) {
			t.Fatalf("err = %v (a wrong key is retried: the operator can fix it)", err)
		}
	})
	t.Run("unreachable", func(t *testing.T) {
		t.Parallel()
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close()
		err := delivery.NewSMSSender(config.SMS{GatewayURL: srv.URL, APIKey: testAPIKey}, nil).Send(context.Background(), smsMessage())
		if err == nil || delivery.IsPermanent(err) {
			t.Fatalf("err = %v", err)
		}
	})
}

// The worker retries an SMS after the gateway's transient error and marks it
// sent once the gateway accepts it.
func TestWorkerRetriesSMSAfterGatewayError(t *testing.T) {
	t.Parallel()
	pool := testdb.New(t)
	id, err := db.New(pool).EnqueueMessage(context.Background(), db.EnqueueMessageParams{
		Channel: notify.SMS, Recipient: "+79211234567", Template: "phone_code", Locale: "ru", BodyText: "Код: 654321",
	})
	if err != nil {
		t.Fatal(err)
	}
	g, cfg := startSMSRu(t, smsAnswer{status: http.StatusBadGateway, body: "bad gateway"}, smsAnswer{body: smsOK})
	w := delivery.NewWorker(pool, map[string]delivery.Sender{notify.SMS: delivery.NewSMSSender(cfg, nil)}, testOutbox(), slog.New(slog.DiscardHandler))

	if err := work(w, id, 1, 3); err == nil {
		t.Fatal("HTTP 502 counted as delivered")
	}
	if r := readRow(t, pool, id); r.status != "pending" || r.lastError == nil {
		t.Fatalf("after HTTP 502: %+v", r)
	}
	if err := work(w, id, 2, 3); err != nil {
		t.Fatal(err)
	}
	if r := readRow(t, pool, id); r.status != "sent" || r.attempts != 2 || r.lastError != nil {
		t.Fatalf("after the retry: %+v", r)
	}
	if reqs := g.requests(); len(reqs) != 2 || reqs[1]["msg"] != "Код: 654321" {
		t.Fatalf("gateway saw %v", reqs)
	}
}
