package commerce

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/money"
	"github.com/kabinet-edu/kabinet/internal/notifications"
)

// tellPaid tells the learner, inside tx (the credit's transaction, so the
// notice exists exactly when the money was credited, once however often
// the provider repeats itself), that pay reached their order, now updated.
// A provider's payment comes with the 54-ФЗ receipt the provider e-mails
// to the payer, so the notice adds no e-mail of its own (OwnEmail); a bank
// transfer from the employer has no such letter and gets the generic one.
func (s *Handler) tellPaid(ctx context.Context, tx pgx.Tx, q *db.Queries, updated db.Order, pay db.Payment) error {
	title, err := q.OrderTitle(ctx, updated.ID)
	if err != nil {
		return err
	}
	sum := money.Format(pay.Amount, pay.Currency)
	e := notifications.Event{
		UserID: updated.UserID, OrganizationID: &updated.OrganizationID, Category: notifications.CategoryPayment,
		Title: notifications.Text{RU: "Платёж получен: " + sum, EN: "Payment received: " + sum},
		Link:  &notifications.Link{Kind: "order", ID: updated.ID.String(), Path: "/orders/" + updated.ID.String()},
		// The provider's receipt is the letter about a card payment.
		OwnEmail: pay.Provider != bankProvider,
	}
	if pay.Provider == bankProvider {
		doc, date := "", ""
		if pay.BankDocumentNumber != nil {
			doc = *pay.BankDocumentNumber
		}
		if pay.BankDocumentDate.Valid {
			date = pay.BankDocumentDate.Time.Format("02.01.2006")
		}
		e.Title = notifications.Text{RU: "Поступил банковский перевод: " + sum, EN: "Bank transfer received: " + sum}
		e.Body = notifications.Text{
			RU: fmt.Sprintf("«%s»: работодатель перечислил %s (платёжное поручение № %s от %s).", title, sum, doc, date),
			EN: fmt.Sprintf("“%s”: your employer transferred %s (payment order No. %s of %s).", title, sum, doc, date),
		}
	} else {
		e.Body = notifications.Text{RU: fmt.Sprintf("«%s»: оплата %s прошла.", title, sum), EN: fmt.Sprintf("“%s”: your payment of %s went through.", title, sum)}
	}
	if due := updated.Total - updated.Paid; due > 0 && updated.Status == db.OrderStatusInProgress {
		left := money.Format(due, updated.Currency)
		e.Body.RU += " Осталось оплатить " + left + "."
		e.Body.EN += " " + left + " is left to pay."
	} else if updated.Status == db.OrderStatusPaid {
		e.Body.RU += " Заказ оплачен полностью."
		e.Body.EN += " The order is paid in full."
	}
	return s.pub.Publish(ctx, tx, e)
}
