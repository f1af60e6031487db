package twofactor

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// sealVersion is the first byte of a sealed secret, so the format (or key)
// can change later without guessing what old rows hold.
const sealVersion = 1

// Sealer encrypts authenticator secrets at rest with AES-256-GCM. A secret
// has to be read back to compute the codes it generates, so it cannot be
// hashed like a password; encryption keeps a database dump (backups,
// replicas, a SQL injection) from revealing it without the key, which lives
// only in the server's configuration.
type Sealer struct{ aead cipher.AEAD }

// NewSealer returns a Sealer for a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("the TOTP encryption key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead}, nil
}

// Seal encrypts secret for userID: version, nonce, ciphertext and tag. The
// user id is authenticated data, so a sealed secret copied to another user's
// row does not open.
func (s *Sealer) Seal(userID uuid.UUID, secret string) []byte {
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce) // crypto/rand.Read never fails (Go 1.24+)
	out := append([]byte{sealVersion}, nonce...)
	return s.aead.Seal(out, nonce, []byte(secret), userID[:])
}

// ErrUnsealable means a sealed secret was made with another key or altered.
var ErrUnsealable = errors.New("the TOTP secret cannot be decrypted with the configured key")

// Open decrypts what Seal made for userID.
func (s *Sealer) Open(userID uuid.UUID, sealed []byte) (string, error) {
	n := s.aead.NonceSize()
	if len(sealed) < 1+n+s.aead.Overhead() || sealed[0] != sealVersion {
		return "", ErrUnsealable
	}
	plain, err := s.aead.Open(nil, sealed[1:1+n], sealed[1+n:], userID[:])
	if err != nil {
		return "", ErrUnsealable
	}
	return string(plain), nil
}
