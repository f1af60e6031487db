package catalog

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/api"
	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/catalog/search"
	"github.com/kabinet-edu/kabinet/internal/web"
)

// searchParams are the filters both search operations share.
type searchParams struct {
	q                  *string
	kinds              *[]api.ProgramKind
	formats            *[]api.StudyFormat
	priceMin, priceMax *int64
	hoursMin, hoursMax *int32
	startsFrom         *openapi_types.Date
	startsTo           *openapi_types.Date
	enrollmentOpen     *bool
	sort               *string
	limit              *int
	cursor             *string
}

func (p searchParams) query() search.Query {
	q := search.Query{Text: deref(p.q), PriceMin: p.priceMin, PriceMax: p.priceMax, HoursMin: p.hoursMin, HoursMax: p.hoursMax,
		EnrollmentOpen: deref(p.enrollmentOpen), Sort: search.Sort(deref(p.sort)), Limit: web.Limit(p.limit), Cursor: deref(p.cursor)}
	for _, k := range deref(p.kinds) {
		q.Kinds = append(q.Kinds, db.ProgramKind(k))
	}
	for _, f := range deref(p.formats) {
		q.Formats = append(q.Formats, db.StudyFormat(f))
	}
	if p.startsFrom != nil {
		q.StartsFrom = p.startsFrom.Time
	}
	if p.startsTo != nil {
		q.StartsTo = p.startsTo.Time
	}
	return q
}

// SearchCatalogPrograms searches published programs across centers.
func (s *Handler) SearchCatalogPrograms(ctx context.Context, req api.SearchCatalogProgramsRequestObject) (api.SearchCatalogProgramsResponseObject, error) {
	r := req.Params
	p := searchParams{r.Q, r.Kind, r.Format, r.PriceMin, r.PriceMax, r.HoursMin, r.HoursMax, r.StartsFrom, r.StartsTo, r.EnrollmentOpen, (*string)(r.Sort), r.Limit, r.Cursor}
	q := p.query()
	q.OrganizationSlug = deref(r.Organization)
	body, tag, err := s.runSearch(ctx, q)
	if err != nil {
		return nil, err
	}
	if notModified(r.IfNoneMatch, tag) {
		return api.SearchCatalogPrograms304Response{Headers: api.SearchCatalogPrograms304ResponseHeaders{ETag: tag, CacheControl: publicCache}}, nil
	}
	return api.SearchCatalogPrograms200JSONResponse{Body: body, Headers: api.SearchCatalogPrograms200ResponseHeaders{ETag: tag, CacheControl: publicCache}}, nil
}

// SearchCatalogOrganizationPrograms searches one center's published programs.
func (s *Handler) SearchCatalogOrganizationPrograms(ctx context.Context, req api.SearchCatalogOrganizationProgramsRequestObject) (api.SearchCatalogOrganizationProgramsResponseObject, error) {
	org, err := s.publicOrganization(ctx, req.Slug)
	if err != nil {
		return nil, err
	}
	r := req.Params
	p := searchParams{r.Q, r.Kind, r.Format, r.PriceMin, r.PriceMax, r.HoursMin, r.HoursMax, r.StartsFrom, r.StartsTo, r.EnrollmentOpen, (*string)(r.Sort), r.Limit, r.Cursor}
	q := p.query()
	q.OrganizationID = org.ID
	if r.Category != nil {
		q.CategoryID = *r.Category
	}
	body, tag, err := s.runSearch(ctx, q)
	if err != nil {
		return nil, err
	}
	if notModified(r.IfNoneMatch, tag) {
		return api.SearchCatalogOrganizationPrograms304Response{Headers: api.SearchCatalogOrganizationPrograms304ResponseHeaders{ETag: tag, CacheControl: publicCache}}, nil
	}
	return api.SearchCatalogOrganizationPrograms200JSONResponse{Body: body, Headers: api.SearchCatalogOrganizationPrograms200ResponseHeaders{ETag: tag, CacheControl: publicCache}}, nil
}

