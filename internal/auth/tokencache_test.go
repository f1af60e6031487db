package auth

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

func newTestIssuer(t testing.TB, ttl time.Duration) *Issuer {
	t.Helper()
	_, key, _ := ed25519.GenerateKey(rand.Reader)
	return NewIssuer(key, "https://kabinet.example", ttl)
}

// A verified token is cached; a token that differs in any byte is a cache
// miss and verified in full, so a forged signature never rides on a cached
// one.
func TestParseCachesVerifiedTokensOnly(t *testing.T) {
	iss := newTestIssuer(t, 15*time.Minute)
	user, session := uuid.New(), uuid.New()
	tok, _ := iss.Issue(user, session)
	for range 3 {
		u, s, err := iss.Parse(tok)
		if err != nil || u != user || s != session {
			t.Fatalf("Parse = %v, %v, %v", u, s, err)
		}
	}
	if n := iss.CachedTokens(); n != 1 {
		t.Fatalf("%d cached tokens, want 1", n)
	}
	// The same claims with another signature: refused, and not cached.
	forged := tok[:len(tok)-2] + flip(tok[len(tok)-2]) + tok[len(tok)-1:]
	if _, _, err := iss.Parse(forged); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("forged signature: %v", err)
	}
	if _, _, err := iss.Parse("not.a.token"); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("garbage: %v", err)
	}
	if n := iss.CachedTokens(); n != 1 {
		t.Fatalf("%d cached tokens after refusals, want 1", n)
	}
}

func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

// Expiry is checked on every hit, with the same leeway as a full check.
func TestCachedTokenExpires(t *testing.T) {
	iss := newTestIssuer(t, time.Minute)
	tok, _ := iss.Issue(uuid.New(), uuid.New())
	if _, _, err := iss.Parse(tok); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	iss.SetClock(func() time.Time { return start.Add(time.Minute + 20*time.Second) }) // within the leeway
	if _, _, err := iss.Parse(tok); err != nil {
		t.Fatalf("within the leeway: %v", err)
	}
	iss.SetClock(func() time.Time { return start.Add(time.Minute + 31*time.Second) })
	if _, _, err := iss.Parse(tok); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("expired cached token: %v, want ErrTokenExpired", err)
	}
	if n := iss.CachedTokens(); n != 0 {
		t.Fatalf("the expired token is still cached (%d)", n)
	}
}

// A token of a previous key, cached while that key was trusted, is refused
// once the key is retired.
func TestCachedTokenOfRetiredKey(t *testing.T) {
	old := newTestIssuer(t, 15*time.Minute)
	tok, _ := old.Issue(uuid.New(), uuid.New())
	cur := newTestIssuer(t, 15*time.Minute)
	cur.TrustPrevious(old.PublicKey())
	if _, _, err := cur.Parse(tok); err != nil {
		t.Fatalf("a trusted previous key: %v", err)
	}
	if n := cur.cache.len(); n != 1 {
		t.Fatalf("%d cached, want 1", n)
	}
	if err := cur.RetireKey(old.KeyID()); err != nil {
		t.Fatal(err)
	}
	if _, _, err := cur.Parse(tok); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("a cached token of a retired key: %v, want ErrTokenInvalid", err)
	}
	if len(cur.VerificationKeys()) != 1 {
		t.Fatalf("keys after retiring: %v", cur.VerificationKeys())
	}
	if err := cur.RetireKey(cur.KeyID()); err == nil {
		t.Fatal("the signing key was retired")
	}
	// Trusting it again works (and the signing key's tokens never stopped).
	cur.TrustPrevious(old.PublicKey())
	if _, _, err := cur.Parse(tok); err != nil {
		t.Fatalf("trusted again: %v", err)
	}
	own, _ := cur.Issue(uuid.New(), uuid.New())
	if _, _, err := cur.Parse(own); err != nil {
		t.Fatal(err)
	}
}

// The cache never holds more than its size, evicting the oldest; evicted
// tokens still verify (in full).
func TestTokenCacheIsBounded(t *testing.T) {
	iss := newTestIssuer(t, 15*time.Minute)
	iss.SetTokenCacheSize(32)
	var toks []string
	for range 200 {
		tok, _ := iss.Issue(uuid.New(), uuid.New())
		toks = append(toks, tok)
		if _, _, err := iss.Parse(tok); err != nil {
			t.Fatal(err)
		}
		if n := iss.CachedTokens(); n > 32 {
			t.Fatalf("%d cached tokens, more than 32", n)
		}
	}
	for _, tok := range toks {
		if _, _, err := iss.Parse(tok); err != nil {
			t.Fatalf("an evicted token: %v", err)
		}
	}
	iss.SetTokenCacheSize(0)
	if _, _, err := iss.Parse(toks[0]); err != nil || iss.cache != nil {
		t.Fatalf("without a cache: %v", err)
	}
}

func TestTokenCacheConcurrentUse(t *testing.T) {
	iss := newTestIssuer(t, 15*time.Minute)
	iss.SetTokenCacheSize(64)
	toks := make([]string, 100)
	for i := range toks {
		toks[i], _ = iss.Issue(uuid.New(), uuid.New())
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 300 {
				if _, _, err := iss.Parse(toks[(g*31+i)%len(toks)]); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Go(func() {
		for range 50 {
			iss.TrustPrevious(newTestIssuer(t, time.Minute).PublicKey())
		}
	})
	wg.Wait()
}

func BenchmarkParseAccessToken(b *testing.B) {
	for _, size := range []int{0, DefaultTokenCacheSize} {
		name := "uncached"
		if size > 0 {
			name = "cached"
		}
		b.Run(name, func(b *testing.B) {
			iss := newTestIssuer(b, 15*time.Minute)
			iss.SetTokenCacheSize(size)
			tok, _ := iss.Issue(uuid.New(), uuid.New())
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := iss.Parse(tok); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
