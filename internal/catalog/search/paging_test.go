package search_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/google/uuid"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/catalog/search"
)

func TestSorts(t *testing.T) {
	f := newFilterCatalog(t)
	cases := []struct {
		sort search.Sort
		want []string
	}{
		{search.SortPriceAsc, []string{"e-webinar", "f-other", "a-ped", "d-go", "c-speech", "b-preschool"}},
		{search.SortPriceDesc, []string{"b-preschool", "c-speech", "d-go", "a-ped", "f-other", "e-webinar"}},
		// Nearest start: E-1 (03-05) is enrolling with a closed window but
		// still upcoming; f-other has no group and comes last.
		{search.SortStart, []string{"e-webinar", "c-speech", "a-ped", "b-preschool", "d-go", "f-other"}},
		// Newest: the fixture published them in slug order.
		{search.SortNewest, []string{"f-other", "e-webinar", "d-go", "c-speech", "b-preschool", "a-ped"}},
		{"", []string{"f-other", "e-webinar", "d-go", "c-speech", "b-preschool", "a-ped"}},
	}
	for _, c := range cases {
		if got := slugs(f.search(search.Query{Sort: c.sort})); !slices.Equal(got, c.want) {
			t.Errorf("sort %q: %v, want %v", c.sort, got, c.want)
		}
	}
	if got := slugs(f.search(search.Query{Text: "педагогика", Sort: search.SortPriceDesc})); !slices.Equal(got, []string{"a-ped", "f-other"}) {
		t.Errorf("text sorted by price: %v", got)
	}
}

// walk reads every page of q with the given page size, calling between
// pages, and returns the slugs in order.
func walk(t *testing.T, f *fixture, q search.Query, between func(page int)) []string {
	t.Helper()
	var all []string
	for page := 0; ; page++ {
		r := f.search(q)
		if len(r.Items) > q.Limit {
			t.Fatalf("page of %d items, limit %d", len(r.Items), q.Limit)
		}
		all = append(all, slugs(r)...)
		if r.NextCursor == "" {
			return all
		}
		if page > 100 {
			t.Fatal("no end of pages")
		}
		q.Cursor = r.NextCursor
		if between != nil {
			between(page)
		}
	}
}

func TestPagingEveryOrder(t *testing.T) {
	f := newFixture(t)
	org := f.org("many", "Много программ")
	for i := range 23 {
		// Equal prices and ranks on purpose: ties are broken by id.
		f.program(org, prog{slug: fmt.Sprintf("p-%02d", i), title: fmt.Sprintf("Педагогика, модуль %d", i%4),
			price: int64(i%5) * 1000_00, hours: int32(16 + i)})
	}
	for _, s := range []search.Sort{search.SortRelevance, search.SortNewest, search.SortPriceAsc, search.SortPriceDesc, search.SortStart} {
		q := search.Query{Text: "педагогика", Sort: s, Limit: 5}
		paged := walk(t, f, q, nil)
		q.Limit = 100
		whole := slugs(f.search(q))
		if len(whole) != 23 || !slices.Equal(paged, whole) {
			t.Errorf("sort %s: pages %v, one page %v", s, paged, whole)
		}
	}
}

