package frdo

import (
	"errors"
	"fmt"
	"strings"
)

// FormatSNILS checks a СНИЛС (11 digits in any spacing, with its check
// number) and writes it as 123-456-789 01.
func FormatSNILS(s string) (string, error) {
	digits := strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9':
			return r
		case r == ' ' || r == '-' || r == '\u00a0':
			return -1
		}
		return 'x'
	}, s)
	if len(digits) != 11 || strings.Contains(digits, "x") {
		return "", errors.New("a СНИЛС has 11 digits")
	}
	if want := snilsCheck(digits[:9]); digits[9:] != want {
		return "", fmt.Errorf("check number %s does not match (want %s)", digits[9:], want)
	}
	return digits[0:3] + "-" + digits[3:6] + "-" + digits[6:9] + " " + digits[9:], nil
}

// snilsCheck is the check number of the first nine digits: the sum of each
// digit times its position from the right (9…1), taken modulo 101, with 100
// written as 00. (Numbers up to 001-001-998 predate the rule; they are not
// issued any more.)
func snilsCheck(nine string) string {
	sum := 0
	for i := range 9 {
		sum += int(nine[i]-'0') * (9 - i)
	}
	sum %= 101
	if sum == 100 {
		sum = 0
	}
	return fmt.Sprintf("%02d", sum)
}
