// Package requisites checks and normalizes the identifiers Russian
// documents carry: ИНН, КПП, ОГРН, ОГРНИП, БИК, bank accounts, СНИЛС, and
// OKSM citizenship codes.
//
// Every check takes what a person typed (spaces and, where customary,
// hyphens allowed), returns the normalized value to store, or an *Error with
// a short English message that the HTTP layer reports as a field error.
package requisites

import (
	"fmt"
	"strings"
)

// Error codes: the stable part of an Error, for field errors in problems.
const (
	CodeFormat   = "invalid_format"   // wrong length or characters
	CodeChecksum = "invalid_checksum" // the control digits do not match
	CodeUnknown  = "unknown_code"     // well-formed but not in the classifier
)

// Error is why an identifier was refused.
type Error struct {
	Code    string // CodeFormat, CodeChecksum or CodeUnknown
	Message string // short English sentence
}

func (e *Error) Error() string { return e.Message }

func formatErr(format string, a ...any) error {
	return &Error{Code: CodeFormat, Message: fmt.Sprintf(format, a...)}
}

func checksumErr(what string) error {
	return &Error{Code: CodeChecksum, Message: what + " has a wrong check digit"}
}

// digits removes spaces (and hyphens when allowHyphens) and reports whether
// what is left is n ASCII digits.
func digits(s string, n int, allowHyphens bool) (string, bool) {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '\t' || r == '\u00a0':
			return -1
		case r == '-' && allowHyphens:
			return -1
		}
		return r
	}, s)
	if len(s) != n {
		return s, false
	}
	for i := 0; i < n; i++ {
		if s[i] < '0' || s[i] > '9' {
			return s, false
		}
	}
	return s, true
}

// weighted returns Σ digit·weight over s[:len(w)].
func weighted(s string, w []int) int {
	sum := 0
	for i, k := range w {
		sum += int(s[i]-'0') * k
	}
	return sum
}

