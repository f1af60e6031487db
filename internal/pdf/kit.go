// Package pdf renders Kabinet's printable documents on maroto v2: invoices
// (счёт на оплату), acts (акт оказанных услуг) and completion documents
// (удостоверение, диплом, сертификат) with a QR code to their public
// verification page. Text is set in DejaVu Sans (regular and bold, embedded
// from fonts/, Bitstream Vera licence in fonts/LICENSE.txt), which covers
// Cyrillic and the ruble sign. Pages are A4.
package pdf

import (
	"bytes"
	_ "embed"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"
	"github.com/johnfercher/maroto/v2"
	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/line"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/components/text"
	"github.com/johnfercher/maroto/v2/pkg/config"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/consts/border"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/consts/orientation"
	"github.com/johnfercher/maroto/v2/pkg/consts/pagesize"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/core/entity"
	"github.com/johnfercher/maroto/v2/pkg/props"
	"github.com/johnfercher/maroto/v2/pkg/repository"
)

//go:embed fonts/DejaVuSans.ttf
var regularTTF []byte

//go:embed fonts/DejaVuSans-Bold.ttf
var boldTTF []byte

// family is the font family name documents use.
const family = "dejavu"

// Kit renders documents. It is safe for concurrent use; make one and share it.
type Kit struct {
	fonts []*entity.CustomFont
}

// New loads the embedded fonts.
func New() (*Kit, error) {
	fonts, err := repository.New().
		AddUTF8FontFromBytes(family, fontstyle.Normal, regularTTF).
		AddUTF8FontFromBytes(family, fontstyle.Bold, boldTTF).
		Load()
	if err != nil {
		return nil, fmt.Errorf("pdf: load fonts: %w", err)
	}
	return &Kit{fonts: fonts}, nil
}

// page describes a new document.
type page struct {
	title     string
	created   time.Time
	landscape bool
}

func (k *Kit) newDoc(p page) core.Maroto {
	b := config.NewBuilder().
		WithPageSize(pagesize.A4).
		WithLeftMargin(20).WithRightMargin(12).WithTopMargin(12).WithBottomMargin(10).
		WithCustomFonts(k.ownFonts()).
		WithDefaultFont(&props.Font{Family: family, Size: 10}).
		WithTitle(p.title, true).
		WithCreator("Kabinet", true).
		WithCreationDate(p.created).
		WithCompression(true)
	if p.landscape {
		b = b.WithOrientation(orientation.Horizontal).WithLeftMargin(15).WithRightMargin(15)
	}
	return maroto.New(b.Build())
}

// ownFonts returns the kit's fonts over a copy of their bytes, for one
// document. gofpdf pads font tables by appending to sub-slices of the
// font's bytes (utf8FontFile.generateChecksum), so documents sharing one
// array would write the same memory at once (go test -race); each parses
// its fonts anyway, and copying 1.4 MB costs a fraction of a millisecond
// next to the ~15 ms of a render, so documents render in parallel instead
// of one at a time.
func (k *Kit) ownFonts() []*entity.CustomFont {
	out := make([]*entity.CustomFont, len(k.fonts))
	for i, f := range k.fonts {
		c := *f
		c.Bytes = bytes.Clone(f.Bytes)
		out[i] = &c
	}
	return out
}

func render(m core.Maroto) ([]byte, error) {
	doc, err := m.Generate()
	if err != nil {
		return nil, fmt.Errorf("pdf: generate: %w", err)
	}
	return doc.GetBytes(), nil
}

// Small layout helpers. Sizes are in maroto's 12-column grid.

var (
	normal = props.Text{Family: family, Size: 10}
	small  = props.Text{Family: family, Size: 8}
	bold   = props.Text{Family: family, Size: 10, Style: fontstyle.Bold}
	boxed  = &props.Cell{BorderType: border.Full, BorderThickness: 0.2}
)

func with(p props.Text, f func(*props.Text)) props.Text { f(&p); return p }

// txt is a text column.
func txt(size int, s string, p props.Text) core.Col { return text.NewCol(size, s, p) }

// cell is a bordered text column with some padding.
func cell(size int, s string, p props.Text) core.Col {
	p.Left, p.Right, p.Top, p.Bottom = 1.2, 1.2, 1, 1
	return col.New(size).Add(text.New(s, p)).WithStyle(boxed)
}

// lines is a column of single lines spaced gap millimetres apart, for rows
// of a fixed height (maroto's text does not break at "\n").
func lines(size int, gap float64, p props.Text, ls ...string) core.Col {
	c := col.New(size)
	for i, l := range ls {
		q := p
		q.Top = p.Top + float64(i)*gap
		c.Add(text.New(l, q))
	}
	return c
}

func auto(cols ...core.Col) core.Row { return row.New().Add(cols...) }

func space(h float64) core.Row { return row.New(h) }

func rule() core.Row {
	return row.New(4).Add(line.NewCol(12, props.Line{Thickness: 0.6, OffsetPercent: 50, SizePercent: 100}))
}

func centered(s string, p props.Text) core.Row {
	p.Align = align.Center
	return auto(txt(12, s, p))
}

// QRPNG renders content as a QR code PNG of size×size pixels (medium error
// correction), as the documents print it.
func QRPNG(content string, size int) ([]byte, error) {
	code, err := qr.Encode(content, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("pdf: qr: %w", err)
	}
	if code, err = barcode.Scale(code, size, size); err != nil {
		return nil, fmt.Errorf("pdf: qr: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, code); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

var months = [...]string{"января", "февраля", "марта", "апреля", "мая", "июня", "июля",
	"августа", "сентября", "октября", "ноября", "декабря"}

// DateRU writes a date the way documents do: "1 декабря 2026 г.".
func DateRU(t time.Time) string {
	return fmt.Sprintf("%d %s %d г.", t.Day(), months[t.Month()-1], t.Year())
}

// plural picks a Russian noun form after n: 1 час, 2 часа, 5 часов.
func plural(n int, one, few, many string) string {
	if t := n % 100; t >= 11 && t <= 14 {
		return many
	}
	switch n % 10 {
	case 1:
		return one
	case 2, 3, 4:
		return few
	}
	return many
}

func nonEmpty(parts ...string) string {
	var out []string
	for _, p := range parts {
		if strings.TrimSpace(p) != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, ", ")
}
