// Package fcm sends push notifications through the Firebase Cloud Messaging
// HTTP v1 API: it signs in as a service account (an RS256 JWT exchanged at
// the account's token endpoint for an OAuth2 access token, kept until
// shortly before it expires) and POSTs each message to
// /v1/projects/{project}/messages:send.
package fcm

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// DefaultEndpoint is FCM's API; tests point a client elsewhere.
const DefaultEndpoint = "https://fcm.googleapis.com"

// scope is the OAuth2 scope that sending needs.
const scope = "https://www.googleapis.com/auth/firebase.messaging"

// ErrUnregistered means the device token is no longer valid (the app was
// uninstalled or the token rotated): forget it.
var ErrUnregistered = errors.New("fcm: the registration token is not registered")

// RetryableError is a failure worth retrying (429, 5xx, a network error);
// After is the server's Retry-After, when it sent one.
type RetryableError struct {
	Err   error
	After time.Duration
}

func (e *RetryableError) Error() string { return e.Err.Error() }
func (e *RetryableError) Unwrap() error { return e.Err }

// Credentials is the part of a Firebase service-account JSON key the
// client uses.
type Credentials struct {
	ProjectID    string `json:"project_id"`
	PrivateKeyID string `json:"private_key_id"`
	PrivateKey   string `json:"private_key"`
	ClientEmail  string `json:"client_email"`
	TokenURI     string `json:"token_uri"`
}

// LoadCredentials reads a service-account key file.
func LoadCredentials(path string) (Credentials, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Credentials{}, fmt.Errorf("fcm credentials: %w", err)
	}
	var c Credentials
	if err := json.Unmarshal(raw, &c); err != nil {
		return Credentials{}, fmt.Errorf("fcm credentials %s: %w", path, err)
	}
	if c.ProjectID == "" || c.ClientEmail == "" || c.PrivateKey == "" || c.TokenURI == "" {
		return Credentials{}, fmt.Errorf("fcm credentials %s: project_id, client_email, private_key and token_uri are required", path)
	}
	return c, nil
}

// Message is one push to one device.
type Message struct {
	Token string
	Title string
	Body  string
	Data  map[string]string // delivered to the app as is (FCM allows strings only)
}

// Client sends messages as one service account. It is safe for concurrent
// use.
type Client struct {
	creds    Credentials
	key      *rsa.PrivateKey
	endpoint string
	http     *http.Client
	now      func() time.Time

	mu      sync.Mutex
	token   string
	expires time.Time
}

// New returns a client for creds that talks to endpoint (DefaultEndpoint
// in production) through hc (nil: a client with a 30-second timeout).
func New(creds Credentials, endpoint string, hc *http.Client) (*Client, error) {
	key, err := jwt.ParseRSAPrivateKeyFromPEM([]byte(creds.PrivateKey))
	if err != nil {
		return nil, fmt.Errorf("fcm credentials: private_key: %w", err)
	}
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{creds: creds, key: key, endpoint: strings.TrimRight(endpoint, "/"), http: hc, now: time.Now}, nil
}

// Send delivers m. It returns ErrUnregistered for a dead token, a
// *RetryableError for a failure worth retrying, another error otherwise.
func (c *Client) Send(ctx context.Context, m Message) error {
	token, err := c.accessToken(ctx)
	if err != nil {
		return err
	}
	payload := map[string]any{"message": map[string]any{
		"token":        m.Token,
		"notification": map[string]string{"title": m.Title, "body": m.Body},
		"data":         m.Data,
	}}
	body, err := json.Marshal(payload)
	if err != nil {
		return err
	}
	u := c.endpoint + "/v1/projects/" + url.PathEscape(c.creds.ProjectID) + "/messages:send"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	res, err := c.http.Do(req)
	if err != nil {
		return &RetryableError{Err: fmt.Errorf("fcm: %w", err)}
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if res.StatusCode == http.StatusOK {
		return nil
	}
	if res.StatusCode == http.StatusUnauthorized {
		c.forgetToken() // revoked or expired early: the next attempt signs in again
	}
	return classify(res, raw)
}

// classify turns an FCM error answer into the errors Send documents.
func classify(res *http.Response, raw []byte) error {
	var e struct {
		Error struct {
			Status  string `json:"status"`
			Message string `json:"message"`
			Details []struct {
				ErrorCode string `json:"errorCode"`
			} `json:"details"`
		} `json:"error"`
	}
	_ = json.Unmarshal(raw, &e)
	code := e.Error.Status
	for _, d := range e.Error.Details {
		if d.ErrorCode != "" {
			code = d.ErrorCode
		}
	}
	err := fmt.Errorf("fcm: %d %s: %s", res.StatusCode, code, e.Error.Message)
	switch {
	case code == "UNREGISTERED" || res.StatusCode == http.StatusNotFound:
		return fmt.Errorf("%w (%v)", ErrUnregistered, err)
	case res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500 || res.StatusCode == http.StatusUnauthorized:
		re := &RetryableError{Err: err}
		if s, convErr := strconv.Atoi(res.Header.Get("Retry-After")); convErr == nil && s > 0 {
			re.After = time.Duration(s) * time.Second
		}
		return re
	}
	return err
}

// accessToken returns a live OAuth2 access token, signing in when the one
// in hand expires within a minute.
func (c *Client) accessToken(ctx context.Context) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.token != "" && c.now().Before(c.expires.Add(-time.Minute)) {
		return c.token, nil
	}
	now := c.now()
	assertion := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iss": c.creds.ClientEmail, "scope": scope, "aud": c.creds.TokenURI,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
	})
	assertion.Header["kid"] = c.creds.PrivateKeyID
	signed, err := assertion.SignedString(c.key)
	if err != nil {
		return "", fmt.Errorf("fcm: sign token request: %w", err)
	}
	form := url.Values{"grant_type": {"urn:ietf:params:oauth:grant-type:jwt-bearer"}, "assertion": {signed}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.creds.TokenURI, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := c.http.Do(req)
	if err != nil {
		return "", &RetryableError{Err: fmt.Errorf("fcm: token endpoint: %w", err)}
	}
	defer res.Body.Close()
	var tok struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	raw, _ := io.ReadAll(io.LimitReader(res.Body, 64<<10))
	if res.StatusCode != http.StatusOK {
		err := fmt.Errorf("fcm: token endpoint: %d %s", res.StatusCode, bytes.TrimSpace(raw))
		if res.StatusCode == http.StatusTooManyRequests || res.StatusCode >= 500 {
			return "", &RetryableError{Err: err}
		}
		return "", err
	}
	if err := json.Unmarshal(raw, &tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("fcm: token endpoint: unexpected answer %q", raw)
	}
	c.token, c.expires = tok.AccessToken, now.Add(time.Duration(tok.ExpiresIn)*time.Second)
	return c.token, nil
}

func (c *Client) forgetToken() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.token = ""
}
