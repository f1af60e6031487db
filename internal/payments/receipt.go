package payments

import (
	"errors"
	"fmt"
	"unicode/utf8"
)

// Receipt is a 54-ФЗ receipt as ЮKassa's "Чеки" take it.
type Receipt struct {
	Customer Customer
	Items    []ReceiptItem
	// TaxSystemCode (1–6: ОСН, УСН доходы, УСН доходы−расходы, ЕНВД, ЕСХН,
	// ПСН) is needed only by shops with several tax systems; 0 omits it.
	TaxSystemCode int
}

// Customer is whom the receipt is sent to: an e-mail or a phone (E.164
// digits) at least.
type Customer struct {
	FullName string
	INN      string
	Email    string
	Phone    string
}

// ReceiptItem is one line of a receipt.
type ReceiptItem struct {
	Description string // at most 128 characters
	Quantity    int    // whole units (a course is 1); sent as "1.00"
	// Amount is the price of one unit.
	Amount         Amount
	VATCode        VATCode
	PaymentMode    PaymentMode
	PaymentSubject PaymentSubject
}

// VATCode is ЮKassa's VAT rate code.
type VATCode int

// VAT codes. Educational services of licensed organizations are exempt, so
// a center's receipts are usually VATNone.
const (
	VATNone    VATCode = 1  // без НДС
	VAT0       VATCode = 2  // 0%
	VAT10      VATCode = 3  // 10%
	VAT20      VATCode = 4  // 20%
	VAT10of110 VATCode = 5  // 10/110
	VAT20of120 VATCode = 6  // 20/120
	VAT5       VATCode = 7  // 5% (УСН with VAT, since 2025)
	VAT7       VATCode = 8  // 7%
	VAT5of105  VATCode = 9  // 5/105
	VAT7of107  VATCode = 10 // 7/107
	VAT22      VATCode = 11 // 22% (since 2026)
	VAT22of122 VATCode = 12 // 22/122
)

// PaymentMode is the 54-ФЗ "признак способа расчёта".
type PaymentMode string

// Payment modes.
const (
	FullPrepayment    PaymentMode = "full_prepayment" // paid in full before the service
	PartialPrepayment PaymentMode = "partial_prepayment"
	Advance           PaymentMode = "advance"
	FullPayment       PaymentMode = "full_payment" // paid in full at the service
	PartialPayment    PaymentMode = "partial_payment"
	Credit            PaymentMode = "credit"
	CreditPayment     PaymentMode = "credit_payment" // an installment paid after the service
)

// PaymentSubject is the 54-ФЗ "признак предмета расчёта".
type PaymentSubject string

// Payment subjects a center uses.
const (
	SubjectService  PaymentSubject = "service"
	SubjectPayment  PaymentSubject = "payment"
	SubjectAnother  PaymentSubject = "another"
	SubjectComposit PaymentSubject = "composite"
)

// ErrInvalidReceipt is returned (wrapped) by Receipt.Validate.
var ErrInvalidReceipt = errors.New("invalid receipt")

// Validate checks what ЮKassa would refuse, before a request is sent: a
// contact, at least one item, descriptions of 1–128 characters, positive
// quantities and amounts in one currency, known codes, and items adding up
// to total (the payment's or refund's amount).
func (r *Receipt) Validate(total Amount) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidReceipt, fmt.Sprintf(format, a...))
	}
	if r.Customer.Email == "" && r.Customer.Phone == "" {
		return bad("customer needs an e-mail or a phone")
	}
	if len(r.Items) == 0 || len(r.Items) > 80 {
		return bad("1–80 items")
	}
	var sum int64
	for i, it := range r.Items {
		switch n := utf8.RuneCountInString(it.Description); {
		case n == 0 || n > 128:
			return bad("items[%d].description must be 1–128 characters", i)
		case it.Quantity < 1:
			return bad("items[%d].quantity must be positive", i)
		case it.Amount.Value <= 0 || it.Amount.Currency != total.Currency:
			return bad("items[%d].amount must be positive, in %s", i, total.Currency)
		case it.VATCode < VATNone || it.VATCode > VAT22of122:
			return bad("items[%d].vat_code must be 1–12", i)
		case it.PaymentMode == "" || it.PaymentSubject == "":
			return bad("items[%d] needs payment_mode and payment_subject", i)
		}
		sum += it.Amount.Value * int64(it.Quantity)
	}
	if sum != total.Value {
		return bad("items add up to %d, the amount is %d", sum, total.Value)
	}
	if r.TaxSystemCode < 0 || r.TaxSystemCode > 6 {
		return bad("tax_system_code must be 1–6")
	}
	return nil
}
