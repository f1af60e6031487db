package news

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// codeLimitReached refuses a FAQ category beyond maxCategories.
const codeLimitReached = "limit_reached"

func categoryDTO(c db.FaqCategory) api.FaqCategory {
	return api.FaqCategory{
		ID: c.ID, OrganizationID: c.OrganizationID, Title: c.Title, Audience: api.ContentAudience(c.Audience),
		Position: int(c.Position), CreatedAt: c.CreatedAt.UTC(), UpdatedAt: c.UpdatedAt.UTC(),
	}
}

// entry is the columns every FAQ entry query returns.
type entry = db.CreateFaqEntryRow

func entryDTO(e entry) api.FaqEntry {
	return api.FaqEntry{
		ID: e.ID, OrganizationID: e.OrganizationID, CategoryID: e.CategoryID, Question: e.Question,
		Answer: e.AnswerMarkdown, AnswerHTML: e.AnswerHtml, Audience: api.ContentAudience(e.Audience),
		Position: int(e.Position), CreatedAt: e.CreatedAt.UTC(), UpdatedAt: e.UpdatedAt.UTC(),
	}
}

func position(p *int) pgtype.Int4 {
	if p == nil {
		return pgtype.Int4{}
	}
	return pgtype.Int4{Int32: int32(*p), Valid: true}
}

// CreateFaqCategory adds a category, last unless a position is given.
func (s *Handler) CreateFaqCategory(ctx context.Context, req api.CreateFaqCategoryRequestObject) (api.CreateFaqCategoryResponseObject, error) {
	if _, err := s.editor(ctx, req.OrganizationID); err != nil {
		return nil, err
	}
	title, fields := web.CheckName("title", req.Body.Title)
	if len(fields) > 0 {
		return api.CreateFaqCategory422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.Invalid(ctx, fields...))}, nil
	}
	// The count is advisory under concurrency (two requests may both pass at
	// 99); the bound exists to keep the list small, not as an invariant.
	n, err := s.Q.CountFaqCategories(ctx, req.OrganizationID)
	if err != nil {
		return nil, err
	}
	if n >= maxCategories {
		return api.CreateFaqCategory409ApplicationProblemPlusJSONResponse{ConflictApplicationProblemPlusJSONResponse: api.ConflictApplicationProblemPlusJSONResponse(
			web.NewProblem(ctx, http.StatusConflict, codeLimitReached, "The FAQ has 100 categories already; merge some first."))}, nil
	}
	c, err := s.Q.CreateFaqCategory(ctx, db.CreateFaqCategoryParams{
		OrganizationID: req.OrganizationID, Title: title, Audience: db.ContentAudience(req.Body.Audience), Position: position(req.Body.Position),
	})
	if err != nil {
		return nil, err
	}
	return api.CreateFaqCategory201JSONResponse(categoryDTO(c)), nil
}

// UpdateFaqCategory edits a category.
func (s *Handler) UpdateFaqCategory(ctx context.Context, req api.UpdateFaqCategoryRequestObject) (api.UpdateFaqCategoryResponseObject, error) {
	if _, err := s.editor(ctx, req.OrganizationID); err != nil {
		return nil, err
	}
	title, fields := web.CheckName("title", req.Body.Title)
	if len(fields) > 0 {
		return api.UpdateFaqCategory422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.Invalid(ctx, fields...))}, nil
	}
	c, err := s.Q.UpdateFaqCategory(ctx, db.UpdateFaqCategoryParams{
		OrganizationID: req.OrganizationID, ID: req.CategoryID, Title: title, Audience: db.ContentAudience(req.Body.Audience), Position: position(req.Body.Position),
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(ctx, "There is no such FAQ category.")
	}
	if err != nil {
		return nil, err
	}
	return api.UpdateFaqCategory200JSONResponse(categoryDTO(c)), nil
}

// DeleteFaqCategory deletes a category with its entries.
func (s *Handler) DeleteFaqCategory(ctx context.Context, req api.DeleteFaqCategoryRequestObject) (api.DeleteFaqCategoryResponseObject, error) {
	if _, err := s.editor(ctx, req.OrganizationID); err != nil {
		return nil, err
	}
	n, err := s.Q.DeleteFaqCategory(ctx, db.DeleteFaqCategoryParams{OrganizationID: req.OrganizationID, ID: req.CategoryID})
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, notFound(ctx, "There is no such FAQ category.")
	}
	return api.DeleteFaqCategory204Response{}, nil
}

