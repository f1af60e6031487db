package commerce

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// CreateInstallmentPlan adds an installment plan to the organization.
func (s *Handler) CreateInstallmentPlan(ctx context.Context, req api.CreateInstallmentPlanRequestObject) (api.CreateInstallmentPlanResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, moneyManagers...); err != nil {
		return nil, err
	}
	b := req.Body
	row, err := s.Q.CreateInstallmentPlan(ctx, db.CreateInstallmentPlanParams{
		OrganizationID: req.OrganizationID, Name: b.Name, Parts: int32(b.Parts),
		FirstSharePercent: int32(deref(b.FirstSharePercent, 0)), IntervalMonths: int32(deref(b.IntervalMonths, 1)),
		GraceDays: int32(deref(b.GraceDays, 0)), MinOrderAmount: deref(b.MinOrderAmount, 0),
	})
	if err != nil {
		return nil, err
	}
	return api.CreateInstallmentPlan201JSONResponse(planDTO(row)), nil
}

// ListInstallmentPlans pages through the organization's plans: the active
// ones for any member (checkout offers them), all of them for staff.
func (s *Handler) ListInstallmentPlans(ctx context.Context, req api.ListInstallmentPlansRequestObject) (api.ListInstallmentPlansResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	all := deref(req.Params.All, false)
	roles := []db.MemberRole(nil)
	if all {
		roles = moneyViewers
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, roles...); err != nil {
		return nil, err
	}
	limit := web.Limit(req.Params.Limit)
	params := db.ListInstallmentPlansParams{OrganizationID: req.OrganizationID, ActiveOnly: !all, MaxRows: int32(limit + 1)}
	if req.Params.Cursor != nil {
		at, id, err := web.DecodeCursor(*req.Params.Cursor)
		if err != nil {
			return api.ListInstallmentPlans422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.BadCursor(ctx))}, nil
		}
		params.AfterCreatedAt, params.AfterID = &at, &id
	}
	rows, err := s.Q.ListInstallmentPlans(ctx, params)
	if err != nil {
		return nil, err
	}
	page := api.InstallmentPlanPage{Items: []api.InstallmentPlan{}}
	if len(rows) > limit {
		rows = rows[:limit]
		next := web.EncodeCursor(rows[limit-1].CreatedAt, rows[limit-1].ID)
		page.NextCursor = &next
	}
	for _, r := range rows {
		page.Items = append(page.Items, planDTO(r))
	}
	return api.ListInstallmentPlans200JSONResponse(page), nil
}

// UpdateInstallmentPlan offers or withdraws a plan.
func (s *Handler) UpdateInstallmentPlan(ctx context.Context, req api.UpdateInstallmentPlanRequestObject) (api.UpdateInstallmentPlanResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, moneyManagers...); err != nil {
		return nil, err
	}
	row, err := s.Q.SetInstallmentPlanActive(ctx, db.SetInstallmentPlanActiveParams{OrganizationID: req.OrganizationID, ID: req.PlanID, Active: req.Body.Active})
	if errors.Is(store.NotFound(err), store.ErrNotFound) {
		return api.UpdateInstallmentPlan404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(ctx, "There is no such installment plan.")}, nil
	}
	if err != nil {
		return nil, err
	}
	return api.UpdateInstallmentPlan200JSONResponse(planDTO(row)), nil
}

