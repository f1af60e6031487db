package credential

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/kabinet-edu/kabinet/internal/auth"
)

// Verification errors. Every failure wraps ErrInvalid; the more specific
// ones say why.
var (
	ErrInvalid    = errors.New("credential: invalid")
	ErrUnknownKey = fmt.Errorf("%w: signed by an unknown key", ErrInvalid)
	ErrNotValidAt = fmt.Errorf("%w: not valid at this time", ErrInvalid)
)

// Signer signs credentials with the deployment's credential key.
type Signer struct {
	key ed25519.PrivateKey
	kid string
}

// NewSigner returns a Signer for key; its kid is the key's RFC 7638
// thumbprint, as in the JWKS.
func NewSigner(key ed25519.PrivateKey) *Signer {
	return &Signer{key: key, kid: auth.Thumbprint(key.Public().(ed25519.PublicKey))}
}

// KeyID is the "kid" of the credentials this signer signs.
func (s *Signer) KeyID() string { return s.kid }

// PublicKey is the key that verifies this signer's credentials.
func (s *Signer) PublicKey() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// JWK is the public key for the JWKS.
func (s *Signer) JWK() JWK { return PublicJWK(s.key.Public().(ed25519.PublicKey)) }

// Sign secures the credential as a VC-JWT (OB 3.0 §8.2): the header has
// alg EdDSA, typ JWT, the kid and the public key as jwk; the payload is
// the credential with the registered claims iss (issuer id), jti
// (credential id), sub (subject id, when set), nbf (validFrom) and exp
// (validUntil, when set).
func (s *Signer) Sign(c Credential) (string, error) {
	claims, err := toClaims(c)
	if err != nil {
		return "", err
	}
	claims["iss"] = c.Issuer.ID
	claims["jti"] = c.ID
	claims["nbf"] = c.ValidFrom.Unix()
	if c.CredentialSubject.ID != "" {
		claims["sub"] = c.CredentialSubject.ID
	}
	if c.ValidUntil != nil {
		claims["exp"] = c.ValidUntil.Unix()
	}
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	t.Header["kid"] = s.kid
	t.Header["jwk"] = s.JWK()
	return t.SignedString(s.key)
}

// SignStatusList secures a status list credential (see StatusList) the same
// way.
func (s *Signer) SignStatusList(c StatusListCredential) (string, error) {
	claims, err := toClaims(c)
	if err != nil {
		return "", err
	}
	claims["iss"] = c.Issuer
	claims["jti"] = c.ID
	claims["nbf"] = c.ValidFrom.Unix()
	t := jwt.NewWithClaims(jwt.SigningMethodEdDSA, claims)
	t.Header["kid"] = s.kid
	return t.SignedString(s.key)
}

func toClaims(v any) (jwt.MapClaims, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var claims jwt.MapClaims
	return claims, json.Unmarshal(raw, &claims)
}

// JWK is an Ed25519 public key in a JWK Set.
type JWK struct {
	Kty string `json:"kty"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Kid string `json:"kid,omitempty"`
	Use string `json:"use,omitempty"`
	Alg string `json:"alg,omitempty"`
}

// PublicJWK is the JWK of an Ed25519 public key, kid its thumbprint.
func PublicJWK(pub ed25519.PublicKey) JWK {
	return JWK{Kty: "OKP", Crv: "Ed25519", X: base64.RawURLEncoding.EncodeToString(pub), Kid: auth.Thumbprint(pub), Use: "sig", Alg: "EdDSA"}
}

// KeySet holds the keys that verify credentials, by kid.
type KeySet map[string]ed25519.PublicKey

// ParseJWKS reads a JWK Set document ({"keys": [...]}) and keeps its
// Ed25519 signature keys; others (encryption keys, other curves) are
// skipped. A key whose kid is not its thumbprint is refused, so a kid
// cannot be made to name another key.
func ParseJWKS(data []byte) (KeySet, error) {
	var doc struct {
		Keys []JWK `json:"keys"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("credential: JWKS: %w", err)
	}
	ks := KeySet{}
	for _, k := range doc.Keys {
		if k.Kty != "OKP" || k.Crv != "Ed25519" || (k.Use != "" && k.Use != "sig") {
			continue
		}
		x, err := base64.RawURLEncoding.DecodeString(k.X)
		if err != nil || len(x) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("credential: JWKS: key %q is not an Ed25519 public key", k.Kid)
		}
		pub := ed25519.PublicKey(x)
		if k.Kid != "" && k.Kid != auth.Thumbprint(pub) {
			return nil, fmt.Errorf("credential: JWKS: kid %q is not the key's thumbprint", k.Kid)
		}
		ks[auth.Thumbprint(pub)] = pub
	}
	if len(ks) == 0 {
		return nil, errors.New("credential: JWKS holds no Ed25519 signature key")
	}
	return ks, nil
}

// Verify checks a VC-JWT offline against keys at time now: the signature
// (EdDSA only, by kid), nbf/exp, and that the registered claims agree with
// the credential (iss = issuer.id, jti = id, sub = credentialSubject.id),
// and returns the credential. It does not check revocation: read the
// status list of c.CredentialStatus for that (Revoked).
func Verify(token string, keys KeySet, now time.Time) (Credential, error) {
	var claims jwt.MapClaims
	p := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodEdDSA.Alg()}),
		jwt.WithLeeway(time.Minute),
		jwt.WithTimeFunc(func() time.Time { return now }),
	)
	_, err := p.ParseWithClaims(token, &claims, func(t *jwt.Token) (any, error) {
		kid, _ := t.Header["kid"].(string)
		key, ok := keys[kid]
		if !ok {
			return nil, ErrUnknownKey
		}
		return key, nil
	})
	switch {
	case errors.Is(err, ErrUnknownKey):
		return Credential{}, ErrUnknownKey
	case errors.Is(err, jwt.ErrTokenExpired), errors.Is(err, jwt.ErrTokenNotValidYet):
		return Credential{}, ErrNotValidAt
	case err != nil:
		return Credential{}, fmt.Errorf("%w: %v", ErrInvalid, err)
	}
	raw, _ := json.Marshal(claims)
	var c Credential
	if err := json.Unmarshal(raw, &c); err != nil {
		return Credential{}, fmt.Errorf("%w: payload: %v", ErrInvalid, err)
	}
	iss, _ := claims["iss"].(string)
	jti, _ := claims["jti"].(string)
	sub, _ := claims["sub"].(string)
	switch {
	case !slices.Contains(c.Type, "OpenBadgeCredential") || !slices.Contains(c.Context, ContextVC):
		return Credential{}, fmt.Errorf("%w: not an OpenBadgeCredential", ErrInvalid)
	case iss != c.Issuer.ID || jti != c.ID || sub != c.CredentialSubject.ID:
		return Credential{}, fmt.Errorf("%w: the JWT claims disagree with the credential", ErrInvalid)
	case now.Add(time.Minute).Before(c.ValidFrom) || (c.ValidUntil != nil && now.After(c.ValidUntil.Add(time.Minute))):
		return Credential{}, ErrNotValidAt
	}
	return c, nil
}
