package news

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/store"
	"github.com/kabinet-edu/kabinet/internal/web"
)

func (s *Handler) newsDTO(n db.NewsItem) api.NewsItem {
	state := api.NewsStatePublished
	switch {
	case n.PublishedAt == nil:
		state = api.NewsStateDraft
	case n.PublishedAt.After(s.Now()):
		state = api.NewsStateScheduled
	}
	return api.NewsItem{
		ID: n.ID, OrganizationID: n.OrganizationID, Title: n.Title, Body: n.BodyMarkdown, BodyHTML: n.BodyHtml,
		Audience: api.ContentAudience(n.Audience), ProgramIds: n.ProgramIds, PublishedAt: web.UTCPtr(n.PublishedAt), State: state,
		CreatedAt: n.CreatedAt.UTC(), UpdatedAt: n.UpdatedAt.UTC(),
	}
}

func publishedDTO(n db.NewsItem) api.PublishedNewsItem {
	return api.PublishedNewsItem{
		ID: n.ID, OrganizationID: n.OrganizationID, Title: n.Title, BodyHTML: n.BodyHtml,
		Audience: api.ContentAudience(n.Audience), PublishedAt: n.PublishedAt.UTC(),
	}
}

// newsInput checks and renders an item's input; fields lists what is wrong.
func (s *Handler) newsInput(ctx context.Context, orgID uuid.UUID, in api.NewsItemInput) (title, html string, programs []uuid.UUID, fields []api.FieldError, err error) {
	title, fields = web.CheckName("title", in.Title)
	programs = []uuid.UUID{}
	if in.ProgramIds != nil {
		programs = *in.ProgramIds
	}
	if len(programs) > 0 {
		if in.Audience != api.Members {
			fields = append(fields, api.FieldError{Field: "programIds", Code: "public_item", Message: "Only members-only items can be for given programs."})
		} else if n, err := s.Q.CountOrganizationPrograms(ctx, db.CountOrganizationProgramsParams{OrganizationID: orgID, Ids: programs}); err != nil {
			return "", "", nil, nil, err
		} else if int(n) != len(programs) {
			fields = append(fields, api.FieldError{Field: "programIds", Code: "unknown_program", Message: "Every program must be one of the organization's."})
		}
	}
	if len(fields) > 0 {
		return "", "", nil, fields, nil
	}
	html, err = s.md.Render(in.Body)
	return title, html, programs, nil, err
}

// CreateNewsItem writes a draft, scheduled or published item.
func (s *Handler) CreateNewsItem(ctx context.Context, req api.CreateNewsItemRequestObject) (api.CreateNewsItemResponseObject, error) {
	p, err := s.editor(ctx, req.OrganizationID)
	if err != nil {
		return nil, err
	}
	title, html, programs, fields, err := s.newsInput(ctx, req.OrganizationID, *req.Body)
	if err != nil {
		return nil, err
	}
	if len(fields) > 0 {
		return api.CreateNewsItem422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.Invalid(ctx, fields...))}, nil
	}
	var n db.NewsItem
	err = store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		var err error
		n, err = q.CreateNewsItem(ctx, db.CreateNewsItemParams{
			OrganizationID: req.OrganizationID, Title: title, BodyMarkdown: req.Body.Body, BodyHtml: html,
			Audience: db.ContentAudience(req.Body.Audience), ProgramIds: programs, PublishedAt: utc(req.Body.PublishedAt), AuthorID: &p.User.ID,
		})
		if err != nil {
			return err
		}
		return s.scheduleDelivery(ctx, tx, n)
	})
	if err != nil {
		return nil, err
	}
	return api.CreateNewsItem201JSONResponse(s.newsDTO(n)), nil
}

