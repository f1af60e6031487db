package commerce

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/payments"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// CreatePayment starts a provider payment for what the order asks now.
func (s *Handler) CreatePayment(ctx context.Context, req api.CreatePaymentRequestObject) (api.CreatePaymentResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	mode := api.Next
	if req.Body != nil && req.Body.Mode != nil {
		mode = *req.Body.Mode
	}
	var pay db.Payment
	var conflict *api.Problem
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		o, err := q.LockOrder(ctx, req.OrderID)
		if err != nil || o.UserID != p.User.ID {
			return store.ErrNotFound
		}
		if o.Status != db.OrderStatusAwaitingPayment && o.Status != db.OrderStatusInProgress {
			conflict = new(web.NewProblem(ctx, http.StatusConflict, "order_not_payable", fmt.Sprintf("The order is %s: there is nothing to pay.", o.Status)))
			return web.ErrRefused
		}
		if o.WithdrawnAt != nil {
			conflict = new(web.NewProblem(ctx, http.StatusConflict, "order_withdrawn", "The learner withdrew from the order: nothing more is due."))
			return web.ErrRefused
		}
		if _, err := payerOf(ctx, q, o.ID); err == nil {
			conflict = new(web.NewProblem(ctx, http.StatusConflict, "employer_pays", "An employer pays this order by bank transfer against its invoice."))
			return web.ErrRefused
		} else if !errors.Is(err, store.ErrNotFound) {
			return err
		}
		want, err := s.nextCharge(ctx, q, o, mode, p.User.Email, p.User.Phone)
		if err != nil {
			return err
		}
		open, err := q.OpenPaymentOfOrder(ctx, o.ID)
		if err == nil {
			if open.Amount == want.Amount && slices.Equal(open.Installments, want.Installments) {
				pay = open // a repeated click: the same payment again
				return nil
			}
			conflict = new(web.NewProblem(ctx, http.StatusConflict, "payment_in_progress",
				fmt.Sprintf("Another payment of the order (%d %s) is still %s.", open.Amount, open.Currency, open.Status)))
			return web.ErrRefused
		} else if !errors.Is(store.NotFound(err), store.ErrNotFound) {
			return err
		}
		pay, err = q.CreatePayment(ctx, want)
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return api.CreatePayment404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(ctx, "There is no such order.")}, nil
	case conflict != nil:
		return api.CreatePayment409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(*conflict)}, nil
	case err != nil:
		return nil, err
	}
	if pay.Status == db.PaymentStatusCreated {
		if pay, err = s.provide(ctx, pay); err != nil {
			s.Log.WarnContext(ctx, "payment provider refused or unreachable; the payment stays created for a retry", "payment", pay.ID, "err", err)
			return api.CreatePayment502ApplicationProblemPlusJSONResponse{BadGatewayApplicationProblemPlusJSONResponse: api.BadGatewayApplicationProblemPlusJSONResponse(
				web.NewProblem(ctx, http.StatusBadGateway, "provider_unavailable", "The payment provider could not be reached; try again in a moment."))}, nil
		}
	}
	return api.CreatePayment201JSONResponse(paymentDTO(pay)), nil
}

