package auth

import (
	"crypto/rand"
	"errors"
	"math/big"
	"strings"

	"github.com/kabinet-edu/kabinet/internal/config"
)

// initialAlphabet leaves out characters that are easy to misread in an
// e-mail (0/O, 1/l/I).
const initialAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// GenerateInitialPassword returns a random password that satisfies policy
// (and is not equal to identifiers), written as dash-separated groups of four
// so it can be typed from an e-mail: "Vb7k-Qm2x-Rt9p-Lw4z" (≈ 93 bits). It is
// issued to accounts created by staff, who never see it; the user must
// replace it at the first sign-in.
func GenerateInitialPassword(policy config.PasswordPolicy, identifiers ...string) (string, error) {
	n := max(16, policy.MinLength)
	n = (n + 3) / 4 * 4
	for range 100 {
		var b strings.Builder
		for i := range n {
			if i > 0 && i%4 == 0 {
				b.WriteByte('-')
			}
			k, err := rand.Int(rand.Reader, big.NewInt(int64(len(initialAlphabet))))
			if err != nil {
				return "", err
			}
			b.WriteByte(initialAlphabet[k.Int64()])
		}
		if p := b.String(); len(CheckPassword(policy, p, identifiers...)) == 0 {
			return p, nil
		}
	}
	return "", errors.New("cannot generate an initial password that satisfies the password policy")
}
