package twofactor

import (
	"bytes"
	"image/png"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/pquerna/otp/totp"
)

func TestNewKeyIsWhatAuthenticatorAppsExpect(t *testing.T) {
	key, err := NewKey("Kabinet", "anna@example.org")
	if err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(key.URL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Scheme != "otpauth" || u.Host != "totp" || u.Path != "/Kabinet:anna@example.org" {
		t.Errorf("URI = %s", key.URL())
	}
	if q.Get("issuer") != "Kabinet" || q.Get("algorithm") != "SHA1" || q.Get("digits") != "6" || q.Get("period") != "30" {
		t.Errorf("URI parameters = %v", q)
	}
	if len(key.Secret()) != 32 || strings.ContainsAny(key.Secret(), "=") {
		t.Errorf("secret %q: want 32 base32 characters (160 bits) without padding", key.Secret())
	}
	again, err := KeyFor("Kabinet", "anna@example.org", key.Secret())
	if err != nil {
		t.Fatal(err)
	}
	if again.URL() != key.URL() {
		t.Errorf("KeyFor rebuilt %s, want %s", again.URL(), key.URL())
	}
	if _, err := KeyFor("Kabinet", "a@b.c", "not base32!"); err == nil {
		t.Error("KeyFor accepted a malformed secret")
	}
}

func TestQRCodeIsAPNG(t *testing.T) {
	key, err := NewKey("Kabinet", "anna@example.org")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := QRCode(key)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != qrSize || b.Dy() != qrSize {
		t.Errorf("QR code is %v, want %dx%d", b, qrSize, qrSize)
	}
}

func TestVerify(t *testing.T) {
	key, err := NewKey("Kabinet", "anna@example.org")
	if err != nil {
		t.Fatal(err)
	}
	secret := key.Secret()
	now := time.Date(2026, 11, 24, 9, 30, 10, 0, time.UTC)
	step := Step(now)
	code := func(offset int64) string {
		c, err := totp.GenerateCode(secret, time.Unix((step+offset)*Period, 0))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	cases := []struct {
		name     string
		code     string
		lastStep int64
		wantOK   bool
		wantStep int64
	}{
		{"current step", code(0), 0, true, step},
		{"with a space", code(0)[:3] + " " + code(0)[3:], 0, true, step},
		{"previous step (clock drift)", code(-1), 0, true, step - 1},
		{"next step (clock drift)", code(1), 0, true, step + 1},
		{"two steps old", code(-2), 0, false, 0},
		{"two steps ahead", code(2), 0, false, 0},
		{"replayed: the step was used", code(0), step, false, 0},
		{"older than the last used step", code(-1), step, false, 0},
		{"newer than the last used step", code(1), step, true, step + 1},
		{"too short", code(0)[:5], 0, false, 0},
		{"letters", "abcdef", 0, false, 0},
		{"empty", "", 0, false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, ok := Verify(secret, c.code, now, c.lastStep)
			if ok != c.wantOK || got != c.wantStep {
				t.Errorf("Verify(%q, last %d) = %d, %v; want %d, %v", c.code, c.lastStep, got, ok, c.wantStep, c.wantOK)
			}
		})
	}
}

func TestIsTOTPCode(t *testing.T) {
	for code, want := range map[string]bool{
		"123456": true, "123 456": true, "12345": false, "1234567": false,
		"7kq2-m9xd-3hfe-p8tw": false, "12345a": false,
	} {
		if got := IsTOTPCode(code); got != want {
			t.Errorf("IsTOTPCode(%q) = %v, want %v", code, got, want)
		}
	}
}

func TestRecoveryCodes(t *testing.T) {
	codes := NewRecoveryCodes()
	if len(codes) != RecoveryCodeCount {
		t.Fatalf("%d codes, want %d", len(codes), RecoveryCodeCount)
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if len(c) != 19 || strings.Count(c, "-") != 3 || strings.Trim(c, recoveryAlphabet+"-") != "" {
			t.Errorf("code %q is not four groups of four Crockford base32 characters", c)
		}
		if seen[c] {
			t.Errorf("code %q repeats", c)
		}
		seen[c] = true
	}
	user := uuid.New()
	h := HashRecoveryCode(user, "0k1q-m9xd-3hfe-p8tw")
	for _, typed := range []string{"0K1Q-M9XD-3HFE-P8TW", "ok1q m9xd 3hfe p8tw", "0kIqm9xd3hfep8tw", "0klq-m9xd-3hfe-p8tw"} {
		if !bytes.Equal(HashRecoveryCode(user, typed), h) {
			t.Errorf("%q should match the code as issued", typed)
		}
	}
	if bytes.Equal(HashRecoveryCode(uuid.New(), "0k1q-m9xd-3hfe-p8tw"), h) {
		t.Error("the hash must be bound to the user")
	}
}

func TestSealer(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	s, err := NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	user := uuid.New()
	sealed := s.Seal(user, "JBSWY3DPEHPK3PXP")
	if bytes.Contains(sealed, []byte("JBSWY3DPEHPK3PXP")) {
		t.Fatal("the secret is stored in clear")
	}
	if again := s.Seal(user, "JBSWY3DPEHPK3PXP"); bytes.Equal(again, sealed) {
		t.Error("two seals of one secret must differ (random nonce)")
	}
	got, err := s.Open(user, sealed)
	if err != nil || got != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := s.Open(uuid.New(), sealed); err != ErrUnsealable {
		t.Errorf("opening another user's secret: %v, want ErrUnsealable", err)
	}
	tampered := bytes.Clone(sealed)
	tampered[len(tampered)-1] ^= 1
	if _, err := s.Open(user, tampered); err != ErrUnsealable {
		t.Errorf("opening a tampered secret: %v, want ErrUnsealable", err)
	}
	other, _ := NewSealer(bytes.Repeat([]byte{8}, 32))
	if _, err := other.Open(user, sealed); err != ErrUnsealable {
		t.Errorf("opening with another key: %v, want ErrUnsealable", err)
	}
	if _, err := s.Open(user, sealed[:5]); err != ErrUnsealable {
		t.Errorf("opening a truncated secret: %v, want ErrUnsealable", err)
	}
	if _, err := NewSealer(key[:16]); err == nil {
		t.Error("a 16-byte key must be refused")
	}
}