// runSearch runs q and shapes the answer; invalid input is 422 naming the
// query parameter.
func (s *Handler) runSearch(ctx context.Context, q search.Query) (api.CatalogSearchResult, string, error) {
	res, err := s.search.Search(ctx, q)
	var qe *search.QueryError
	if errors.As(err, &qe) {
		return api.CatalogSearchResult{}, "", invalid(ctx, web.FieldError("query."+qe.Field, "invalid_value", qe.Message))
	}
	if err != nil {
		return api.CatalogSearchResult{}, "", err
	}
	out := api.CatalogSearchResult{Items: make([]api.CatalogProgramCard, 0, len(res.Items)), Total: res.Total, Approximate: res.Approximate}
	if res.NextCursor != "" {
		out.NextCursor = &res.NextCursor
	}
	for _, it := range res.Items {
		card := api.CatalogProgramCard{
			ID: it.ID, Organization: api.CatalogOrganizationRef{ID: it.OrganizationID, Slug: it.OrganizationSlug, Name: it.OrganizationName},
			CategoryID: it.CategoryID, Slug: it.Slug, Title: it.Title, ShortDescription: it.ShortDescription,
			Kind: api.ProgramKind(it.Kind), CompletionDocument: api.CompletionDocument(it.CompletionDocument), Format: api.StudyFormat(it.Format),
			AcademicHours: it.AcademicHours, PriceMinor: it.PriceMinor, Currency: it.Currency, Tags: nonNil(it.Tags),
			CoverURL: publicCoverURL(it.OrganizationSlug, it.Slug, it.CoverKey), EnrollmentOpen: it.EnrollmentOpen,
			PublishedAt: it.PublishedAt.UTC(), Relevance: it.Relevance,
		}
		if it.NextStartOn != nil {
			card.NextStartOn = &openapi_types.Date{Time: *it.NextStartOn}
		}
		out.Items = append(out.Items, card)
	}
	f := res.Facets
	out.Facets = api.CatalogFacets{Kinds: []api.FacetValue{}, Formats: []api.FacetValue{}, Organizations: []api.OrganizationFacet{}, Categories: []api.CategoryFacet{}}
	for _, v := range f.Kinds {
		out.Facets.Kinds = append(out.Facets.Kinds, api.FacetValue{Value: v.Value, Count: v.Count})
	}
	for _, v := range f.Formats {
		out.Facets.Formats = append(out.Facets.Formats, api.FacetValue{Value: v.Value, Count: v.Count})
	}
	for _, v := range f.Organizations {
		out.Facets.Organizations = append(out.Facets.Organizations, api.OrganizationFacet{ID: v.ID, Slug: v.Slug, Name: v.Name, Count: v.Count})
	}
	for _, v := range f.Categories {
		out.Facets.Categories = append(out.Facets.Categories, api.CategoryFacet{ID: v.ID, ParentID: v.ParentID, Slug: v.Slug, Title: v.Title, Count: v.Count})
	}
	tag, err := bodyTag(out)
	return out, tag, err
}

