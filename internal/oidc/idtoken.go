package oidc

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// ErrInvalidIDToken means the ID token failed verification: signature,
// issuer, audience, expiry, issue time or nonce. The wrapped text says which.
var ErrInvalidIDToken = errors.New("invalid ID token")

// clockSkew is the leeway allowed between the provider's clock and ours.
const clockSkew = time.Minute

// signingAlgs are the algorithms accepted for ID tokens; "none" and HMAC
// (which would make the client secret a signing key) are refused.
var signingAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}

// Claims are the ID-token (and userinfo) claims Kabinet uses.
type Claims struct {
	jwt.RegisteredClaims
	Nonce               string   `json:"nonce,omitempty"`
	AuthorizedParty     string   `json:"azp,omitempty"`
	Email               string   `json:"email,omitempty"`
	EmailVerified       flexBool `json:"email_verified,omitempty"`
	PhoneNumber         string   `json:"phone_number,omitempty"`
	PhoneNumberVerified flexBool `json:"phone_number_verified,omitempty"`
	GivenName           string   `json:"given_name,omitempty"`
	FamilyName          string   `json:"family_name,omitempty"`
	Name                string   `json:"name,omitempty"`
	Locale              string   `json:"locale,omitempty"`
}

// flexBool accepts true/false and the strings "true"/"false", which some
// providers send for the *_verified claims.
type flexBool bool

func (b *flexBool) UnmarshalJSON(data []byte) error {
	s := string(data)
	if uq, err := strconv.Unquote(s); err == nil {
		s = uq
	}
	v, err := strconv.ParseBool(s)
	if err != nil {
		return fmt.Errorf("not a boolean: %s", data)
	}
	*b = flexBool(v)
	return nil
}

// VerifyIDToken checks raw as an ID token of this provider for our client
// (OpenID Connect Core, section 3.1.3.7) and that it answers the
// authorization request that carried nonce.
func (p *Provider) VerifyIDToken(ctx context.Context, raw, nonce string) (*Claims, error) {
	parser := jwt.NewParser(
		jwt.WithValidMethods(signingAlgs),
		jwt.WithIssuer(p.cfg.Issuer),
		jwt.WithAudience(p.cfg.ClientID),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithLeeway(clockSkew),
		jwt.WithTimeFunc(func() time.Time { return p.now() }),
	)
	var c Claims
	_, err := parser.ParseWithClaims(raw, &c, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		return p.key(ctx, kid, t.Method)
	})
	if err != nil {
		if errors.Is(err, ErrProvider) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", ErrInvalidIDToken, err)
	}
	switch {
	case c.IssuedAt == nil:
		return nil, fmt.Errorf("%w: no iat", ErrInvalidIDToken)
	case c.Subject == "" || len(c.Subject) > 255:
		return nil, fmt.Errorf("%w: sub is empty or longer than 255", ErrInvalidIDToken)
	case len(c.Audience) > 1 && c.AuthorizedParty != p.cfg.ClientID:
		// Core 3.1.3.7, items 4–5: with several audiences azp names us.
		return nil, fmt.Errorf("%w: several audiences and azp %q", ErrInvalidIDToken, c.AuthorizedParty)
	case c.AuthorizedParty != "" && c.AuthorizedParty != p.cfg.ClientID:
		return nil, fmt.Errorf("%w: azp %q", ErrInvalidIDToken, c.AuthorizedParty)
	case subtle.ConstantTimeCompare([]byte(c.Nonce), []byte(nonce)) != 1:
		return nil, fmt.Errorf("%w: nonce does not match the authorization request", ErrInvalidIDToken)
	}
	return &c, nil
}