// nextCharge works out what the order asks for now: everything due, the
// next installment, or (mode remainder) every installment left, with the
// 54-ФЗ receipt for it.
func (s *Handler) nextCharge(ctx context.Context, q *db.Queries, o db.Order, mode api.PaymentRequestMode, email string, phone *string) (db.CreatePaymentParams, error) {
	lines, err := q.ListOrderLines(ctx, o.ID)
	if err != nil {
		return db.CreatePaymentParams{}, err
	}
	parts, err := q.ListOrderInstallments(ctx, o.ID)
	if err != nil {
		return db.CreatePaymentParams{}, err
	}
	out := db.CreatePaymentParams{OrderID: o.ID, UserID: o.UserID, Provider: s.provider.Name(), Currency: o.Currency, Installments: []int32{}}
	receipt := payments.Receipt{Customer: payments.Customer{Email: email}}
	if phone != nil {
		receipt.Customer.Phone = strings.TrimPrefix(*phone, "+")
	}
	vat := payments.VATCode(s.Cfg.Payments.VATCode)
	if len(parts) == 0 {
		out.Purpose, out.Amount = "full", o.Total-o.Paid
		for _, l := range lines {
			receipt.Items = append(receipt.Items, payments.ReceiptItem{
				Description: clip(l.Title), Quantity: 1, Amount: payments.Amount{Value: l.Price - l.Discount, Currency: o.Currency},
				VATCode: vat, PaymentMode: payments.FullPrepayment, PaymentSubject: payments.SubjectService,
			})
		}
	} else {
		for _, part := range parts {
			if part.PaidAt == nil {
				out.Installments = append(out.Installments, part.Number)
				out.Amount += part.Amount
				if mode == api.Next {
					break
				}
			}
		}
		out.Purpose = "installment"
		if len(out.Installments) > 1 {
			out.Purpose = "early_repayment"
		}
		desc := fmt.Sprintf("%s: платёж %d из %d", lines[0].Title, out.Installments[0], len(parts))
		if len(out.Installments) > 1 {
			desc = fmt.Sprintf("%s: платежи %d–%d из %d", lines[0].Title, out.Installments[0], out.Installments[len(out.Installments)-1], len(parts))
		}
		receipt.Items = []payments.ReceiptItem{{
			Description: clip(desc), Quantity: 1, Amount: payments.Amount{Value: out.Amount, Currency: o.Currency},
			VATCode: vat, PaymentMode: payments.PartialPrepayment, PaymentSubject: payments.SubjectService,
		}}
	}
	if err := receipt.Validate(payments.Amount{Value: out.Amount, Currency: o.Currency}); err != nil {
		return db.CreatePaymentParams{}, err
	}
	out.Receipt, err = json.Marshal(receipt)
	return out, err
}

// provide asks the provider for the payment, with our payment's id as the
// idempotence key, so that a retry after a failure or a crash (by the
// learner or by reconciliation) gets the same provider payment.
func (s *Handler) provide(ctx context.Context, pay db.Payment) (db.Payment, error) {
	var receipt payments.Receipt
	if err := json.Unmarshal(pay.Receipt, &receipt); err != nil {
		return pay, fmt.Errorf("payment %s receipt: %w", pay.ID, err)
	}
	got, err := s.provider.CreatePayment(ctx, payments.CreatePayment{
		Amount:         payments.Amount{Value: pay.Amount, Currency: pay.Currency},
		Description:    clip(fmt.Sprintf("Заказ %s", pay.OrderID)),
		ReturnURL:      strings.ReplaceAll(s.Cfg.Payments.ReturnURL, "{orderId}", pay.OrderID.String()),
		Receipt:        &receipt,
		Metadata:       map[string]string{payments.MetadataOrderID: pay.OrderID.String(), "payment_id": pay.ID.String()},
		IdempotenceKey: pay.ID.String(),
	})
	if err != nil {
		return pay, err
	}
	var url *string
	if got.ConfirmationURL != "" {
		url = &got.ConfirmationURL
	}
	row, err := s.Q.SetPaymentProvided(ctx, db.SetPaymentProvidedParams{ID: pay.ID, ProviderPaymentID: &got.ID, ConfirmationUrl: url})
	if errors.Is(store.NotFound(err), store.ErrNotFound) {
		return s.Q.GetPayment(ctx, pay.ID) // moved on meanwhile
	}
	return row, err
}

