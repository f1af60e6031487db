package catalog_test

import (
	"testing"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/kabinet-edu/kabinet/gen/client"
	"github.com/kabinet-edu/kabinet/internal/apitest"
)

// catalogFixture publishes a few programs in two centers.
func catalogFixture(t *testing.T, env *apitest.Env) (apitest.StaffOrg, apitest.StaffOrg) {
	t.Helper()
	a := apitest.NewStaffOrg(t, env, "center-a")
	b := apitest.NewStaffOrg(t, env, "center-b")
	cat, _ := env.Client.CreateCategoryWithResponse(bg, a.ID, client.CategoryCreate{Slug: "ped", Title: "Педагогика и психология"}, a.As("manager"))
	sub, _ := env.Client.CreateCategoryWithResponse(bg, a.ID, client.CategoryCreate{Slug: "doo", Title: "Дошкольное образование", ParentID: &cat.JSON201.ID}, a.As("manager"))
	mk := func(org apitest.StaffOrg, in client.ProgramCreate, pub bool) {
		p := newProgram(t, env, org, in)
		if pub {
			publish(t, env, org, p)
		}
	}
	pk := client.ProgramCreate{Slug: "ped-pk", Title: "Основы педагогической деятельности", Kind: "qualification_upgrade", AcademicHours: 72,
		Format: "online", PriceMinor: 450000, CategoryID: &sub.JSON201.ID}
	mk(a, pk, true)
	mk(a, client.ProgramCreate{Slug: "psy", Title: "Психология обучения взрослых", Kind: "course", AcademicHours: 24, Format: "blended",
		PriceMinor: 250000, CategoryID: &cat.JSON201.ID}, true)
	mk(a, client.ProgramCreate{Slug: "draft-ped", Title: "Педагогика: черновик", Kind: "course", AcademicHours: 24, Format: "online", PriceMinor: 100}, false)
	mk(b, client.ProgramCreate{Slug: "ohrana", Title: "Охрана труда для руководителей", Kind: "qualification_upgrade", AcademicHours: 40,
		Format: "in_person", PriceMinor: 390000}, true)
	mk(b, client.ProgramCreate{Slug: "ped-pp", Title: "Педагогика профессионального обучения", Kind: "professional_retraining", AcademicHours: 260,
		Format: "online", PriceMinor: 2500000}, true)
	return a, b
}

func TestPublicSearchMorphologyFiltersFacets(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	a, _ := catalogFixture(t, env)

	// «педагогика» finds «педагогической»; the draft stays hidden.
	res, _ := env.Client.SearchCatalogProgramsWithResponse(bg, &client.SearchCatalogProgramsParams{Q: ptr("педагогика")})
	if res.JSON200 == nil {
		t.Fatalf("search: %d %s", res.StatusCode(), res.Body)
	}
	got := slugs(res.JSON200.Items)
	if !apitest.Contains(got, "ped-pk", "ped-pp") || apitest.Contains(got, "draft-ped") || res.JSON200.Total != 2 || res.JSON200.Approximate {
		t.Fatalf("педагогика → %v (total %d)", got, res.JSON200.Total)
	}
	if res.HTTPResponse.Header.Get("Cache-Control") != "public, max-age=60" || res.HTTPResponse.Header.Get("ETag") == "" {
		t.Fatalf("headers %v", res.HTTPResponse.Header)
	}
	// 304 with the ETag.
	tag := res.HTTPResponse.Header.Get("ETag")
	again, _ := env.Client.SearchCatalogProgramsWithResponse(bg, &client.SearchCatalogProgramsParams{Q: ptr("педагогика"), IfNoneMatch: &tag})
	if again.StatusCode() != 304 || len(again.Body) != 0 {
		t.Fatalf("If-None-Match: %d %s", again.StatusCode(), again.Body)
	}

	// Kind and price filters; facets of the whole match.
	kinds := []client.ProgramKind{"qualification_upgrade"}
	res, _ = env.Client.SearchCatalogProgramsWithResponse(bg, &client.SearchCatalogProgramsParams{Kind: &kinds, PriceMax: ptr(int64(400000))})
	if got := slugs(res.JSON200.Items); len(got) != 1 || got[0] != "ohrana" {
		t.Fatalf("ПК ≤ 4000 ₽ → %v", got)
	}
	res, _ = env.Client.SearchCatalogProgramsWithResponse(bg, nil)
	f := res.JSON200.Facets
	if res.JSON200.Total != 4 || facet(f.Kinds, "qualification_upgrade") != 2 || facet(f.Formats, "online") != 2 || len(f.Organizations) != 2 {
		t.Fatalf("facets %+v total %d", f, res.JSON200.Total)
	}

	// Within one center: the category filter takes descendants, the category facet counts up the tree.
	slug := orgSlug(t, env, a.ID)
	cats, _ := env.Client.ListCategoriesWithResponse(bg, a.ID, a.As("teacher"))
	var ped openapi_types.UUID
	for _, c := range cats.JSON200.Items {
		if c.Slug == "ped" {
			ped = c.ID
		}
	}
	org, _ := env.Client.SearchCatalogOrganizationProgramsWithResponse(bg, slug, &client.SearchCatalogOrganizationProgramsParams{Category: &ped})
	if org.JSON200 == nil || org.JSON200.Total != 2 {
		t.Fatalf("category with descendants: %d %s", org.StatusCode(), org.Body)
	}
	for _, c := range org.JSON200.Facets.Categories {
		if c.Slug == "ped" && c.Count != 2 || c.Slug == "doo" && c.Count != 1 {
			t.Fatalf("category facet %+v", org.JSON200.Facets.Categories)
		}
	}
	// Sorting by price.
	sorted, _ := env.Client.SearchCatalogProgramsWithResponse(bg, &client.SearchCatalogProgramsParams{Sort: ptr(client.SearchCatalogProgramsParamsSort("price_asc"))})
	if got := slugs(sorted.JSON200.Items); got[0] != "psy" || got[len(got)-1] != "ped-pp" {
		t.Fatalf("price_asc → %v", got)
	}
	// A misspelt short query still finds the title.
	typo, _ := env.Client.SearchCatalogProgramsWithResponse(bg, &client.SearchCatalogProgramsParams{Q: ptr("охрона труда")})
	if got := slugs(typo.JSON200.Items); len(got) == 0 || got[0] != "ohrana" {
		t.Fatalf("misspelt → %v", got)
	}
	// Bad input names the parameter; an unknown center is 404.
	bad, _ := env.Client.SearchCatalogProgramsWithResponse(bg, &client.SearchCatalogProgramsParams{PriceMin: ptr(int64(10)), PriceMax: ptr(int64(5))})
	p := apitest.WantProblem(t, bad.HTTPResponse, bad.Body, 422, "validation_failed")
	if f := apitest.Fields(p); len(f) != 1 || f[0] != "query.priceMax:invalid_value" {
		t.Fatalf("fields %v", f)
	}
	none, _ := env.Client.SearchCatalogOrganizationProgramsWithResponse(bg, "no-such-center", nil)
	apitest.WantProblem(t, none.HTTPResponse, none.Body, 404, "not_found")

	// The public list of centers.
	list, _ := env.Client.ListCatalogOrganizationsWithResponse(bg, &client.ListCatalogOrganizationsParams{Limit: ptr(1)})
	if list.JSON200 == nil || len(list.JSON200.Items) != 1 || list.JSON200.NextCursor == nil {
		t.Fatalf("organizations: %d %s", list.StatusCode(), list.Body)
	}
	list2, _ := env.Client.ListCatalogOrganizationsWithResponse(bg, &client.ListCatalogOrganizationsParams{Limit: ptr(1), Cursor: list.JSON200.NextCursor})
	if len(list2.JSON200.Items) != 1 || list2.JSON200.Items[0].ID == list.JSON200.Items[0].ID || list2.JSON200.NextCursor != nil {
		t.Fatalf("second page %s", list2.Body)
	}
	one, _ := env.Client.GetCatalogOrganizationWithResponse(bg, slug, nil)
	if one.JSON200 == nil || one.JSON200.Slug != slug {
		t.Fatalf("center page %d %s", one.StatusCode(), one.Body)
	}
}

