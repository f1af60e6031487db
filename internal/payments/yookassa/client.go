// Package yookassa is a payments.Provider for ЮKassa's REST API v3
// (https://api.yookassa.ru/v3): payments confirmed by redirect, captured at
// once, refunds, and 54-ФЗ receipts.
//
// Every POST carries an Idempotence-Key; a request that fails with a
// retryable error (HTTP 500, 429, a network failure) or is answered 202
// "processing" is repeated with the same key, so ЮKassa performs it once.
package yookassa

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/kabinet-edu/kabinet/internal/payments"
)

// DefaultBaseURL is ЮKassa's API.
const DefaultBaseURL = "https://api.yookassa.ru/v3"

// Config configures a Client.
type Config struct {
	ShopID    string
	SecretKey string
	// BaseURL defaults to DefaultBaseURL (tests point it at httptest).
	BaseURL string
	// HTTPClient defaults to one with a 30-second timeout.
	HTTPClient *http.Client
	// MaxAttempts bounds tries of one request (default 4).
	MaxAttempts int
	// Backoff is the wait before attempt n+1 when the server names none
	// (default 200ms·2ⁿ⁻¹, at most 5 s).
	Backoff func(n int) time.Duration
	// ReceiptRequired refuses, before sending, payments and refunds without
	// a receipt (shops that register receipts through ЮKassa).
	ReceiptRequired bool
}

// Client talks to ЮKassa.
type Client struct {
	cfg Config
}

var _ payments.Provider = (*Client)(nil)

// New returns a client.
func New(cfg Config) *Client {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 4
	}
	if cfg.Backoff == nil {
		cfg.Backoff = func(n int) time.Duration { return min(200*time.Millisecond<<(n-1), 5*time.Second) }
	}
	return &Client{cfg: cfg}
}

// Name is "yookassa".
func (c *Client) Name() string { return "yookassa" }

// CreatePayment creates a one-stage payment (capture: true) confirmed by
// redirect; the payer goes to Payment.ConfirmationURL.
func (c *Client) CreatePayment(ctx context.Context, req payments.CreatePayment) (payments.Payment, error) {
	if err := c.checkReceipt(req.Receipt, req.Amount); err != nil {
		return payments.Payment{}, err
	}
	if req.IdempotenceKey == "" {
		return payments.Payment{}, errors.New("yookassa: an idempotence key is required")
	}
	body := createPaymentJSON{
		Amount: EncodeAmount(req.Amount), Capture: true,
		Confirmation: ConfirmationJSON{Type: "redirect", ReturnURL: req.ReturnURL},
		Description:  req.Description, Metadata: req.Metadata, Receipt: encodeReceipt(req.Receipt),
	}
	var out PaymentJSON
	if err := c.do(ctx, http.MethodPost, "/payments", req.IdempotenceKey, body, &out); err != nil {
		return payments.Payment{}, err
	}
	return decodePayment(out)
}

// GetPayment fetches a payment.
func (c *Client) GetPayment(ctx context.Context, id string) (payments.Payment, error) {
	var out PaymentJSON
	if err := c.do(ctx, http.MethodGet, "/payments/"+url.PathEscape(id), "", nil, &out); err != nil {
		return payments.Payment{}, err
	}
	return decodePayment(out)
}

// CreateRefund refunds a succeeded payment, fully or in part.
func (c *Client) CreateRefund(ctx context.Context, req payments.CreateRefund) (payments.Refund, error) {
	if err := c.checkReceipt(req.Receipt, req.Amount); err != nil {
		return payments.Refund{}, err
	}
	if req.IdempotenceKey == "" {
		return payments.Refund{}, errors.New("yookassa: an idempotence key is required")
	}
	body := createRefundJSON{PaymentID: req.PaymentID, Amount: EncodeAmount(req.Amount), Description: req.Description, Receipt: encodeReceipt(req.Receipt)}
	var out RefundJSON
	if err := c.do(ctx, http.MethodPost, "/refunds", req.IdempotenceKey, body, &out); err != nil {
		return payments.Refund{}, err
	}
	return decodeRefund(out)
}

