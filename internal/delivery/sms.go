package delivery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/config"
)

// SMSSender delivers text messages through SMS.ru's HTTP API
// (https://sms.ru/api/send): POST {gateway}/sms/send with the form fields
// api_id, to (digits of the E.164 number, no "+"), msg, from (optional) and
// json=1. The answer is always HTTP 200 with JSON:
//
//	{"status": "OK", "status_code": 100,
//	 "sms": {"79211234567": {"status": "OK", "status_code": 100, "sms_id": "000000-10000000"}},
//	 "balance": 4122.56}
//
// or, when the whole request is refused, {"status": "ERROR", "status_code":
// 200, "status_text": "Неправильный api_id"}. The form is POSTed rather than
// put in the query string so the key never appears in proxy or access logs.
type SMSSender struct {
	cfg  config.SMS
	http *http.Client
}

// NewSMSSender returns a sender for the gateway in cfg, using client (nil:
// a default client; the worker's send timeout bounds every call).
func NewSMSSender(cfg config.SMS, client *http.Client) *SMSSender {
	if client == nil {
		client = &http.Client{}
	}
	return &SMSSender{cfg: cfg, http: client}
}

// smsRuAnswer is the JSON answer of /sms/send; the per-number entries have
// the same status fields.
type smsRuAnswer struct {
	Status     string                 `json:"status"`
	StatusCode int                    `json:"status_code"`
	StatusText string                 `json:"status_text"`
	SMS        map[string]smsRuAnswer `json:"sms"`
	SMSID      string                 `json:"sms_id"`
}

// permanentSMSCodes are SMS.ru's refusals of the message itself, which no
// retry fixes: 202 bad number or no route, 203 no text, 205 text too long,
// 207 no route to the number, 209 the number is in our stop list, 215 the
// number is in SMS.ru's stop list. The others — 200/300/301 (key), 201
// (balance), 206 and 230–233 (limits), 220 and 500 (gateway unavailable) —
// may pass, so they are retried.
var permanentSMSCodes = map[int]bool{202: true, 203: true, 205: true, 207: true, 209: true, 215: true}

// Send posts m to the gateway and reports whether it accepted the message.
func (s *SMSSender) Send(ctx context.Context, m db.Outbox) error {
	to := strings.TrimPrefix(m.Recipient, "+")
	form := url.Values{"api_id": {s.cfg.APIKey}, "to": {to}, "msg": {m.BodyText}, "json": {"1"}}
	if s.cfg.Sender != "" {
		form.Set("from", s.cfg.Sender)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(s.cfg.GatewayURL, "/")+"/sms/send",
		strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("sms: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	res, err := s.http.Do(req)
	if err != nil {
		return fmt.Errorf("sms: gateway unreachable: %w", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if err != nil {
		return fmt.Errorf("sms: reading the answer: %w", err)
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("sms: gateway answered HTTP %d: %.200s", res.StatusCode, body)
	}
	var a smsRuAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		return fmt.Errorf("sms: gateway answer is not JSON: %.200s", body)
	}
	if a.Status != "OK" {
		return smsRefusal("request", a)
	}
	one, ok := a.SMS[to]
	if !ok {
		return errors.New("sms: the gateway's answer has no entry for the number")
	}
	if one.Status != "OK" {
		return smsRefusal("message", one)
	}
	return nil
}

func smsRefusal(what string, a smsRuAnswer) error {
	err := fmt.Errorf("sms: gateway refused the %s: %d %s", what, a.StatusCode, a.StatusText)
	if permanentSMSCodes[a.StatusCode] {
		return Permanent(err)
	}
	return err
}