// entryInput checks an entry's input against the organization and renders
// its answer.
func (s *Handler) entryInput(ctx context.Context, orgID uuid.UUID, in api.FaqEntryInput) (question, html string, fields []api.FieldError, err error) {
	question, fields = web.CheckName("question", in.Question)
	if strings.TrimSpace(in.Answer) == "" {
		fields = append(fields, web.FieldError("answer", "required", "must not be blank"))
	}
	if _, err := s.Q.GetFaqCategory(ctx, db.GetFaqCategoryParams{OrganizationID: orgID, ID: in.CategoryID}); errors.Is(err, pgx.ErrNoRows) {
		fields = append(fields, web.FieldError("categoryId", "not_found", "is not a FAQ category of this organization"))
	} else if err != nil {
		return "", "", nil, err
	}
	if len(fields) > 0 {
		return "", "", fields, nil
	}
	html, err = s.md.Render(in.Answer)
	return question, html, nil, err
}

// CreateFaqEntry adds an entry to a category.
func (s *Handler) CreateFaqEntry(ctx context.Context, req api.CreateFaqEntryRequestObject) (api.CreateFaqEntryResponseObject, error) {
	if _, err := s.editor(ctx, req.OrganizationID); err != nil {
		return nil, err
	}
	question, html, fields, err := s.entryInput(ctx, req.OrganizationID, *req.Body)
	if err != nil {
		return nil, err
	}
	if len(fields) > 0 {
		return api.CreateFaqEntry422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.Invalid(ctx, fields...))}, nil
	}
	e, err := s.Q.CreateFaqEntry(ctx, db.CreateFaqEntryParams{
		OrganizationID: req.OrganizationID, CategoryID: req.Body.CategoryID, Question: question, AnswerMarkdown: req.Body.Answer,
		AnswerHtml: html, Audience: db.ContentAudience(req.Body.Audience), Position: position(req.Body.Position),
	})
	if err != nil {
		return nil, err
	}
	return api.CreateFaqEntry201JSONResponse(entryDTO(e)), nil
}

// UpdateFaqEntry edits an entry, possibly moving it to another category.
func (s *Handler) UpdateFaqEntry(ctx context.Context, req api.UpdateFaqEntryRequestObject) (api.UpdateFaqEntryResponseObject, error) {
	if _, err := s.editor(ctx, req.OrganizationID); err != nil {
		return nil, err
	}
	question, html, fields, err := s.entryInput(ctx, req.OrganizationID, *req.Body)
	if err != nil {
		return nil, err
	}
	if len(fields) > 0 {
		return api.UpdateFaqEntry422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.Invalid(ctx, fields...))}, nil
	}
	e, err := s.Q.UpdateFaqEntry(ctx, db.UpdateFaqEntryParams{
		OrganizationID: req.OrganizationID, ID: req.EntryID, CategoryID: req.Body.CategoryID, Question: question,
		AnswerMarkdown: req.Body.Answer, AnswerHtml: html, Audience: db.ContentAudience(req.Body.Audience), Position: position(req.Body.Position),
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(ctx, "There is no such FAQ entry.")
	}
	if err != nil {
		return nil, err
	}
	return api.UpdateFaqEntry200JSONResponse(entryDTO(entry(e))), nil
}

// DeleteFaqEntry deletes an entry.
func (s *Handler) DeleteFaqEntry(ctx context.Context, req api.DeleteFaqEntryRequestObject) (api.DeleteFaqEntryResponseObject, error) {
	if _, err := s.editor(ctx, req.OrganizationID); err != nil {
		return nil, err
	}
	n, err := s.Q.DeleteFaqEntry(ctx, db.DeleteFaqEntryParams{OrganizationID: req.OrganizationID, ID: req.EntryID})
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, notFound(ctx, "There is no such FAQ entry.")
	}
	return api.DeleteFaqEntry204Response{}, nil
}
