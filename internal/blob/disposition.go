package blob

import (
	"path"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ContentDisposition builds a Content-Disposition header value (RFC 6266)
// for disposition ("attachment" or "inline") and a file name in any script:
// an ASCII filename="…" for old clients — Cyrillic transliterated, other
// characters replaced by '_' — and, when that differs from the name,
// filename*=UTF-8”… with the name percent-encoded (RFC 8187, formerly
// 5987). Folders in the name and control characters are dropped; an empty
// name becomes "file".
func ContentDisposition(disposition, name string) string {
	name = cleanFileName(name)
	fallback := asciiFileName(name)
	v := disposition + `; filename="` + fallback + `"`
	if fallback != name {
		v += "; filename*=UTF-8''" + encodeRFC8187(name)
	}
	return v
}

func cleanFileName(name string) string {
	name = strings.ToValidUTF8(name, "")
	name = path.Base(strings.ReplaceAll(name, `\`, "/"))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if name == "" || name == "." || name == "/" || name == ".." {
		return "file"
	}
	return name
}

// translit follows the Russian passport transliteration (ICAO Doc 9303),
// good enough to keep a fallback name readable.
var translit = map[rune]string{
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "e", 'ж': "zh",
	'з': "z", 'и': "i", 'й': "i", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o",
	'п': "p", 'р': "r", 'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts",
	'ч': "ch", 'ш': "sh", 'щ': "shch", 'ъ': "ie", 'ы': "y", 'ь': "", 'э': "e", 'ю': "iu",
	'я': "ia", 'і': "i", 'ї': "i", 'є': "ie", 'ґ': "g", 'ў': "u",
}

func asciiFileName(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('_')
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		default:
			t, ok := translit[unicode.ToLower(r)]
			if !ok {
				b.WriteByte('_')
				continue
			}
			if unicode.IsUpper(r) && t != "" {
				t = strings.ToUpper(t[:1]) + t[1:]
			}
			b.WriteString(t)
		}
	}
	return b.String()
}

// encodeRFC8187 percent-encodes every byte outside RFC 8187's attr-char.
func encodeRFC8187(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if isAttrChar(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func isAttrChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", c) >= 0
}
