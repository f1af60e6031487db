// Package certtest makes certificates and signatures for tests of
// certificate sign-in: self-signed certificates with Go's crypto/x509, and
// keys, certificates and signatures made by the openssl command-line tool,
// the way a user without special software would make them.
package certtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Key kinds. Certificates of one kind share one key (see Signer): use
// P256Other for a certificate whose key must differ from a P256 one.
const (
	RSA       = "rsa"
	RSA1024   = "rsa1024" // too weak: refused
	P256      = "ecdsa-p256"
	P256Other = "ecdsa-p256-other"
	P384      = "ecdsa-p384"
	Ed25519   = "ed25519"
)

// Generating RSA keys is slow under -race, and a test needs no more than a
// fresh certificate: keys are made once per kind and process.
var (
	keysMu sync.Mutex
	keys   = map[string]crypto.Signer{}
)

// Signer returns the process-wide key of kind.
func Signer(t testing.TB, kind string) crypto.Signer {
	t.Helper()
	keysMu.Lock()
	defer keysMu.Unlock()
	if k, ok := keys[kind]; ok {
		return k
	}
	var (
		k   crypto.Signer
		err error
	)
	switch kind {
	case RSA:
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case RSA1024:
		k, err = rsa.GenerateKey(rand.Reader, 1024)
	case P256, P256Other:
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case P384:
		k, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case Ed25519:
		_, k, err = ed25519.GenerateKey(rand.Reader)
	default:
		t.Fatalf("certtest: unknown key kind %q", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	keys[kind] = k
	return k
}

// Cert is a certificate with its private key.
type Cert struct {
	PEM string
	DER []byte
	key crypto.Signer
}

// Fingerprint is the SHA-256 of the DER encoding.
func (c *Cert) Fingerprint() [32]byte { return sha256.Sum256(c.DER) }

// New makes a self-signed certificate for the key of kind, valid from
// notBefore to notAfter, with a fresh serial number (so every call gives a
// different certificate).
func New(t testing.TB, kind, commonName string, notBefore, notAfter time.Time) *Cert {
	t.Helper()
	key := Signer(t, kind)
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: commonName, Organization: []string{"Экстерн"}, Country: []string{"RU"}},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return &Cert{PEM: string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), DER: der, key: key}
}

// Valid is New valid from an hour ago for a year.
func Valid(t testing.TB, kind string) *Cert {
	t.Helper()
	now := time.Now()
	return New(t, kind, "Анна Иванова", now.Add(-time.Hour), now.AddDate(1, 0, 0))
}

// Sign signs message the way the server expects and returns base64: RSA
// PKCS #1 v1.5 and ECDSA (ASN.1 DER) over SHA-256, Ed25519 over message.
func (c *Cert) Sign(t testing.TB, message []byte) string {
	t.Helper()
	var (
		sig []byte
		err error
	)
	if _, ok := c.key.(ed25519.PrivateKey); ok {
		sig, err = c.key.Sign(rand.Reader, message, crypto.Hash(0))
	} else {
		d := sha256.Sum256(message)
		sig, err = c.key.Sign(rand.Reader, d[:], crypto.SHA256)
	}
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// SignPSS signs with RSA-PSS over SHA-256 (an RSA key only).
func (c *Cert) SignPSS(t testing.TB, message []byte) string {
	t.Helper()
	d := sha256.Sum256(message)
	sig, err := rsa.SignPSS(rand.Reader, c.key.(*rsa.PrivateKey), crypto.SHA256, d[:], nil)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(sig)
}

// OpenSSL is a key and self-signed certificate made by the openssl tool in
// a temporary directory.
type OpenSSL struct {
	PEM string
	dir string
}

// NewOpenSSL runs `openssl req -x509 -newkey <newkey> -days <days>`, e.g.
// newkey "rsa:2048" or "ec -pkeyopt ec_paramgen_curve:P-256". It skips the
// test when openssl is not installed.
func NewOpenSSL(t testing.TB, newkey []string, days int) *OpenSSL {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("openssl is not installed")
	}
	dir := t.TempDir()
	args := append([]string{"req", "-x509", "-newkey"}, newkey...)
	args = append(args, "-keyout", "key.pem", "-out", "cert.pem", "-nodes", "-days", itoa(days),
		"-subj", "/C=RU/O=Экстерн/CN=Анна Иванова", "-utf8")
	run(t, dir, "openssl", args...)
	b, err := os.ReadFile(filepath.Join(dir, "cert.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return &OpenSSL{PEM: string(b), dir: dir}
}

// Sign runs `openssl dgst -sha256 -sign key.pem [opts]` over message and
// returns the signature as `openssl base64` prints it (wrapped lines).
func (o *OpenSSL) Sign(t testing.TB, message []byte, opts ...string) string {
	t.Helper()
	if err := os.WriteFile(filepath.Join(o.dir, "challenge.bin"), message, 0o600); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"dgst", "-sha256", "-sign", "key.pem"}, opts...)
	args = append(args, "-out", "sig.bin", "challenge.bin")
	run(t, o.dir, "openssl", args...)
	return string(run(t, o.dir, "openssl", "base64", "-in", "sig.bin"))
}

func run(t testing.TB, dir, name string, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, stderr.String())
	}
	return out
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }
