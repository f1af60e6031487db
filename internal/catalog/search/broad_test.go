package search_test

import (
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/catalog/search"
)

// broadCatalog: 30 programs in two organizations, 24 of them about
// «охрана труда», with a searcher whose exact limit is 5: most queries
// are broad for it.
func broadCatalog(t *testing.T) (*fixture, *search.Searcher) {
	f := newFixture(t)
	a, b := f.org("alpha", "Альфа"), f.org("beta", "Бета")
	kinds := []db.ProgramKind{db.ProgramKindCourse, db.ProgramKindWebinar, db.ProgramKindSeminar}
	formats := []db.StudyFormat{db.StudyFormatOnline, db.StudyFormatInPerson}
	for i := range 30 {
		org, title := a, "Охрана труда, часть "+fmt.Sprint(i)
		if i%3 == 2 {
			org = b
		}
		if i >= 24 {
			title = "Пожарная безопасность " + fmt.Sprint(i)
		}
		f.program(org, prog{slug: fmt.Sprintf("p-%02d", i), title: title, kind: kinds[i%3], format: formats[i%2],
			price: int64(i%7) * 1000_00, hours: int32(8 + i)})
	}
	broad := search.New(f.pool, func() time.Time { return f.now })
	search.SetLimitsForTest(broad, 5, search.SampleSize)
	return f, broad
}

func broadSearch(t *testing.T, s *search.Searcher, f *fixture, q search.Query) search.Result {
	t.Helper()
	r, err := s.Search(f.ctx, q)
	if err != nil {
		t.Fatalf("Search(%+v): %v", q, err)
	}
	return r
}

// TestBroadSearchIsApproximate: past the exact limit the counts come from
// the sample and say so; on a catalog smaller than the sample the sample
// is the whole catalog, so the estimates equal the exact counts.
func TestBroadSearchIsApproximate(t *testing.T) {
	f, broad := broadCatalog(t)
	for _, q := range []search.Query{
		{Text: "охрана труда"},
		{Text: "охрана труда", Kinds: []db.ProgramKind{db.ProgramKindCourse, db.ProgramKindWebinar}},
		{PriceMax: ptr[int64](4000_00)},
		{HoursMin: ptr[int32](10), OrganizationSlug: "alpha"},
	} {
		exact, approx := f.search(q), broadSearch(t, broad, f, q)
		if exact.Approximate || !approx.Approximate {
			t.Errorf("%+v: approximate %v (exact searcher) and %v (broad one)", q, exact.Approximate, approx.Approximate)
		}
		if exact.Total <= 5 || approx.Total != exact.Total || !reflect.DeepEqual(approx.Facets, exact.Facets) {
			t.Errorf("%+v: estimates %d %+v, exact %d %+v", q, approx.Total, approx.Facets, exact.Total, exact.Facets)
		}
	}
	// Selective queries, and those on organization, kind and format only,
	// stay exact.
	for _, q := range []search.Query{{Text: "пожарная безопасность", Kinds: []db.ProgramKind{db.ProgramKindSeminar}}, {}, {OrganizationSlug: "beta"}} {
		if r := broadSearch(t, broad, f, q); r.Approximate || r.Total != f.search(q).Total {
			t.Errorf("%+v: approximate %v, total %d", q, r.Approximate, r.Total)
		}
	}
}

// TestBroadSearchPages: a broad query without words pages exactly as an
// exact one does (its page comes from the sort's index); one with words
// pages through the matches it ranked, each once, in order.
func TestBroadSearchPages(t *testing.T) {
	f, broad := broadCatalog(t)
	for _, s := range []search.Sort{search.SortNewest, search.SortPriceAsc, search.SortPriceDesc, search.SortStart} {
		q := search.Query{PriceMax: ptr[int64](5000_00), Sort: s, Limit: 4}
		got, want := walkWith(t, broad, f, q), walkWith(t, f.s, f, q)
		if len(want) < 10 || !slices.Equal(got, want) {
			t.Errorf("sort %s: broad pages %v, exact %v", s, got, want)
		}
	}
	for _, s := range []search.Sort{search.SortRelevance, search.SortPriceAsc} {
		q := search.Query{Text: "охрана", Sort: s, Limit: 2}
		got := walkWith(t, broad, f, q)
		seen := map[string]bool{}
		for _, slug := range got {
			if seen[slug] {
				t.Errorf("sort %s: %s twice in %v", s, slug, got)
			}
			seen[slug] = true
		}
		// The exact limit (5) plus one matches are read and ranked.
		if len(got) != 6 {
			t.Errorf("sort %s: %d results over the pages, want 6: %v", s, len(got), got)
		}
		q.Limit = 6
		if one := broadSearch(t, broad, f, q); !slices.Equal(slugs(one), got) {
			t.Errorf("sort %s: pages %v, one page %v", s, got, slugs(one))
		}
	}
}

// TestBroadSearchSample: with a sample smaller than the catalog the
// estimates are the sample's counts scaled, at least 1 per value seen, and
// the total at least the exact limit.
func TestBroadSearchSample(t *testing.T) {
	f, _ := broadCatalog(t)
	s := search.New(f.pool, func() time.Time { return f.now })
	search.SetLimitsForTest(s, 5, 10)
	if _, err := f.pool.Exec(f.ctx, "ANALYZE programs"); err != nil {
		t.Fatal(err)
	}
	r := broadSearch(t, s, f, search.Query{Text: "охрана труда"})
	if !r.Approximate || r.Total < 6 {
		t.Fatalf("approximate %v, total %d", r.Approximate, r.Total)
	}
	for _, k := range r.Facets.Kinds {
		if k.Count < 1 {
			t.Errorf("kind %+v", k)
		}
	}
}

func walkWith(t *testing.T, s *search.Searcher, f *fixture, q search.Query) []string {
	t.Helper()
	var all []string
	for page := 0; page < 100; page++ {
		r := broadSearch(t, s, f, q)
		all = append(all, slugs(r)...)
		if r.NextCursor == "" {
			return all
		}
		q.Cursor = r.NextCursor
	}
	t.Fatal("no end of pages")
	return nil
}

