package commerce

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/pricing"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// Who manages the money of an organization, and who may look at it.
var (
	moneyManagers = []db.MemberRole{db.MemberRoleManager, db.MemberRoleAdmin}
	moneyViewers  = []db.MemberRole{db.MemberRoleManager, db.MemberRoleDirector, db.MemberRoleAdmin}
)

// CreatePromoCode adds a promo code to the organization.
func (s *Handler) CreatePromoCode(ctx context.Context, req api.CreatePromoCodeRequestObject) (api.CreatePromoCodeResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, moneyManagers...); err != nil {
		return nil, err
	}
	b := req.Body
	params := db.CreatePromoCodeParams{
		OrganizationID: req.OrganizationID, Code: pricing.NormalizeCode(b.Code), Kind: string(b.Kind), Value: b.Value,
		Currency: deref(b.Currency, "RUB"), ValidFrom: b.ValidFrom, ValidUntil: b.ValidUntil, MinAmount: deref(b.MinAmount, 0),
		ProgramIds: derefSlice(b.ProgramIds), CategoryIds: derefSlice(b.CategoryIds), MaxUses: int4(b.MaxUses), PerUserLimit: int4(b.PerUserLimit),
	}
	if fe := checkPromoTerms(b.Kind == api.PromoCodeRequestKindPercent, b.Value, b.ValidFrom, b.ValidUntil); len(fe) > 0 {
		return api.CreatePromoCode422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.Invalid(ctx, fe...))}, nil
	}
	row, err := s.Q.CreatePromoCode(ctx, params)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.ConstraintName == "promo_codes_code_key" {
		return api.CreatePromoCode409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusConflict, "promo_code_exists", "The organization already has this code.", web.FieldError("code", "taken", "The organization already has this code.")))}, nil
	}
	if err != nil {
		return nil, err
	}
	return api.CreatePromoCode201JSONResponse(promoDTO(row)), nil
}

// checkPromoTerms holds the rules the schema cannot say.
func checkPromoTerms(percent bool, value int64, from, until *time.Time) []api.FieldError {
	var fe []api.FieldError
	if percent && value > 100 {
		fe = append(fe, web.FieldError("value", "out_of_range", "A percent discount is 1–100."))
	}
	if from != nil && until != nil && !from.Before(*until) {
		fe = append(fe, web.FieldError("validUntil", "before_start", "The validity must end after it starts."))
	}
	return fe
}

// ListPromoCodes pages through the organization's promo codes.
func (s *Handler) ListPromoCodes(ctx context.Context, req api.ListPromoCodesRequestObject) (api.ListPromoCodesResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, moneyViewers...); err != nil {
		return nil, err
	}
	limit := web.Limit(req.Params.Limit)
	params := db.ListPromoCodesParams{OrganizationID: req.OrganizationID, MaxRows: int32(limit + 1)}
	if req.Params.Cursor != nil {
		at, id, err := web.DecodeCursor(*req.Params.Cursor)
		if err != nil {
			return api.ListPromoCodes422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.BadCursor(ctx))}, nil
		}
		params.AfterCreatedAt, params.AfterID = &at, &id
	}
	rows, err := s.Q.ListPromoCodes(ctx, params)
	if err != nil {
		return nil, err
	}
	page := api.PromoCodePage{Items: []api.PromoCode{}}
	if len(rows) > limit {
		rows = rows[:limit]
		next := web.EncodeCursor(rows[limit-1].CreatedAt, rows[limit-1].ID)
		page.NextCursor = &next
	}
	for _, r := range rows {
		page.Items = append(page.Items, promoDTO(r))
	}
	return api.ListPromoCodes200JSONResponse(page), nil
}

// GetPromoCode returns one promo code.
func (s *Handler) GetPromoCode(ctx context.Context, req api.GetPromoCodeRequestObject) (api.GetPromoCodeResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, moneyViewers...); err != nil {
		return nil, err
	}
	row, err := s.Q.GetPromoCode(ctx, db.GetPromoCodeParams{OrganizationID: req.OrganizationID, ID: req.PromoCodeID})
	if errors.Is(store.NotFound(err), store.ErrNotFound) {
		return api.GetPromoCode404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(ctx, "There is no such promo code.")}, nil
	}
	if err != nil {
		return nil, err
	}
	return api.GetPromoCode200JSONResponse(promoDTO(row)), nil
}