// ListOverdueInstallments pages through the organization's parts unpaid
// past their grace period.
func (s *Handler) ListOverdueInstallments(ctx context.Context, req api.ListOverdueInstallmentsRequestObject) (api.ListOverdueInstallmentsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, moneyViewers...); err != nil {
		return nil, err
	}
	limit := web.Limit(req.Params.Limit)
	params := db.OverdueInstallmentsParams{OrganizationID: req.OrganizationID, Today: day(s.Now()), MaxRows: int32(limit + 1)}
	if req.Params.Cursor != nil {
		at, id, err := web.DecodeCursor(*req.Params.Cursor)
		if err != nil {
			return api.ListOverdueInstallments422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.BadCursor(ctx))}, nil
		}
		// The cursor's time carries the due date and, in its nanoseconds,
		// the part's number: one opaque keyset (due date, order, number).
		number := int32(at.Nanosecond())
		params.AfterDueOn = pgtype.Date{Time: at.Truncate(24 * time.Hour), Valid: true}
		params.AfterOrderID, params.AfterNumber = &id, pgtype.Int4{Int32: number, Valid: true}
	}
	rows, err := s.Q.OverdueInstallments(ctx, params)
	if err != nil {
		return nil, err
	}
	page := api.OverdueInstallmentPage{Items: []api.OverdueInstallment{}}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[limit-1]
		next := web.EncodeCursor(last.DueOn.Time.Add(time.Duration(last.Number)), last.OrderID)
		page.NextCursor = &next
	}
	for _, r := range rows {
		page.Items = append(page.Items, api.OverdueInstallment{
			OrderID: r.OrderID, Number: int(r.Number), Amount: r.Amount, Currency: r.Currency,
			DueOn: apiDate(r.DueOn), GraceEndsOn: apiDate(r.GraceEnds), UserID: r.UserID,
			Email: r.Email, FirstName: r.FirstName, LastName: r.LastName,
		})
	}
	return api.ListOverdueInstallments200JSONResponse(page), nil
}

// GetCommerceSettings returns the withdrawal policy and reminder lead time.
func (s *Handler) GetCommerceSettings(ctx context.Context, req api.GetCommerceSettingsRequestObject) (api.GetCommerceSettingsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, moneyViewers...); err != nil {
		return nil, err
	}
	set, err := settings(ctx, s.Q, req.OrganizationID)
	if err != nil {
		return nil, err
	}
	return api.GetCommerceSettings200JSONResponse(settingsDTO(set)), nil
}

// PutCommerceSettings sets the withdrawal policy and reminder lead time.
func (s *Handler) PutCommerceSettings(ctx context.Context, req api.PutCommerceSettingsRequestObject) (api.PutCommerceSettingsResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, db.MemberRoleAdmin); err != nil {
		return nil, err
	}
	b := req.Body
	row, err := s.Q.PutCommerceSettings(ctx, db.PutCommerceSettingsParams{
		OrganizationID: req.OrganizationID, WithdrawalPolicy: string(b.WithdrawalPolicy),
		NoRefundAfterPercent: int32(b.NoRefundAfterPercent), ReminderDays: int32(b.ReminderDays),
	})
	if err != nil {
		return nil, err
	}
	return api.PutCommerceSettings200JSONResponse(settingsDTO(row)), nil
}

// settings returns the organization's settings, or the defaults when it
// never set them.
func settings(ctx context.Context, q *db.Queries, orgID uuid.UUID) (db.CommerceSetting, error) {
	row, err := q.GetCommerceSettings(ctx, orgID)
	if errors.Is(store.NotFound(err), store.ErrNotFound) {
		return db.CommerceSetting{OrganizationID: orgID, WithdrawalPolicy: policyProRata, NoRefundAfterPercent: 100, ReminderDays: 3}, nil
	}
	return row, err
}

func settingsDTO(r db.CommerceSetting) api.CommerceSettings {
	return api.CommerceSettings{
		WithdrawalPolicy:     api.CommerceSettingsWithdrawalPolicy(r.WithdrawalPolicy),
		NoRefundAfterPercent: int(r.NoRefundAfterPercent), ReminderDays: int(r.ReminderDays),
	}
}

func planDTO(r db.InstallmentPlan) api.InstallmentPlan {
	return api.InstallmentPlan{
		ID: r.ID, Name: r.Name, Parts: int(r.Parts), FirstSharePercent: int(r.FirstSharePercent),
		IntervalMonths: int(r.IntervalMonths), GraceDays: int(r.GraceDays), MinOrderAmount: r.MinOrderAmount,
		Active: r.Active, CreatedAt: r.CreatedAt.UTC(),
	}
}