// GetCatalogProgram shows the public page of a published program.
func (s *Handler) GetCatalogProgram(ctx context.Context, req api.GetCatalogProgramRequestObject) (api.GetCatalogProgramResponseObject, error) {
	row, err := s.publishedProgram(ctx, req.Slug, req.ProgramSlug)
	if err != nil {
		return nil, err
	}
	p := row.Program
	teachers, err := s.Q.ListProgramTeachers(ctx, db.ListProgramTeachersParams{OrganizationID: p.OrganizationID, ProgramID: p.ID})
	if err != nil {
		return nil, err
	}
	body := api.CatalogProgram{
		ID: p.ID, Organization: api.CatalogOrganizationRef{ID: p.OrganizationID, Slug: req.Slug, Name: row.OrganizationName},
		CategoryID: p.CategoryID, Slug: p.Slug, Title: p.Title, ShortDescription: p.ShortDescription, DescriptionHTML: p.DescriptionHtml,
		Kind: api.ProgramKind(p.Kind), CompletionDocument: api.CompletionDocument(p.CompletionDocument), AcademicHours: p.AcademicHours,
		Format: api.StudyFormat(p.Format), PriceMinor: p.PriceMinor, Currency: p.Currency, Tags: nonNil(p.Tags),
		RequiredDocuments: docKinds(p.RequiredDocuments), RequiresSnils: p.RequiresSnils, RequiresPriorEducation: p.RequiresPriorEducation,
		Teachers: teachersDTO(teachers), CoverURL: publicCoverURL(req.Slug, p.Slug, p.CoverKey), NextStartOn: dateOut(p.NextStartOn),
	}
	if p.PublishedAt != nil {
		body.PublishedAt = p.PublishedAt.UTC()
	}
	tag, err := bodyTag(body)
	if err != nil {
		return nil, err
	}
	if notModified(req.Params.IfNoneMatch, tag) {
		return api.GetCatalogProgram304Response{Headers: api.GetCatalogProgram304ResponseHeaders{ETag: tag, CacheControl: publicCache}}, nil
	}
	return api.GetCatalogProgram200JSONResponse{Body: body, Headers: api.GetCatalogProgram200ResponseHeaders{ETag: tag, CacheControl: publicCache}}, nil
}

// ListCatalogProgramGroups lists a published program's current groups.
func (s *Handler) ListCatalogProgramGroups(ctx context.Context, req api.ListCatalogProgramGroupsRequestObject) (api.ListCatalogProgramGroupsResponseObject, error) {
	row, err := s.publishedProgram(ctx, req.Slug, req.ProgramSlug)
	if err != nil {
		return nil, err
	}
	rows, next, err := s.groupsPage(ctx, row.Program, true, req.Params.Limit, req.Params.Cursor)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	page := api.CatalogGroupPage{Items: make([]api.CatalogGroup, 0, len(rows)), NextCursor: next}
	for _, g := range rows {
		page.Items = append(page.Items, publicGroupDTO(g, now))
	}
	// enrollmentOpen depends on the clock: the tag includes the minute so a
	// window's opening or closing shows within the cache's lifetime.
	tag, err := bodyTag(struct {
		P api.CatalogGroupPage
		M int64
	}{page, now.Truncate(time.Minute).Unix()})
	if err != nil {
		return nil, err
	}
	if notModified(req.Params.IfNoneMatch, tag) {
		return api.ListCatalogProgramGroups304Response{Headers: api.ListCatalogProgramGroups304ResponseHeaders{ETag: tag, CacheControl: publicCache}}, nil
	}
	return api.ListCatalogProgramGroups200JSONResponse{Body: page, Headers: api.ListCatalogProgramGroups200ResponseHeaders{ETag: tag, CacheControl: publicCache}}, nil
}

// GetCatalogProgramCover streams a published program's cover.
func (s *Handler) GetCatalogProgramCover(ctx context.Context, req api.GetCatalogProgramCoverRequestObject) (api.GetCatalogProgramCoverResponseObject, error) {
	row, err := s.publishedProgram(ctx, req.Slug, req.ProgramSlug)
	if err != nil {
		return nil, err
	}
	r, err := s.coverResponse(ctx, row.Program.CoverKey, publicCache, req.Params.Range, req.Params.IfRange, req.Params.IfNoneMatch)
	if err != nil {
		return nil, err
	}
	return r, nil
}

// publishedProgram finds a published program by slugs; drafts and
// archived programs are 404, as if they did not exist.
func (s *Handler) publishedProgram(ctx context.Context, orgSlug, programSlug string) (db.GetPublishedProgramRow, error) {
	row, err := s.Q.GetPublishedProgram(ctx, db.GetPublishedProgramParams{OrganizationSlug: orgSlug, ProgramSlug: programSlug})
	if errors.Is(err, pgx.ErrNoRows) {
		return row, notFound(ctx, "There is no such program in the catalog.")
	}
	return row, err
}
