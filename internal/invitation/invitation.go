// Package invitation makes the link tokens of staff invitations. A token is
// sent once, in the e-mailed link; only its SHA-256 hash is stored, so a
// copy of the database does not let anybody accept an invitation.
package invitation

import (
	"crypto/rand"
	"crypto/sha256"
	"strings"
)

// NewToken returns a fresh token (≈ 260 random bits, URL-safe) and its hash.
func NewToken() (token string, hash []byte) {
	token = rand.Text() + rand.Text()
	return token, Hash(token)
}

// Hash is what the database stores and looks a token up by. The prefix keeps
// invitation hashes apart from every other kind of hashed secret.
func Hash(token string) []byte {
	sum := sha256.Sum256([]byte("invitation\x00" + token))
	return sum[:]
}

// Link puts token into the SPA page template (e.g.
// "https://lk.example.org/invitation?token={token}").
func Link(template, token string) string {
	return strings.ReplaceAll(template, "{token}", token)
}