// UpdateNewsItem replaces an item's content and publication time.
func (s *Handler) UpdateNewsItem(ctx context.Context, req api.UpdateNewsItemRequestObject) (api.UpdateNewsItemResponseObject, error) {
	p, err := s.editor(ctx, req.OrganizationID)
	if err != nil {
		return nil, err
	}
	title, html, programs, fields, err := s.newsInput(ctx, req.OrganizationID, *req.Body)
	if err != nil {
		return nil, err
	}
	if len(fields) > 0 {
		return api.UpdateNewsItem422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.Invalid(ctx, fields...))}, nil
	}
	var n db.NewsItem
	err = store.InTxJobs(ctx, s.Pool, func(q *db.Queries, tx pgx.Tx) error {
		var err error
		n, err = q.UpdateNewsItem(ctx, db.UpdateNewsItemParams{
			OrganizationID: req.OrganizationID, ID: req.NewsID, Title: title, BodyMarkdown: req.Body.Body, BodyHtml: html,
			Audience: db.ContentAudience(req.Body.Audience), ProgramIds: programs, PublishedAt: utc(req.Body.PublishedAt), AuthorID: &p.User.ID,
		})
		if err != nil {
			return err
		}
		return s.scheduleDelivery(ctx, tx, n)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, noNews(ctx)
	}
	if err != nil {
		return nil, err
	}
	return api.UpdateNewsItem200JSONResponse(s.newsDTO(n)), nil
}

// UnpublishNewsItem makes an item a draft again.
func (s *Handler) UnpublishNewsItem(ctx context.Context, req api.UnpublishNewsItemRequestObject) (api.UnpublishNewsItemResponseObject, error) {
	p, err := s.editor(ctx, req.OrganizationID)
	if err != nil {
		return nil, err
	}
	n, err := s.Q.UnpublishNewsItem(ctx, db.UnpublishNewsItemParams{OrganizationID: req.OrganizationID, ID: req.NewsID, AuthorID: &p.User.ID})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, noNews(ctx)
	}
	if err != nil {
		return nil, err
	}
	return api.UnpublishNewsItem200JSONResponse(s.newsDTO(n)), nil
}

// DeleteNewsItem deletes an item.
func (s *Handler) DeleteNewsItem(ctx context.Context, req api.DeleteNewsItemRequestObject) (api.DeleteNewsItemResponseObject, error) {
	if _, err := s.editor(ctx, req.OrganizationID); err != nil {
		return nil, err
	}
	n, err := s.Q.DeleteNewsItem(ctx, db.DeleteNewsItemParams{OrganizationID: req.OrganizationID, ID: req.NewsID})
	if err != nil {
		return nil, err
	}
	if n == 0 {
		return nil, noNews(ctx)
	}
	return api.DeleteNewsItem204Response{}, nil
}

// GetNewsItem returns any item of the organization, for its editors.
func (s *Handler) GetNewsItem(ctx context.Context, req api.GetNewsItemRequestObject) (api.GetNewsItemResponseObject, error) {
	if _, err := s.editor(ctx, req.OrganizationID); err != nil {
		return nil, err
	}
	n, err := s.Q.GetNewsItem(ctx, db.GetNewsItemParams{OrganizationID: req.OrganizationID, ID: req.NewsID})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, noNews(ctx)
	}
	if err != nil {
		return nil, err
	}
	return api.GetNewsItem200JSONResponse(s.newsDTO(n)), nil
}

// ListNewsItems pages through every item, for the organization's editors.
func (s *Handler) ListNewsItems(ctx context.Context, req api.ListNewsItemsRequestObject) (api.ListNewsItemsResponseObject, error) {
	if _, err := s.editor(ctx, req.OrganizationID); err != nil {
		return nil, err
	}
	at, id, ok := timeCursor(req.Params.Cursor)
	if !ok {
		return api.ListNewsItems422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.BadCursor(ctx))}, nil
	}
	limit := web.Limit(req.Params.Limit)
	params := db.ListNewsItemsParams{OrganizationID: req.OrganizationID, BeforeCreatedAt: at, BeforeID: id, MaxRows: int32(limit + 1)}
	if req.Params.State != nil {
		params.State = new(string(*req.Params.State))
	}
	rows, err := s.Q.ListNewsItems(ctx, params)
	if err != nil {
		return nil, err
	}
	page := api.NewsItemPage{Items: []api.NewsItem{}}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1]
		page.NextCursor = new(web.EncodeCursor(last.CreatedAt, last.ID))
	}
	for _, n := range rows {
		page.Items = append(page.Items, s.newsDTO(n))
	}
	return api.ListNewsItems200JSONResponse(page), nil
}

// ListMemberNews is the feed of a signed-in member: public and members-only items.
func (s *Handler) ListMemberNews(ctx context.Context, req api.ListMemberNewsRequestObject) (api.ListMemberNewsResponseObject, error) {
	m, err := s.member(ctx, req.OrganizationID)
	if err != nil {
		return nil, err
	}
	// Learners see items for given programs only when they study one of
	// them; staff see every item.
	var learner *uuid.UUID
	if m.Role == db.MemberRoleLearner {
		learner = &m.UserID
	}
	page, ok, err := s.feed(ctx, req.OrganizationID, learner, true, req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	if !ok {
		return api.ListMemberNews422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.BadCursor(ctx))}, nil
	}
	return api.ListMemberNews200JSONResponse(page), nil
}

