package auth

import (
	"strings"
	"unicode/utf8"

	"github.com/ccojocar/zxcvbn-go"
	"github.com/ccojocar/zxcvbn-go/match"
	"github.com/ccojocar/zxcvbn-go/matching"
)

// commonList is the name of zxcvbn's frequency list of the most used
// passwords (from leaked password databases).
const commonList = "Passwords"

// Limits of the common-password check. A common password may carry a short
// decoration (the composition rules push people to "Password1!"), or be two
// common passwords glued together ("Qwerty123456") with at most one extra
// character. The list holds short entries too ("pass", "rong"), so two
// pieces with a longer decoration would refuse reasonable passwords.
const (
	commonMaxExtra     = 3
	commonMaxExtraPair = 1
	// Longer passwords are not checked. No list entry is longer than 18
	// characters, so this covers any entry with its decoration and the pairs
	// people actually glue together. The matchers' work grows fast with the
	// length when many characters have l33t readings (≈15 ms at 25 runes,
	// ≈130 ms at 37), so the cap also keeps a crafted password cheap.
	commonMaxRunes = 25
	// strengthMaxRunes bounds the estimator's work (≈70 ms at worst for 32
	// runes): only a prefix this long is scored, a safe under-estimate.
	strengthMaxRunes = 32
)

// IsCommonPassword reports whether password is one of the most used
// passwords, ignoring case and l33t substitutions (P@ssw0rd), with up to
// three extra characters around it (Password1!), or two of them glued
// together with at most one extra character (Qwerty123456). It uses zxcvbn's
// list and matchers rather than a list of our own.
func IsCommonPassword(password string) bool {
	n := utf8.RuneCountInString(password)
	if n == 0 || n > commonMaxRunes {
		return false
	}
	matches := matching.Omnimatch(password, nil, func(m match.Matcher) bool {
		// Keep the common-password dictionary and the l33t matcher (which
		// runs every dictionary over de-l33ted variants).
		return m.ID != commonList && m.ID != matching.L33TMatcherName
	})
	var pieces []match.Match
	for _, m := range matches {
		if m.Pattern == "dictionary" && m.DictionaryName == commonList {
			pieces = append(pieces, m)
		}
	}
	return n-maxCovered(pieces, 1) <= commonMaxExtra || n-maxCovered(pieces, 2) <= commonMaxExtraPair
}

// maxCovered returns the most characters that at most k non-overlapping
// matches cover. Matches are few, so a plain search will do.
func maxCovered(ms []match.Match, k int) int {
	best := 0
	for i, a := range ms {
		covered := a.J - a.I + 1
		if k > 1 {
			var rest []match.Match
			for _, b := range ms[i+1:] {
				if b.I > a.J || b.J < a.I {
					rest = append(rest, b)
				}
			}
			covered += maxCovered(rest, k-1)
		}
		best = max(best, covered)
	}
	return best
}

// PasswordScore is zxcvbn's strength estimate of password from 0 (too
// guessable) to 4 (very unguessable); userInputs are words the estimator
// should treat as known to an attacker (names, e-mail).
func PasswordScore(password string, userInputs ...string) int {
	if utf8.RuneCountInString(password) > strengthMaxRunes {
		password = string([]rune(password)[:strengthMaxRunes])
	}
	var inputs []string
	for _, in := range userInputs {
		if in = strings.TrimSpace(strings.ToLower(in)); in != "" {
			inputs = append(inputs, in)
		}
	}
	return zxcvbn.PasswordStrength(password, inputs).Score
}
