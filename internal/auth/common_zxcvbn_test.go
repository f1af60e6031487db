package auth

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ccojocar/zxcvbn-go/frequency"
	"github.com/ccojocar/zxcvbn-go/match"
	"github.com/ccojocar/zxcvbn-go/matching"
)

// The embedded list is zxcvbn's Passwords list, lower-cased and sorted.
func TestCommonListIsZxcvbns(t *testing.T) {
	var want []string
	for _, w := range frequency.Load()["Passwords"].List {
		want = append(want, strings.ToLower(w))
	}
	slices.Sort(want)
	want = slices.Compact(want)
	got := strings.Split(strings.TrimSuffix(commonList, "\n"), "\n")
	if !slices.Equal(got, want) {
		t.Fatalf("commonpasswords.txt has %d entries, zxcvbn's list %d distinct ones: regenerate it", len(got), len(want))
	}
	longest := 0
	for _, w := range got {
		longest = max(longest, len(w))
		if !inCommonList(w) {
			t.Fatalf("%q not found by the search", w)
		}
		if inCommonList(w+"\x00") || inCommonList(w[:len(w)-1]+"\x7f") {
			t.Fatalf("a near miss of %q was found", w)
		}
	}
	if longest != commonMaxEntry {
		t.Fatalf("the longest entry has %d characters, commonMaxEntry is %d", longest, commonMaxEntry)
	}
	if inCommonList("") || inCommonList("kabinet-demo-2026") {
		t.Fatal("non-entries found")
	}
}

// zxcvbnIsCommon is the check as it was written on zxcvbn's own matchers
// (its dictionary and l33t matchers, keeping the Passwords list's pieces);
// IsCommonPassword must agree with it.
func zxcvbnIsCommon(password string) bool {
	n := utf8.RuneCountInString(password)
	if n == 0 || n > commonMaxRunes {
		return false
	}
	matches := matching.Omnimatch(password, nil, func(m match.Matcher) bool {
		return m.ID != "Passwords" && m.ID != matching.L33TMatcherName
	})
	var pieces []span
	for _, m := range matches {
		if m.Pattern == "dictionary" && m.DictionaryName == "Passwords" {
			pieces = append(pieces, span{m.I, m.J})
		}
	}
	return n-maxCovered(pieces, 1) <= commonMaxExtra || n-maxCovered(pieces, 2) <= commonMaxExtraPair
}

func TestIsCommonPasswordAgreesWithZxcvbn(t *testing.T) {
	entries := strings.Split(strings.TrimSuffix(commonList, "\n"), "\n")
	r := rand.New(rand.NewPCG(12, 2026))
	leet := map[rune]string{'a': "4@", 'e': "3", 'i': "1!|", 'l': "1|7", 'o': "0", 's': "$5", 't': "+7", 'g': "69", 'c': "({[<", 'b': "8", 'z': "2", 'x': "%"}
	decorate := func(w string) string {
		var b strings.Builder
		for _, c := range w {
			switch subs, ok := leet[c]; {
			case ok && r.IntN(3) == 0:
				b.WriteByte(subs[r.IntN(len(subs))])
			case r.IntN(4) == 0:
				b.WriteString(strings.ToUpper(string(c)))
			default:
				b.WriteRune(c)
			}
		}
		return b.String()
	}
	extras := []string{"", "1", "!", "12", "123", "2024", "1!", "-x7", "Zq9#k", "_"}
	var corpus []string
	for range 800 {
		a := entries[r.IntN(len(entries))]
		b := entries[r.IntN(len(entries))]
		x := extras[r.IntN(len(extras))]
		corpus = append(corpus, decorate(a)+x, x+decorate(a), decorate(a)+x+decorate(b), decorate(a)+decorate(b))
	}
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!@#$%^&*()-_=+|[]{}<>7"
	for range 800 {
		var b strings.Builder
		for range 6 + r.IntN(14) {
			b.WriteByte(alphabet[r.IntN(len(alphabet))])
		}
		corpus = append(corpus, b.String())
	}
	corpus = append(corpus, "Пароль123", "İstanbul1", "ß1234567", "1|7!1|7!", "(((((((((")
	disagree := 0
	for _, pw := range corpus {
		if got, want := IsCommonPassword(pw), zxcvbnIsCommon(pw); got != want {
			if disagree++; disagree <= 10 {
				t.Errorf("IsCommonPassword(%q) = %v, zxcvbn's matchers say %v", pw, got, want)
			}
		}
	}
	if disagree > 0 {
		t.Fatalf("%d of %d passwords judged differently", disagree, len(corpus))
	}
}

func BenchmarkIsCommonPassword(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		IsCommonPassword("Str0ng-Passw0rd")
		IsCommonPassword("P@ssw0rd1")
	}
}
