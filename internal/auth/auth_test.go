package auth

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/internal/config"
)

var cheap = config.Argon2Params{MemoryKiB: 1024, Iterations: 1, Parallelism: 1}

func TestHasher(t *testing.T) {
	ctx := context.Background()
	h, err := NewHasher(cheap, 2)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := h.Hash(ctx, "Str0ng-Passw0rd")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(hash, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("hash %q is not PHC argon2id", hash)
	}
	if again, _ := h.Hash(ctx, "Str0ng-Passw0rd"); again == hash {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	if ok, rehash, err := h.Verify(ctx, "Str0ng-Passw0rd", hash); !ok || rehash || err != nil {
		t.Fatalf("Verify(right) = %v, %v, %v", ok, rehash, err)
	}
	if ok, _, err := h.Verify(ctx, "Str0ng-Passw0rD", hash); ok || err != nil {
		t.Fatalf("Verify(wrong) = %v, %v", ok, err)
	}
	// Stronger parameters later: old hashes still verify and ask to be redone.
	stronger, _ := NewHasher(config.Argon2Params{MemoryKiB: 2048, Iterations: 2, Parallelism: 1}, 1)
	if ok, rehash, err := stronger.Verify(ctx, "Str0ng-Passw0rd", hash); !ok || !rehash || err != nil {
		t.Fatalf("Verify with new params = %v, %v, %v; want true, true, nil", ok, rehash, err)
	}
	for _, bad := range []string{"", "plain", "$argon2i$v=19$m=1,t=1,p=1$c2FsdA$a2V5", "$argon2id$v=19$m=x,t=1,p=1$c2FsdA$a2V5a2V5a2V5a2V5a2V5"} {
		if _, _, err := h.Verify(ctx, "x", bad); !errors.Is(err, ErrMalformedHash) {
			t.Errorf("Verify(%q) err = %v, want ErrMalformedHash", bad, err)
		}
	}
	if err := h.VerifyDummy(ctx, "anything"); err != nil {
		t.Fatal(err)
	}
}

func TestHasherHonoursCancellation(t *testing.T) {
	h, _ := NewHasher(cheap, 1)
	h.slots <- struct{}{} // the only slot is busy
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := h.Hash(ctx, "x"); !errors.Is(err, context.Canceled) {
		t.Fatalf("Hash with a cancelled context waiting for a slot: %v", err)
	}
}

func TestCheckPassword(t *testing.T) {
	p := config.PasswordPolicy{MinLength: 8, MaxLength: 64, RequireLower: true, RequireUpper: true, RequireDigit: true, MaxRepeated: 3, ForbidIdentifier: true}
	tests := []struct {
		password string
		want     []string
	}{
		{"Str0ng-Passw0rd", nil},
		{"Aa1aaa-x", nil}, // three in a row is allowed
		{"Aa1aaaa-x", []string{"repeated_characters"}},
		{"Ab1", []string{"too_short"}},
		{"alllower1", []string{"missing_uppercase"}},
		{"ALLUPPER1", []string{"missing_lowercase"}},
		{"NoDigitsHere", []string{"missing_digit"}},
		{"Пароль123", []string{"missing_lowercase", "missing_uppercase"}}, // Latin letters are required
		{"Aa1" + strings.Repeat("xy", 31), []string{"too_long"}},
		{"User@Example.org1", nil},
		{"user@example.org", []string{"missing_uppercase", "missing_digit", "equals_identifier"}},
	}
	for _, tt := range tests {
		var got []string
		for _, v := range CheckPassword(p, tt.password, "USER@example.org", "+79211234567") {
			got = append(got, v.Code)
		}
		if strings.Join(got, ",") != strings.Join(tt.want, ",") {
			t.Errorf("CheckPassword(%q) = %v, want %v", tt.password, got, tt.want)
		}
	}
	// Rules switched off by configuration are not applied.
	lax := config.PasswordPolicy{MinLength: 8, MaxLength: 64}
	if v := CheckPassword(lax, "aaaaaaaa"); len(v) != 0 {
		t.Errorf("lax policy: %v", v)
	}
}

func TestIssuer(t *testing.T) {
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	iss := NewIssuer(key, "https://kabinet.example", 15*time.Minute)
	user, session := uuid.New(), uuid.New()
	tok, err := iss.Issue(user, session)
	if err != nil {
		t.Fatal(err)
	}
	gotUser, gotSession, err := iss.Parse(tok)
	if err != nil || gotUser != user || gotSession != session {
		t.Fatalf("Parse = %v, %v, %v", gotUser, gotSession, err)
	}

	// Time passes beyond expiry plus leeway.
	iss.SetClock(func() time.Time { return time.Now().Add(16 * time.Minute) })
	if _, _, err := iss.Parse(tok); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("expired token: %v", err)
	}
	iss.SetClock(time.Now)

	// Another issuer URL, or another key, refuses the token.
	other := NewIssuer(key, "https://other.example", 15*time.Minute)
	if _, _, err := other.Parse(tok); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("foreign issuer: %v", err)
	}
	_, key2, _ := ed25519.GenerateKey(rand.Reader)
	if _, _, err := NewIssuer(key2, "https://kabinet.example", time.Minute).Parse(tok); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("foreign key: %v", err)
	}
}

