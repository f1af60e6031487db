package commerce

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// RecordBankTransfer records an employer's bank transfer against the
// order's invoice: a succeeded payment credited to the order in the same
// transaction, under the order's row lock, once per payment order.
func (s *Handler) RecordBankTransfer(ctx context.Context, req api.RecordBankTransferRequestObject) (api.RecordBankTransferResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, moneyManagers...); err != nil {
		return nil, err
	}
	b := req.Body
	docNo := strings.TrimSpace(b.DocumentNumber)
	invalid := func(field, code, msg string) api.RecordBankTransfer422ApplicationProblemPlusJSONResponse {
		return api.RecordBankTransfer422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(
			web.Invalid(ctx, web.FieldError(field, code, msg)))}
	}
	if b.PaidOn.Time.After(day(s.Now()).Time) {
		return invalid("paidOn", "in_future", "A payment order cannot be dated in the future."), nil
	}
	if docNo == "" {
		return invalid("documentNumber", "required", "The payment order's number is required."), nil
	}
	var (
		pay      db.Payment
		conflict *api.Problem
		bad      *api.RecordBankTransfer422ApplicationProblemPlusJSONResponse
	)
	err = store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		o, err := q.LockOrder(ctx, req.OrderID)
		if err != nil || o.OrganizationID != req.OrganizationID {
			return store.ErrNotFound
		}
		if _, err := payerOf(ctx, q, o.ID); errors.Is(err, store.ErrNotFound) {
			conflict = new(web.NewProblem(ctx, http.StatusConflict, "no_invoice", "The learner pays this order; there is no invoice to pay by bank transfer."))
			return web.ErrRefused
		} else if err != nil {
			return err
		}
		ref := fmt.Sprintf("%s/%s/%s", o.ID, b.PaidOn.Format("2006-01-02"), docNo)
		if _, err := q.GetPaymentByProviderID(ctx, db.GetPaymentByProviderIDParams{Provider: bankProvider, ProviderPaymentID: &ref}); err == nil {
			conflict = new(web.NewProblem(ctx, http.StatusConflict, "transfer_already_recorded",
				fmt.Sprintf("Payment order № %s of %s is already recorded for this order.", docNo, b.PaidOn.Format("2006-01-02"))))
			return web.ErrRefused
		} else if !errors.Is(store.NotFound(err), store.ErrNotFound) {
			return err
		}
		if (o.Status != db.OrderStatusAwaitingPayment && o.Status != db.OrderStatusInProgress) || o.WithdrawnAt != nil {
			conflict = new(web.NewProblem(ctx, http.StatusConflict, "order_not_payable", fmt.Sprintf("The order is %s: there is nothing to pay.", o.Status)))
			return web.ErrRefused
		}
		if due := o.Total - o.Paid; b.Amount > due {
			bad = new(invalid("amount", "exceeds_due", fmt.Sprintf("The order owes %d kopecks.", due)))
			return web.ErrRefused
		}
		pay, err = q.CreateBankTransfer(ctx, db.CreateBankTransferParams{
			OrderID: o.ID, UserID: o.UserID, ProviderPaymentID: &ref,
			Amount: b.Amount, Currency: o.Currency, BankDocumentNumber: &docNo, BankDocumentDate: day(b.PaidOn.Time), RecordedBy: &p.User.ID,
		})
		if errors.Is(store.NotFound(err), store.ErrNotFound) {
			conflict = new(web.NewProblem(ctx, http.StatusConflict, "transfer_already_recorded",
				fmt.Sprintf("Payment order № %s of %s is already recorded for this order.", docNo, b.PaidOn.Format("2006-01-02"))))
			return web.ErrRefused
		}
		if err != nil {
			return err
		}
		return s.credit(ctx, q, tx, o, pay, &p.User.ID, causeStaff, map[string]any{
			"paymentId": pay.ID, "bankDocumentNumber": docNo, "bankDocumentDate": b.PaidOn.Format("2006-01-02"),
		})
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return api.RecordBankTransfer404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(ctx, "There is no such order.")}, nil
	case conflict != nil:
		return api.RecordBankTransfer409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(*conflict)}, nil
	case bad != nil:
		return *bad, nil
	case err != nil:
		return nil, err
	}
	return api.RecordBankTransfer201JSONResponse(paymentDTO(pay)), nil
}
