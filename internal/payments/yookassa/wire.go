package yookassa

import (
	"fmt"
	"time"

	"github.com/kabinet-edu/kabinet/internal/money"
	"github.com/kabinet-edu/kabinet/internal/payments"
)

// The JSON shapes of ЮKassa's API v3, exported because the sandbox provider
// sends notifications in the same shape.

// AmountJSON is {"value": "123.45", "currency": "RUB"}.
type AmountJSON struct {
	Value    string `json:"value"`
	Currency string `json:"currency"`
}

// PaymentJSON is a payment object.
type PaymentJSON struct {
	ID             string            `json:"id"`
	Status         string            `json:"status"`
	Paid           bool              `json:"paid"`
	Amount         AmountJSON        `json:"amount"`
	Description    string            `json:"description,omitempty"`
	Metadata       map[string]string `json:"metadata,omitempty"`
	Confirmation   *ConfirmationJSON `json:"confirmation,omitempty"`
	RefundedAmount *AmountJSON       `json:"refunded_amount,omitempty"`
	CreatedAt      string            `json:"created_at"`
	Test           bool              `json:"test"`
	Refundable     bool              `json:"refundable"`
	Cancellation   *struct {
		Party  string `json:"party"`
		Reason string `json:"reason"`
	} `json:"cancellation_details,omitempty"`
}

// ConfirmationJSON is the redirect confirmation.
type ConfirmationJSON struct {
	Type            string `json:"type"`
	ReturnURL       string `json:"return_url,omitempty"`
	ConfirmationURL string `json:"confirmation_url,omitempty"`
}

// RefundJSON is a refund object.
type RefundJSON struct {
	ID          string     `json:"id"`
	PaymentID   string     `json:"payment_id"`
	Status      string     `json:"status"`
	Amount      AmountJSON `json:"amount"`
	Description string     `json:"description,omitempty"`
	CreatedAt   string     `json:"created_at"`
}

// NotificationJSON is a webhook body.
type NotificationJSON struct {
	Type   string `json:"type"`
	Event  string `json:"event"`
	Object any    `json:"object"`
}

type createPaymentJSON struct {
	Amount       AmountJSON        `json:"amount"`
	Capture      bool              `json:"capture"`
	Confirmation ConfirmationJSON  `json:"confirmation"`
	Description  string            `json:"description,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"`
	Receipt      *receiptJSON      `json:"receipt,omitempty"`
}

type createRefundJSON struct {
	PaymentID   string       `json:"payment_id"`
	Amount      AmountJSON   `json:"amount"`
	Description string       `json:"description,omitempty"`
	Receipt     *receiptJSON `json:"receipt,omitempty"`
}

type receiptJSON struct {
	Customer      customerJSON      `json:"customer"`
	Items         []receiptItemJSON `json:"items"`
	TaxSystemCode int               `json:"tax_system_code,omitempty"`
}

type customerJSON struct {
	FullName string `json:"full_name,omitempty"`
	INN      string `json:"inn,omitempty"`
	Email    string `json:"email,omitempty"`
	Phone    string `json:"phone,omitempty"`
}

type receiptItemJSON struct {
	Description    string     `json:"description"`
	Quantity       string     `json:"quantity"`
	Amount         AmountJSON `json:"amount"`
	VATCode        int        `json:"vat_code"`
	PaymentMode    string     `json:"payment_mode"`
	PaymentSubject string     `json:"payment_subject"`
}

// ErrorJSON is an error body.
type ErrorJSON struct {
	Type        string `json:"type"`
	ID          string `json:"id"`
	Code        string `json:"code"`
	Description string `json:"description"`
	Parameter   string `json:"parameter,omitempty"`
	RetryAfter  int    `json:"retry_after,omitempty"`
}

// EncodeAmount writes kopecks as ЮKassa's decimal string.
func EncodeAmount(a payments.Amount) AmountJSON {
	return AmountJSON{Value: money.Decimal(a.Value), Currency: a.Currency}
}