func TestKeyPEMRoundTrip(t *testing.T) {
	pemBytes, err := GenerateKeyPEM()
	if err != nil {
		t.Fatal(err)
	}
	key, ephemeral, err := LoadKey(string(pemBytes), "")
	if err != nil || ephemeral || len(key) != ed25519.PrivateKeySize {
		t.Fatalf("LoadKey = %v, %v", ephemeral, err)
	}
	if _, _, err := LoadKey("not pem", ""); err == nil {
		t.Fatal("LoadKey accepted garbage")
	}
	if _, ephemeral, err := LoadKey("", ""); err != nil || !ephemeral {
		t.Fatalf("LoadKey without a key should generate an ephemeral one: %v %v", ephemeral, err)
	}
	// RFC 7638 appendix A.3 style: the thumbprint is stable for a key.
	if Thumbprint(key.Public().(ed25519.PublicKey)) != Thumbprint(key.Public().(ed25519.PublicKey)) {
		t.Fatal("thumbprint not deterministic")
	}
}

func TestRefreshTokens(t *testing.T) {
	a, ha := NewRefreshToken()
	b, _ := NewRefreshToken()
	if a == b || !strings.HasPrefix(a, "rt_") || len(a) < 40 {
		t.Fatalf("refresh tokens %q, %q", a, b)
	}
	if string(HashRefreshToken(a)) != string(ha) || strings.Contains(string(ha), a) {
		t.Fatal("hash mismatch")
	}
}

func BenchmarkArgon2idDefault(b *testing.B) {
	h, err := NewHasher(config.Argon2Params{MemoryKiB: 19456, Iterations: 2, Parallelism: 1}, 1)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := h.Hash(ctx, "Str0ng-Passw0rd"); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "hashes/s")
}

// A key rotation: tokens signed with the old key keep working on an issuer
// that signs with the new key and trusts the old public key.
func TestIssuerTrustsPreviousKeys(t *testing.T) {
	_, oldKey, _ := ed25519.GenerateKey(rand.Reader)
	_, newKey, _ := ed25519.GenerateKey(rand.Reader)
	before := NewIssuer(oldKey, "https://kabinet.example", time.Minute)
	tok, _ := before.Issue(uuid.New(), uuid.New())

	after := NewIssuer(newKey, "https://kabinet.example", time.Minute)
	if _, _, err := after.Parse(tok); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("an untrusted old key verified: %v", err)
	}
	der, _ := x509.MarshalPKIXPublicKey(oldKey.Public())
	pemText := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	keys, err := ParsePublicKeysPEM(append(pemText, pemText...))
	if err != nil || len(keys) != 2 {
		t.Fatalf("ParsePublicKeysPEM = %d keys, %v", len(keys), err)
	}
	after.TrustPrevious(keys...)
	if _, _, err := after.Parse(tok); err != nil {
		t.Fatalf("a token of the trusted old key: %v", err)
	}
	if len(after.VerificationKeys()) != 2 || after.KeyID() != Thumbprint(newKey.Public().(ed25519.PublicKey)) {
		t.Fatalf("keys %v, current %s", after.VerificationKeys(), after.KeyID())
	}
	if _, err := ParsePublicKeysPEM([]byte("garbage")); err == nil {
		t.Fatal("garbage parsed")
	}
}

// WhenIdle runs once after a burst of hashes, not while one is running.
func TestHasherWhenIdle(t *testing.T) {
	h, _ := NewHasher(cheap, 2)
	calls := make(chan struct{}, 10)
	h.WhenIdle(50*time.Millisecond, func() { calls <- struct{}{} })
	ctx := context.Background()
	for range 3 {
		if _, err := h.Hash(ctx, "Str0ng-Passw0rd"); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-calls:
	case <-time.After(5 * time.Second):
		t.Fatal("not called after the hashes")
	}
	select {
	case <-calls:
		t.Fatal("called twice for one burst")
	case <-time.After(200 * time.Millisecond):
	}
	// A hash running when the delay is over postpones the call until it ends.
	h.slots <- struct{}{}
	h.running.Add(1)
	if _, err := h.Hash(ctx, "x"); err != nil { // ends while another "runs"
		t.Fatal(err)
	}
	select {
	case <-calls:
		t.Fatal("called while a hash was running")
	case <-time.After(200 * time.Millisecond):
	}
	h.running.Add(-1)
	<-h.slots
	if _, err := h.Hash(ctx, "y"); err != nil {
		t.Fatal(err)
	}
	select {
	case <-calls:
	case <-time.After(5 * time.Second):
		t.Fatal("not called after the last hash")
	}
}
