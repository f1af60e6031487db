package search

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// args collects query parameters; bind returns the placeholder of a value.
// The SQL around the placeholders is always one of the constant fragments
// of this package: no input ever becomes SQL text.
type args []any

func (a *args) bind(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// How a query's words are matched; the cursor keeps it for the next pages.
const (
	matchWords    = ""  // catalog_search_query
	matchSpelling = "s" // catalog_spelling_query: the words found nothing, misspellings corrected
	matchTitles   = "t" // trigram word similarity of the title: the corrections found nothing either
)

// textMatch is the prepared text part of a query.
type textMatch struct {
	raw     string // what was typed, normalized
	tsquery string // the tsquery as text, which ranks; "" when it has no terms
	match   string // the tsquery that matches (catalog_search_words); tsquery when ""
	mode    string // matchWords, matchSpelling or matchTitles
	fuzzy   bool   // mode == matchTitles: titles by trigrams instead of words
}

// filter is a normalized query ready to become SQL.
type filter struct {
	q    Query
	text textMatch
	now  time.Time
	b    bounds
}

// scoped reports whether the query stays within one organization.
func (f filter) scoped() bool { return f.q.OrganizationID != [16]byte{} || f.q.OrganizationSlug != "" }

// dimensionsOnly reports whether every condition is on a column of
// catalog_counts. Such a query takes its page from an index in sort order
// and its facets from catalog_counts; any other counts its matches once
// (matchSQL).
func (f filter) dimensionsOnly() bool {
	q := f.q
	return q.Text == "" && q.PriceMin == nil && q.PriceMax == nil && q.HoursMin == nil && q.HoursMax == nil &&
		q.StartsFrom.IsZero() && q.StartsTo.IsZero() && !q.EnrollmentOpen
}

// dimensionConds are the conditions on organization, category, kind and
// format, for the table alias t (programs or catalog_counts).
func (f filter) dimensionConds(a *args, t string) []string {
	q := f.q
	var c []string
	if q.OrganizationID != [16]byte{} {
		c = append(c, t+".organization_id = "+a.bind(q.OrganizationID))
	}
	if q.OrganizationSlug != "" {
		c = append(c, t+".organization_id = (SELECT id FROM organizations WHERE slug = "+a.bind(q.OrganizationSlug)+")")
	}
	if q.CategoryID != [16]byte{} {
		c = append(c, t+".category_id IN (SELECT d.id FROM program_categories c JOIN program_categories d ON d.path <@ c.path WHERE c.id = "+
			a.bind(q.CategoryID)+")")
	}
	// One kind or format is an equality, which the planner uses as a key of
	// the slices' GIN indexes (00053); it prices "= ANY" there as one index
	// scan per element and filters the rows instead.
	if len(q.Kinds) == 1 {
		c = append(c, t+".kind = "+a.bind(string(q.Kinds[0]))+"::text::program_kind")
	} else if len(q.Kinds) > 1 {
		kinds := make([]string, len(q.Kinds))
		for i, k := range q.Kinds {
			kinds[i] = string(k)
		}
		c = append(c, t+".kind = ANY("+a.bind(kinds)+"::text[]::program_kind[])")
	}
	if len(q.Formats) == 1 {
		c = append(c, t+".format = "+a.bind(string(q.Formats[0]))+"::text::study_format")
	} else if len(q.Formats) > 1 {
		formats := make([]string, len(q.Formats))
		for i, v := range q.Formats {
			formats[i] = string(v)
		}
		c = append(c, t+".format = ANY("+a.bind(formats)+"::text[]::study_format[])")
	}
	return c
}

// conds are all conditions on programs p, each on the row itself.
//
// Published only, literally, so that the partial indexes apply. Searches
// without words also say "published_at IS NOT NULL" (implied by being
// published), which the sort-order indexes require; word searches do not,
// so they are left with the GIN indexes (see 00010_catalog.sql).
func (f filter) conds(a *args) []string {
	q := f.q
	c := []string{"p.status = 'published'"}
	if q.Text == "" {
		c = append(c, "p.published_at IS NOT NULL")
	}
	c = append(c, f.dimensionConds(a, "p")...)
	switch {
	case f.text.fuzzy:
		c = append(c, a.bind(f.text.raw)+"::text <% p.title")
	case q.Text != "":
		// Matched by the tsquery without redundant prefixes and with the
		// catalog's words for the others (catalog_search_words, 00054 and
		// 00056); ranked by the whole tsquery.
		m := f.text.match
		if m == "" {
			m = f.text.tsquery
		}
		c = append(c, "p.search_vector @@ "+a.bind(m)+"::tsquery")
	}
	if q.PriceMin != nil {
		c = append(c, "p.price_minor >= "+a.bind(*q.PriceMin)+"::bigint")
	}
	if q.PriceMax != nil {
		c = append(c, "p.price_minor <= "+a.bind(*q.PriceMax)+"::bigint")
	}
	if q.HoursMin != nil {
		c = append(c, "p.academic_hours >= "+a.bind(*q.HoursMin)+"::integer")
	}
	if q.HoursMax != nil {
		c = append(c, "p.academic_hours <= "+a.bind(*q.HoursMax)+"::integer")
	}
	if !q.StartsFrom.IsZero() || !q.StartsTo.IsZero() {
		c = append(c, "p.upcoming_starts && daterange("+a.bind(dateOrNil(q.StartsFrom))+"::date, "+
			a.bind(dateOrNil(q.StartsTo))+"::date, '[]')")
	}
	if q.EnrollmentOpen {
		c = append(c, "p.enrollment_windows @> "+a.bind(f.now)+"::timestamptz")
	}
	return c
}

// date keeps the calendar date of t as written, whatever its location.
func date(t time.Time) string { return t.Format(time.DateOnly) }

// dateOrNil is date, or NULL (an unbounded end) for the zero time.
func dateOrNil(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return date(t)
}

// order describes a sort: its key expression over p, the direction, and
// the type the cursor's key is cast back to.
type order struct {
	key  string
	desc bool
	typ  string
}

func (f filter) order(a *args) order {
	switch f.q.Sort {
	case SortRelevance:
		return order{key: f.relevance(a), desc: true, typ: "real"}
	case SortPriceAsc:
		return order{key: "p.price_minor", typ: "bigint"}
	case SortPriceDesc:
		return order{key: "p.price_minor", desc: true, typ: "bigint"}
	case SortStart:
		return order{key: "coalesce(p.next_start_on, 'infinity'::date)", typ: "date"}
	default:
		return order{key: "p.published_at", desc: true, typ: "timestamptz"}
	}
}

// dir returns the SQL direction and the keyset comparison of the order.
func (o order) dir() (dir, cmp string) {
	if o.desc {
		return " DESC", "<"
	}
	return "", ">"
}

// relevance ranks a text match. Words: the weighted rank of the tsquery in
// rank_vector (title A 1.0; short description and tags B 0.4), where a
// match in the full description alone ranks about zero. Misspellings: the
// title's trigram word similarity.
func (f filter) relevance(a *args) string {
	if f.text.fuzzy {
		return "word_similarity(" + a.bind(f.text.raw) + "::text, p.title)::real"
	}
	return "ts_rank('{0.1, 0.2, 0.4, 1.0}', p.rank_vector, " + a.bind(f.text.tsquery) + "::tsquery)::real"
}

// cardColumns are an Item's columns, from programs p and organizations o,
// followed by the relevance and the sort key (as text) in the page query.
func (f filter) cardColumns(a *args) string {
	return `p.id, p.organization_id, o.slug, o.name, p.category_id, p.slug, p.title, p.short_description,
	p.kind, p.completion_document, p.format, p.academic_hours, p.price_minor, p.currency, p.tags, p.cover_key,
	p.next_start_on, p.enrollment_windows @> ` + a.bind(f.now) + `::timestamptz, p.published_at, p.updated_at, p.version`
}

// pageSQL is the page of a dimensions-only query: the programs in sort
// order straight from the index of the sort, after the cursor's position,
// one more than the limit. Only the page's rows meet their organizations.
func (f filter) pageSQL(after *cursor) (string, []any) {
	var a args
	where := f.conds(&a)
	o := f.order(&a)
	dir, cmp := o.dir()
	if after != nil {
		where = append(where, "("+o.key+", p.id) "+cmp+" ("+a.bind(after.Key)+"::"+o.typ+", "+a.bind(after.ID)+"::uuid)")
	}
	sql := "SELECT " + f.cardColumns(&a) + ", 0::real, (" + o.key + ")::text" +
		" FROM programs p JOIN organizations o ON o.id = p.organization_id WHERE " + strings.Join(where, " AND ") +
		" ORDER BY " + o.key + dir + ", p.id" + dir + " LIMIT " + a.bind(f.q.Limit+1)
	return sql, a
}

// matchSQL is every other query: it reads at most b.exact+1 matches, into
// hits, and returns from them the page (rows 'item': id, sort key,
// position, relevance) and, when there are no more than b.exact, the
// facets (see facetRows). With more (a row 'broad' says so) the facets
// count the matches in the sample instead (see bounds). The page's cards
// come from cardsSQL.
func (f filter) matchSQL(after *cursor) (string, []any) {
	var a args
	where := f.conds(&a)
	o := f.order(&a)
	// The relevance is computed once per match: as the sort key when it is
	// the sort, else beside it.
	relInM, relInTop := "0::real", "rel"
	switch {
	case f.q.Sort == SortRelevance:
		relInTop = "sk"
	case f.q.Text != "":
		relInM = f.relevance(&a)
	}
	dir, cmp := o.dir()
	var keyset string
	if after != nil {
		keyset = " WHERE (sk, id) " + cmp + " (" + a.bind(after.Key) + "::" + o.typ + ", " + a.bind(after.ID) + "::uuid)"
	}
	// Categories are counted only within one organization; across them the
	// category set would only cost a hash entry per category.
	category := "NULL::uuid"
	if f.scoped() {
		category = "p.category_id"
	}
	exact := a.bind(f.b.exact)
	cols := `p.id, p.kind, p.format, ` + category + ` AS category_id, p.organization_id, ` + relInM + ` AS rel, ` + o.key + ` AS sk`
	hits := `SELECT ` + cols + ` FROM programs p WHERE ` + strings.Join(where, " AND ") + `
	LIMIT ` + exact + `::integer + 1`
	var tiers, sampled string
	if !f.sliced() {
		// The sampled programs: the matches among the sample's keys. The
		// sample states "published_at IS NOT NULL" (implied by being
		// published) for the sample index's predicate, also with words.
		sample := f.conds(&a)
		if f.q.Text != "" {
			sample = append(sample, "p.published_at IS NOT NULL")
		}
		sample = append(sample, "catalog_sample_key(p.id) < "+a.bind(f.b.sampleBelow)+"::integer")
		if f.q.Text != "" && f.b.sampleBelow <= sliceKeys {
			// Implied, and stated for the slice's index (a word search
			// within one organization).
			sample = append(sample, sliceCond)
		}
		sampled = `SELECT p.kind, p.format, ` + category + `, p.organization_id, 1
	FROM programs p WHERE (SELECT b FROM broad) AND ` + strings.Join(sample, " AND ")
	} else {
		// A large catalog: the matches among the programs of the slice
		// (keys below 32) first, all of them; then, to make up exact+1,
		// those among the keys from 32 to 127 (the tier); then of the
		// whole catalog; each only when what was read before held too few
		// to tell that the query is broad (see bounds). The sample is part
		// of the slice: its facets count the slice's rows with keys below
		// the sample's bound.
		slice := append(slices.Clone(where), "p.published_at IS NOT NULL", sliceCond)
		tier := append(slices.Clone(where), "p.published_at IS NOT NULL", tierCond)
		tiers = `slice AS MATERIALIZED (
	SELECT ` + cols + `, catalog_sample_key(p.id) AS skey FROM programs p WHERE ` + strings.Join(slice, " AND ") + `
), sliced AS MATERIALIZED (
	SELECT count(*) AS n FROM slice
), tier AS MATERIALIZED (
	SELECT ` + cols + ` FROM programs p WHERE (SELECT n FROM sliced) <= ` + exact + `::integer
		AND (SELECT n FROM sliced) * ` + strconv.Itoa(tierKeys/sliceKeys) + ` > ` + exact + `::integer
		AND ` + strings.Join(tier, " AND ") + `
	LIMIT greatest(` + exact + `::integer + 1 - (SELECT n FROM sliced), 0)
), tiered AS MATERIALIZED (
	SELECT (SELECT n FROM sliced) + count(*) AS n FROM tier
), `
		hits = `(SELECT id, kind, format, category_id, organization_id, rel, sk FROM slice
	WHERE (SELECT n FROM tiered) > ` + exact + `::integer LIMIT ` + exact + `::integer + 1)
UNION ALL
SELECT * FROM tier WHERE (SELECT n FROM tiered) > ` + exact + `::integer
UNION ALL
(SELECT ` + cols + ` FROM programs p WHERE (SELECT n FROM tiered) <= ` + exact + `::integer
	AND ` + strings.Join(where, " AND ") + `
	LIMIT ` + exact + `::integer + 1)`
		sampled = `SELECT kind, format, category_id, organization_id, 1 FROM slice
	WHERE (SELECT b FROM broad) AND skey < ` + a.bind(f.b.sampleBelow) + `::integer`
	}
	sql := `WITH ` + tiers + `hits AS MATERIALIZED (
	` + hits + `
), broad AS MATERIALIZED (
	SELECT count(*) > ` + exact + `::integer AS b FROM hits
), m AS MATERIALIZED (
	SELECT kind, format, category_id, organization_id, 1 AS w FROM hits WHERE NOT (SELECT b FROM broad)
	UNION ALL
	` + sampled + `
), top AS (
	SELECT id, ` + relInTop + ` AS rel, sk FROM hits` + keyset + ` ORDER BY sk` + dir + `, id` + dir + ` LIMIT ` + a.bind(f.q.Limit+1) + `
), ` + facetGroups + `
SELECT 'item', id, sk::text, '', NULL::uuid, row_number() OVER (ORDER BY sk` + dir + `, id` + dir + `), rel FROM top
UNION ALL
SELECT 'broad', NULL, '', '', NULL, 0, 0 FROM broad WHERE b
UNION ALL
` + facetRows(f.scoped())
	return sql, a
}

// cardsSQL reads the cards of the given programs.
func (f filter) cardsSQL(ids []any) (string, []any) {
	var a args
	cols := f.cardColumns(&a)
	return "SELECT " + cols + ", 0::real, '' FROM programs p JOIN organizations o ON o.id = p.organization_id WHERE p.id = ANY(" +
		a.bind(ids) + "::uuid[])", a
}