// ListOrderPayments pages through the payments of one of the caller's
// orders, oldest first.
func (s *Handler) ListOrderPayments(ctx context.Context, req api.ListOrderPaymentsRequestObject) (api.ListOrderPaymentsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	after, ok := decodeAfter(req.Params.Cursor)
	if !ok {
		return api.ListOrderPayments422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.BadCursor(ctx))}, nil
	}
	o, err := s.Q.GetOrder(ctx, req.OrderID)
	if errors.Is(store.NotFound(err), store.ErrNotFound) || (err == nil && o.UserID != p.User.ID) {
		return api.ListOrderPayments404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(ctx, "There is no such order.")}, nil
	}
	if err != nil {
		return nil, err
	}
	limit := web.Limit(req.Params.Limit)
	rows, err := s.Q.ListOrderPaymentsPage(ctx, db.ListOrderPaymentsPageParams{
		OrderID: o.ID, AfterCreatedAt: after.at, AfterID: after.id, MaxRows: int32(limit + 1),
	})
	if err != nil {
		return nil, err
	}
	page := api.PaymentPage{Items: []api.Payment{}}
	if len(rows) > limit {
		rows = rows[:limit]
		next := web.EncodeCursor(rows[limit-1].CreatedAt, rows[limit-1].ID)
		page.NextCursor = &next
	}
	for _, r := range rows {
		page.Items = append(page.Items, paymentDTO(r))
	}
	return api.ListOrderPayments200JSONResponse(page), nil
}

// ListMyPayments pages through the caller's payments, newest first.
func (s *Handler) ListMyPayments(ctx context.Context, req api.ListMyPaymentsRequestObject) (api.ListMyPaymentsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	limit := web.Limit(req.Params.Limit)
	params := db.ListMyPaymentsParams{UserID: p.User.ID, MaxRows: int32(limit + 1)}
	if req.Params.Cursor != nil {
		at, id, err := web.DecodeCursor(*req.Params.Cursor)
		if err != nil {
			return api.ListMyPayments422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.BadCursor(ctx))}, nil
		}
		params.AfterCreatedAt, params.AfterID = &at, &id
	}
	rows, err := s.Q.ListMyPayments(ctx, params)
	if err != nil {
		return nil, err
	}
	page := api.PaymentPage{Items: []api.Payment{}}
	if len(rows) > limit {
		rows = rows[:limit]
		next := web.EncodeCursor(rows[limit-1].CreatedAt, rows[limit-1].ID)
		page.NextCursor = &next
	}
	for _, r := range rows {
		page.Items = append(page.Items, paymentDTO(r))
	}
	return api.ListMyPayments200JSONResponse(page), nil
}

// GetMyPaymentStatistics sums the caller's orders placed in the period and
// breaks the money down by month.
func (s *Handler) GetMyPaymentStatistics(ctx context.Context, req api.GetMyPaymentStatisticsRequestObject) (api.GetMyPaymentStatisticsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	cur := deref(req.Params.Currency, "RUB")
	st, err := s.Q.PaymentStatistics(ctx, db.PaymentStatisticsParams{UserID: p.User.ID, Currency: cur, CreatedFrom: req.Params.From, CreatedBefore: req.Params.To})
	if err != nil {
		return nil, err
	}
	months, err := s.Q.PaymentsByMonth(ctx, db.PaymentsByMonthParams{UserID: p.User.ID, Currency: cur, MovedFrom: req.Params.From, MovedBefore: req.Params.To})
	if err != nil {
		return nil, err
	}
	out := api.PaymentStatistics{
		Currency: cur, Paid: st.Paid, Refunded: st.Refunded, Outstanding: st.Outstanding, Orders: st.Orders,
		From: utcPtr(req.Params.From), To: utcPtr(req.Params.To), Months: []api.PaymentMonth{},
	}
	for _, m := range months {
		out.Months = append(out.Months, api.PaymentMonth{Month: m.Month, Paid: m.Paid, Refunded: m.Refunded, Due: m.Due})
	}
	return api.GetMyPaymentStatistics200JSONResponse(out), nil
}

// clip cuts a description to the 128 characters providers take.
func clip(s string) string {
	if utf8.RuneCountInString(s) <= 128 {
		return s
	}
	return string([]rune(s)[:127]) + "…"
}