var (
	inn10Weights  = []int{2, 4, 10, 3, 5, 9, 4, 6, 8}
	inn11Weights  = []int{7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
	inn12Weights  = []int{3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8}
	accountWeight = []int{7, 1, 3}
)

// INN checks a taxpayer number of either kind: 10 digits for an
// organization, 12 for a person or an individual entrepreneur.
func INN(s string) (string, error) {
	if d, ok := digits(s, 10, false); ok {
		return LegalINN(d)
	}
	if d, ok := digits(s, 12, false); ok {
		return PersonINN(d)
	}
	return "", formatErr("INN must be 10 digits (organization) or 12 digits (person)")
}

// LegalINN checks an organization's ИНН: 10 digits, the last a check digit.
func LegalINN(s string) (string, error) {
	d, ok := digits(s, 10, false)
	if !ok {
		return "", formatErr("an organization's INN must be 10 digits")
	}
	if strings.HasPrefix(d, "00") {
		return "", formatErr("INN cannot start with 00")
	}
	if weighted(d, inn10Weights)%11%10 != int(d[9]-'0') {
		return "", checksumErr("INN")
	}
	return d, nil
}

// PersonINN checks a person's ИНН: 12 digits, the last two check digits.
func PersonINN(s string) (string, error) {
	d, ok := digits(s, 12, false)
	if !ok {
		return "", formatErr("a person's INN must be 12 digits")
	}
	if strings.HasPrefix(d, "00") {
		return "", formatErr("INN cannot start with 00")
	}
	if weighted(d, inn11Weights)%11%10 != int(d[10]-'0') || weighted(d, inn12Weights)%11%10 != int(d[11]-'0') {
		return "", checksumErr("INN")
	}
	return d, nil
}

// KPP checks a tax registration reason code: 9 characters, the tax office
// (4 digits), the reason (2 digits or capital Latin letters) and a number
// (3 digits). It has no check digit. Letters are upper-cased.
func KPP(s string) (string, error) {
	k := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	if len(k) != 9 {
		return "", formatErr("KPP must be 9 characters")
	}
	for i := 0; i < 9; i++ {
		c := k[i]
		digit := c >= '0' && c <= '9'
		letter := c >= 'A' && c <= 'Z'
		if !digit && !(letter && (i == 4 || i == 5)) {
			return "", formatErr("KPP must be 4 digits, 2 digits or letters A-Z, then 3 digits")
		}
	}
	return k, nil
}

// OGRN checks an organization's primary state registration number: 13
// digits starting with 1 or 5; the last is the first twelve mod 11 (mod 10).
func OGRN(s string) (string, error) {
	d, ok := digits(s, 13, false)
	if !ok {
		return "", formatErr("OGRN must be 13 digits")
	}
	if d[0] != '1' && d[0] != '5' {
		return "", formatErr("OGRN must start with 1 or 5")
	}
	if mod(d[:12], 11)%10 != int(d[12]-'0') {
		return "", checksumErr("OGRN")
	}
	return d, nil
}

// OGRNIP checks an individual entrepreneur's registration number: 15
// digits starting with 3; the last is the first fourteen mod 13 (mod 10).
func OGRNIP(s string) (string, error) {
	d, ok := digits(s, 15, false)
	if !ok {
		return "", formatErr("OGRNIP must be 15 digits")
	}
	if d[0] != '3' {
		return "", formatErr("OGRNIP must start with 3")
	}
	if mod(d[:14], 13)%10 != int(d[14]-'0') {
		return "", checksumErr("OGRNIP")
	}
	return d, nil
}

// mod returns the decimal number s modulo m without overflowing.
func mod(s string, m int) int {
	r := 0
	for i := 0; i < len(s); i++ {
		r = (r*10 + int(s[i]-'0')) % m
	}
	return r
}

// BIK checks a bank identification code: 9 digits, starting with 04 (the
// Russian Federation in the Bank of Russia's directory). It has no check
// digit; the accounts are checked against it.
func BIK(s string) (string, error) {
	d, ok := digits(s, 9, false)
	if !ok {
		return "", formatErr("BIK must be 9 digits")
	}
	if !strings.HasPrefix(d, "04") {
		return "", formatErr("BIK must start with 04")
	}
	return d, nil
}

// SettlementAccount checks a 20-digit account (расчётный счёт) held at the
// bank with the given БИК: the key is the БИК's last three digits followed by
// the account, weighted 7, 1, 3, …, whose sum must end in 0.
func SettlementAccount(account, bik string) (string, error) {
	a, b, err := accountAndBIK(account, bik, "settlement account")
	if err != nil {
		return "", err
	}
	if !accountKeyOK(b[6:9] + a) {
		return "", &Error{Code: CodeChecksum, Message: "settlement account does not match the BIK (wrong check digit)"}
	}
	return a, nil
}

// CorrespondentAccount checks a bank's 20-digit correspondent account at
// the Bank of Russia: it starts with 301, and its key is "0", the БИК's
// fifth and sixth digits, then the account.
func CorrespondentAccount(account, bik string) (string, error) {
	a, b, err := accountAndBIK(account, bik, "correspondent account")
	if err != nil {
		return "", err
	}
	if !strings.HasPrefix(a, "301") {
		return "", formatErr("correspondent account must start with 301")
	}
	if !accountKeyOK("0" + b[4:6] + a) {
		return "", &Error{Code: CodeChecksum, Message: "correspondent account does not match the BIK (wrong check digit)"}
	}
	return a, nil
}

func accountAndBIK(account, bik, what string) (string, string, error) {
	a, ok := digits(account, 20, false)
	if !ok {
		return "", "", formatErr("%s must be 20 digits", what)
	}
	b, err := BIK(bik)
	if err != nil {
		return "", "", &Error{Code: CodeFormat, Message: what + " needs a valid BIK to be checked"}
	}
	return a, b, nil
}

func accountKeyOK(key string) bool {
	sum := 0
	for i := 0; i < len(key); i++ {
		sum += int(key[i]-'0') * accountWeight[i%3] % 10
	}
	return sum%10 == 0
}

// SNILS checks an insurance number: 11 digits, written "112-233-445 95" or
// without separators, and returns the 11 digits. The last two digits check
// the first nine (Σ digit·(9−position), taken mod 101, with 100 → 00); as
// the Pension Fund defines it, only numbers above 001-001-998 are checked.
func SNILS(s string) (string, error) {
	d, ok := digits(s, 11, true)
	if !ok {
		return "", formatErr("SNILS must be 11 digits, e.g. 112-233-445 95")
	}
	if d == "00000000000" {
		return "", formatErr("SNILS cannot be all zeros")
	}
	if d[:9] <= "001001998" {
		return d, nil // issued before check digits were defined
	}
	sum := 0
	for i := 0; i < 9; i++ {
		sum += int(d[i]-'0') * (9 - i)
	}
	check := sum % 101
	if check == 100 {
		check = 0
	}
	if check != int(d[9]-'0')*10+int(d[10]-'0') {
		return "", checksumErr("SNILS")
	}
	return d, nil
}

// FormatSNILS writes 11 digits the customary way: "112-233-445 95". Other
// input is returned unchanged.
func FormatSNILS(d string) string {
	if _, ok := digits(d, 11, false); !ok || strings.ContainsAny(d, " -") {
		return d
	}
	return d[0:3] + "-" + d[3:6] + "-" + d[6:9] + " " + d[9:11]
}
