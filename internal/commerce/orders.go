package commerce

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/idempotency"
	"github.com/kabinet-edu/kabinet/internal/pricing"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// refusal is an input the order cannot be made of: a 422 naming the field.
type refusal struct{ fields []api.FieldError }

func (r *refusal) Error() string { return "order refused" }

func refuse(field, code, message string) error {
	return &refusal{fields: []api.FieldError{web.FieldError(field, code, message)}}
}

// CreateOrder makes an order of approved applications (see the package doc).
func (s *Handler) CreateOrder(ctx context.Context, req api.CreateOrderRequestObject) (api.CreateOrderResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	var key *string
	if k, ok := idempotency.KeyFrom(ctx); ok {
		key = &k.Key
		// The order of a request whose key was lost with a crash after the
		// order committed: answer with it instead of making a second one.
		if o, err := s.Q.GetOrderByIdempotencyKey(ctx, db.GetOrderByIdempotencyKeyParams{UserID: p.User.ID, IdempotencyKey: key}); err == nil {
			dto, err := loadOrder(ctx, s.Q, o, s.Now())
			if err != nil {
				return nil, err
			}
			return api.CreateOrder201JSONResponse(dto), nil
		} else if !errors.Is(store.NotFound(err), store.ErrNotFound) {
			return nil, err
		}
	}
	var order db.Order
	err = store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		var err error
		order, err = s.placeOrder(ctx, q, tx, p.User.ID, req.Body, key)
		return err
	})
	var ref *refusal
	if errors.As(err, &ref) {
		return api.CreateOrder422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.Invalid(ctx, ref.fields...))}, nil
	}
	if err != nil {
		return nil, err
	}
	dto, err := loadOrder(ctx, s.Q, order, s.Now())
	if err != nil {
		return nil, err
	}
	return api.CreateOrder201JSONResponse(dto), nil
}

