package pdf

import (
	"fmt"
	"time"

	"github.com/johnfercher/maroto/v2/pkg/props"

	"github.com/kabinet-edu/kabinet/internal/money"
)

// Act is an акт оказанных услуг: the services rendered, signed by both
// sides.
type Act struct {
	Number   string
	Date     time.Time
	Executor Party
	Customer Party
	Basis    string // the contract or invoice it closes
	Items    []Item
	VAT      VAT
	Currency string
	// Signatories' names.
	ExecutorSignatory string
	CustomerSignatory string
}

// Act renders an акт оказанных услуг.
func (k *Kit) Act(a Act) ([]byte, error) {
	if a.Number == "" || len(a.Items) == 0 || a.Executor.Name == "" || a.Customer.Name == "" {
		return nil, fmt.Errorf("%w: an act needs a number, items and both sides", ErrInvalidDocument)
	}
	cur := a.Currency
	if cur == "" {
		cur = "RUB"
	}
	title := fmt.Sprintf("Акт № %s от %s", a.Number, DateRU(a.Date))
	m := k.newDoc(page{title: title, created: a.Date})
	m.AddRows(
		auto(txt(12, title, with(bold, func(p *props.Text) { p.Size = 14 }))),
		rule(),
		auto(txt(2, "Исполнитель:", small), txt(10, a.Executor.line(), bold)),
		space(2),
		auto(txt(2, "Заказчик:", small), txt(10, a.Customer.line(), bold)),
	)
	if a.Basis != "" {
		m.AddRows(space(2), auto(txt(2, "Основание:", small), txt(10, a.Basis, bold)))
	}
	m.AddRows(space(4))
	total := k.itemsTable(m, a.Items, cur, a.VAT)
	m.AddRows(
		space(3),
		auto(txt(12, fmt.Sprintf("Всего оказано услуг %d, на сумму %s", len(a.Items), money.Format(total, cur)), normal)),
		auto(txt(12, money.Capitalize(money.InWords(total)), bold)),
		space(3),
		auto(txt(12, "Вышеперечисленные услуги выполнены полностью и в срок. Заказчик претензий по объёму, качеству и срокам оказания услуг не имеет.", normal)),
		space(2), rule(), space(4),
		auto(txt(6, "ИСПОЛНИТЕЛЬ", bold), txt(6, "ЗАКАЗЧИК", bold)),
		auto(txt(6, a.Executor.Name, small), txt(6, a.Customer.Name, small)),
		space(8),
		auto(txt(6, "______________ "+a.ExecutorSignatory, normal), txt(6, "______________ "+a.CustomerSignatory, normal)),
	)
	return render(m)
}