// ListPublicNews is an organization's public feed, with ETags.
func (s *Handler) ListPublicNews(ctx context.Context, req api.ListPublicNewsRequestObject) (api.ListPublicNewsResponseObject, error) {
	orgID, err := s.publicOrg(ctx, req.Organization)
	if err != nil {
		return nil, err
	}
	page, ok, err := s.feed(ctx, orgID, nil, false, req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	if !ok {
		return api.ListPublicNews422ApplicationProblemPlusJSONResponse{UnprocessableEntityApplicationProblemPlusJSONResponse: api.UnprocessableEntityApplicationProblemPlusJSONResponse(web.BadCursor(ctx))}, nil
	}
	tag, err := etagOf(page)
	if err != nil {
		return nil, err
	}
	if notModified(req.Params.IfNoneMatch, tag) {
		return api.ListPublicNews304Response{Headers: api.NotModifiedResponseHeaders{ETag: &tag, CacheControl: new(publicCacheControl)}}, nil
	}
	return api.ListPublicNews200JSONResponse{Body: page, Headers: api.ListPublicNews200ResponseHeaders{ETag: &tag, CacheControl: new(publicCacheControl)}}, nil
}

// GetPublicNewsItem is one published public item, with ETags.
func (s *Handler) GetPublicNewsItem(ctx context.Context, req api.GetPublicNewsItemRequestObject) (api.GetPublicNewsItemResponseObject, error) {
	orgID, err := s.publicOrg(ctx, req.Organization)
	if err != nil {
		return nil, err
	}
	n, err := s.Q.GetPublishedNewsItem(ctx, db.GetPublishedNewsItemParams{OrganizationID: orgID, ID: req.NewsID, Audiences: readerAudiences(false)})
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, noNews(ctx)
	}
	if err != nil {
		return nil, err
	}
	item := publishedDTO(n)
	tag, err := etagOf(item)
	if err != nil {
		return nil, err
	}
	if notModified(req.Params.IfNoneMatch, tag) {
		return api.GetPublicNewsItem304Response{Headers: api.NotModifiedResponseHeaders{ETag: &tag, CacheControl: new(publicCacheControl)}}, nil
	}
	return api.GetPublicNewsItem200JSONResponse{Body: item, Headers: api.GetPublicNewsItem200ResponseHeaders{ETag: &tag, CacheControl: new(publicCacheControl)}}, nil
}

// feed pages through what a reader (a member or anybody) sees; ok is false
// for a bad cursor.
func (s *Handler) feed(ctx context.Context, orgID uuid.UUID, learner *uuid.UUID, member bool, limitP *int, cursor *string) (api.PublishedNewsPage, bool, error) {
	at, id, ok := timeCursor(cursor)
	if !ok {
		return api.PublishedNewsPage{}, false, nil
	}
	limit := web.Limit(limitP)
	rows, err := s.Q.ListPublishedNews(ctx, db.ListPublishedNewsParams{
		OrganizationID: orgID, Audiences: readerAudiences(member), LearnerID: learner, BeforePublishedAt: at, BeforeID: id, MaxRows: int32(limit + 1),
	})
	if err != nil {
		return api.PublishedNewsPage{}, false, err
	}
	page := api.PublishedNewsPage{Items: []api.PublishedNewsItem{}}
	if len(rows) > limit {
		rows = rows[:limit]
		last := rows[len(rows)-1]
		page.NextCursor = new(web.EncodeCursor(*last.PublishedAt, last.ID))
	}
	for _, n := range rows {
		page.Items = append(page.Items, publishedDTO(n))
	}
	return page, true, nil
}

func timeCursor(c *string) (*time.Time, *uuid.UUID, bool) {
	if c == nil {
		return nil, nil, true
	}
	at, id, err := web.DecodeCursor(*c)
	if err != nil {
		return nil, nil, false
	}
	return &at, &id, true
}

func utc(t *time.Time) *time.Time { return web.UTCPtr(t) }

func noNews(ctx context.Context) error { return notFound(ctx, "There is no such news item.") }
