// Package twofactor is the logic of the TOTP second factor (RFC 6238, as
// Google Authenticator and Authy implement it: SHA-1, 6 digits, 30 seconds):
// secrets, the enrolment URI and QR code, code checks that refuse replays,
// recovery codes, and the encryption of secrets at rest.
package twofactor

import (
	"bytes"
	"crypto/subtle"
	"encoding/base32"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// The parameters every common authenticator app supports; apps ignore or
// mishandle others, so they are fixed rather than configurable.
const (
	Period    = 30 // seconds per time step
	Digits    = 6
	Algorithm = "SHA1"
	// Skew is how many steps before and after the current one are accepted,
	// for clocks that drift and users who type slowly.
	Skew = 1
	// secretSize is 160 bits, RFC 4226's recommendation for HMAC-SHA1.
	secretSize = 20
	// qrSize is the QR code's width and height in pixels.
	qrSize = 256
)

var b32 = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewKey makes a random secret for account (the user's e-mail) at issuer.
func NewKey(issuer, account string) (*otp.Key, error) {
	return totp.Generate(totp.GenerateOpts{
		Issuer: issuer, AccountName: account, Period: Period, SecretSize: secretSize,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
}

// KeyFor rebuilds the key of an existing base32 secret, for its URI and QR code.
func KeyFor(issuer, account, secret string) (*otp.Key, error) {
	raw, err := b32.DecodeString(strings.ToUpper(secret))
	if err != nil {
		return nil, err
	}
	return totp.Generate(totp.GenerateOpts{
		Issuer: issuer, AccountName: account, Period: Period, Secret: raw,
		Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1,
	})
}

// QRCode renders the key's otpauth:// URI as a PNG QR code.
func QRCode(key *otp.Key) ([]byte, error) {
	img, err := key.Image(qrSize, qrSize)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Step is the time step that t falls in.
func Step(t time.Time) int64 { return t.Unix() / Period }

// Verify checks a code typed by the user against secret at time now. It
// accepts the steps within Skew of now that are later than lastStep (the
// step of the last accepted code), so every code works at most once, and
// returns the step it matched.
func Verify(secret, code string, now time.Time, lastStep int64) (step int64, ok bool) {
	code = NormalizeCode(code)
	if len(code) != Digits {
		return 0, false
	}
	current := Step(now)
	for s := current - Skew; s <= current+Skew; s++ {
		if s <= lastStep || s < 0 {
			continue
		}
		want, err := hotp.GenerateCodeCustom(secret, uint64(s), hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}

// NormalizeCode drops the spaces and dashes people type into codes ("123 456").
func NormalizeCode(code string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\t' {
			return -1
		}
		return r
	}, code)
}

// IsTOTPCode reports whether code has the shape of an authenticator code
// (six digits) rather than a recovery code.
func IsTOTPCode(code string) bool {
	code = NormalizeCode(code)
	if len(code) != Digits {
		return false
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}
