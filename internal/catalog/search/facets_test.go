package search_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/catalog/search"
)

func facetMap(vs []search.FacetValue) map[string]int64 {
	m := map[string]int64{}
	for _, v := range vs {
		m[v.Value] = v.Count
	}
	return m
}

func categoryCounts(cs []search.CategoryFacet) map[uuid.UUID]int64 {
	m := map[uuid.UUID]int64{}
	for _, c := range cs {
		m[c.ID] = c.Count
	}
	return m
}

func TestFacets(t *testing.T) {
	f := newFilterCatalog(t)
	r := f.search(search.Query{})
	if got := facetMap(r.Facets.Kinds); !reflect.DeepEqual(got, map[string]int64{
		"qualification_upgrade": 1, "professional_retraining": 2, "course": 1, "webinar": 1, "seminar": 1,
	}) {
		t.Errorf("kinds %v", got)
	}
	if got := facetMap(r.Facets.Formats); !reflect.DeepEqual(got, map[string]int64{"online": 3, "blended": 1, "in_person": 2}) {
		t.Errorf("formats %v", got)
	}
	if len(r.Facets.Organizations) != 2 || r.Facets.Organizations[0].Slug != "ekstern" || r.Facets.Organizations[0].Count != 5 ||
		r.Facets.Organizations[0].Name != "Экстерн" || r.Facets.Organizations[1].Count != 1 {
		t.Errorf("organizations %+v", r.Facets.Organizations)
	}
	if len(r.Facets.Categories) != 0 {
		t.Errorf("categories counted across organizations: %+v", r.Facets.Categories)
	}
	if r.Facets.Kinds[0].Value != "professional_retraining" {
		t.Errorf("kinds not by count: %+v", r.Facets.Kinds)
	}

	// Within one organization the category facet rolls up descendants.
	r = f.search(search.Query{OrganizationSlug: "ekstern"})
	want := map[uuid.UUID]int64{f.ped: 3, f.preschool: 2, f.speech: 1, f.it: 1}
	if got := categoryCounts(r.Facets.Categories); !reflect.DeepEqual(got, want) {
		t.Errorf("categories %v, want %v", got, want)
	}
	for _, c := range r.Facets.Categories {
		if c.ID == f.speech && (c.ParentID == nil || *c.ParentID != f.preschool || c.Title != "Логопедия" || c.Slug != "speech") {
			t.Errorf("category facet %+v", c)
		}
	}

	// The facets of a filtered set count only it.
	r = f.search(search.Query{OrganizationID: f.ekstern, EnrollmentOpen: true})
	if got := categoryCounts(r.Facets.Categories); !reflect.DeepEqual(got, map[uuid.UUID]int64{f.ped: 2, f.preschool: 1, f.speech: 1}) {
		t.Errorf("categories of open enrollment %v", got)
	}
	if got := facetMap(r.Facets.Kinds); !reflect.DeepEqual(got, map[string]int64{"qualification_upgrade": 1, "professional_retraining": 1}) {
		t.Errorf("kinds of open enrollment %v", got)
	}
	r = f.search(search.Query{Text: "педагогика"})
	if got := facetMap(r.Facets.Kinds); !reflect.DeepEqual(got, map[string]int64{"qualification_upgrade": 1, "seminar": 1}) {
		t.Errorf("kinds of a text search %v", got)
	}
}

