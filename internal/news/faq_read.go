package news

import (
	"context"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// ListMemberFaqCategories lists every category for a member.
func (s *Handler) ListMemberFaqCategories(ctx context.Context, req api.ListMemberFaqCategoriesRequestObject) (api.ListMemberFaqCategoriesResponseObject, error) {
	if _, err := s.member(ctx, req.OrganizationID); err != nil {
		return nil, err
	}
	list, err := s.categories(ctx, req.OrganizationID, true)
	if err != nil {
		return nil, err
	}
	return api.ListMemberFaqCategories200JSONResponse(list), nil
}

// ListPublicFaqCategories lists the public categories, with ETags.
func (s *Handler) ListPublicFaqCategories(ctx context.Context, req api.ListPublicFaqCategoriesRequestObject) (api.ListPublicFaqCategoriesResponseObject, error) {
	orgID, err := s.publicOrg(ctx, req.Organization)
	if err != nil {
		return nil, err
	}
	list, err := s.categories(ctx, orgID, false)
	if err != nil {
		return nil, err
	}
	tag, err := etagOf(list)
	if err != nil {
		return nil, err
	}
	if notModified(req.Params.IfNoneMatch, tag) {
		return api.ListPublicFaqCategories304Response{Headers: api.NotModifiedResponseHeaders{ETag: &tag, CacheControl: new(publicCacheControl)}}, nil
	}
	return api.ListPublicFaqCategories200JSONResponse{Body: list, Headers: api.ListPublicFaqCategories200ResponseHeaders{ETag: &tag, CacheControl: new(publicCacheControl)}}, nil
}

func (s *Handler) categories(ctx context.Context, orgID uuid.UUID, member bool) (api.FaqCategoryList, error) {
	rows, err := s.Q.ListFaqCategories(ctx, db.ListFaqCategoriesParams{OrganizationID: orgID, Audiences: readerAudiences(member)})
	if err != nil {
		return api.FaqCategoryList{}, err
	}
	list := api.FaqCategoryList{Items: []api.FaqCategory{}}
	for _, c := range rows {
		list.Items = append(list.Items, categoryDTO(c))
	}
	return list, nil
}

// ListMemberFaqEntries lists or searches every entry for a member.
func (s *Handler) ListMemberFaqEntries(ctx context.Context, req api.ListMemberFaqEntriesRequestObject) (api.ListMemberFaqEntriesResponseObject, error) {
	if _, err := s.member(ctx, req.OrganizationID); err != nil {
		return nil, err
	}
	q := req.Params
	page, fields, err := s.entries(ctx, req.OrganizationID, true, q.CategoryID, q.Query, q.Limit, q.Cursor)
	if err != nil {
		return nil, err
	}
	if fields != nil {
		return api.ListMemberFaqEntries422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.Invalid(ctx, fields...))}, nil
	}
	return api.ListMemberFaqEntries200JSONResponse(page), nil
}

// ListPublicFaqEntries lists or searches the public entries, with ETags.
func (s *Handler) ListPublicFaqEntries(ctx context.Context, req api.ListPublicFaqEntriesRequestObject) (api.ListPublicFaqEntriesResponseObject, error) {
	orgID, err := s.publicOrg(ctx, req.Organization)
	if err != nil {
		return nil, err
	}
	q := req.Params
	page, fields, err := s.entries(ctx, orgID, false, q.CategoryID, q.Query, q.Limit, q.Cursor)
	if err != nil {
		return nil, err
	}
	if fields != nil {
		return api.ListPublicFaqEntries422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.Invalid(ctx, fields...))}, nil
	}
	tag, err := etagOf(page)
	if err != nil {
		return nil, err
	}
	if notModified(q.IfNoneMatch, tag) {
		return api.ListPublicFaqEntries304Response{Headers: api.NotModifiedResponseHeaders{ETag: &tag, CacheControl: new(publicCacheControl)}}, nil
	}
	return api.ListPublicFaqEntries200JSONResponse{Body: page, Headers: api.ListPublicFaqEntries200ResponseHeaders{ETag: &tag, CacheControl: new(publicCacheControl)}}, nil
}

// entries pages through the visible entries in reading order or, with a
// query, by search rank; fields name a bad cursor or query.
func (s *Handler) entries(ctx context.Context, orgID uuid.UUID, member bool, category *uuid.UUID, query *string, limitP *int, cursor *string) (api.FaqEntryPage, []api.FieldError, error) {
	limit := web.Limit(limitP)
	page := api.FaqEntryPage{Items: []api.FaqEntry{}}
	if query != nil && strings.TrimSpace(*query) != "" {
		params := db.SearchFaqEntriesParams{Query: *query, OrganizationID: orgID, Audiences: readerAudiences(member), CategoryID: category, MaxRows: int32(limit + 1)}
		if cursor != nil {
			k, err := decodeRankKey(*cursor)
			if err != nil {
				return page, badCursor, nil
			}
			params.AfterRank, params.AfterID = pgtype.Float4{Float32: k.rank, Valid: true}, &k.id
		}
		rows, err := s.Q.SearchFaqEntries(ctx, params)
		if err != nil {
			return page, nil, err
		}
		if len(rows) > limit {
			rows = rows[:limit]
			last := rows[len(rows)-1]
			page.NextCursor = new(encodeRankKey(rankKey{last.Rank, last.ID}))
		}
		for _, r := range rows {
			page.Items = append(page.Items, entryDTO(entry{ID: r.ID, OrganizationID: r.OrganizationID, CategoryID: r.CategoryID, Question: r.Question,
				AnswerMarkdown: r.AnswerMarkdown, AnswerHtml: r.AnswerHtml, Audience: r.Audience, Position: r.Position, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}))
		}
		return page, nil, nil
	}
	params := db.ListFaqEntriesParams{OrganizationID: orgID, Audiences: readerAudiences(member), CategoryID: category, MaxRows: int32(limit + 1)}
	if cursor != nil {
		k, err := decodeOrderKey(*cursor)
		if err != nil {
			return page, badCursor, nil
		}
		params.AfterCategoryPosition = pgtype.Int4{Int32: k.categoryPosition, Valid: true}
		params.AfterPosition = pgtype.Int4{Int32: k.position, Valid: true}
		params.AfterID = &k.id
	}
	rows, err := s.Q.ListFaqEntries(ctx, params)
	if err != nil {
		return page, nil, err
	}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1]
		page.NextCursor = new(encodeOrderKey(orderKey{last.CategoryPosition, last.Position, last.ID}))
	}
	for _, r := range rows {
		page.Items = append(page.Items, entryDTO(entry{ID: r.ID, OrganizationID: r.OrganizationID, CategoryID: r.CategoryID, Question: r.Question,
			AnswerMarkdown: r.AnswerMarkdown, AnswerHtml: r.AnswerHtml, Audience: r.Audience, Position: r.Position, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}))
	}
	return page, nil, nil
}

// badCursor names a cursor this list did not hand out.
var badCursor = []api.FieldError{web.FieldError("query.cursor", "invalid_value", "is not a cursor returned by this list")}
