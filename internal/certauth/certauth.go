// Package certauth checks X.509 certificates and the signatures that prove
// possession of their private keys, for certificate sign-in (electronic
// signature).
//
// A certificate is treated as a holder of a public key: Kabinet does not
// build a chain to a trusted root nor ask for revocation (CRL, OCSP). Trust
// comes from binding: the account owner, signed in, proves possession of the
// key by signing a server challenge; later the same certificate and a fresh
// signature sign the owner in. Only the validity period is enforced.
package certauth

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Errors of Parse, CheckValidity and Verify; handlers map them to field errors.
var (
	ErrMalformed      = errors.New("is not an X.509 certificate in PEM or base64 DER")
	ErrUnsupportedKey = errors.New("has a key type that is not supported (use RSA, ECDSA P-256/P-384/P-521 or Ed25519)")
	ErrWeakKey        = errors.New("has an RSA key shorter than 2048 bits")
	ErrExpired        = errors.New("has expired")
	ErrNotYetValid    = errors.New("is not valid yet")
	ErrBadSignature   = errors.New("does not verify with the certificate's public key")
	ErrBadEncoding    = errors.New("is not base64")
)

// minRSABits is the smallest RSA modulus accepted; NIST deprecated shorter
// keys in 2013.
const minRSABits = 2048

// ChallengeSize is the number of random bytes in a challenge.
const ChallengeSize = 32

// Certificate is a parsed certificate with what Kabinet stores about it.
type Certificate struct {
	DER          []byte
	Fingerprint  [sha256.Size]byte // SHA-256 of DER
	Subject      string            // RFC 2253 form, e.g. "CN=Анна Иванова,O=Экстерн"
	Issuer       string
	SerialNumber string // upper-case hex, as openssl prints it
	KeyAlgorithm string // "RSA-3072", "ECDSA-P256", "Ed25519"
	NotBefore    time.Time
	NotAfter     time.Time
	publicKey    any
}

// Parse reads one certificate from text: a PEM document (the first
// CERTIFICATE block is used, so a leaf followed by its chain works) or, as
// some signing plug-ins export it, bare base64 of the DER encoding. It
// refuses keys that Verify cannot check or that are too weak.
func Parse(text string) (*Certificate, error) {
	der, err := decodeDER(text)
	if err != nil {
		return nil, err
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, ErrMalformed
	}
	alg, err := keyAlgorithm(c.PublicKey)
	if err != nil {
		return nil, err
	}
	return &Certificate{
		DER:          c.Raw,
		Fingerprint:  sha256.Sum256(c.Raw),
		Subject:      c.Subject.String(),
		Issuer:       c.Issuer.String(),
		SerialNumber: strings.ToUpper(c.SerialNumber.Text(16)),
		KeyAlgorithm: alg,
		NotBefore:    c.NotBefore.UTC(),
		NotAfter:     c.NotAfter.UTC(),
		publicKey:    c.PublicKey,
	}, nil
}

func decodeDER(text string) ([]byte, error) {
	text = strings.TrimSpace(text)
	if !strings.Contains(text, "-----BEGIN") {
		der, err := base64.StdEncoding.DecodeString(stripSpace(text))
		if err != nil || len(der) == 0 {
			return nil, ErrMalformed
		}
		return der, nil
	}
	rest := []byte(text)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return nil, ErrMalformed
		}
		if b.Type == "CERTIFICATE" {
			return b.Bytes, nil
		}
	}
}

func keyAlgorithm(pub any) (string, error) {
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() < minRSABits {
			return "", ErrWeakKey
		}
		return fmt.Sprintf("RSA-%d", k.N.BitLen()), nil
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return "ECDSA-" + strings.ReplaceAll(k.Curve.Params().Name, "-", ""), nil
		}
	case ed25519.PublicKey:
		return "Ed25519", nil
	}
	// Includes GOST R 34.10 keys, which Go's x509 parses without a key.
	return "", ErrUnsupportedKey
}

// CheckValidity refuses a certificate outside its validity period at now.
func (c *Certificate) CheckValidity(now time.Time) error {
	switch {
	case now.Before(c.NotBefore):
		return ErrNotYetValid
	case now.After(c.NotAfter):
		return ErrExpired
	}
	return nil
}

// Verify checks that signature was made over message with the certificate's
// key. Accepted: RSA PKCS #1 v1.5 or PSS with SHA-256 (`openssl dgst -sha256
// -sign key.pem`, with `-sigopt rsa_padding_mode:pss` for PSS); ECDSA with
// SHA-256 — or the hash matching the curve, as WebCrypto does — as ASN.1 DER
// (openssl) or as raw r‖s (WebCrypto); Ed25519 over the message itself.
func (c *Certificate) Verify(message, signature []byte) error {
	switch k := c.publicKey.(type) {
	case *rsa.PublicKey:
		digest := sha256.Sum256(message)
		if rsa.VerifyPKCS1v15(k, crypto.SHA256, digest[:], signature) == nil ||
			rsa.VerifyPSS(k, crypto.SHA256, digest[:], signature, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthAuto}) == nil {
			return nil
		}
	case *ecdsa.PublicKey:
		if verifyECDSA(k, message, signature) {
			return nil
		}
	case ed25519.PublicKey:
		if ed25519.Verify(k, message, signature) {
			return nil
		}
	}
	return ErrBadSignature
}

// NewChallenge returns fresh random bytes to be signed.
func NewChallenge() []byte {
	b := make([]byte, ChallengeSize)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return b
}

// DecodeSignature reads a signature sent as base64: standard or URL-safe,
// with or without padding, line breaks allowed (openssl's `base64` wraps).
func DecodeSignature(s string) ([]byte, error) {
	s = stripSpace(s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) > 0 {
			return b, nil
		}
	}
	return nil, ErrBadEncoding
}

func stripSpace(s string) string {
	var b bytes.Buffer
	for _, r := range s {
		if r != ' ' && r != '\n' && r != '\r' && r != '\t' {
			b.WriteRune(r)
		}
	}
	return b.String()
}