func decodeAmount(a AmountJSON) (payments.Amount, error) {
	v, err := money.ParseDecimal(a.Value)
	if err != nil {
		return payments.Amount{}, err
	}
	return payments.Amount{Value: v, Currency: a.Currency}, nil
}

// EncodePayment writes a payment as ЮKassa does.
func EncodePayment(p payments.Payment) PaymentJSON {
	out := PaymentJSON{
		ID: p.ID, Status: string(p.Status), Paid: p.Paid, Amount: EncodeAmount(p.Amount),
		Description: p.Description, Metadata: p.Metadata, CreatedAt: p.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
		Test: p.Test, Refundable: p.Status == payments.StatusSucceeded,
	}
	if p.ConfirmationURL != "" {
		out.Confirmation = &ConfirmationJSON{Type: "redirect", ConfirmationURL: p.ConfirmationURL}
	}
	if p.RefundedAmount.Currency != "" {
		ra := EncodeAmount(p.RefundedAmount)
		out.RefundedAmount = &ra
	}
	if p.CancellationReason != "" {
		out.Cancellation = &struct {
			Party  string `json:"party"`
			Reason string `json:"reason"`
		}{Party: "yoo_money", Reason: p.CancellationReason}
	}
	return out
}

// EncodeRefund writes a refund as ЮKassa does.
func EncodeRefund(r payments.Refund) RefundJSON {
	return RefundJSON{
		ID: r.ID, PaymentID: r.PaymentID, Status: string(r.Status), Amount: EncodeAmount(r.Amount),
		Description: r.Description, CreatedAt: r.CreatedAt.UTC().Format("2006-01-02T15:04:05.000Z"),
	}
}

func decodePayment(j PaymentJSON) (payments.Payment, error) {
	amount, err := decodeAmount(j.Amount)
	if err != nil {
		return payments.Payment{}, fmt.Errorf("payment %s amount: %w", j.ID, err)
	}
	p := payments.Payment{
		ID: j.ID, Status: payments.Status(j.Status), Paid: j.Paid, Amount: amount, Description: j.Description,
		Metadata: j.Metadata, Test: j.Test,
	}
	p.CreatedAt, _ = time.Parse(time.RFC3339Nano, j.CreatedAt)
	if j.Confirmation != nil {
		p.ConfirmationURL = j.Confirmation.ConfirmationURL
	}
	if j.RefundedAmount != nil {
		if p.RefundedAmount, err = decodeAmount(*j.RefundedAmount); err != nil {
			return payments.Payment{}, fmt.Errorf("payment %s refunded amount: %w", j.ID, err)
		}
	}
	if j.Cancellation != nil {
		p.CancellationReason = j.Cancellation.Reason
	}
	return p, nil
}

func decodeRefund(j RefundJSON) (payments.Refund, error) {
	amount, err := decodeAmount(j.Amount)
	if err != nil {
		return payments.Refund{}, fmt.Errorf("refund %s amount: %w", j.ID, err)
	}
	r := payments.Refund{ID: j.ID, PaymentID: j.PaymentID, Status: payments.RefundStatus(j.Status), Amount: amount, Description: j.Description}
	r.CreatedAt, _ = time.Parse(time.RFC3339Nano, j.CreatedAt)
	return r, nil
}

func encodeReceipt(r *payments.Receipt) *receiptJSON {
	if r == nil {
		return nil
	}
	out := &receiptJSON{
		Customer:      customerJSON{FullName: r.Customer.FullName, INN: r.Customer.INN, Email: r.Customer.Email, Phone: r.Customer.Phone},
		TaxSystemCode: r.TaxSystemCode,
	}
	for _, it := range r.Items {
		out.Items = append(out.Items, receiptItemJSON{
			Description: it.Description, Quantity: fmt.Sprintf("%d.00", it.Quantity), Amount: EncodeAmount(it.Amount),
			VATCode: int(it.VATCode), PaymentMode: string(it.PaymentMode), PaymentSubject: string(it.PaymentSubject),
		})
	}
	return out
}
