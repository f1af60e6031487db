package blob_test

import (
	"mime"
	"testing"

	"github.com/kabinet-edu/kabinet/internal/blob"
)

func TestContentDisposition(t *testing.T) {
	cases := []struct {
		disp, name, want string
	}{
		{"attachment", "report.pdf", `attachment; filename="report.pdf"`},
		{"attachment", "Паспорт Иванова.pdf", `attachment; filename="Pasport Ivanova.pdf"; filename*=UTF-8''%D0%9F%D0%B0%D1%81%D0%BF%D0%BE%D1%80%D1%82%20%D0%98%D0%B2%D0%B0%D0%BD%D0%BE%D0%B2%D0%B0.pdf`},
		{"inline", "Щука ёж.png", `inline; filename="Shchuka ezh.png"; filename*=UTF-8''%D0%A9%D1%83%D0%BA%D0%B0%20%D1%91%D0%B6.png`},
		{"attachment", `a"b\c.pdf`, `attachment; filename="c.pdf"`},
		{"attachment", `say "hi".pdf`, `attachment; filename="say _hi_.pdf"; filename*=UTF-8''say%20%22hi%22.pdf`},
		{"attachment", "../../etc/passwd", `attachment; filename="passwd"`},
		{"attachment", "line\r\nbreak.pdf", `attachment; filename="linebreak.pdf"`},
		{"attachment", "", `attachment; filename="file"`},
		{"attachment", "日本.pdf", `attachment; filename="__.pdf"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.pdf`},
	}
	for _, c := range cases {
		got := blob.ContentDisposition(c.disp, c.name)
		if got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
	// Go's own parser decodes filename* back to the UTF-8 name.
	_, params, err := mime.ParseMediaType(blob.ContentDisposition("attachment", "Диплом о переподготовке.pdf"))
	if err != nil || params["filename"] != "Диплом о переподготовке.pdf" {
		t.Fatalf("ParseMediaType: %v %q", err, params["filename"])
	}
}
