package yookassa_test

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/kabinet-edu/kabinet/internal/payments/yookassa"
)

// fake is an httptest handler that behaves as ЮKassa's documentation says:
// Basic auth, an Idempotence-Key on every POST (a repeat with the same key
// and body gets the first answer, another body an error), amounts as
// decimal strings, a receipt when the shop registers receipts, error bodies
// {type, id, code, description, parameter}. faults makes the next requests
// to a path fail with a given status.
type fake struct {
	shopID, secret string
	requireReceipt bool

	mu       sync.Mutex
	payments map[string]*yookassa.PaymentJSON
	refunds  map[string]*yookassa.RefundJSON
	keys     map[string]keyed
	faults   map[string][]int // path → statuses to answer next
	calls    map[string]int   // "METHOD path" → requests
	created  int
	lastBody map[string]any
	seq      int
}

type keyed struct {
	hash   [32]byte
	status int
	body   []byte
}

func newFake() *fake {
	return &fake{
		shopID: "123456", secret: "test_secret",
		payments: map[string]*yookassa.PaymentJSON{}, refunds: map[string]*yookassa.RefundJSON{},
		keys: map[string]keyed{}, faults: map[string][]int{}, calls: map[string]int{},
	}
}

var decimal = regexp.MustCompile(`^\d+(\.\d{1,2})?$`)

func (f *fake) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	path := strings.TrimPrefix(r.URL.Path, "/v3")
	f.calls[r.Method+" "+path]++
	fail := func(status int, code, desc, param string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(yookassa.ErrorJSON{Type: "error", ID: fmt.Sprintf("err-%d", f.seq), Code: code, Description: desc, Parameter: param})
	}
	if u, p, ok := r.BasicAuth(); !ok || u != f.shopID || p != f.secret {
		fail(401, "invalid_credentials", "Authentication by given credentials failed", "")
		return
	}
	if q := f.faults[path]; len(q) > 0 {
		f.faults[path] = q[1:]
		switch q[0] {
		case 202:
			w.WriteHeader(202)
			_, _ = io.WriteString(w, `{"type":"processing","description":"Request accepted","retry_after":10}`)
		case 429:
			fail(429, "too_many_requests", "Too many requests", "")
		default:
			fail(q[0], "internal_server_error", "Internal server error", "")
		}
		return
	}
	body, _ := io.ReadAll(r.Body)
	if r.Method == http.MethodPost {
		key := r.Header.Get("Idempotence-Key")
		if key == "" || len(key) > 64 {
			fail(400, "invalid_request", "Idempotence key is missing or invalid", "Idempotence-Key")
			return
		}
		h := sha256.Sum256(append([]byte(path), body...))
		if k, ok := f.keys[key]; ok {
			if k.hash != h {
				fail(400, "invalid_request", "Idempotence key duplicated with another request", "Idempotence-Key")
				return
			}
			w.WriteHeader(k.status)
			_, _ = w.Write(k.body)
			return
		}
		rec := &recorder{header: http.Header{}, status: 200}
		f.post(rec, path, body)
		if rec.status < 500 {
			f.keys[key] = keyed{hash: h, status: rec.status, body: rec.buf}
		}
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.buf)
		return
	}
	var obj any
	switch {
	case strings.HasPrefix(path, "/payments/") && f.payments[strings.TrimPrefix(path, "/payments/")] != nil:
		obj = f.payments[strings.TrimPrefix(path, "/payments/")]
	case strings.HasPrefix(path, "/refunds/") && f.refunds[strings.TrimPrefix(path, "/refunds/")] != nil:
		obj = f.refunds[strings.TrimPrefix(path, "/refunds/")]
	default:
		fail(404, "not_found", "Object not found", "")
		return
	}
	_ = json.NewEncoder(w).Encode(obj)
}

func (f *fake) post(w *recorder, path string, body []byte) {
	fail := func(code, desc, param string) {
		w.status = 400
		w.buf, _ = json.Marshal(yookassa.ErrorJSON{Type: "error", ID: "err", Code: code, Description: desc, Parameter: param})
	}
	var req map[string]any
	if err := json.Unmarshal(body, &req); err != nil {
		fail("invalid_request", "Invalid JSON", "")
		return
	}
	f.lastBody = req
	amount, _ := req["amount"].(map[string]any)
	value, _ := amount["value"].(string)
	if !decimal.MatchString(value) || amount["currency"] != "RUB" {
		fail("invalid_request", "Invalid amount", "amount.value")
		return
	}
	if d, _ := req["description"].(string); utf8.RuneCountInString(d) > 128 {
		fail("invalid_request", "Description is too long", "description")
		return
	}
	if _, ok := req["receipt"]; !ok && f.requireReceipt {
		fail("invalid_request", "Receipt is missing or illegal", "receipt")
		return
	}
	f.seq++
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000Z")
	switch path {
	case "/payments":
		conf, _ := req["confirmation"].(map[string]any)
		if conf["type"] != "redirect" || conf["return_url"] == "" {
			fail("invalid_request", "Confirmation is missing", "confirmation")
			return
		}
		md := map[string]string{}
		if m, ok := req["metadata"].(map[string]any); ok {
			for k, v := range m {
				md[k], _ = v.(string)
			}
		}
		id := fmt.Sprintf("2f%06d-000f-5000-9000-1b68e7b15f3f", f.seq)
		p := &yookassa.PaymentJSON{
			ID: id, Status: "pending", Amount: yookassa.AmountJSON{Value: value, Currency: "RUB"},
			Description: req["description"].(string), Metadata: md, CreatedAt: now, Test: true,
			Confirmation: &yookassa.ConfirmationJSON{Type: "redirect", ConfirmationURL: "https://yoomoney.ru/checkout/payments/v2/contract?orderId=" + id},
		}
		f.payments[id] = p
		f.created++
		w.buf, _ = json.Marshal(p)
	case "/refunds":
		p := f.payments[fmt.Sprint(req["payment_id"])]
		if p == nil || p.Status != "succeeded" {
			fail("invalid_request", "Payment is not succeeded", "payment_id")
			return
		}
		id := fmt.Sprintf("21%06d-0015-5000-9000-0b8c7a1b5f3f", f.seq)
		r := &yookassa.RefundJSON{ID: id, PaymentID: p.ID, Status: "succeeded", Amount: yookassa.AmountJSON{Value: value, Currency: "RUB"}, CreatedAt: now}
		f.refunds[id] = r
		w.buf, _ = json.Marshal(r)
	default:
		w.status = 404
	}
}

func (f *fake) succeed(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.payments[id].Status, f.payments[id].Paid = "succeeded", true
}

func (f *fake) fault(path string, statuses ...int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults[path] = append(f.faults[path], statuses...)
}

func (f *fake) count(key string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[key]
}

type recorder struct {
	header http.Header
	status int
	buf    []byte
}
