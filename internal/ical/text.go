package ical

import (
	"io"
	"strings"
	"unicode/utf8"
)

// maxLine is the longest content line in octets, CRLF excluded (RFC 5545
// §3.1).
const maxLine = 75

// escapeText writes a TEXT value (§3.3.11): backslash, semicolon and comma
// escaped, every line break (CRLF, CR or LF) as \n, other control
// characters dropped (they are not allowed in a value).
func escapeText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == ';':
			b.WriteString(`\;`)
		case r == ',':
			b.WriteString(`\,`)
		case r == '\n' || r == '\r':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteRune(r)
		case r < ' ' || r == 0x7f:
			// dropped
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// cleanURI drops what may not appear in a URI value written unescaped:
// control characters and spaces would break the content line.
func cleanURI(s string) string {
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return -1
		}
		return r
	}, s)
}

// writeFolded writes one content line folded at 75 octets (§3.1): the rest
// continues on lines that start with a space, and a break never falls
// inside a UTF-8 sequence, so every physical line is valid UTF-8.
func writeFolded(w io.Writer, line string) error {
	limit := maxLine
	var b strings.Builder
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		limit = maxLine - 1 // the leading space counts
	}
	b.WriteString(line)
	b.WriteString("\r\n")
	_, err := io.WriteString(w, b.String())
	return err
}