// TestFacetSourcesAgree: facets from catalog_counts (dimension-only
// queries) equal those counted from the programs, through publishing,
// archiving, moving and deleting categories.
func TestFacetSourcesAgree(t *testing.T) {
	f := newFilterCatalog(t)
	check := func(step string) {
		t.Helper()
		for _, q := range []search.Query{
			{}, {OrganizationID: f.ekstern}, {OrganizationSlug: "ekstern", CategoryID: f.preschool},
			{Kinds: []db.ProgramKind{db.ProgramKindProfessionalRetraining}}, {Formats: []db.StudyFormat{db.StudyFormatOnline}},
		} {
			fast := f.search(q).Facets
			q.PriceMin = ptr[int64](0) // forces counting the programs
			slow := f.search(q).Facets
			if !reflect.DeepEqual(fast, slow) {
				t.Fatalf("%s, %+v:\ncounts   %+v\nprograms %+v", step, q, fast, slow)
			}
		}
	}
	check("seeded")

	p := f.program(f.ekstern, prog{slug: "g-new", title: "Новая", category: &f.speech, kind: db.ProgramKindSeminar})
	check("published")
	p = f.setStatus(p, db.ProgramStatusArchived)
	check("archived")
	f.setStatus(p, db.ProgramStatusPublished)
	check("republished")

	// Move Дошкольная (with Логопедия) under ИТ.
	c, err := f.q.GetCategory(f.ctx, db.GetCategoryParams{OrganizationID: f.ekstern, ID: f.preschool})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.q.UpdateCategory(f.ctx, db.UpdateCategoryParams{OrganizationID: f.ekstern, ID: c.ID, Version: c.Version,
		ParentID: &f.it, Slug: c.Slug, Title: c.Title}); err != nil {
		t.Fatal(err)
	}
	r := f.search(search.Query{OrganizationID: f.ekstern})
	if got := categoryCounts(r.Facets.Categories); got[f.it] != 4 || got[f.ped] != 1 {
		t.Fatalf("after the move: %v", got)
	}
	check("moved")

	// Deleting Логопедия leaves its programs without a category.
	if _, err := f.pool.Exec(f.ctx, "DELETE FROM program_categories WHERE id = $1", f.speech); err != nil {
		t.Fatal(err)
	}
	check("category deleted")

	var drift int
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM (
		(SELECT organization_id, category_id, kind, format, programs FROM catalog_counts
		 EXCEPT SELECT organization_id, coalesce(category_id, '00000000-0000-0000-0000-000000000000'), kind, format, count(*)
		 FROM programs WHERE status = 'published' GROUP BY 1, 2, 3, 4)
		UNION ALL
		(SELECT organization_id, coalesce(category_id, '00000000-0000-0000-0000-000000000000'), kind, format, count(*)
		 FROM programs WHERE status = 'published' GROUP BY 1, 2, 3, 4
		 EXCEPT SELECT organization_id, category_id, kind, format, programs FROM catalog_counts)) d`).Scan(&drift); err != nil {
		t.Fatal(err)
	}
	if drift != 0 {
		t.Fatalf("catalog_counts differs from the programs in %d rows", drift)
	}
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM (
		(SELECT organization_id, kind, format, programs FROM catalog_org_counts
		 EXCEPT SELECT organization_id, kind, format, count(*) FROM programs WHERE status = 'published' GROUP BY 1, 2, 3)
		UNION ALL
		(SELECT organization_id, kind, format, count(*) FROM programs WHERE status = 'published' GROUP BY 1, 2, 3
		 EXCEPT SELECT organization_id, kind, format, programs FROM catalog_org_counts)) d`).Scan(&drift); err != nil {
		t.Fatal(err)
	}
	if drift != 0 {
		t.Fatalf("catalog_org_counts differs from the programs in %d rows", drift)
	}
	// The browsing totals (00016_catalog_totals.sql) follow catalog_org_counts.
	if err := f.pool.QueryRow(f.ctx, `SELECT count(*) FROM (
		(SELECT organization_id, NULL::program_kind, NULL::study_format, programs FROM catalog_org_totals
		 UNION ALL SELECT NULL, kind, format, programs FROM catalog_kind_format_totals)
		EXCEPT ALL
		(SELECT organization_id, NULL, NULL, count(*) FROM programs WHERE status = 'published' GROUP BY 1
		 UNION ALL SELECT NULL, kind, format, count(*) FROM programs WHERE status = 'published' GROUP BY 2, 3)) d`).Scan(&drift); err != nil {
		t.Fatal(err)
	}
	if drift != 0 {
		t.Fatalf("the browsing totals differ from the programs in %d rows", drift)
	}
}

// The organizations facet lists the MaxOrganizationFacets centers with the
// most matches, most first, on every path: browsing the whole catalog (the
// kept totals), a filter and a word search (the matches counted), and a
// broad word search (the sample's estimates).
func TestOrganizationFacetIsBounded(t *testing.T) {
	f := newFixture(t)
	big := f.org("big", "Большой центр")
	for i := range 3 {
		f.program(big, prog{slug: fmt.Sprintf("big-%d", i), title: fmt.Sprintf("Охрана труда %d", i), kind: db.ProgramKindWebinar})
	}
	for i := range search.MaxOrganizationFacets + 5 {
		o := f.org(fmt.Sprintf("c-%02d", i), fmt.Sprintf("Центр %02d", i))
		f.program(o, prog{slug: fmt.Sprintf("c-%02d", i), title: "Охрана труда для центра " + fmt.Sprint(i), kind: db.ProgramKindWebinar})
	}
	check := func(name string, r search.Result) {
		t.Helper()
		orgs := r.Facets.Organizations
		if len(orgs) != search.MaxOrganizationFacets || orgs[0].Slug != "big" || orgs[0].Count < 1 {
			t.Errorf("%s: %d organizations, first %+v", name, len(orgs), orgs[0])
		}
		for i := 1; i < len(orgs); i++ {
			if orgs[i].Count > orgs[i-1].Count {
				t.Errorf("%s: not most first: %+v", name, orgs)
			}
		}
	}
	check("browse", f.search(search.Query{}))
	check("filter", f.search(search.Query{Kinds: []db.ProgramKind{db.ProgramKindWebinar}}))
	check("words", f.search(search.Query{Text: "охрана труда"}))
	broad := search.New(f.pool, func() time.Time { return f.now })
	search.SetLimitsForTest(broad, 5, search.SampleSize)
	r, err := broad.Search(f.ctx, search.Query{Text: "охрана труда"})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Approximate {
		t.Fatal("the broad search is not approximate")
	}
	check("broad words", r)
}
