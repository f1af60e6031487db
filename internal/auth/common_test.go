package auth

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/internal/config"
)

func TestIsCommonPassword(t *testing.T) {
	for _, tc := range []struct {
		password string
		common   bool
	}{
		{"password", true},
		{"Password1", true},      // a decoration the composition rules invite
		{"P@ssw0rd1", true},      // l33t
		{"PASSWORD123!", true},   // "password1" is on the list itself
		{"Password-1234", true},  // two pieces and one character between
		{"Password-7f3k", false}, // five extra characters
		{"Iloveyou2Monkey", true},
		{"Qwerty123", true},
		{"Qwerty123456", true}, // two common passwords glued together
		{"Iloveyou1", true},
		{"Zaq12wsx", true},
		{"Aa123456", true},
		{"Sunshine1!", true},
		{"Str0ng-Passw0rd", false}, // a common word inside, but much more around it
		{"Kabinet-Demo-2026", false},
		{"Xy7-kLm2-Qp9", false},
		{"", false},
		{strings.Repeat("password", 10), false}, // too long to be a list entry
	} {
		if got := IsCommonPassword(tc.password); got != tc.common {
			t.Errorf("IsCommonPassword(%q) = %v, want %v", tc.password, got, tc.common)
		}
	}
}

func TestPasswordScore(t *testing.T) {
	if s := PasswordScore("Password1"); s != 0 {
		t.Errorf("score of Password1 = %d, want 0", s)
	}
	if s := PasswordScore("Xy7-kLm2-Qp9"); s != 4 {
		t.Errorf("score of a random password = %d, want 4", s)
	}
	// The user's own details count as known to an attacker.
	if a, b := PasswordScore("Ivanova-1987"), PasswordScore("Ivanova-1987", "ivanova"); b > a {
		t.Errorf("score with the name known = %d, above %d without", b, a)
	}
	// Long passwords are estimated on a prefix, so the cost stays bounded
	// even for characters that all have l33t readings.
	start := time.Now()
	if s := PasswordScore(strings.Repeat("4@8(6310!|7+2$5%", 64)); s != 4 {
		t.Errorf("score of a 1024-character password = %d, want 4", s)
	}
	if IsCommonPassword(strings.Repeat("4@8(6310!|7+2$5%", 64)) {
		t.Error("a 1024-character password is common")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("a 1024-character password took %v", d)
	}
}

func TestCheckPasswordCommonAndStrength(t *testing.T) {
	p := config.PasswordPolicy{MinLength: 8, MaxLength: 256, RequireLower: true, RequireUpper: true, RequireDigit: true, ForbidCommon: true}
	codes := func(v []Violation) []string {
		var out []string
		for _, x := range v {
			out = append(out, x.Code)
		}
		return out
	}
	if got := codes(CheckPassword(p, "Password1")); !slices.Equal(got, []string{"common_password"}) {
		t.Errorf("Password1: %v, want [common_password]", got)
	}
	if got := codes(CheckPassword(p, "Str0ng-Passw0rd")); got != nil {
		t.Errorf("Str0ng-Passw0rd: %v, want none", got)
	}
	p.ForbidCommon = false
	if got := codes(CheckPassword(p, "Password1")); got != nil {
		t.Errorf("Password1 with the check off: %v, want none", got)
	}
	p.MinStrength = 3
	if got := codes(CheckPassword(p, "Str0ng-Passw0rd")); !slices.Equal(got, []string{"weak_password"}) {
		t.Errorf("Str0ng-Passw0rd with min strength 3: %v, want [weak_password]", got)
	}
	if got := codes(CheckPassword(p, "Xy7-kLm2-Qp9")); got != nil {
		t.Errorf("Xy7-kLm2-Qp9 with min strength 3: %v, want none", got)
	}
}
