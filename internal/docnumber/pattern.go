// Package docnumber issues registration numbers of completion documents
// from a per-organization sequence, formatted by a configurable pattern such
// as "{year}-{seq:06}" or "ПК-{seq:05}/{yy}".
//
// Numbers are gapless and never duplicated: Next increments a counter row
// (organization, kind, period) with one INSERT … ON CONFLICT DO UPDATE …
// RETURNING inside the caller's transaction, the transaction that also
// stores the document. Concurrent issuers queue on the row lock; a rollback
// undoes the increment, so the number goes to the next document.
package docnumber

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Reset says when a sequence starts again from 1.
type Reset string

// The resets.
const (
	// ResetNever: one sequence for all time.
	ResetNever Reset = "never"
	// ResetYearly: a sequence per calendar year of the issue date; the
	// pattern must then hold {year} or {yy}, or numbers would repeat.
	ResetYearly Reset = "yearly"
)

// MaxPatternLength bounds a pattern in characters.
const MaxPatternLength = 100

// PatternError says what is wrong with a pattern and where (Pos is the byte
// offset of the offending token, -1 for the pattern as a whole).
type PatternError struct {
	Pattern string
	Pos     int
	Msg     string
}

func (e *PatternError) Error() string {
	if e.Pos < 0 {
		return fmt.Sprintf("number pattern %q: %s", e.Pattern, e.Msg)
	}
	return fmt.Sprintf("number pattern %q at position %d: %s", e.Pattern, e.Pos, e.Msg)
}

type tokenKind int

const (
	literal tokenKind = iota
	tokYear
	tokYY
	tokMonth
	tokSeq
	tokPrefix
)

type part struct {
	kind  tokenKind
	text  string // literal text
	width int    // {seq:N}: zero-padded to N digits
}

// Pattern is a parsed, valid number pattern. Tokens: {year} (2026), {yy}
// (26), {month} (01–12), {prefix} (the organization's configured prefix)
// and exactly one {seq} or {seq:N} — the sequence number zero-padded to N
// digits (1–12; "{seq:06}" and "{seq:6}" are the same) and never
// truncated: number 1000000 prints in full under {seq:06}. Everything else
// is literal text; "{{" and "}}" write a brace.
type Pattern struct {
	raw   string
	parts []part
	reset Reset
}

// ParsePattern checks and parses a pattern. reset is ResetNever,
// ResetYearly or "" — yearly when the pattern holds {year} or {yy}, else
// never.
func ParsePattern(raw string, reset Reset) (*Pattern, error) {
	fail := func(pos int, format string, args ...any) (*Pattern, error) {
		return nil, &PatternError{Pattern: raw, Pos: pos, Msg: fmt.Sprintf(format, args...)}
	}
	switch {
	case strings.TrimSpace(raw) == "":
		return fail(-1, "must not be empty")
	case utf8.RuneCountInString(raw) > MaxPatternLength:
		return fail(-1, "longer than %d characters", MaxPatternLength)
	case !utf8.ValidString(raw):
		return fail(-1, "not valid UTF-8")
	}
	p := &Pattern{raw: raw}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			p.parts = append(p.parts, part{kind: literal, text: lit.String()})
			lit.Reset()
		}
	}
	seqs, years := 0, 0
	for i := 0; i < len(raw); {
		switch {
		case strings.HasPrefix(raw[i:], "{{"), strings.HasPrefix(raw[i:], "}}"):
			lit.WriteByte(raw[i])
			i += 2
			continue
		case raw[i] == '}':
			return fail(i, `unmatched "}" (write "}}" for a brace)`)
		case raw[i] != '{':
			r, size := utf8.DecodeRuneInString(raw[i:])
			if r < ' ' || r == 0x7f {
				return fail(i, "control characters are not allowed")
			}
			lit.WriteString(raw[i : i+size])
			i += size
			continue
		}
		end := strings.IndexByte(raw[i:], '}')
		if end < 0 {
			return fail(i, `unclosed "{" (write "{{" for a brace)`)
		}
		name := raw[i+1 : i+end]
		var tp part
		switch {
		case name == "year":
			tp.kind = tokYear
			years++
		case name == "yy":
			tp.kind = tokYY
			years++
		case name == "month":
			tp.kind = tokMonth
		case name == "prefix":
			tp.kind = tokPrefix
		case name == "seq":
			tp.kind = tokSeq
		case strings.HasPrefix(name, "seq:"):
			w, err := strconv.Atoi(name[4:])
			if err != nil || w < 1 || w > 12 || strings.ContainsAny(name[4:], "+-") {
				return fail(i, "{seq:N} needs a width N from 1 to 12, not %q", name[4:])
			}
			tp.kind, tp.width = tokSeq, w
		default:
			return fail(i, "unknown token {%s} (known: {year} {yy} {month} {seq} {seq:N} {prefix})", name)
		}
		if tp.kind == tokSeq {
			seqs++
		}
		flush()
		p.parts = append(p.parts, tp)
		i += end + 1
	}
	flush()
	switch {
	case seqs == 0:
		return fail(-1, "needs the sequence number {seq} or {seq:N}")
	case seqs > 1:
		return fail(-1, "has more than one {seq}")
	}
	switch reset {
	case "":
		p.reset = ResetNever
		if years > 0 {
			p.reset = ResetYearly
		}
	case ResetNever:
		p.reset = ResetNever
	case ResetYearly:
		if years == 0 {
			return fail(-1, "restarts yearly, so it needs {year} or {yy}, or numbers would repeat")
		}
		p.reset = ResetYearly
	default:
		return fail(-1, "unknown reset %q (never or yearly)", reset)
	}
	return p, nil
}

// String is the pattern as written.
func (p *Pattern) String() string { return p.raw }

// Reset is when the sequence restarts.
func (p *Pattern) Reset() Reset { return p.reset }

// Period is the counter a number issued on date belongs to: its year for a
// yearly pattern, else 0.
func (p *Pattern) Period(date time.Time) int {
	if p.reset == ResetYearly {
		return date.Year()
	}
	return 0
}

// Format writes sequence number seq issued on date (read in its own
// location: pass the date in the organization's time zone).
func (p *Pattern) Format(seq int64, date time.Time, prefix string) string {
	var b strings.Builder
	for _, pt := range p.parts {
		switch pt.kind {
		case literal:
			b.WriteString(pt.text)
		case tokYear:
			fmt.Fprintf(&b, "%04d", date.Year())
		case tokYY:
			fmt.Fprintf(&b, "%02d", date.Year()%100)
		case tokMonth:
			fmt.Fprintf(&b, "%02d", int(date.Month()))
		case tokPrefix:
			b.WriteString(prefix)
		case tokSeq:
			fmt.Fprintf(&b, "%0*d", pt.width, seq)
		}
	}
	return b.String()
}
