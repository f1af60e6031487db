package invitation

import (
	"bytes"
	"net/url"
	"testing"
)

func TestTokensAreUniqueURLSafeAndHashedStably(t *testing.T) {
	a, ha := NewToken()
	b, hb := NewToken()
	if a == b || bytes.Equal(ha, hb) {
		t.Fatal("two tokens are equal")
	}
	if len(a) < 50 || url.QueryEscape(a) != a {
		t.Fatalf("token %q is short or not URL-safe", a)
	}
	if !bytes.Equal(Hash(a), ha) || bytes.Equal(Hash(a+"x"), ha) {
		t.Fatal("Hash does not match the issued hash, or ignores a change")
	}
}

func TestLinkFillsTheTemplate(t *testing.T) {
	if got := Link("https://lk.example.org/invitation?token={token}", "ABC"); got != "https://lk.example.org/invitation?token=ABC" {
		t.Fatalf("Link = %q", got)
	}
}