// GetRefund fetches a refund.
func (c *Client) GetRefund(ctx context.Context, id string) (payments.Refund, error) {
	var out RefundJSON
	if err := c.do(ctx, http.MethodGet, "/refunds/"+url.PathEscape(id), "", nil, &out); err != nil {
		return payments.Refund{}, err
	}
	return decodeRefund(out)
}

func (c *Client) checkReceipt(r *payments.Receipt, total payments.Amount) error {
	if r == nil {
		if c.cfg.ReceiptRequired {
			return fmt.Errorf("%w: the shop requires a receipt", payments.ErrInvalidReceipt)
		}
		return nil
	}
	return r.Validate(total)
}

// do sends one request, repeating it (with the same idempotence key) while
// the answer is retryable and attempts are left.
func (c *Client) do(ctx context.Context, method, path, key string, in, out any) error {
	var body []byte
	if in != nil {
		var err error
		if body, err = json.Marshal(in); err != nil {
			return err
		}
	}
	var last error
	for attempt := 1; ; attempt++ {
		wait, err := c.once(ctx, method, path, key, body, out)
		if err == nil {
			return nil
		}
		last = err
		if wait < 0 || attempt >= c.cfg.MaxAttempts {
			return last
		}
		if wait == 0 {
			wait = c.cfg.Backoff(attempt)
		}
		select {
		case <-ctx.Done():
			return errors.Join(last, ctx.Err())
		case <-time.After(wait):
		}
	}
}

// once makes one attempt. wait < 0: do not retry; 0: retry after the
// backoff; > 0: retry after that long (the server said so).
func (c *Client) once(ctx context.Context, method, path, key string, body []byte, out any) (wait time.Duration, err error) {
	req, err := http.NewRequestWithContext(ctx, method, c.cfg.BaseURL+path, bytes.NewReader(body))
	if err != nil {
		return -1, err
	}
	req.SetBasicAuth(c.cfg.ShopID, c.cfg.SecretKey)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if key != "" {
		req.Header.Set("Idempotence-Key", key)
	}
	res, err := c.cfg.HTTPClient.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return -1, err
		}
		return 0, &payments.Error{Provider: "yookassa", Code: "network_error", Description: err.Error(), Retryable: true}
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 4<<20))
	if err != nil {
		return 0, &payments.Error{Provider: "yookassa", HTTPStatus: res.StatusCode, Code: "network_error", Description: err.Error(), Retryable: true}
	}
	switch {
	case res.StatusCode == http.StatusOK:
		if err := json.Unmarshal(data, out); err != nil {
			return -1, fmt.Errorf("yookassa: decode %s %s: %w", method, path, err)
		}
		return 0, nil
	case res.StatusCode == http.StatusAccepted:
		// "The request is being processed": repeat it after retry_after ms.
		var p ErrorJSON
		_ = json.Unmarshal(data, &p)
		e := &payments.Error{Provider: "yookassa", HTTPStatus: res.StatusCode, Code: "processing", Retryable: true}
		return max(time.Duration(p.RetryAfter)*time.Millisecond, 0), e
	}
	var p ErrorJSON
	if json.Unmarshal(data, &p) != nil || p.Code == "" {
		p = ErrorJSON{Code: codeFor(res.StatusCode), Description: strings.TrimSpace(string(data))}
	}
	e := &payments.Error{
		Provider: "yookassa", HTTPStatus: res.StatusCode, Code: p.Code, Description: p.Description,
		Parameter: p.Parameter, ID: p.ID,
		Retryable: res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500,
	}
	if !e.Retryable {
		return -1, e
	}
	if s, err := strconv.Atoi(res.Header.Get("Retry-After")); err == nil && s > 0 {
		return time.Duration(s) * time.Second, e
	}
	return 0, e
}

func codeFor(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "invalid_request"
	case http.StatusUnauthorized:
		return "invalid_credentials"
	case http.StatusForbidden:
		return "forbidden"
	case http.StatusNotFound:
		return "not_found"
	case http.StatusTooManyRequests:
		return "too_many_requests"
	}
	return "internal_server_error"
}
