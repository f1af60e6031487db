package certauth_test

import (
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/internal/certauth"
	"github.com/kabinet-edu/kabinet/internal/certauth/certtest"
)

func TestParseAndVerifyGoCertificates(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ kind, alg string }{
		{certtest.RSA, "RSA-2048"},
		{certtest.P256, "ECDSA-P256"},
		{certtest.P384, "ECDSA-P384"},
		{certtest.Ed25519, "Ed25519"},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			t.Parallel()
			gc := certtest.Valid(t, tc.kind)
			c, err := certauth.Parse(gc.PEM)
			if err != nil {
				t.Fatal(err)
			}
			if c.KeyAlgorithm != tc.alg || c.Fingerprint != gc.Fingerprint() {
				t.Fatalf("algorithm %q fingerprint %x, want %q %x", c.KeyAlgorithm, c.Fingerprint, tc.alg, gc.Fingerprint())
			}
			if !strings.Contains(c.Subject, "CN=Анна Иванова") || c.Subject != c.Issuer || c.SerialNumber == "" {
				t.Fatalf("subject %q issuer %q serial %q", c.Subject, c.Issuer, c.SerialNumber)
			}
			if err := c.CheckValidity(time.Now()); err != nil {
				t.Fatal(err)
			}
			msg := certauth.NewChallenge()
			if err := c.Verify(msg, mustDecode(t, gc.Sign(t, msg))); err != nil {
				t.Fatalf("good signature refused: %v", err)
			}
			other := certauth.NewChallenge()
			if err := c.Verify(other, mustDecode(t, gc.Sign(t, msg))); !errors.Is(err, certauth.ErrBadSignature) {
				t.Fatalf("signature over another message: %v", err)
			}
			sig := mustDecode(t, gc.Sign(t, msg))
			sig[len(sig)/2] ^= 0x01
			if err := c.Verify(msg, sig); !errors.Is(err, certauth.ErrBadSignature) {
				t.Fatalf("tampered signature: %v", err)
			}
		})
	}
}

func TestVerifyAlternativeEncodings(t *testing.T) {
	t.Parallel()
	msg := certauth.NewChallenge()

	rsaCert := certtest.Valid(t, certtest.RSA)
	c := mustParse(t, rsaCert.PEM)
	if err := c.Verify(msg, mustDecode(t, rsaCert.SignPSS(t, msg))); err != nil {
		t.Fatalf("RSA-PSS: %v", err)
	}

	// WebCrypto: raw r‖s, with SHA-384 on P-384.
	for _, kind := range []string{certtest.P256, certtest.P384} {
		ec := certtest.Valid(t, kind)
		key := certtest.Signer(t, kind).(*ecdsa.PrivateKey)
		var digest []byte
		if kind == certtest.P384 {
			d := sha512.Sum384(msg)
			digest = d[:]
		} else {
			d := sha256.Sum256(msg)
			digest = d[:]
		}
		r, s, err := ecdsa.Sign(rand.Reader, key, digest)
		if err != nil {
			t.Fatal(err)
		}
		size := (key.Curve.Params().BitSize + 7) / 8
		raw := make([]byte, 2*size)
		r.FillBytes(raw[:size])
		s.FillBytes(raw[size:])
		if err := mustParse(t, ec.PEM).Verify(msg, raw); err != nil {
			t.Fatalf("%s raw r‖s: %v", kind, err)
		}
	}
}

