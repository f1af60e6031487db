package oidc

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"

	"github.com/golang-jwt/jwt/v5"
)

// jwk is one key of a JSON Web Key Set (RFC 7517), RSA or EC.
type jwk struct {
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Use string `json:"use"`
	N   string `json:"n"`
	E   string `json:"e"`
	Crv string `json:"crv"`
	X   string `json:"x"`
	Y   string `json:"y"`
}

// key finds the public key that verifies a token signed with method under
// kid. An unknown kid means the provider rotated its keys: the key set is
// fetched again once. (Tokens reach us only from the token endpoint, over
// our own connection, so nobody can make us refetch at will.)
func (p *Provider) key(ctx context.Context, kid string, method jwt.SigningMethod) (any, error) {
	p.mu.Lock()
	fresh := p.keysAt.IsZero() || p.now().Sub(p.keysAt) >= metadataTTL
	p.mu.Unlock()
	for attempt := 0; attempt < 2; attempt++ {
		if fresh || attempt == 1 {
			if err := p.fetchKeys(ctx); err != nil {
				return nil, err
			}
		}
		if k := p.lookup(kid, method); k != nil {
			return k, nil
		}
		if fresh {
			break // just fetched: another fetch would say the same
		}
	}
	return nil, fmt.Errorf("no %s key with kid %q in the provider's key set", method.Alg(), kid)
}

// lookup returns the key named kid, or — for a token without a kid — the
// only key of the method's type.
func (p *Provider) lookup(kid string, method jwt.SigningMethod) any {
	p.mu.Lock()
	defer p.mu.Unlock()
	if kid != "" {
		return p.keys[kid]
	}
	var found any
	for _, k := range p.keysList {
		if fits(k, method) {
			if found != nil {
				return nil // ambiguous
			}
			found = k
		}
	}
	return found
}

func fits(key any, method jwt.SigningMethod) bool {
	switch key.(type) {
	case *rsa.PublicKey:
		_, rsaMethod := method.(*jwt.SigningMethodRSA)
		_, pssMethod := method.(*jwt.SigningMethodRSAPSS)
		return rsaMethod || pssMethod
	case *ecdsa.PublicKey:
		_, ok := method.(*jwt.SigningMethodECDSA)
		return ok
	}
	return false
}

func (p *Provider) fetchKeys(ctx context.Context) error {
	m, err := p.Metadata(ctx)
	if err != nil {
		return err
	}
	var set struct {
		Keys []jwk `json:"keys"`
	}
	if err := p.getJSON(ctx, m.JWKSURI, "", &set); err != nil {
		return err
	}
	keys := map[string]any{}
	var list []any
	for _, k := range set.Keys {
		if k.Use != "" && k.Use != "sig" {
			continue
		}
		pub, err := k.publicKey()
		if err != nil {
			continue // a key we cannot use (another type, a curve we do not know)
		}
		list = append(list, pub)
		if k.Kid != "" {
			keys[k.Kid] = pub
		}
	}
	if len(list) == 0 {
		return fmt.Errorf("%w: the key set at %s has no usable signing key", ErrProvider, m.JWKSURI)
	}
	p.mu.Lock()
	p.keys, p.keysList, p.keysAt = keys, list, p.now()
	p.mu.Unlock()
	return nil
}

func (k jwk) publicKey() (any, error) {
	switch k.Kty {
	case "RSA":
		n, err1 := b64int(k.N)
		e, err2 := b64int(k.E)
		if err := errors.Join(err1, err2); err != nil {
			return nil, err
		}
		if n.BitLen() < 2048 || !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31 {
			return nil, errors.New("weak or malformed RSA key")
		}
		return &rsa.PublicKey{N: n, E: int(e.Int64())}, nil
	case "EC":
		curve, ok := map[string]elliptic.Curve{"P-256": elliptic.P256(), "P-384": elliptic.P384(), "P-521": elliptic.P521()}[k.Crv]
		if !ok {
			return nil, fmt.Errorf("unsupported curve %q", k.Crv)
		}
		size := (curve.Params().BitSize + 7) / 8
		x, err1 := base64.RawURLEncoding.DecodeString(k.X)
		y, err2 := base64.RawURLEncoding.DecodeString(k.Y)
		if err := errors.Join(err1, err2); err != nil || len(x) != size || len(y) != size {
			return nil, errors.New("malformed EC coordinates")
		}
		// Parsing the uncompressed point checks that it lies on the curve.
		return ecdsa.ParseUncompressedPublicKey(curve, append(append([]byte{4}, x...), y...))
	}
	return nil, fmt.Errorf("unsupported key type %q", k.Kty)
}

func b64int(s string) (*big.Int, error) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) == 0 {
		return nil, fmt.Errorf("bad base64url integer")
	}
	return new(big.Int).SetBytes(b), nil
}
