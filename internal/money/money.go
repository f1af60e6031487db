// Package money converts amounts kept as integer minor units (kopecks)
// to and from the decimal strings providers speak ("123.45"), formats them
// for documents ("1 234,50 ₽") and spells rubles out in Russian words for
// invoices. No floating point is involved anywhere.
package money

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// ErrInvalidDecimal is returned (wrapped) by ParseDecimal for anything that
// is not an exact amount with at most two fractional digits.
var ErrInvalidDecimal = errors.New("invalid decimal amount")

// Decimal writes kopecks as a decimal string with exactly two fractional
// digits and a dot: 12345 → "123.45", 5 → "0.05", -150 → "-1.50".
func Decimal(kopecks int64) string {
	sign, units, cents := split(kopecks)
	return fmt.Sprintf("%s%d.%02d", sign, units, cents)
}

// ParseDecimal reads a decimal string ("123.45", "123.4", "123", "-0.50")
// into kopecks exactly. More than two fractional digits, exponents, spaces,
// a comma, or a value beyond int64 are refused rather than rounded.
func ParseDecimal(s string) (int64, error) {
	bad := func() (int64, error) { return 0, fmt.Errorf("%w: %q", ErrInvalidDecimal, s) }
	neg := strings.HasPrefix(s, "-")
	body := strings.TrimPrefix(s, "-")
	whole, frac, hasDot := strings.Cut(body, ".")
	if whole == "" || !digits(whole) || (hasDot && (frac == "" || len(frac) > 2 || !digits(frac))) {
		return bad()
	}
	frac += strings.Repeat("0", 2-len(frac))
	units, err := strconv.ParseInt(whole, 10, 64)
	cents, _ := strconv.ParseInt(frac, 10, 64)
	if err != nil || units > (math.MaxInt64-cents)/100 {
		return bad()
	}
	v := units*100 + cents
	if neg {
		v = -v
	}
	return v, nil
}

// Format writes an amount for people, the Russian way: groups of three
// digits separated by no-break spaces, a decimal comma and the currency sign
// after a no-break space: 123450 RUB → "1 234,50 ₽". Currencies without a
// sign here are written by their ISO code ("10,00 USD").
func Format(kopecks int64, currency string) string {
	sign, units, cents := split(kopecks)
	return fmt.Sprintf("%s%s,%02d\u00a0%s", sign, group(units), cents, symbol(currency))
}

// FormatPlain is Format without the currency: "1 234,50".
func FormatPlain(kopecks int64) string {
	sign, units, cents := split(kopecks)
	return fmt.Sprintf("%s%s,%02d", sign, group(units), cents)
}

// VATIncluded is the value-added tax contained in a gross amount at a rate
// in percent (20 → gross·20/120), rounded half up to the kopeck, as an
// invoice's "в том числе НДС" line shows it.
func VATIncluded(gross int64, ratePercent int64) int64 {
	if ratePercent <= 0 {
		return 0
	}
	num, den := gross*ratePercent, 100+ratePercent
	q, r := num/den, num%den
	if 2*r >= den {
		q++
	}
	return q
}

func split(kopecks int64) (sign string, units uint64, cents uint64) {
	u := uint64(kopecks)
	if kopecks < 0 {
		sign, u = "-", uint64(-(kopecks+1))+1 // safe for math.MinInt64
	}
	return sign, u / 100, u % 100
}

func group(n uint64) string {
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteRune('\u00a0')
		}
		b.WriteRune(r)
	}
	return b.String()
}

func symbol(currency string) string {
	switch currency {
	case "RUB", "":
		return "₽"
	case "USD":
		return "$"
	case "EUR":
		return "€"
	}
	return currency
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