func TestVerifyOpenSSLSignatures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		newkey []string
		opts   []string
		alg    string
	}{
		{"rsa pkcs1", []string{"rsa:2048"}, nil, "RSA-2048"},
		{"rsa pss", []string{"rsa:3072"}, []string{"-sigopt", "rsa_padding_mode:pss"}, "RSA-3072"},
		{"ecdsa p256", []string{"ec", "-pkeyopt", "ec_paramgen_curve:P-256"}, nil, "ECDSA-P256"},
		{"ecdsa p384", []string{"ec", "-pkeyopt", "ec_paramgen_curve:P-384"}, nil, "ECDSA-P384"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o := certtest.NewOpenSSL(t, tc.newkey, 365)
			c := mustParse(t, o.PEM)
			if c.KeyAlgorithm != tc.alg || !strings.Contains(c.Subject, "Анна Иванова") {
				t.Fatalf("algorithm %q subject %q", c.KeyAlgorithm, c.Subject)
			}
			msg := certauth.NewChallenge()
			sig, err := certauth.DecodeSignature(o.Sign(t, msg, tc.opts...))
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Verify(msg, sig); err != nil {
				t.Fatalf("openssl signature refused: %v", err)
			}
			if err := c.Verify(certauth.NewChallenge(), sig); !errors.Is(err, certauth.ErrBadSignature) {
				t.Fatalf("openssl signature over another message: %v", err)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	t.Parallel()
	good := certtest.Valid(t, certtest.P256)
	keyOnly := "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n"
	for _, tc := range []struct {
		name, text string
		want       error
	}{
		{"empty", "", certauth.ErrMalformed},
		{"garbage", "hello, world", certauth.ErrMalformed},
		{"not a certificate block", keyOnly, certauth.ErrMalformed},
		{"truncated", good.PEM[:len(good.PEM)/2], certauth.ErrMalformed},
		{"base64 of garbage", base64.StdEncoding.EncodeToString([]byte("not DER")), certauth.ErrMalformed},
		{"weak RSA", certtest.Valid(t, certtest.RSA1024).PEM, certauth.ErrWeakKey},
	} {
		if _, err := certauth.Parse(tc.text); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}

	// An Ed448 key (Go's x509 parses no key for it, as for GOST keys).
	o := certtest.NewOpenSSL(t, []string{"ed448"}, 30)
	if _, err := certauth.Parse(o.PEM); !errors.Is(err, certauth.ErrUnsupportedKey) {
		t.Errorf("ed448: err = %v, want ErrUnsupportedKey", err)
	}
}

func TestParseAcceptsChainsAndBareBase64(t *testing.T) {
	t.Parallel()
	leaf := certtest.Valid(t, certtest.P256)
	other := certtest.Valid(t, certtest.RSA)
	for name, text := range map[string]string{
		"key then leaf then chain": "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n" + leaf.PEM + other.PEM,
		"bare base64 DER":          base64.StdEncoding.EncodeToString(leaf.DER),
		"wrapped base64 DER":       wrap(base64.StdEncoding.EncodeToString(leaf.DER), 64),
	} {
		c, err := certauth.Parse(text)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if c.Fingerprint != leaf.Fingerprint() {
			t.Fatalf("%s: parsed the wrong certificate", name)
		}
	}
}

func TestCheckValidity(t *testing.T) {
	t.Parallel()
	now := time.Now()
	for _, tc := range []struct {
		name          string
		from, to, now time.Time
		want          error
	}{
		{"valid", now.Add(-time.Hour), now.Add(time.Hour), now, nil},
		{"expired", now.AddDate(-1, 0, 0), now.Add(-time.Second), now, certauth.ErrExpired},
		{"not yet valid", now.Add(time.Minute), now.AddDate(1, 0, 0), now, certauth.ErrNotYetValid},
	} {
		c := mustParse(t, certtest.New(t, certtest.P256, "x", tc.from, tc.to).PEM)
		if err := c.CheckValidity(tc.now); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
}

func TestDecodeSignature(t *testing.T) {
	t.Parallel()
	raw := []byte{0xfb, 0xff, 0x01, 0x02, 0x03}
	for _, s := range []string{
		base64.StdEncoding.EncodeToString(raw),
		base64.RawStdEncoding.EncodeToString(raw),
		base64.URLEncoding.EncodeToString(raw),
		base64.RawURLEncoding.EncodeToString(raw),
		" " + base64.StdEncoding.EncodeToString(raw)[:4] + "\n" + base64.StdEncoding.EncodeToString(raw)[4:] + "\r\n",
	} {
		got, err := certauth.DecodeSignature(s)
		if err != nil || string(got) != string(raw) {
			t.Errorf("%q: %x, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "   ", "not base64!", "%%%%"} {
		if _, err := certauth.DecodeSignature(s); !errors.Is(err, certauth.ErrBadEncoding) {
			t.Errorf("%q: err = %v, want ErrBadEncoding", s, err)
		}
	}
}

func TestNewChallengeIsRandom(t *testing.T) {
	t.Parallel()
	a, b := certauth.NewChallenge(), certauth.NewChallenge()
	if len(a) != certauth.ChallengeSize || string(a) == string(b) {
		t.Fatalf("challenges %x and %x", a, b)
	}
}

func mustParse(t *testing.T, text string) *certauth.Certificate {
	t.Helper()
	c, err := certauth.Parse(text)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func mustDecode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := certauth.DecodeSignature(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func wrap(s string, n int) string {
	var b strings.Builder
	for len(s) > n {
		b.WriteString(s[:n] + "\n")
		s = s[n:]
	}
	b.WriteString(s)
	return b.String()
}
