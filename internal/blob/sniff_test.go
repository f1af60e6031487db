package blob_test

import (
	"archive/zip"
	"bytes"
	"testing"

	"github.com/kabinet-edu/kabinet/internal/blob"
)

func pngHeader() []byte {
	return append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), make([]byte, 64)...)
}

// office builds a ZIP whose entries are named as given, in that order.
func office(t *testing.T, names ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = w.Write(bytes.Repeat([]byte(`<?xml version="1.0"?><x/>`), 20))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestSniff(t *testing.T) {
	cases := []struct {
		name string
		head []byte
		want string
	}{
		{"pdf", []byte("%PDF-1.4\n1 0 obj"), blob.TypePDF},
		{"jpeg", []byte("\xff\xd8\xff\xe0\x00\x10JFIF\x00"), blob.TypeJPEG},
		{"png", pngHeader(), blob.TypePNG},
		{"webp", []byte("RIFF\x24\x00\x00\x00WEBPVP8 \x18\x00\x00\x00"), blob.TypeWebP},
		{"gif", []byte("GIF89a\x01\x00\x01\x00"), blob.TypeGIF},
		{"docx", office(t, "[Content_Types].xml", "_rels/.rels", "word/document.xml"), blob.TypeDOCX},
		{"xlsx", office(t, "[Content_Types].xml", "_rels/.rels", "xl/workbook.xml"), blob.TypeXLSX},
		{"plain zip", office(t, "a.txt", "b.txt"), blob.TypeZIP},
		{"zip with only content types", office(t, "[Content_Types].xml", "evil.exe"), blob.TypeZIP},
		{"text", []byte("Привет, мир"), blob.TypeText},
		{"html", []byte("<html><body>hi"), "text/html"},
		{"elf", []byte("\x7fELF\x02\x01\x01\x00"), blob.TypeExecutable},
		{"pe", []byte("MZ\x90\x00\x03\x00\x00\x00"), blob.TypeExecutable},
		{"mach-o", []byte{0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1}, blob.TypeExecutable},
		{"script", []byte("#!/usr/bin/env python\n"), blob.TypeExecutable},
		{"executable with pdf later", append([]byte("MZ"), []byte("%PDF-1.4")...), blob.TypeExecutable},
		{"pdf marker not at start", []byte(" %PDF-1.4"), blob.TypeText},
		{"binary junk", []byte{0, 1, 2, 3, 4, 5}, blob.TypeUnknown},
	}
	for _, c := range cases {
		if got := blob.Sniff(c.head); got != c.want {
			t.Errorf("%s: Sniff = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestDocumentTypesAreCopies(t *testing.T) {
	a := blob.DocumentTypes()
	a[0] = blob.TypeExecutable
	if blob.DocumentTypes()[0] == blob.TypeExecutable {
		t.Fatal("DocumentTypes shares its backing array")
	}
}