// TestPagingStable: programs inserted, changed and unpublished while a
// client pages neither repeat nor push unchanged programs off the pages.
func TestPagingStable(t *testing.T) {
	f := newFixture(t)
	org := f.org("stable", "Стабильный")
	progs := map[string]db.Program{}
	for i := range 20 {
		p := f.program(org, prog{slug: fmt.Sprintf("p-%02d", i), title: "Курс", price: int64(i+1) * 100_00})
		progs[p.Slug] = p
	}
	q := search.Query{Sort: search.SortPriceAsc, Limit: 6}
	var seen []string
	got := walk(t, f, q, func(page int) {
		if page != 0 {
			return
		}
		// After the first page (prices 100..600): a program cheaper than
		// everything (before the cursor), one in the middle (after it), an
		// edit of a later program that keeps its place, and an unpublished one.
		f.program(org, prog{slug: "cheap", title: "Курс", price: 1})
		f.program(org, prog{slug: "middle", title: "Курс", price: 1250_00})
		p := progs["p-15"]
		if _, err := f.pool.Exec(f.ctx, "UPDATE programs SET title = 'Курс (обновлён)', version = version + 1 WHERE id = $1", p.ID); err != nil {
			t.Fatal(err)
		}
		f.setStatus(progs["p-17"], db.ProgramStatusArchived)
	})
	seen = got
	counts := map[string]int{}
	for _, s := range seen {
		counts[s]++
		if counts[s] > 1 {
			t.Fatalf("%s seen twice: %v", s, seen)
		}
	}
	for slug := range progs {
		if slug != "p-17" && counts[slug] != 1 {
			t.Errorf("%s missing: %v", slug, seen)
		}
	}
	if counts["cheap"] != 0 || counts["middle"] != 1 || counts["p-17"] != 0 {
		t.Errorf("cheap %d (before the cursor: 0), middle %d (after: 1), archived %d: %v",
			counts["cheap"], counts["middle"], counts["p-17"], seen)
	}

	// Newest first: a program published between pages is newer than the
	// cursor and waits for the next visit; nothing shifts.
	q = search.Query{Sort: search.SortNewest, Limit: 7}
	seen = walk(t, f, q, func(int) { f.program(org, prog{slug: fmt.Sprintf("new-%s", uuid.NewString()[:8]), title: "Курс"}) })
	if len(seen) != 21 || slices.ContainsFunc(seen, func(s string) bool { return len(s) > 4 && s[:4] == "new-" }) {
		t.Errorf("newest while publishing: %d items %v", len(seen), seen)
	}
}

func TestCursorMisuse(t *testing.T) {
	f := newFilterCatalog(t)
	r := f.search(search.Query{Sort: search.SortPriceAsc, Limit: 2})
	if r.NextCursor == "" {
		t.Fatal("no next page")
	}
	for _, q := range []search.Query{
		{Sort: search.SortPriceDesc, Limit: 2, Cursor: r.NextCursor},                           // another sort
		{Sort: search.SortPriceAsc, Limit: 2, Cursor: r.NextCursor, OrganizationID: f.ekstern}, // other filters
		{Sort: search.SortPriceAsc, Cursor: r.NextCursor[:len(r.NextCursor)-3]},                // cut
		{Sort: search.SortPriceAsc, Cursor: "eyJ2IjoxLCJmIjoiIiwiayI6IngiLCJpIjoiIn0"},         // forged
	} {
		_, err := f.s.Search(f.ctx, q)
		var qe *search.QueryError
		if !errors.As(err, &qe) || qe.Field != "cursor" {
			t.Errorf("%+v: %v", q, err)
		}
	}
	// Another page size is the same query.
	if _, err := f.s.Search(f.ctx, search.Query{Sort: search.SortPriceAsc, Limit: 3, Cursor: r.NextCursor}); err != nil {
		t.Errorf("other limit: %v", err)
	}
}

// TestPagingFuzzy: the pages after a misspelt first page stay fuzzy.
func TestPagingFuzzy(t *testing.T) {
	f := newFixture(t)
	org := f.org("fuzzy", "Опечатки")
	for i := range 12 {
		f.program(org, prog{slug: fmt.Sprintf("p-%02d", i), title: fmt.Sprintf("Педагогика, часть %d", i)})
	}
	f.program(org, prog{slug: "other", title: "Бухгалтерия"})
	got := walk(t, f, search.Query{Text: "пидагогика", Limit: 5}, nil)
	if len(got) != 12 || slices.Contains(got, "other") {
		t.Fatalf("fuzzy pages: %v", got)
	}
}