// placeOrder checks the applications, prices the lines, applies the promo
// code and the plan, and writes the order in q's transaction. A refusal
// is a *refusal; the caller's rollback gives back a counted promo use.
func (s *Handler) placeOrder(ctx context.Context, q *db.Queries, tx pgx.Tx, userID uuid.UUID, b *api.OrderRequest, key *string) (db.Order, error) {
	if _, err := q.LockApplicationsForOrder(ctx, b.ApplicationIds); err != nil {
		return db.Order{}, err
	}
	taken, err := q.ApplicationsInLiveOrders(ctx, b.ApplicationIds)
	if err != nil {
		return db.Order{}, err
	}
	type seatLine struct {
		pricing.Line
		title   string
		appID   uuid.UUID
		groupID uuid.UUID
	}
	var (
		lines []seatLine
		orgID uuid.UUID
		cur   string
	)
	for i, appID := range b.ApplicationIds {
		field := fmt.Sprintf("applicationIds.%d", i)
		seat, err := s.seats(ctx, q, userID, appID)
		if errors.Is(err, store.ErrNotFound) {
			return db.Order{}, refuse(field, "not_approved", "This is not an approved application of yours.")
		}
		if err != nil {
			return db.Order{}, err
		}
		switch {
		case slices.Contains(taken, appID):
			return db.Order{}, refuse(field, "already_ordered", "This application is already in an order.")
		case i > 0 && seat.OrganizationID != orgID:
			return db.Order{}, refuse(field, "other_organization", "An order is made of one organization's applications.")
		case i > 0 && seat.Currency != cur:
			return db.Order{}, refuse(field, "mixed_currencies", "The programs are priced in different currencies.")
		case seat.PriceMinor <= 0:
			return db.Order{}, refuse(field, "free_program", "This program is free: there is nothing to pay.")
		}
		orgID, cur = seat.OrganizationID, seat.Currency
		cat, err := q.SeatCatalog(ctx, db.SeatCatalogParams{ProgramID: seat.ProgramID, GroupID: seat.GroupID})
		if err != nil {
			return db.Order{}, fmt.Errorf("seat catalog: %w", err)
		}
		l := seatLine{Line: pricing.Line{ProgramID: seat.ProgramID, Amount: seat.PriceMinor}, title: seat.ProgramTitle, appID: appID, groupID: seat.GroupID}
		if cat.CategoryID != nil {
			l.CategoryID = *cat.CategoryID
		}
		lines = append(lines, l)
	}
	var subtotal int64
	priced := make([]pricing.Line, len(lines))
	for i, l := range lines {
		subtotal += l.Amount
		priced[i] = l.Line
	}
	now := s.Now()
	discount := pricing.Discount{Lines: make([]int64, len(lines))}
	var promo *db.PromoCode
	if b.PromoCode != nil {
		row, err := q.GetPromoCodeByCode(ctx, db.GetPromoCodeByCodeParams{OrganizationID: orgID, Code: pricing.NormalizeCode(*b.PromoCode)})
		if errors.Is(store.NotFound(err), store.ErrNotFound) {
			return db.Order{}, refuse("promoCode", "unknown", "There is no such promo code.")
		}
		if err != nil {
			return db.Order{}, err
		}
		used, err := q.CountPromoRedemptionsByUser(ctx, db.CountPromoRedemptionsByUserParams{PromoCodeID: row.ID, UserID: userID})
		if err != nil {
			return db.Order{}, err
		}
		discount, err = pricing.Evaluate(pricing.FromRow(row), pricing.Order{Currency: cur, Lines: priced, UserRedemptions: used}, now)
		if err != nil {
			return db.Order{}, promoRefusal(err)
		}
		if discount.Total >= subtotal {
			// An order is paid for: a code that would make it free is for another purpose.
			return db.Order{}, refuse("promoCode", "not_for_this_program", "The code cannot make the order free.")
		}
		promo = &row
	}
	total := subtotal - discount.Total
	var payer *db.InsertOrderPayerParams
	if b.Employer != nil {
		if b.InstallmentPlanID != nil {
			return db.Order{}, refuse("installmentPlanId", "not_with_employer", "An employer pays the whole invoice; installments are for learners.")
		}
		row, err := payerParams(b.Employer)
		if err != nil {
			return db.Order{}, err
		}
		payer = &row
	}
	var schedule []pricing.Part
	if b.InstallmentPlanID != nil {
		plan, err := q.GetInstallmentPlan(ctx, db.GetInstallmentPlanParams{OrganizationID: orgID, ID: *b.InstallmentPlanID})
		if errors.Is(store.NotFound(err), store.ErrNotFound) || (err == nil && !plan.Active) {
			return db.Order{}, refuse("installmentPlanId", "unknown", "The organization offers no such installment plan.")
		}
		if err != nil {
			return db.Order{}, err
		}
		schedule, err = pricing.Schedule(total, pricingPlan(plan), now.UTC())
		if errors.Is(err, pricing.ErrBelowPlanMinimum) {
			return db.Order{}, refuse("installmentPlanId", "below_minimum", fmt.Sprintf("The plan is offered for orders from %d kopecks.", plan.MinOrderAmount))
		}
		if err != nil {
			return db.Order{}, refuse("installmentPlanId", "too_small", "The order is too small for this plan.")
		}
	}
	params := db.CreateOrderParams{
		OrganizationID: orgID, UserID: userID, Currency: cur, Subtotal: subtotal, Discount: discount.Total, Total: total,
		InstallmentPlanID: b.InstallmentPlanID, IdempotencyKey: key, Status: db.OrderStatusAwaitingPayment,
	}
	if promo != nil {
		params.PromoCodeID, params.PromoCode = &promo.ID, &promo.Code
	}
	order, err := q.CreateOrder(ctx, params)
	if err != nil {
		return db.Order{}, err
	}
	for i, l := range lines {
		if err := q.InsertOrderLine(ctx, db.InsertOrderLineParams{
			OrderID: order.ID, LineNo: int32(i + 1), ApplicationID: l.appID, ProgramID: l.ProgramID, GroupID: &l.groupID,
			Title: l.title, Price: l.Amount, Discount: discount.Lines[i],
		}); err != nil {
			return db.Order{}, err
		}
	}
	for _, part := range schedule {
		if err := q.InsertOrderInstallment(ctx, db.InsertOrderInstallmentParams{
			OrderID: order.ID, Number: int32(part.Number), Amount: part.Amount, DueOn: pgDate(part.Due), GraceEnds: pgDate(part.GraceEnds),
		}); err != nil {
			return db.Order{}, err
		}
	}
	if payer != nil {
		if err := s.placeEmployer(ctx, q, tx, order, *payer); err != nil {
			return db.Order{}, err
		}
	}
	if promo != nil {
		// Redeem decides the limits for good, under the code's row lock.
		red, err := pricing.Redeem(ctx, q, promo.ID, userID, &order.ID, now)
		if err != nil {
			return db.Order{}, promoRefusal(err)
		}
		if err := q.SetOrderRedemption(ctx, db.SetOrderRedemptionParams{ID: order.ID, PromoRedemptionID: &red.ID}); err != nil {
			return db.Order{}, err
		}
	}
	return order, orderEvent(ctx, q, order.ID, &userID, "created", nil, &order.Status, nil, causeLearner, map[string]any{"applicationIds": b.ApplicationIds})
}

func promoRefusal(err error) error {
	var r *pricing.RefusedError
	if !errors.As(err, &r) {
		return err
	}
	msg := map[pricing.Refusal]string{
		pricing.RefusedExpired:      "The promo code has expired.",
		pricing.RefusedNotYetValid:  "The promo code is not valid yet.",
		pricing.RefusedUsedUp:       "The promo code has been used up.",
		pricing.RefusedNotForThis:   "The promo code is not for these programs.",
		pricing.RefusedBelowMinimum: "The order is below the promo code's minimum amount.",
		pricing.RefusedPerUserLimit: "You have used this promo code as often as it allows.",
	}[r.Reason]
	return refuse("promoCode", string(r.Reason), msg)
}

