package markdown_test

import (
	"strings"
	"testing"

	"github.com/kabinet-edu/kabinet/internal/markdown"
)

func TestRender(t *testing.T) {
	r := markdown.New()
	cases := []struct {
		name    string
		src     string
		want    []string // substrings of the output
		notWant []string
	}{
		{name: "paragraph and emphasis", src: "Курс **повышения** квалификации _педагогов_",
			want: []string{"<p>Курс <strong>повышения</strong> квалификации <em>педагогов</em></p>"}},
		{name: "table", src: "| Модуль | Часы |\n|---|---:|\n| Введение | 4 |\n",
			want: []string{"<table>", "<th>Модуль</th>", "<td>4</td>"}},
		{name: "link", src: "[Сайт](https://example.org/a?b=1&c=2)",
			want: []string{`<a href="https://example.org/a?b=1&amp;c=2" rel="nofollow noopener">Сайт</a>`}},
		{name: "bare link", src: "См. https://example.org",
			want: []string{`<a href="https://example.org" rel="nofollow noopener">https://example.org</a>`}},
		{name: "relative link", src: "[правила](/rules)", want: []string{`<a href="/rules" rel="nofollow noopener">`}},
		{name: "strikethrough and task list", src: "~~старая цена~~\n\n- [x] готово\n",
			want: []string{"<del>старая цена</del>", `<input checked="" disabled="" type="checkbox">`}},
		{name: "script tag", src: "<script>alert(1)</script>\n\nТекст",
			notWant: []string{"<script", "alert(1)</script>"}, want: []string{"<p>Текст</p>"}},
		{name: "inline script", src: "a <script>alert(1)</script> b", notWant: []string{"<script"}},
		{name: "event handler", src: `<img src="x" onerror="alert(1)">`, notWant: []string{"onerror", "<img"}},
		{name: "javascript link", src: "[жми](javascript:alert(1))", notWant: []string{"javascript:"}},
		{name: "encoded javascript link", src: "[жми](jav&#x09;ascript:alert(1))", notWant: []string{"ascript:alert"}},
		{name: "data link", src: "[x](data:text/html;base64,PHNjcmlwdD4=)", notWant: []string{"data:text/html"}},
		{name: "vbscript autolink", src: "<vbscript:msgbox(1)>", notWant: []string{`href="vbscript`}},
		{name: "javascript image", src: "![x](javascript:alert(1))", notWant: []string{"javascript:"}},
		{name: "iframe", src: `<iframe src="https://evil.example"></iframe>`, notWant: []string{"<iframe"}},
		{name: "style", src: "<style>body{display:none}</style>", notWant: []string{"<style", "display:none}"}},
		{name: "link title breaking out", src: `[a](https://x.example "t\" onmouseover=\"alert(1)")`, notWant: []string{"onmouseover="}},
		{name: "html in code is text", src: "`<script>`", want: []string{"<code>&lt;script&gt;</code>"}},
		{name: "raw rel not kept", src: `<a href="https://x.example" rel="opener">x</a>`, notWant: []string{`rel="opener"`}},
		{name: "image kept", src: "![Обложка](https://cdn.example/c.png)", want: []string{`<img src="https://cdn.example/c.png" alt="Обложка"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := r.Render(c.src)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range c.want {
				if !strings.Contains(got, w) {
					t.Errorf("output lacks %q:\n%s", w, got)
				}
			}
			for _, w := range c.notWant {
				if strings.Contains(got, w) {
					t.Errorf("output holds %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestRenderEmpty(t *testing.T) {
	got, err := markdown.New().Render("")
	if err != nil || got != "" {
		t.Fatalf("Render(\"\") = %q, %v", got, err)
	}
}
