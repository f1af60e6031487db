// Package captcha verifies "I am not a robot" tokens with a siteverify
// endpoint of the kind Cloudflare Turnstile, hCaptcha and Google reCAPTCHA
// share: POST secret, response and remoteip as a form; the answer is JSON
// {"success": bool, "error-codes": [...]}.
package captcha

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Errors of Verify.
var (
	// ErrRejected means the token is not valid (wrong, expired or used):
	// the user should solve the challenge again.
	ErrRejected = errors.New("captcha rejected")
	// ErrUnavailable means the token could not be checked: the provider is
	// unreachable, answered nonsense, or refused our secret.
	ErrUnavailable = errors.New("captcha verification unavailable")
)

// Error codes with which providers blame the site, not the user: a wrong or
// missing secret, or their own failure.
var providerFaults = []string{"missing-input-secret", "invalid-input-secret", "internal-error", "sitekey-secret-mismatch", "invalid-keys"}

// Verifier checks tokens against one siteverify endpoint.
type Verifier struct {
	url    string
	secret string
	http   *http.Client
}

// New returns a Verifier for the siteverify URL with the site's secret.
// A nil client means one with a 5-second timeout.
func New(verifyURL, secret string, client *http.Client) *Verifier {
	if client == nil {
		client = &http.Client{Timeout: 5 * time.Second}
	}
	return &Verifier{url: verifyURL, secret: secret, http: client}
}

type answer struct {
	Success    bool     `json:"success"`
	ErrorCodes []string `json:"error-codes"`
}

// Verify checks token, solved by a user at remoteIP (may be empty). It
// returns nil, or an error wrapping ErrRejected or ErrUnavailable.
func (v *Verifier) Verify(ctx context.Context, token, remoteIP string) error {
	form := url.Values{"secret": {v.secret}, "response": {token}}
	if remoteIP != "" {
		form.Set("remoteip", remoteIP)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, v.url, strings.NewReader(form.Encode()))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	res, err := v.http.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrUnavailable, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: siteverify answered %s", ErrUnavailable, res.Status)
	}
	var a answer
	if err := json.NewDecoder(io.LimitReader(res.Body, 64<<10)).Decode(&a); err != nil {
		return fmt.Errorf("%w: siteverify answer is not JSON: %v", ErrUnavailable, err)
	}
	if a.Success {
		return nil
	}
	for _, c := range a.ErrorCodes {
		if slices.Contains(providerFaults, c) {
			return fmt.Errorf("%w: siteverify error %s", ErrUnavailable, strings.Join(a.ErrorCodes, ","))
		}
	}
	return fmt.Errorf("%w: %s", ErrRejected, strings.Join(a.ErrorCodes, ","))
}
