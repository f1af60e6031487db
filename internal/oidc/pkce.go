package oidc

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// RandomString returns 256 random bits, base64url without padding (43
// characters): suitable for state, nonce and PKCE verifiers (RFC 7636
// requires 43–128 characters).
func RandomString() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails (crypto/rand documents it)
	return base64.RawURLEncoding.EncodeToString(b)
}

// S256 is the PKCE code challenge of verifier (RFC 7636, section 4.2).
func S256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
