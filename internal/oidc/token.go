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

	"github.com/kabinet-edu/kabinet/internal/config"
)

// ErrCodeRejected means the token endpoint refused the authorization code
// (OAuth "invalid_grant": expired, already used, issued for another
// redirect URI, or the PKCE verifier does not match). The user starts again.
var ErrCodeRejected = errors.New("authorization code rejected")

// Tokens is the token endpoint's answer.
type Tokens struct {
	IDToken     string `json:"id_token"`
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
}

// oauthError is an OAuth 2.0 error answer (RFC 6749, section 5.2).
type oauthError struct {
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

// Exchange trades an authorization code for tokens at the token endpoint,
// proving the request with the PKCE verifier and the client credentials.
func (p *Provider) Exchange(ctx context.Context, code, verifier, redirectURI string) (Tokens, error) {
	m, err := p.Metadata(ctx)
	if err != nil {
		return Tokens{}, err
	}
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {redirectURI},
		"code_verifier": {verifier},
	}
	switch p.cfg.TokenAuthMethod {
	case config.TokenAuthPost:
		form.Set("client_id", p.cfg.ClientID)
		form.Set("client_secret", p.cfg.ClientSecret)
	case config.TokenAuthNone:
		form.Set("client_id", p.cfg.ClientID)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, m.TokenEndpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return Tokens{}, fmt.Errorf("%w: %v", ErrProvider, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if p.cfg.TokenAuthMethod == config.TokenAuthBasic {
		// RFC 6749, section 2.3.1: both parts form-encoded first.
		req.SetBasicAuth(url.QueryEscape(p.cfg.ClientID), url.QueryEscape(p.cfg.ClientSecret))
	}
	res, err := p.client.Do(req)
	if err != nil {
		return Tokens{}, fmt.Errorf("%w: token request: %v", ErrProvider, err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(io.LimitReader(res.Body, maxResponse))
	if err != nil {
		return Tokens{}, fmt.Errorf("%w: token request: %v", ErrProvider, err)
	}
	if res.StatusCode != http.StatusOK {
		var oe oauthError
		if res.StatusCode == http.StatusBadRequest && json.Unmarshal(body, &oe) == nil && oe.Code == "invalid_grant" {
			return Tokens{}, fmt.Errorf("%w: %s", ErrCodeRejected, oe.Description)
		}
		return Tokens{}, fmt.Errorf("%w: token endpoint answered %d %s %s", ErrProvider, res.StatusCode, oe.Code, oe.Description)
	}
	var t Tokens
	if err := json.Unmarshal(body, &t); err != nil {
		return Tokens{}, fmt.Errorf("%w: token response: %v", ErrProvider, err)
	}
	if t.IDToken == "" {
		return Tokens{}, fmt.Errorf("%w: token response has no id_token (is openid among the scopes?)", ErrProvider)
	}
	return t, nil
}

// UserInfo fetches the claims of the access token's owner from the userinfo
// endpoint, for providers that put e-mail and names there rather than in
// the ID token. It returns nil without error when the provider has none.
func (p *Provider) UserInfo(ctx context.Context, accessToken string) (*Claims, error) {
	m, err := p.Metadata(ctx)
	if err != nil {
		return nil, err
	}
	if m.UserinfoEndpoint == "" || accessToken == "" {
		return nil, nil
	}
	var c Claims
	if err := p.getJSON(ctx, m.UserinfoEndpoint, accessToken, &c); err != nil {
		return nil, err
	}
	return &c, nil
}