// TestSearchPagesStayStable: a program published between two pages
// neither shifts the second page nor repeats the first's items.
func TestSearchPagesStayStable(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	org := apitest.NewStaffOrg(t, env, "paging")
	for i := range 7 {
		p := newProgram(t, env, org, course("kurs-"+apitest.Itoa(int64(i)), "Курс по бухгалтерии "+apitest.Itoa(int64(i))))
		publish(t, env, org, p)
	}
	params := &client.SearchCatalogProgramsParams{Q: ptr("бухгалтерия"), Limit: ptr(3), Sort: ptr(client.SearchCatalogProgramsParamsSort("newest"))}
	first, _ := env.Client.SearchCatalogProgramsWithResponse(bg, params)
	if first.JSON200 == nil || first.JSON200.NextCursor == nil {
		t.Fatalf("first page %d %s", first.StatusCode(), first.Body)
	}
	publish(t, env, org, newProgram(t, env, org, course("kurs-new", "Новый курс по бухгалтерии")))
	seen := map[string]bool{}
	for _, s := range slugs(first.JSON200.Items) {
		seen[s] = true
	}
	cursor := first.JSON200.NextCursor
	for cursor != nil {
		params.Cursor = cursor
		page, _ := env.Client.SearchCatalogProgramsWithResponse(bg, params)
		for _, s := range slugs(page.JSON200.Items) {
			if seen[s] || s == "kurs-new" {
				t.Fatalf("%s repeated or shifted in (newest first, published after the first page)", s)
			}
			seen[s] = true
		}
		cursor = page.JSON200.NextCursor
	}
	if len(seen) != 7 {
		t.Fatalf("saw %d programs, want 7", len(seen))
	}
	// A cursor with other filters is refused, naming it.
	params.Cursor, params.Q = first.JSON200.NextCursor, ptr("педагогика")
	bad, _ := env.Client.SearchCatalogProgramsWithResponse(bg, params)
	p := apitest.WantProblem(t, bad.HTTPResponse, bad.Body, 422, "validation_failed")
	if f := apitest.Fields(p); len(f) != 1 || f[0] != "query.cursor:invalid_value" {
		t.Fatalf("fields %v", f)
	}
}

func slugs(items []client.CatalogProgramCard) []string {
	out := []string{}
	for _, it := range items {
		out = append(out, it.Slug)
	}
	return out
}

func facet(vs []client.FacetValue, v string) int64 {
	for _, f := range vs {
		if f.Value == v {
			return f.Count
		}
	}
	return 0
}
