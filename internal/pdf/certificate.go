package pdf

import (
	"fmt"
	"strings"
	"time"

	"github.com/johnfercher/maroto/v2/pkg/components/code"
	"github.com/johnfercher/maroto/v2/pkg/components/col"
	"github.com/johnfercher/maroto/v2/pkg/components/row"
	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/props"
)

// Kind of completion document, following the program's type.
type Kind string

// Document kinds.
const (
	// Qualification is an удостоверение о повышении квалификации.
	Qualification Kind = "qualification"
	// Retraining is a диплом о профессиональной переподготовке.
	Retraining Kind = "retraining"
	// Certificate is a сертификат (short programs, no state form).
	Certificate Kind = "certificate"
)

// Completion is a completion document.
type Completion struct {
	Kind Kind
	// HolderName is the full name as on the passport: "Иванова Анна Сергеевна".
	HolderName string
	Program    string
	Hours      int
	// Studied from … to (optional).
	From, To           *time.Time
	RegistrationNumber string
	IssueDate          time.Time
	City               string
	Organization       string
	// Licence is the educational licence line: "Лицензия № Л035-01234-77/00123456 от 01.02.2021".
	Licence        string
	SignatoryTitle string // "Директор"
	SignatoryName  string // "П. П. Петров"
	// VerifyURL is the public verification page the QR code points to.
	VerifyURL string
}

var kindTitles = map[Kind][2]string{
	Qualification: {"УДОСТОВЕРЕНИЕ", "о повышении квалификации"},
	Retraining:    {"ДИПЛОМ", "о профессиональной переподготовке"},
	Certificate:   {"СЕРТИФИКАТ", "об обучении"},
}

var kindPrograms = map[Kind]string{
	Qualification: "по дополнительной профессиональной программе повышения квалификации",
	Retraining:    "по дополнительной профессиональной программе профессиональной переподготовки",
	Certificate:   "по программе",
}

// Completion renders a completion document on a landscape A4 page.
func (k *Kit) Completion(c Completion) ([]byte, error) {
	t, ok := kindTitles[c.Kind]
	if !ok || c.HolderName == "" || c.Program == "" || c.Hours <= 0 || c.RegistrationNumber == "" || c.Organization == "" || c.VerifyURL == "" {
		return nil, fmt.Errorf("%w: a completion document needs a kind, holder, program, hours, registration number, organization and verification URL", ErrInvalidDocument)
	}
	m := k.newDoc(page{title: t[0] + " " + t[1] + " № " + c.RegistrationNumber, created: c.IssueDate, landscape: true})
	center := func(p props.Text) props.Text { p.Align = align.Center; return p }
	big := func(size float64) props.Text { return center(with(bold, func(p *props.Text) { p.Size = size })) }
	m.AddRows(
		centered(c.Organization, with(bold, func(p *props.Text) { p.Size = 12 })),
	)
	if c.Licence != "" {
		m.AddRows(centered(c.Licence, small))
	}
	m.AddRows(
		space(22),
		centered(t[0], big(30)),
		centered(t[1], center(with(normal, func(p *props.Text) { p.Size = 16 }))),
		space(12),
		centered("Настоящий документ удостоверяет, что", center(normal)),
		space(2),
		centered(c.HolderName, big(20)),
		space(2),
	)
	studied := "прошёл(а) обучение"
	if c.From != nil && c.To != nil {
		studied = fmt.Sprintf("в период с %s по %s прошёл(а) обучение", c.From.Format("02.01.2006"), c.To.Format("02.01.2006"))
	}
	m.AddRows(
		centered(studied+" "+kindPrograms[c.Kind], center(normal)),
		space(1),
		centered("«"+strings.Trim(c.Program, "«»\"")+"»", big(14)),
		space(1),
		centered(fmt.Sprintf("в объёме %d %s", c.Hours, plural(c.Hours, "академического часа", "академических часов", "академических часов")), center(normal)),
		space(24),
	)
	details := []string{"Регистрационный номер: " + c.RegistrationNumber, "Дата выдачи: " + DateRU(c.IssueDate)}
	if c.City != "" {
		details = append(details, "Город: "+c.City)
	}
	signature := with(normal, func(p *props.Text) { p.Top = 12 })
	m.AddRows(
		row.New(36).Add(
			lines(5, 6, with(normal, func(p *props.Text) { p.Top = 6 }), details...),
			lines(4, 6, signature, c.SignatoryTitle+"  ______________  "+c.SignatoryName),
			col.New(3).Add(code.NewQr(c.VerifyURL, props.Rect{Center: true, Percent: 100})),
		),
		// The whole width: a URL has no spaces to break at, and a long one
		// overflowed the QR code's column off the page.
		auto(txt(12, "Проверить подлинность: "+c.VerifyURL, with(small, func(p *props.Text) { p.Size = 6.5; p.Align = align.Right }))),
	)
	return render(m)
}
