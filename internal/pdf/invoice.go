package pdf

import (
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/johnfercher/maroto/v2/pkg/consts/align"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/props"

	"github.com/kabinet-edu/kabinet/internal/money"
)

// Party is one side of an invoice or act: the organization's requisites or
// the buyer's (a legal entity or a person; empty fields are left out).
type Party struct {
	Name    string
	INN     string
	KPP     string
	Address string
	Phone   string
	// Bank requisites (the seller's are required on an invoice).
	Bank        string
	BIK         string
	Account     string // расчётный счёт
	CorrAccount string // корреспондентский счёт
}

func (p Party) line() string {
	s := p.Name
	if p.INN != "" {
		s = nonEmpty(s, "ИНН "+p.INN)
	}
	if p.KPP != "" {
		s = nonEmpty(s, "КПП "+p.KPP)
	}
	return nonEmpty(s, p.Address, p.Phone)
}

// Item is a line of services.
type Item struct {
	Name     string
	Quantity int
	Unit     string // "усл." when empty
	Price    int64  // kopecks per unit
}

// Amount is the line's total.
func (it Item) Amount() int64 { return it.Price * int64(it.Quantity) }

// VAT is how tax is shown: a rate of 0 prints "Без НДС" (educational
// services are exempt), otherwise the tax included in the prices.
type VAT struct {
	RatePercent int64
}

// Invoice is a счёт на оплату.
type Invoice struct {
	Number   string
	Date     time.Time
	Seller   Party
	Buyer    Party
	Basis    string // "Договор № 12 от 1 декабря 2026 г."; optional
	Items    []Item
	VAT      VAT
	Currency string // "RUB" when empty
	// PayUntil, if set, is printed as the payment deadline.
	PayUntil *time.Time
	// Signatories' names under the invoice.
	Director   string
	Accountant string
}

// ErrInvalidDocument is returned (wrapped) when a document lacks what it
// must show.
var ErrInvalidDocument = errors.New("invalid document")

// Invoice renders a счёт на оплату.
func (k *Kit) Invoice(inv Invoice) ([]byte, error) {
	s := inv.Seller
	if inv.Number == "" || len(inv.Items) == 0 || s.Name == "" || s.INN == "" || s.Bank == "" || s.BIK == "" || s.Account == "" || inv.Buyer.Name == "" {
		return nil, fmt.Errorf("%w: an invoice needs a number, items, the buyer and the seller's name, ИНН and bank requisites", ErrInvalidDocument)
	}
	title := fmt.Sprintf("Счёт на оплату № %s от %s", inv.Number, DateRU(inv.Date))
	m := k.newDoc(page{title: title, created: inv.Date})
	lbl := small
	hint := with(small, func(p *props.Text) { p.Size = 7; p.Color = &props.Color{Red: 90, Green: 90, Blue: 90} })
	m.AddRows(
		auto(cell(7, s.Bank, lbl), cell(1, "БИК", lbl), cell(4, s.BIK, lbl)),
		auto(cell(7, "Банк получателя", hint), cell(1, "Сч. №", lbl), cell(4, s.CorrAccount, lbl)),
		auto(cell(3, "ИНН "+s.INN, lbl), cell(4, "КПП "+s.KPP, lbl), cell(1, "Сч. №", lbl), cell(4, s.Account, lbl)),
		auto(cell(7, s.Name, lbl), cell(1, "", lbl), cell(4, "", lbl)),
		auto(cell(7, "Получатель", hint), cell(1, "", lbl), cell(4, "", lbl)),
		space(6),
		auto(txt(12, title, with(bold, func(p *props.Text) { p.Size = 14 }))),
		rule(),
		auto(txt(2, "Поставщик (Исполнитель):", small), txt(10, s.line(), bold)),
		space(2),
		auto(txt(2, "Покупатель (Заказчик):", small), txt(10, inv.Buyer.line(), bold)),
	)
	if inv.Basis != "" {
		m.AddRows(space(2), auto(txt(2, "Основание:", small), txt(10, inv.Basis, bold)))
	}
	m.AddRows(space(4))
	total := k.itemsTable(m, inv.Items, inv.currency(), inv.VAT)
	m.AddRows(
		space(3),
		auto(txt(12, fmt.Sprintf("Всего наименований %d, на сумму %s", len(inv.Items), money.Format(total, inv.currency())), normal)),
		auto(txt(12, money.Capitalize(money.InWords(total)), bold)),
	)
	if inv.PayUntil != nil {
		m.AddRows(space(2), auto(txt(12, "Оплатить не позднее "+DateRU(*inv.PayUntil), normal)))
	}
	m.AddRows(space(2), rule(), space(6), signatures(
		"Руководитель", inv.Director, "Бухгалтер", inv.Accountant,
	))
	return render(m)
}

func (inv Invoice) currency() string {
	if inv.Currency == "" {
		return "RUB"
	}
	return inv.Currency
}

// itemsTable adds the table of services with its totals and returns the total.
func (k *Kit) itemsTable(m core.Maroto, items []Item, currency string, vat VAT) int64 {
	head := with(small, func(p *props.Text) { p.Style = fontstyle.Bold; p.Align = align.Center })
	num := with(small, func(p *props.Text) { p.Align = align.Right })
	m.AddRows(auto(cell(1, "№", head), cell(5, "Наименование работ, услуг", head), cell(1, "Кол-во", head),
		cell(1, "Ед.", head), cell(2, "Цена", head), cell(2, "Сумма", head)))
	var total int64
	for i, it := range items {
		unit := it.Unit
		if unit == "" {
			unit = "усл."
		}
		total += it.Amount()
		m.AddRows(auto(cell(1, strconv.Itoa(i+1), num), cell(5, it.Name, small), cell(1, strconv.Itoa(it.Quantity), num),
			cell(1, unit, small), cell(2, money.FormatPlain(it.Price), num), cell(2, money.FormatPlain(it.Amount()), num)))
	}
	right := with(bold, func(p *props.Text) { p.Align = align.Right })
	vatLine, vatAmount := "Без налога (НДС)", "-"
	if vat.RatePercent > 0 {
		vatLine = fmt.Sprintf("В том числе НДС (%d%%):", vat.RatePercent)
		vatAmount = money.FormatPlain(money.VATIncluded(total, vat.RatePercent))
	}
	m.AddRows(
		auto(txt(10, "Итого:", right), txt(2, money.FormatPlain(total), right)),
		auto(txt(10, vatLine, right), txt(2, vatAmount, right)),
		auto(txt(10, "Всего к оплате:", right), txt(2, money.FormatPlain(total), right)),
	)
	return total
}

// signatures is a row of two "title ____ name" blocks.
func signatures(title1, name1, title2, name2 string) core.Row {
	sig := func(title, name string) []core.Col {
		return []core.Col{txt(2, title, bold), txt(4, "______________ "+name, normal)}
	}
	return auto(append(sig(title1, name1), sig(title2, name2)...)...)
}
