// Package payments is the seam between orders and payment providers: the
// Provider interface, its value types, typed provider errors, and the checks
// an incoming notification must pass before anything trusts it (source
// address, re-fetch and comparison, deduplication).
//
// Two providers implement it: sandbox (our own hosted confirmation page, the
// default in development) and yookassa (ЮKassa's REST API v3). Amounts are
// integer kopecks with a currency everywhere; providers convert at their
// edge.
package payments

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Status of a payment, as ЮKassa names them. succeeded and canceled are
// final.
type Status string

// Payment statuses.
const (
	StatusPending           Status = "pending"
	StatusWaitingForCapture Status = "waiting_for_capture"
	StatusSucceeded         Status = "succeeded"
	StatusCanceled          Status = "canceled"
)

// Final reports whether a payment in this status can change no more.
func (s Status) Final() bool { return s == StatusSucceeded || s == StatusCanceled }

// RefundStatus of a refund; succeeded and canceled are final.
type RefundStatus string

// Refund statuses.
const (
	RefundPending   RefundStatus = "pending"
	RefundSucceeded RefundStatus = "succeeded"
	RefundCanceled  RefundStatus = "canceled"
)

// MetadataOrderID is the metadata key that carries our order id to the
// provider and back.
const MetadataOrderID = "order_id"

// Amount is money in minor units (kopecks) of an ISO 4217 currency.
type Amount struct {
	Value    int64
	Currency string
}

func (a Amount) String() string { return fmt.Sprintf("%d %s", a.Value, a.Currency) }

// CreatePayment asks a provider for a payment the payer confirms on the
// provider's page.
type CreatePayment struct {
	Amount      Amount
	Description string // ЮKassa allows 128 characters
	// ReturnURL is where the provider sends the payer back after confirming.
	ReturnURL string
	// Receipt is the 54-ФЗ receipt the provider registers; required when the
	// shop sends receipts through the provider.
	Receipt  *Receipt
	Metadata map[string]string
	// IdempotenceKey makes the request safe to repeat: the same key returns
	// the payment created the first time.
	IdempotenceKey string
}

// Payment is a provider's payment.
type Payment struct {
	ID          string
	Status      Status
	Paid        bool
	Amount      Amount
	Description string
	Metadata    map[string]string
	// ConfirmationURL is the page to send the payer to while pending.
	ConfirmationURL    string
	RefundedAmount     Amount
	CancellationReason string
	CreatedAt          time.Time
	Test               bool
}

// CreateRefund returns money of a succeeded payment, fully or in part.
type CreateRefund struct {
	PaymentID      string
	Amount         Amount
	Description    string
	Receipt        *Receipt
	IdempotenceKey string
}

// Refund is a provider's refund.
type Refund struct {
	ID          string
	PaymentID   string
	Status      RefundStatus
	Amount      Amount
	Description string
	CreatedAt   time.Time
}

// Provider is a payment provider.
type Provider interface {
	// Name identifies the provider in stored events ("sandbox", "yookassa").
	Name() string
	CreatePayment(ctx context.Context, req CreatePayment) (Payment, error)
	GetPayment(ctx context.Context, id string) (Payment, error)
	CreateRefund(ctx context.Context, req CreateRefund) (Refund, error)
	GetRefund(ctx context.Context, id string) (Refund, error)
}

// ErrNotFound is returned (wrapped) for an unknown payment or refund.
var ErrNotFound = errors.New("payment object not found")

// Error is a refusal or failure reported by a provider.
type Error struct {
	Provider   string
	HTTPStatus int
	// Code is the provider's error code (ЮKassa: invalid_request,
	// invalid_credentials, forbidden, not_found, too_many_requests,
	// internal_server_error).
	Code        string
	Description string
	// Parameter names the request field at fault, when the provider says.
	Parameter string
	// ID is the provider's id of the error, for its support.
	ID string
	// Retryable is true when the same request (with the same idempotence
	// key) may succeed later: rate limits and the provider's own failures.
	Retryable bool
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s: %d %s", e.Provider, e.HTTPStatus, e.Code)
	if e.Parameter != "" {
		s += " (" + e.Parameter + ")"
	}
	if e.Description != "" {
		s += ": " + e.Description
	}
	return s
}

// Is makes errors.Is(err, ErrNotFound) true for a provider's not_found.
func (e *Error) Is(target error) bool { return target == ErrNotFound && e.Code == "not_found" }

// Retryable reports whether err is worth retrying with the same request.
func Retryable(err error) bool {
	var pe *Error
	return errors.As(err, &pe) && pe.Retryable
}
