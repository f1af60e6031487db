// Package oidc is a relying party of OpenID Connect providers: discovery,
// the authorization-code flow with PKCE, the token request and ID-token
// verification against the provider's published keys.
//
// It keeps no per-sign-in state: the caller stores state, nonce and PKCE
// verifier (Kabinet keeps them in PostgreSQL so any instance can finish a
// sign-in). What it caches per process — the discovery document and the key
// set — is public and refetched when stale.
package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/kabinet-edu/kabinet/internal/config"
)

const (
	// metadataTTL bounds how long discovery documents and key sets are
	// trusted, so a key the provider withdraws stops working within it.
	metadataTTL = time.Hour
	// maxResponse bounds what we read from a provider.
	maxResponse = 1 << 20
	httpTimeout = 10 * time.Second
)

// ErrProvider means the provider could not be used: unreachable, an error
// status, a malformed answer, or a refusal that says our configuration is
// wrong (invalid_client). Kabinet answers 502.
var ErrProvider = errors.New("identity provider error")

// Metadata is the part of the discovery document we use (OpenID Connect
// Discovery 1.0, section 3).
type Metadata struct {
	Issuer                string `json:"issuer"`
	AuthorizationEndpoint string `json:"authorization_endpoint"`
	TokenEndpoint         string `json:"token_endpoint"`
	UserinfoEndpoint      string `json:"userinfo_endpoint"`
	JWKSURI               string `json:"jwks_uri"`
}

// Provider is one configured OpenID Connect provider. It is safe for
// concurrent use.
type Provider struct {
	cfg    config.SSOProvider
	client *http.Client
	now    func() time.Time

	mu       sync.Mutex
	meta     *Metadata
	metaAt   time.Time
	keys     map[string]any // kid → *rsa.PublicKey or *ecdsa.PublicKey
	keysList []any          // every key, for tokens without a kid
	keysAt   time.Time
}

// NewProvider returns a Provider for cfg; client nil means a client with a
// 10-second timeout.
func NewProvider(cfg config.SSOProvider, client *http.Client) *Provider {
	if client == nil {
		client = &http.Client{Timeout: httpTimeout}
	}
	return &Provider{cfg: cfg, client: client, now: time.Now}
}

// Name is the configured name; DisplayName the label for the SPA.
func (p *Provider) Name() string        { return p.cfg.Name }
func (p *Provider) DisplayName() string { return p.cfg.DisplayName }

// Issuer is the configured issuer, which the discovery document and every
// ID token must repeat exactly.
func (p *Provider) Issuer() string { return p.cfg.Issuer }

// Metadata returns the discovery document, fetching it when not cached or
// stale. A failed fetch is not cached: the next call tries again.
func (p *Provider) Metadata(ctx context.Context) (Metadata, error) {
	p.mu.Lock()
	if p.meta != nil && p.now().Sub(p.metaAt) < metadataTTL {
		m := *p.meta
		p.mu.Unlock()
		return m, nil
	}
	p.mu.Unlock()

	var m Metadata
	if err := p.getJSON(ctx, strings.TrimRight(p.cfg.Issuer, "/")+"/.well-known/openid-configuration", "", &m); err != nil {
		return Metadata{}, err
	}
	// Discovery, section 4.3: the document must name the issuer we asked.
	if m.Issuer != p.cfg.Issuer {
		return Metadata{}, fmt.Errorf("%w: discovery names issuer %q, configured %q", ErrProvider, m.Issuer, p.cfg.Issuer)
	}
	for name, v := range map[string]string{"authorization_endpoint": m.AuthorizationEndpoint, "token_endpoint": m.TokenEndpoint, "jwks_uri": m.JWKSURI} {
		if u, err := url.Parse(v); err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return Metadata{}, fmt.Errorf("%w: discovery has no usable %s", ErrProvider, name)
		}
	}
	p.mu.Lock()
	p.meta, p.metaAt = &m, p.now()
	p.mu.Unlock()
	return m, nil
}

// AuthRequest is what one authorization request carries besides the
// configuration.
type AuthRequest struct {
	State         string
	Nonce         string
	CodeChallenge string // S256 of the PKCE verifier
	RedirectURI   string
}

// AuthorizationURL is where the browser goes to sign in at the provider.
func (p *Provider) AuthorizationURL(ctx context.Context, r AuthRequest) (string, error) {
	m, err := p.Metadata(ctx)
	if err != nil {
		return "", err
	}
	u, err := url.Parse(m.AuthorizationEndpoint)
	if err != nil {
		return "", fmt.Errorf("%w: authorization endpoint: %v", ErrProvider, err)
	}
	q := u.Query() // keep parameters the provider put in its endpoint
	q.Set("response_type", "code")
	q.Set("client_id", p.cfg.ClientID)
	q.Set("redirect_uri", r.RedirectURI)
	q.Set("scope", strings.Join(p.cfg.Scopes, " "))
	q.Set("state", r.State)
	q.Set("nonce", r.Nonce)
	q.Set("code_challenge", r.CodeChallenge)
	q.Set("code_challenge_method", "S256")
	u.RawQuery = q.Encode()
	return u.String(), nil
}

// getJSON fetches url (with a bearer token when given) and decodes a 200
// JSON answer into v; anything else is ErrProvider.
func (p *Provider) getJSON(ctx context.Context, url, bearer string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrProvider, err)
	}
	req.Header.Set("Accept", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	res, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("%w: GET %s: %v", ErrProvider, url, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxResponse))
	if err != nil {
		return fmt.Errorf("%w: GET %s: %v", ErrProvider, url, err)
	}
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: GET %s: status %d", ErrProvider, url, res.StatusCode)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: GET %s: %v", ErrProvider, url, err)
	}
	return nil
}