// TestSmallSampleAgrees: the estimates of a word search are the sampled
// matches scaled, whether the sample is small enough for
// the slice (a bound of 32 or less: counted from the slice's rows) or not.
func TestSmallSampleAgrees(t *testing.T) {
	f, _ := broadCatalog(t)
	var keys []int
	rows, err := f.pool.Query(f.ctx, `SELECT catalog_sample_key(id) FROM programs
		WHERE status = 'published' AND search_vector @@ catalog_search_query('охрана труда') ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k int
		if err := rows.Scan(&k); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	bounds := []int{1, 31, 32, 33, 1024}
	for _, k := range keys[:min(3, len(keys))] {
		bounds = append(bounds, k+1)
	}
	for _, below := range bounds {
		s := search.New(f.pool, func() time.Time { return f.now })
		search.SetLimitsForTest(s, 5, search.SampleSize)
		search.SetSampleBelowForTest(s, below)
		r := broadSearch(t, s, f, search.Query{Text: "охрана труда"})
		if !r.Approximate {
			t.Fatalf("below %d: not approximate", below)
		}
		want := map[string]int64{}
		rows, err := f.pool.Query(f.ctx, `SELECT kind::text, count(*) FROM programs
			WHERE status = 'published' AND search_vector @@ catalog_search_query('охрана труда')
			  AND catalog_sample_key(id) < $1 GROUP BY 1`, below)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var k string
			var n int64
			if err := rows.Scan(&k, &n); err != nil {
				t.Fatal(err)
			}
			want[k] = max(1, int64(float64(n)*1024/float64(below)+0.5))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, k := range r.Facets.Kinds {
			got[k.Value] = k.Count
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("below %d: kinds %v, want %v", below, got, want)
		}
	}
}

// TestBroadSearchSlice: in a large catalog (a sample bound of 32 or less)
// a word search whose matches among the keys below 32 are more than the
// exact limit reads those only, paging through them each once; with too
// few there it reads its matches as elsewhere.
func TestBroadSearchSlice(t *testing.T) {
	f, _ := broadCatalog(t)
	// Eight «охрана труда» programs get the sample keys 0–7.
	if _, err := f.pool.Exec(f.ctx, `UPDATE programs p SET id = (left(p.id::text, 32) || lpad(to_hex(x.n), 4, '0'))::uuid
		FROM (SELECT id, row_number() OVER (ORDER BY slug) - 1 AS n FROM programs WHERE slug <= 'p-07') x
		WHERE p.id = x.id`); err != nil {
		t.Fatal(err)
	}
	key := func(id [16]byte) int { return int(id[14]&3)<<8 | int(id[15]) }
	for _, c := range []struct {
		exact, want int
		slice       bool
	}{{exact: 5, want: 6, slice: true}, {exact: 20, want: 21}} {
		s := search.New(f.pool, func() time.Time { return f.now })
		search.SetLimitsForTest(s, c.exact, search.SampleSize)
		search.SetSampleBelowForTest(s, 32)
		q := search.Query{Text: "охрана труда", Limit: 4}
		var got []string
		for page := 0; page < 20; page++ {
			r := broadSearch(t, s, f, q)
			if !r.Approximate {
				t.Fatalf("exact %d: not approximate", c.exact)
			}
			for _, it := range r.Items {
				if c.slice && key(it.ID) >= 32 {
					t.Errorf("exact %d: %s (key %d) is not in the slice", c.exact, it.Slug, key(it.ID))
				}
				if slices.Contains(got, it.Slug) {
					t.Errorf("exact %d: %s twice", c.exact, it.Slug)
				}
				got = append(got, it.Slug)
			}
			if r.NextCursor == "" {
				break
			}
			q.Cursor = r.NextCursor
		}
		if len(got) != c.want {
			t.Errorf("exact %d: %d results over the pages, want %d: %v", c.exact, len(got), c.want, got)
		}
	}
	// Within one organization the slice is not tried: its first matches
	// are read as elsewhere. Alpha keeps five programs in the slice (p-00
	// leaves it) and has eleven outside, so any six of its matches hold one
	// from outside, whatever order the index yields them in.
	if _, err := f.pool.Exec(f.ctx, `UPDATE programs SET id = (left(id::text, 32) || '0100')::uuid WHERE slug = 'p-00'`); err != nil {
		t.Fatal(err)
	}
	s := search.New(f.pool, func() time.Time { return f.now })
	search.SetLimitsForTest(s, 5, search.SampleSize)
	search.SetSampleBelowForTest(s, 32)
	r := broadSearch(t, s, f, search.Query{Text: "охрана труда", OrganizationSlug: "alpha", Limit: 10})
	outside := 0
	for _, it := range r.Items {
		if key(it.ID) >= 32 {
			outside++
		}
	}
	if !r.Approximate || len(r.Items) != 6 || outside == 0 {
		t.Errorf("one organization: approximate %v, %d items, %d outside the slice", r.Approximate, len(r.Items), outside)
	}
}

// TestBroadSearchTier: when the slice holds too few matches to tell that a
// word search is broad but enough to expect it, the search reads the
// slice's matches and makes up the exact limit plus one from the keys 32 to
// 127 (the tier), not from the whole catalog; a kind asked for is kept by
// the index, so every match read is of that kind.
func TestBroadSearchTier(t *testing.T) {
	f, _ := broadCatalog(t)
	// Eight «охрана труда» programs get the sample keys 0–7, eight more
	// 32–39, the others keys from 200 on.
	if _, err := f.pool.Exec(f.ctx, `UPDATE programs p SET id = (left(p.id::text, 32) || lpad(to_hex(k.n), 4, '0'))::uuid
		FROM (SELECT id, row_number() OVER (ORDER BY slug) - 1 AS r FROM programs) x,
		     LATERAL (SELECT CASE WHEN x.r < 8 THEN x.r WHEN x.r < 16 THEN x.r + 24 ELSE x.r + 200 END AS n) k
		WHERE p.id = x.id`); err != nil {
		t.Fatal(err)
	}
	key := func(id [16]byte) int { return int(id[14]&3)<<8 | int(id[15]) }
	walk := func(s *search.Searcher, q search.Query) []search.Item {
		var got []search.Item
		for page := 0; page < 20; page++ {
			r := broadSearch(t, s, f, q)
			if !r.Approximate {
				t.Fatalf("%+v: not approximate", q)
			}
			got = append(got, r.Items...)
			if r.NextCursor == "" {
				return got
			}
			q.Cursor = r.NextCursor
		}
		t.Fatal("no end of pages")
		return nil
	}
	s := search.New(f.pool, func() time.Time { return f.now })
	search.SetLimitsForTest(s, 10, search.SampleSize)
	search.SetSampleBelowForTest(s, 32)
	got := walk(s, search.Query{Text: "охрана труда", Limit: 4})
	inSlice := 0
	seen := map[string]bool{}
	for _, it := range got {
		switch k := key(it.ID); {
		case k < 32:
			inSlice++
		case k >= 128:
			t.Errorf("%s (key %d) is neither in the slice nor in the tier", it.Slug, k)
		}
		if seen[it.Slug] {
			t.Errorf("%s twice", it.Slug)
		}
		seen[it.Slug] = true
	}
	if len(got) != 11 || inSlice != 8 {
		t.Errorf("%d results over the pages (want 11), %d of them in the slice (want 8)", len(got), inSlice)
	}
	// One kind: three of the courses (every third program) are in the
	// slice, three more in the tier; with an exact limit of 3 the four
	// read are the slice's and one of the tier's, all courses.
	search.SetLimitsForTest(s, 3, search.SampleSize)
	got = walk(s, search.Query{Text: "охрана труда", Kinds: []db.ProgramKind{db.ProgramKindCourse}, Limit: 2})
	for _, it := range got {
		if it.Kind != db.ProgramKindCourse || key(it.ID) >= 128 {
			t.Errorf("%s is a %s with key %d", it.Slug, it.Kind, key(it.ID))
		}
	}
	if len(got) != 4 {
		t.Errorf("one kind: %d results over the pages, want 4", len(got))
	}
}

// TestSearchMatchDropsRedundantPrefixes: the tsquery that matches
// (catalog_search_match) leaves out the longer of a stem's two prefixes,
// which the shorter one implies, and matches the same programs.
func TestSearchMatchDropsRedundantPrefixes(t *testing.T) {
	f, _ := broadCatalog(t)
	for q, want := range map[string]string{
		"пожарная безопасность": "'пожарн':* & 'безопас':*",
		"охрана труда":          "'охра':* & 'труд':*",
		"педагогика online":     "'педагоги':* & 'onlin':*",
		"педагогика":            "'педагоги':*",
	} {
		var got string
		var same bool
		if err := f.pool.QueryRow(f.ctx, `SELECT catalog_search_match(catalog_search_query($1))::text,
			(SELECT array_agg(id ORDER BY id) FROM programs WHERE search_vector @@ catalog_search_query($1)) IS NOT DISTINCT FROM
			(SELECT array_agg(id ORDER BY id) FROM programs WHERE search_vector @@ catalog_search_match(catalog_search_query($1)))`,
			q).Scan(&got, &same); err != nil {
			t.Fatal(err)
		}
		if got != want || !same {
			t.Errorf("%q: matches by %s (want %s), same programs %v", q, got, want, same)
		}
	}
}