func pricingPlan(p db.InstallmentPlan) pricing.Plan {
	return pricing.Plan{
		Parts: int(p.Parts), FirstSharePercent: int(p.FirstSharePercent), IntervalMonths: int(p.IntervalMonths),
		GraceDays: int(p.GraceDays), MinOrderAmount: p.MinOrderAmount,
	}
}

// ListMyOrders pages through the caller's orders, newest first.
func (s *Handler) ListMyOrders(ctx context.Context, req api.ListMyOrdersRequestObject) (api.ListMyOrdersResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	qp := req.Params
	limit := web.Limit(qp.Limit)
	params := db.ListMyOrdersParams{UserID: p.User.ID, CreatedFrom: qp.From, CreatedBefore: qp.To, MaxRows: int32(limit + 1)}
	if qp.Status != nil {
		params.Status = db.NullOrderStatus{OrderStatus: db.OrderStatus(*qp.Status), Valid: true}
	}
	if qp.Cursor != nil {
		at, id, err := web.DecodeCursor(*qp.Cursor)
		if err != nil {
			return api.ListMyOrders422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.BadCursor(ctx))}, nil
		}
		params.AfterCreatedAt, params.AfterID = &at, &id
	}
	rows, err := s.Q.ListMyOrders(ctx, params)
	if err != nil {
		return nil, err
	}
	page := api.OrderPage{Items: []api.Order{}}
	if len(rows) > limit {
		rows = rows[:limit]
		next := web.EncodeCursor(rows[limit-1].CreatedAt, rows[limit-1].ID)
		page.NextCursor = &next
	}
	for _, r := range rows {
		dto, err := loadOrder(ctx, s.Q, r, s.Now())
		if err != nil {
			return nil, err
		}
		page.Items = append(page.Items, dto)
	}
	return api.ListMyOrders200JSONResponse(page), nil
}

// GetMyOrder returns one of the caller's orders; anybody else's is 404.
func (s *Handler) GetMyOrder(ctx context.Context, req api.GetMyOrderRequestObject) (api.GetMyOrderResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	o, err := s.Q.GetOrder(ctx, req.OrderID)
	if errors.Is(store.NotFound(err), store.ErrNotFound) || (err == nil && o.UserID != p.User.ID) {
		return api.GetMyOrder404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(ctx, "There is no such order.")}, nil
	}
	if err != nil {
		return nil, err
	}
	dto, err := loadOrder(ctx, s.Q, o, s.Now())
	if err != nil {
		return nil, err
	}
	return api.GetMyOrder200JSONResponse(dto), nil
}

// CancelMyOrder cancels an order nothing was paid for and gives its promo
// code's use back.
func (s *Handler) CancelMyOrder(ctx context.Context, req api.CancelMyOrderRequestObject) (api.CancelMyOrderResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	var order db.Order
	var conflict *api.Problem
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		o, err := q.LockOrder(ctx, req.OrderID)
		if err != nil || o.UserID != p.User.ID {
			return store.ErrNotFound
		}
		order = o
		if o.Status == db.OrderStatusCanceled {
			return nil
		}
		if o.Status != db.OrderStatusAwaitingPayment || o.Paid > 0 {
			conflict = new(web.NewProblem(ctx, http.StatusConflict, "order_not_cancelable",
				fmt.Sprintf("The order is %s: only an order nothing was paid for can be canceled.", o.Status)))
			return web.ErrRefused
		}
		if _, err := q.OpenPaymentOfOrder(ctx, o.ID); err == nil {
			conflict = new(web.NewProblem(ctx, http.StatusConflict, "payment_in_progress", "A payment of the order is still open; it must end first."))
			return web.ErrRefused
		} else if !errors.Is(store.NotFound(err), store.ErrNotFound) {
			return err
		}
		if o.PromoRedemptionID != nil {
			if err := pricing.Release(ctx, q, *o.PromoRedemptionID); err != nil {
				return err
			}
		}
		if order, err = q.SetOrderStatus(ctx, db.SetOrderStatusParams{ID: o.ID, Status: db.OrderStatusCanceled}); err != nil {
			return err
		}
		return orderEvent(ctx, q, o.ID, &p.User.ID, "canceled", &o.Status, &order.Status, nil, causeLearner, nil)
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return api.CancelMyOrder404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(ctx, "There is no such order.")}, nil
	case conflict != nil:
		return api.CancelMyOrder409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(*conflict)}, nil
	case err != nil:
		return nil, err
	}
	dto, err := loadOrder(ctx, s.Q, order, s.Now())
	if err != nil {
		return nil, err
	}
	return api.CancelMyOrder200JSONResponse(dto), nil
}
