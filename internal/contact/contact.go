// Package contact normalizes e-mail addresses and phone numbers so that each
// is stored, compared and kept unique in exactly one form.
package contact

import (
	"errors"
	"net/mail"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// Errors returned for values that cannot be normalized.
var (
	ErrInvalidEmail = errors.New("is not a valid e-mail address")
	ErrInvalidPhone = errors.New("is not a valid phone number")
	ErrNotMobile    = errors.New("is not a mobile phone number")
)

// NormalizeEmail trims and lower-cases an e-mail address and checks that it
// is a bare address (no display name) with a dotted domain.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if len(s) > 254 {
		return "", ErrInvalidEmail
	}
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || addr.Name != "" {
		return "", ErrInvalidEmail
	}
	at := strings.LastIndexByte(s, '@')
	domain := s[at+1:]
	if at < 1 || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", ErrInvalidEmail
	}
	return s, nil
}

// NormalizePhone parses a phone number written in any common way ("+7 (921)
// 123-45-67", "8 921 123 45 67") and returns it in E.164 ("+79211234567").
// Numbers without a country code are read in defaultRegion (e.g. "RU").
func NormalizePhone(s, defaultRegion string) (string, error) {
	num, err := phonenumbers.Parse(strings.TrimSpace(s), defaultRegion)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", ErrInvalidPhone
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// NormalizeMobile is NormalizePhone that also refuses numbers that cannot
// receive SMS (fixed lines, toll-free numbers).
func NormalizeMobile(s, defaultRegion string) (string, error) {
	num, err := phonenumbers.Parse(strings.TrimSpace(s), defaultRegion)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		return "", ErrInvalidPhone
	}
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
	default:
		return "", ErrNotMobile
	}
	return phonenumbers.Format(num, phonenumbers.E164), nil
}

// IsEmailLike reports whether a sign-in identifier should be read as an
// e-mail address rather than a phone number.
func IsEmailLike(login string) bool {
	return strings.Contains(login, "@")
}