// UpdatePromoCode changes a promo code's terms; what is not given stays.
func (s *Handler) UpdatePromoCode(ctx context.Context, req api.UpdatePromoCodeRequestObject) (api.UpdatePromoCodeResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, moneyManagers...); err != nil {
		return nil, err
	}
	var out db.PromoCode
	var fields []api.FieldError
	err = store.InTx(ctx, s.Pool, func(q *db.Queries) error {
		cur, err := q.GetPromoCode(ctx, db.GetPromoCodeParams{OrganizationID: req.OrganizationID, ID: req.PromoCodeID})
		if err != nil {
			return store.NotFound(err)
		}
		b := req.Body
		params := db.UpdatePromoCodeParams{
			OrganizationID: cur.OrganizationID, ID: cur.ID, ValidFrom: cur.ValidFrom, ValidUntil: cur.ValidUntil,
			MinAmount: deref(b.MinAmount, cur.MinAmount), ProgramIds: cur.ProgramIds, CategoryIds: cur.CategoryIds,
			MaxUses: cur.MaxUses, PerUserLimit: cur.PerUserLimit,
		}
		if b.ValidFrom != nil {
			params.ValidFrom = b.ValidFrom
		}
		if b.ValidUntil != nil {
			params.ValidUntil = b.ValidUntil
		}
		if b.ProgramIds != nil {
			params.ProgramIds = *b.ProgramIds
		}
		if b.CategoryIds != nil {
			params.CategoryIds = *b.CategoryIds
		}
		if b.MaxUses != nil {
			params.MaxUses = int4(b.MaxUses)
			if int32(*b.MaxUses) < cur.Used {
				fields = append(fields, web.FieldError("maxUses", "below_used", "The code has been used more often already."))
			}
		}
		if b.PerUserLimit != nil {
			params.PerUserLimit = int4(b.PerUserLimit)
		}
		fields = append(fields, checkPromoTerms(false, 0, params.ValidFrom, params.ValidUntil)...)
		if len(fields) > 0 {
			return web.ErrRefused
		}
		out, err = q.UpdatePromoCode(ctx, params)
		return err
	})
	switch {
	case errors.Is(err, store.ErrNotFound):
		return api.UpdatePromoCode404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(ctx, "There is no such promo code.")}, nil
	case errors.Is(err, web.ErrRefused):
		return api.UpdatePromoCode422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.Invalid(ctx, fields...))}, nil
	case err != nil:
		return nil, err
	}
	return api.UpdatePromoCode200JSONResponse(promoDTO(out)), nil
}

// DeletePromoCode deletes a code nobody used.
func (s *Handler) DeletePromoCode(ctx context.Context, req api.DeletePromoCodeRequestObject) (api.DeletePromoCodeResponseObject, error) {
	p, err := web.Caller(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := s.RequireRole(ctx, p, req.OrganizationID, moneyManagers...); err != nil {
		return nil, err
	}
	n, err := s.Q.DeletePromoCode(ctx, db.DeletePromoCodeParams{OrganizationID: req.OrganizationID, ID: req.PromoCodeID})
	if err != nil {
		return nil, err
	}
	if n == 1 {
		return api.DeletePromoCode204Response{}, nil
	}
	if _, err := s.Q.GetPromoCode(ctx, db.GetPromoCodeParams{OrganizationID: req.OrganizationID, ID: req.PromoCodeID}); err != nil {
		if errors.Is(store.NotFound(err), store.ErrNotFound) {
			return api.DeletePromoCode404ApplicationProblemPlusJSONResponse{NotFoundApplicationProblemPlusJSONResponse: notFound(ctx, "There is no such promo code.")}, nil
		}
		return nil, err
	}
	return api.DeletePromoCode409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
		web.NewProblem(ctx, http.StatusConflict, "promo_code_used", "The code has been used; end its validity instead."))}, nil
}

func promoDTO(r db.PromoCode) api.PromoCode {
	out := api.PromoCode{
		ID: r.ID, Code: r.Code, Kind: api.PromoCodeKind(r.Kind), Value: r.Value, Currency: r.Currency,
		ValidFrom: utcPtr(r.ValidFrom), ValidUntil: utcPtr(r.ValidUntil), MinAmount: r.MinAmount,
		ProgramIds: orEmpty(r.ProgramIds), CategoryIds: orEmpty(r.CategoryIds), Used: int(r.Used), CreatedAt: r.CreatedAt.UTC(),
	}
	if r.MaxUses.Valid {
		out.MaxUses = new(int(r.MaxUses.Int32))
	}
	if r.PerUserLimit.Valid {
		out.PerUserLimit = new(int(r.PerUserLimit.Int32))
	}
	return out
}

func notFound(ctx context.Context, detail string) api.NotFoundApplicationProblemPlusJSONResponse {
	return api.NotFoundApplicationProblemPlusJSONResponse(web.NewProblem(ctx, http.StatusNotFound, web.CodeNotFound, detail))
}

func deref[T any](p *T, def T) T {
	if p == nil {
		return def
	}
	return *p
}

func derefSlice(p *[]uuid.UUID) []uuid.UUID {
	if p == nil {
		return []uuid.UUID{}
	}
	return *p
}

func orEmpty(v []uuid.UUID) []uuid.UUID {
	if v == nil {
		return []uuid.UUID{}
	}
	return v
}

func int4(p *int) pgtype.Int4 {
	if p == nil {
		return pgtype.Int4{}
	}
	return pgtype.Int4{Int32: int32(*p), Valid: true}
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
