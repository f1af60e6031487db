package auth

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/kabinet-edu/kabinet/internal/config"
)

// Violation is one way a value breaks a rule: a stable code and a message.
type Violation struct {
	Code    string
	Message string
}

// CheckPassword returns every rule of policy that password breaks; none
// means it is acceptable. identifiers are the account's e-mail and phone,
// which the password may not equal. The password is never truncated.
func CheckPassword(policy config.PasswordPolicy, password string, identifiers ...string) []Violation {
	var v []Violation
	n := utf8.RuneCountInString(password)
	if n < policy.MinLength {
		v = append(v, Violation{"too_short", fmt.Sprintf("must be at least %d characters long", policy.MinLength)})
	}
	if n > policy.MaxLength {
		v = append(v, Violation{"too_long", fmt.Sprintf("must be at most %d characters long", policy.MaxLength)})
	}
	var lower, upper, digit bool
	for _, r := range password {
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case unicode.IsDigit(r):
			digit = true
		}
	}
	if policy.RequireLower && !lower {
		v = append(v, Violation{"missing_lowercase", "must contain a lower-case Latin letter (a–z)"})
	}
	if policy.RequireUpper && !upper {
		v = append(v, Violation{"missing_uppercase", "must contain an upper-case Latin letter (A–Z)"})
	}
	if policy.RequireDigit && !digit {
		v = append(v, Violation{"missing_digit", "must contain a digit"})
	}
	if policy.MaxRepeated > 0 && longestRun(password) > policy.MaxRepeated {
		v = append(v, Violation{"repeated_characters", fmt.Sprintf("must not repeat one character more than %d times in a row", policy.MaxRepeated)})
	}
	if policy.ForbidIdentifier {
		for _, id := range identifiers {
			if id != "" && strings.EqualFold(strings.TrimSpace(password), id) {
				v = append(v, Violation{"equals_identifier", "must not be the same as your e-mail or phone"})
				break
			}
		}
	}
	if policy.ForbidCommon && IsCommonPassword(password) {
		v = append(v, Violation{"common_password", "is one of the most used passwords (or a small variation of one); choose another"})
	}
	if policy.MinStrength > 0 && PasswordScore(password, identifiers...) < policy.MinStrength {
		v = append(v, Violation{"weak_password", "is too easy to guess; add more unrelated words or characters"})
	}
	return v
}

func longestRun(s string) int {
	best, run := 0, 0
	var prev rune = -1
	for _, r := range s {
		if r == prev {
			run++
		} else {
			run, prev = 1, r
		}
		best = max(best, run)
	}
	return best
}
