package requisites

import (
	"sort"
	"strings"
)

// Country is an entry of OKSM, the Russian classifier of the world's
// countries (ISO 3166-1 based).
type Country struct {
	Code   string // three digits, e.g. "643"
	Alpha2 string // e.g. "RU"
	Alpha3 string // e.g. "RUS"
	Name   string // short Russian name, e.g. "Россия"
}

// CodeRussia is OKSM's code of the Russian Federation.
const CodeRussia = "643"

// cisCodes are the members of the Commonwealth of Independent States.
var cisCodes = [...]string{"031", "051", "112", "398", "417", "498", "643", "762", "860"}

// Citizenship checks an OKSM code (three digits; "RU"/"RUS" and codes
// written without leading zeros, like "31", are accepted too) and returns
// its country.
func Citizenship(s string) (Country, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	if c, ok := LookupCountry(s); ok {
		return c, nil
	}
	if len(s) == 2 || len(s) == 3 {
		for _, c := range countries {
			if c.Alpha2 == s || c.Alpha3 == s {
				return c, nil
			}
		}
	}
	if d, ok := digits(s, len(s), false); ok && len(d) > 0 && len(d) < 3 {
		if c, ok := LookupCountry(strings.Repeat("0", 3-len(d)) + d); ok {
			return c, nil
		}
	}
	if _, ok := digits(s, 3, false); ok {
		return Country{}, &Error{Code: CodeUnknown, Message: "no country has this OKSM code"}
	}
	return Country{}, formatErr("citizenship must be a 3-digit OKSM code, e.g. 643")
}

// LookupCountry finds a country by its three-digit OKSM code.
func LookupCountry(code string) (Country, bool) {
	i := sort.Search(len(countries), func(i int) bool { return countries[i].Code >= code })
	if i < len(countries) && countries[i].Code == code {
		return countries[i], true
	}
	return Country{}, false
}

// Countries returns every OKSM country, sorted by code.
func Countries() []Country { return append([]Country(nil), countries[:]...) }

// CISCountries returns the members of the CIS (Russia first), which forms
// usually offer before the rest.
func CISCountries() []Country {
	out := []Country{}
	r, _ := LookupCountry(CodeRussia)
	out = append(out, r)
	for _, code := range cisCodes {
		if code != CodeRussia {
			c, _ := LookupCountry(code)
			out = append(out, c)
		}
	}
	return out
}
