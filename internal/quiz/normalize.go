package quiz

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"unicode"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// NormalizeText is the form short-text answers are compared in: Unicode
// NFKC (full-width and compatibility forms fold to plain ones), case folded,
// ё as е, blanks trimmed and every run of white space collapsed to one space.
func NormalizeText(s string) string {
	s = cases.Fold().String(norm.NFKC.String(s))
	s = strings.ReplaceAll(s, "ё", "е")
	return strings.Join(strings.FieldsFunc(s, unicode.IsSpace), " ")
}

var errNotNumber = errors.New("not a number")

// ParseNumber reads a numeric answer as a learner types it: "3,14" and
// "3.14" alike (one decimal separator, either mark), a leading sign, and
// spaces — including no-break and thin spaces — between digit groups
// ("1 000,5"). Exponents ("1e3") are accepted; "1,000.5" is refused as
// ambiguous, and so are NaN and infinities.
func ParseNumber(s string) (float64, error) {
	s = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || r == '\u202f' || r == '\u2009' {
			return -1
		}
		return r
	}, norm.NFKC.String(s))
	if strings.Count(s, ",")+strings.Count(s, ".") > 1 {
		return 0, errNotNumber
	}
	s = strings.Replace(s, ",", ".", 1)
	s = strings.Replace(s, "−", "-", 1) // U+2212 minus sign
	if s == "" || strings.ContainsAny(s, "_xXpP") {
		return 0, errNotNumber
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, errNotNumber
	}
	return f, nil
}
