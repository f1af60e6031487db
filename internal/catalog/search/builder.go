package search

import (
	"strconv"
	"strings"
	"time"
)

// args collects query parameters; bind returns the placeholder of a value.
// The SQL around the placeholders is always one of the constant fragments
// below: no input ever becomes SQL text.
type args []any

func (a *args) bind(v any) string {
	*a = append(*a, v)
	return "$" + strconv.Itoa(len(*a))
}

// textMatch is the prepared text part of a query.
type textMatch struct {
	raw     string // what was typed, normalized
	tsquery string // catalog_search_query(raw) as text; "" when only stop words
	fuzzy   bool   // match titles by trigram word similarity instead of words
}

// filter is a normalized query ready to become SQL.
type filter struct {
	q    Query
	text textMatch
	now  time.Time
}

// scoped reports whether the query stays within one organization.
func (f filter) scoped() bool { return f.q.OrganizationID != [16]byte{} || f.q.OrganizationSlug != "" }

// dimensionsOnly reports whether every condition is on a column of
// catalog_counts, whose rows then give the facets.
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
	if len(q.Kinds) > 0 {
		kinds := make([]string, len(q.Kinds))
		for i, k := range q.Kinds {
			kinds[i] = string(k)
		}
		c = append(c, t+".kind = ANY("+a.bind(kinds)+"::text[]::program_kind[])")
	}
	if len(q.Formats) > 0 {
		formats := make([]string, len(q.Formats))
		for i, v := range q.Formats {
			formats[i] = string(v)
		}
		c = append(c, t+".format = ANY("+a.bind(formats)+"::text[]::study_format[])")
	}
	return c
}

// conds are all conditions on programs p. Published only, literally, so
// that the partial indexes apply.
func (f filter) conds(a *args) []string {
	q := f.q
	c := []string{"p.status = 'published'"}
	c = append(c, f.dimensionConds(a, "p")...)
	switch {
	case f.text.fuzzy:
		c = append(c, a.bind(f.text.raw)+"::text <% p.title")
	case q.Text != "":
		c = append(c, "p.search_vector @@ "+a.bind(f.text.tsquery)+"::tsquery")
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
		g := "EXISTS (SELECT 1 FROM study_groups g WHERE g.program_id = p.id AND g.status IN ('planned', 'enrolling')"
		if !q.StartsFrom.IsZero() {
			g += " AND g.starts_on >= " + a.bind(date(q.StartsFrom)) + "::date"
		}
		if !q.StartsTo.IsZero() {
			g += " AND g.starts_on <= " + a.bind(date(q.StartsTo)) + "::date"
		}
		c = append(c, g+")")
	}
	if q.EnrollmentOpen {
		now := a.bind(f.now)
		c = append(c, "EXISTS (SELECT 1 FROM study_groups g WHERE g.program_id = p.id AND g.status = 'enrolling'"+
			" AND (g.enrollment_opens_at IS NULL OR g.enrollment_opens_at <= "+now+"::timestamptz)"+
			" AND (g.enrollment_closes_at IS NULL OR "+now+"::timestamptz < g.enrollment_closes_at))")
	}
	return c
}

// date keeps the calendar date of t as written, whatever its location.
func date(t time.Time) string { return t.Format(time.DateOnly) }

// order describes a sort: its key expression over p (or s.rel), the
// direction, and the type the cursor's key is cast back to.
type order struct {
	key  string
	desc bool
	typ  string
}

func (f filter) order() order {
	switch f.q.Sort {
	case SortRelevance:
		return order{key: "rel", desc: true, typ: "real"} // ranked in pageSQL
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

// programColumns are the card's columns of programs p; the outer query of
// pageSQL reads them from t and adds the organization's.
const programColumns = `p.id, p.organization_id, p.category_id, p.slug, p.title, p.short_description,
	p.kind, p.completion_document, p.format, p.academic_hours, p.price_minor, p.currency, p.tags, p.cover_key,
	p.next_start_on, p.published_at, p.updated_at, p.version`

const itemColumns = `t.id, t.organization_id, o.slug, o.name, t.category_id, t.slug, t.title, t.short_description,
	t.kind, t.completion_document, t.format, t.academic_hours, t.price_minor, t.currency, t.tags, t.cover_key,
	t.next_start_on, t.published_at, t.updated_at, t.version, t.rel, t.sk::text`

// pageSQL is the query of one page, after the cursor's position when given.
// The inner query t finds the page's programs in sort order; only those are
// joined to their organizations.
func (f filter) pageSQL(after *cursor) (string, []any) {
	var a args
	where := f.conds(&a)
	o := f.order()
	cmp, dir := ">", ""
	if o.desc {
		cmp, dir = "<", " DESC"
	}
	rel := "0::real"
	if f.q.Text != "" {
		rel = f.relevance(&a)
	}
	var inner string
	if f.q.Sort == SortRelevance {
		// The rank is computed once per match in a fenced subquery (OFFSET 0
		// keeps the planner from copying the expression into the WHERE and
		// ORDER BY), then the best ones are kept.
		inner = "SELECT s.*, s.rel AS sk FROM (SELECT " + programColumns + ", " + rel + " AS rel FROM programs p WHERE " +
			strings.Join(where, " AND ") + " OFFSET 0) s"
		if after != nil {
			inner += " WHERE (s.rel, s.id) < (" + a.bind(after.Key) + "::real, " + a.bind(after.ID) + "::uuid)"
		}
		inner += " ORDER BY s.rel DESC, s.id DESC"
	} else {
		if after != nil {
			where = append(where, "("+o.key+", p.id) "+cmp+" ("+a.bind(after.Key)+"::"+o.typ+", "+a.bind(after.ID)+"::uuid)")
		}
		inner = "SELECT " + programColumns + ", " + rel + " AS rel, " + o.key + " AS sk FROM programs p WHERE " +
			strings.Join(where, " AND ") + " ORDER BY " + o.key + dir + ", p.id" + dir
	}
	inner += " LIMIT " + a.bind(f.q.Limit+1)
	sql := "SELECT " + itemColumns + " FROM (" + inner + ") t JOIN organizations o ON o.id = t.organization_id" +
		" ORDER BY t.sk" + dir + ", t.id" + dir
	return sql, a
}
