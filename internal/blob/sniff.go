package blob

import (
	"bytes"
	"mime"
	"net/http"
)

// The content types Sniff can tell apart and callers may allow.
const (
	TypePDF  = "application/pdf"
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypeWebP = "image/webp"
	TypeGIF  = "image/gif"
	TypeZIP  = "application/zip"
	TypeDOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
	TypeXLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	TypeText = "text/plain"

	// TypeExecutable is what Sniff reports for native executables (ELF, PE/MZ,
	// Mach-O) and scripts with a "#!" line. No allowed list should hold it.
	TypeExecutable = "application/x-executable"
	// TypeUnknown is what Sniff reports when it recognizes nothing.
	TypeUnknown = "application/octet-stream"
)

// Images are the types accepted for pictures shown on pages (logos, covers).
var imageTypes = []string{TypeJPEG, TypePNG, TypeWebP}

// documentTypes are the types accepted for scans and documents that
// applicants send (passport scans, diplomas).
var documentTypes = []string{TypePDF, TypeJPEG, TypePNG, TypeWebP, TypeDOCX}

// ImageTypes returns the types accepted for logos and cover images.
func ImageTypes() []string { return append([]string(nil), imageTypes...) }

// DocumentTypes returns the types accepted for applicants' documents: PDF,
// the image types and DOCX.
func DocumentTypes() []string { return append([]string(nil), documentTypes...) }

// SniffLen is how many leading bytes Sniff looks at; Upload reads this much
// before it decides.
const SniffLen = 4096

// executableMagic are prefixes of files an operating system would run.
var executableMagic = [][]byte{
	[]byte("\x7fELF"),        // Linux and most Unixes
	[]byte("MZ"),             // DOS/Windows PE (.exe, .dll, .scr)
	{0xfe, 0xed, 0xfa, 0xce}, // Mach-O 32-bit
	{0xfe, 0xed, 0xfa, 0xcf}, // Mach-O 64-bit
	{0xce, 0xfa, 0xed, 0xfe}, // Mach-O 32-bit, little-endian
	{0xcf, 0xfa, 0xed, 0xfe}, // Mach-O 64-bit, little-endian
	{0xca, 0xfe, 0xba, 0xbe}, // Mach-O universal binary (and Java class files)
	[]byte("#!"),             // scripts
	[]byte("\x00asm"),        // WebAssembly
	[]byte("dex\n"),          // Android
}

// Sniff names the content type of a file from its first bytes (at most
// SniffLen are looked at); the name and the type a client declares are never
// consulted. It knows what http.DetectContentType knows (PDF, JPEG, PNG,
// WebP, GIF, ZIP, text, …), tells DOCX and XLSX from other ZIP archives by
// the names of their first entries, and reports executables as
// TypeExecutable whatever else they look like. The result carries no
// parameters ("text/plain", not "text/plain; charset=utf-8").
func Sniff(head []byte) string {
	if len(head) > SniffLen {
		head = head[:SniffLen]
	}
	for _, m := range executableMagic {
		if bytes.HasPrefix(head, m) {
			return TypeExecutable
		}
	}
	t := http.DetectContentType(head)
	if mt, _, err := mime.ParseMediaType(t); err == nil {
		t = mt
	}
	if t == TypeZIP {
		return sniffOOXML(head)
	}
	return t
}

// sniffOOXML tells Office Open XML documents from plain ZIP archives. Word,
// LibreOffice and Go's archive/zip writers put "[Content_Types].xml" and the
// part folders ("word/", "xl/") among the first entries, whose local headers
// fall within the sniffed bytes. Anything else stays a ZIP (which the
// default lists do not allow), so the guess errs on the side of refusing.
func sniffOOXML(head []byte) string {
	names := zipEntryNames(head)
	var contentTypes bool
	for _, n := range names {
		if n == "[Content_Types].xml" {
			contentTypes = true
		}
	}
	if !contentTypes {
		return TypeZIP
	}
	for _, n := range names {
		switch {
		case bytes.HasPrefix([]byte(n), []byte("word/")):
			return TypeDOCX
		case bytes.HasPrefix([]byte(n), []byte("xl/")):
			return TypeXLSX
		}
	}
	return TypeZIP
}

// zipEntryNames returns the names found in local file headers
// ("PK\x03\x04") within head. It scans for the signature rather than
// walking sizes, since entries written with a data descriptor carry no size
// in their local header.
func zipEntryNames(head []byte) []string {
	var names []string
	sig := []byte("PK\x03\x04")
	for i := 0; ; {
		j := bytes.Index(head[i:], sig)
		if j < 0 {
			return names
		}
		p := i + j
		if p+30 > len(head) {
			return names
		}
		nameLen := int(head[p+26]) | int(head[p+27])<<8
		if p+30+nameLen > len(head) {
			return names
		}
		names = append(names, string(head[p+30:p+30+nameLen]))
		i = p + 30 + nameLen
	}
}
