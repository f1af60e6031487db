package auth

import (
	_ "embed"
	"strings"
	"unicode/utf8"

	"github.com/ccojocar/zxcvbn-go"
)

// commonList is zxcvbn's frequency list of the most used passwords (from
// leaked password databases), lower-cased, sorted and one per line: 52 KiB
// in the binary, searched in place, so the check holds no heap at all.
// (zxcvbn's own matchers keep every list it has in maps, ≈ 6 MiB; they are
// loaded only when KABINET_PASSWORD_MIN_STRENGTH asks for its score.)
// common_test.go checks that the file is zxcvbn's list.
//
//go:embed commonpasswords.txt
var commonList string

// commonMaxEntry is the length of the longest entry of commonList.
const commonMaxEntry = 18

// Limits of the common-password check. A common password may carry a short
// decoration (the composition rules push people to "Password1!"), or be two
// common passwords glued together ("Qwerty123456") with at most one extra
// character. The list holds short entries too ("pass", "rong"), so two
// pieces with a longer decoration would refuse reasonable passwords.
const (
	commonMaxExtra     = 3
	commonMaxExtraPair = 1
	// Longer passwords are not checked. No list entry is longer than 18
	// characters, so this covers any entry with its decoration and the pairs
	// people actually glue together; it also bounds the l33t readings.
	commonMaxRunes = 25
	// strengthMaxRunes bounds the estimator's work (≈70 ms at worst for 32
	// runes): only a prefix this long is scored, a safe under-estimate.
	strengthMaxRunes = 32
)

// IsCommonPassword reports whether password is one of the most used
// passwords, ignoring case and l33t substitutions (P@ssw0rd), with up to
// three extra characters around it (Password1!), or two of them glued
// together with at most one extra character (Qwerty123456). It finds the
// same list entries in a password as zxcvbn's dictionary and l33t matchers
// did (common_test.go compares them), without their dictionaries.
func IsCommonPassword(password string) bool {
	n := utf8.RuneCountInString(password)
	if n == 0 || n > commonMaxRunes {
		return false
	}
	pieces := commonPieces(nil, password)
	for _, reading := range l33tReadings(password) {
		pieces = commonPieces(pieces, reading)
	}
	return n-maxCovered(pieces, 1) <= commonMaxExtra || n-maxCovered(pieces, 2) <= commonMaxExtraPair
}

// span is a run of characters, i to j inclusive, that is a list entry.
type span struct{ i, j int }

// commonPieces appends the spans of s (counted in characters of its lower
// case) that are entries of commonList.
func commonPieces(pieces []span, s string) []span {
	lower := strings.ToLower(s)
	var starts [commonMaxRunes*4 + 1]int // byte offset of each character, then len
	k := 0
	for off := range lower {
		if k == len(starts)-1 {
			break
		}
		starts[k] = off
		k++
	}
	starts[k] = len(lower)
	for i := range k {
		for j := i; j < k && j-i < commonMaxEntry; j++ {
			if inCommonList(lower[starts[i]:starts[j+1]]) {
				pieces = append(pieces, span{i, j})
			}
		}
	}
	return pieces
}

// inCommonList reports whether word is a line of commonList: a binary
// search over the sorted lines, in place.
func inCommonList(word string) bool {
	lo, hi := 0, len(commonList) // always whole lines
	for lo < hi {
		mid := lo + (hi-lo)/2
		start := lo + strings.LastIndexByte(commonList[lo:mid], '\n') + 1
		end := start + strings.IndexByte(commonList[start:], '\n')
		switch c := strings.Compare(word, commonList[start:end]); {
		case c == 0:
			return true
		case c < 0:
			hi = start
		default:
			lo = end + 1
		}
	}
	return false
}

// l33tTable is zxcvbn's table of characters that stand for letters.
var l33tTable = []struct {
	letter byte
	subs   string
}{
	{'a', "4@"}, {'b', "8"}, {'c', "({[<"}, {'e', "3"}, {'g', "69"}, {'i', "1!|"},
	{'l', "1|7"}, {'o', "0"}, {'s', "$5"}, {'t', "+7"}, {'x', "%"}, {'z', "2"},
}

// l33tReadings are the readings of password with l33t characters turned
// back into letters, as zxcvbn's l33t matcher makes them: each reading takes
// one of the substitutes present for each letter and replaces all of its
// occurrences; a character that stands for several letters (1, |, 7) stands
// for one of them in each reading.
func l33tReadings(password string) []string {
	type sub struct {
		letter byte
		subs   []byte
	}
	var relevant []sub
	for _, t := range l33tTable {
		var present []byte
		for k := 0; k < len(t.subs); k++ {
			if strings.IndexByte(password, t.subs[k]) >= 0 {
				present = append(present, t.subs[k])
			}
		}
		if len(present) > 0 {
			relevant = append(relevant, sub{t.letter, present})
		}
	}
	if len(relevant) == 0 {
		return nil
	}
	// Split on the characters that stand for several letters: one table
	// per choice, in which only the chosen letter keeps the character.
	tables := [][]sub{relevant}
	for _, c := range []byte("1|7") {
		var next [][]sub
		for _, table := range tables {
			var owners []byte
			for _, s := range table {
				if strings.IndexByte(string(s.subs), c) >= 0 {
					owners = append(owners, s.letter)
				}
			}
			if len(owners) < 2 {
				next = append(next, table)
				continue
			}
			for _, keep := range owners {
				var t []sub
				for _, s := range table {
					subs := s.subs
					if s.letter != keep {
						subs = []byte(strings.ReplaceAll(string(subs), string(c), ""))
					}
					if len(subs) > 0 {
						t = append(t, sub{s.letter, subs})
					}
				}
				next = append(next, t)
			}
		}
		tables = next
	}
	var out []string
	for _, table := range tables {
		// Every combination of one substitute per letter.
		choice := make([]int, len(table))
		for {
			reading := password
			for k, s := range table {
				reading = strings.ReplaceAll(reading, string(s.subs[choice[k]]), string(s.letter))
			}
			if !contains(out, reading) {
				out = append(out, reading)
			}
			k := 0
			for ; k < len(table); k++ {
				if choice[k]++; choice[k] < len(table[k].subs) {
					break
				}
				choice[k] = 0
			}
			if k == len(table) {
				break
			}
		}
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// maxCovered returns the most characters that at most k non-overlapping
// spans cover. Spans are few, so a plain search will do.
func maxCovered(ms []span, k int) int {
	best := 0
	for i, a := range ms {
		covered := a.j - a.i + 1
		if k > 1 {
			var rest []span
			for _, b := range ms[i+1:] {
				if b.i > a.j || b.j < a.i {
					rest = append(rest, b)
				}
			}
			covered += maxCovered(rest, k-1)
		}
		best = max(best, covered)
	}
	return best
}

// PasswordScore is zxcvbn's strength estimate of password from 0 (too
// guessable) to 4 (very unguessable); userInputs are words the estimator
// should treat as known to an attacker (names, e-mail). The first call
// loads zxcvbn's dictionaries.
func PasswordScore(password string, userInputs ...string) int {
	if utf8.RuneCountInString(password) > strengthMaxRunes {
		password = string([]rune(password)[:strengthMaxRunes])
	}
	var inputs []string
	for _, in := range userInputs {
		if in = strings.TrimSpace(strings.ToLower(in)); in != "" {
			inputs = append(inputs, in)
		}
	}
	return zxcvbn.PasswordStrength(password, inputs).Score
}
