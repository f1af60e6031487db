package sandbox

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html/template"
	"io"
	"log/slog"
	"net/http"
	"path"
	"time"

	"github.com/kabinet-edu/kabinet/internal/money"
	"github.com/kabinet-edu/kabinet/internal/payments"
)

// Deliverer sends a notification to our webhook.
type Deliverer interface {
	Deliver(ctx context.Context, d Delivery) error
}

// HTTPDeliverer POSTs notifications to a webhook URL, as ЮKassa does, and
// counts any answer but 2xx as a failure.
type HTTPDeliverer struct {
	URL    string
	Client *http.Client // nil: a client with a 10-second timeout
}

// Deliver sends d.
func (h HTTPDeliverer) Deliver(ctx context.Context, d Delivery) error {
	c := h.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(d.Body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	res, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("deliver %s: %w", d.Event, err)
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode/100 != 2 {
		return fmt.Errorf("deliver %s: webhook answered %s", d.Event, res.Status)
	}
	return nil
}

// Page is the hosted confirmation page, an http.Handler to mount at
// /sandbox/payments/{id} (the payment id is the last path segment):
//
//   - GET shows the payment with "Pay" and "Fail" buttons while it is
//     pending, and its outcome afterwards;
//   - POST (form field outcome = succeed | fail | resend) settles it,
//     delivers the notification and redirects (303) to the payment's return
//     URL. A failed delivery shows the error and a "Resend" button.
//
// It is a development tool: it asks nobody's permission, so it must never
// be mounted in production.
type Page struct {
	Provider  *Provider
	Deliverer Deliverer
	Log       *slog.Logger // nil: discard
}

// ServeHTTP serves the page.
func (pg *Page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	id := path.Base(r.URL.Path)
	ctx := r.Context()
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		pay, err := pg.Provider.GetPayment(ctx, id)
		if err != nil {
			pg.fail(w, err)
			return
		}
		pg.render(w, http.StatusOK, pay, "")
	case http.MethodPost:
		var (
			d   Delivery
			err error
		)
		switch Outcome(r.FormValue("outcome")) {
		case Succeed:
			d, err = pg.Provider.Decide(ctx, id, Succeed)
		case Fail:
			d, err = pg.Provider.Decide(ctx, id, Fail)
		default:
			if r.FormValue("outcome") != "resend" {
				http.Error(w, "outcome must be succeed, fail or resend", http.StatusBadRequest)
				return
			}
			d, err = pg.Provider.Notification(ctx, id)
		}
		if err != nil {
			pg.fail(w, err)
			return
		}
		pay, err := pg.Provider.GetPayment(ctx, id)
		if err != nil {
			pg.fail(w, err)
			return
		}
		if err := pg.Deliverer.Deliver(ctx, d); err != nil {
			pg.logger().WarnContext(ctx, "sandbox notification not delivered", "payment", id, "event", d.Event, "err", err)
			pg.render(w, http.StatusBadGateway, pay, err.Error())
			return
		}
		returnURL, err := pg.Provider.ReturnURL(ctx, id)
		if err != nil {
			pg.fail(w, err)
			return
		}
		http.Redirect(w, r, returnURL, http.StatusSeeOther)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (pg *Page) fail(w http.ResponseWriter, err error) {
	switch {
	case errors.Is(err, payments.ErrNotFound):
		http.Error(w, "payment not found", http.StatusNotFound)
	case errors.Is(err, ErrNotPending):
		http.Error(w, "the payment is already decided", http.StatusConflict)
	default:
		pg.logger().Error("sandbox page", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
	}
}

func (pg *Page) logger() *slog.Logger {
	if pg.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return pg.Log
}

func (pg *Page) render(w http.ResponseWriter, status int, pay payments.Payment, deliveryErr string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = pageTemplate.Execute(w, map[string]any{
		"Payment": pay, "Amount": money.Format(pay.Amount.Value, pay.Amount.Currency),
		"Pending": pay.Status == payments.StatusPending, "DeliveryError": deliveryErr,
	})
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Тестовая оплата</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto;padding:0 1rem}
.amount{font-size:2rem;margin:.5rem 0}button{font-size:1rem;padding:.6rem 1.4rem;margin-right:.5rem;cursor:pointer}
.pay{background:#2e7d32;color:#fff;border:0}.fail{background:#c62828;color:#fff;border:0}.note{color:#666;font-size:.9rem}
.error{color:#c62828}</style></head>
<body>
<p class="note">Песочница: деньги не списываются. Sandbox: no money moves.</p>
<h1>Оплата</h1>
<p>{{.Payment.Description}}</p>
<p class="amount">{{.Amount}}</p>
<p>Статус: <strong id="status">{{.Payment.Status}}</strong></p>
{{if .DeliveryError}}<p class="error">Уведомление не доставлено: {{.DeliveryError}}</p>
<form method="post"><button name="outcome" value="resend">Отправить уведомление ещё раз</button></form>{{end}}
{{if .Pending}}<form method="post">
<button class="pay" name="outcome" value="succeed">Оплатить (Pay)</button>
<button class="fail" name="outcome" value="fail">Отказ (Fail)</button>
</form>{{end}}
</body></html>
`))
