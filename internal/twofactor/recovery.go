package twofactor

import (
	"crypto/rand"
	"crypto/sha256"
	"strings"

	"github.com/google/uuid"
)

// RecoveryCodeCount is how many recovery codes a user gets at a time.
const RecoveryCodeCount = 10

// recoveryAlphabet is Crockford's base32 in lower case: no i, l, o or u, so
// a code read off paper is not mistyped.
const recoveryAlphabet = "0123456789abcdefghjkmnpqrstvwxyz"

// recoveryLength is 16 characters: 80 random bits, beyond offline guessing
// of its SHA-256 even if the database leaks.
const recoveryLength = 16

// NewRecoveryCodes returns RecoveryCodeCount fresh codes, written in groups
// of four ("7kq2-m9xd-3hfe-p8tw").
func NewRecoveryCodes() []string {
	codes := make([]string, RecoveryCodeCount)
	for i := range codes {
		var raw [recoveryLength]byte
		_, _ = rand.Read(raw[:]) // crypto/rand.Read never fails (Go 1.24+)
		var b strings.Builder
		for j, c := range raw {
			if j > 0 && j%4 == 0 {
				b.WriteByte('-')
			}
			b.WriteByte(recoveryAlphabet[c&31])
		}
		codes[i] = b.String()
	}
	return codes
}

// HashRecoveryCode is what is stored for a code of userID: the SHA-256 of
// the normalized code, bound to the user.
func HashRecoveryCode(userID uuid.UUID, code string) []byte {
	sum := sha256.Sum256([]byte("recovery\x00" + userID.String() + "\x00" + normalizeRecoveryCode(code)))
	return sum[:]
}

// normalizeRecoveryCode accepts a code typed in any case, with or without
// dashes and spaces, and with the letters Crockford's base32 reads as digits.
func normalizeRecoveryCode(code string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(code) {
		switch r {
		case '-', ' ', '\t':
			continue
		case 'o':
			r = '0'
		case 'i', 'l':
			r = '1'
		}
		b.WriteRune(r)
	}
	return b.String()
}
