package search

import (
	"cmp"
	"slices"
	"strings"

	"github.com/google/uuid"
)

// Facets count the programs matching a query by kind, format, organization
// and (within one organization) category. They count the matching set as
// it is: a kind filter leaves only that kind in the kind facet.
type Facets struct {
	Kinds         []FacetValue
	Formats       []FacetValue
	Organizations []OrganizationFacet
	// Categories is counted only when the query stays within one
	// organization (categories belong to one). A category's count includes
	// its descendants', so a parent counts at least as much as its children.
	Categories []CategoryFacet
}

// FacetValue is one value of an enumerated facet.
type FacetValue struct {
	Value string
	Count int64
}

// MaxOrganizationFacets bounds the organizations facet: the centers with
// the most matches (ties by id), as many as a filter list shows. A broad
// word across a national catalog matches programs of hundreds of centers,
// and looking each one up cost more than the rest of the search (168 of
// them for «педагогика» at 100,000 programs: 504 of its 803 buffers); any
// other center is still a filter away (organization).
const MaxOrganizationFacets = 20

const maxOrgFacetsSQL = "20" // MaxOrganizationFacets, in the statements

// OrganizationFacet is one organization among the results.
type OrganizationFacet struct {
	ID    uuid.UUID
	Slug  string
	Name  string
	Count int64
}

// CategoryFacet is one category among the results, with its parent so that
// the tree can be drawn.
type CategoryFacet struct {
	ID       uuid.UUID
	ParentID *uuid.UUID
	Slug     string
	Title    string
	Count    int64
}

func emptyFacets() Facets {
	return Facets{Kinds: []FacetValue{}, Formats: []FacetValue{}, Organizations: []OrganizationFacet{}, Categories: []CategoryFacet{}}
}

// facetGroups counts a CTE m (kind, format, category_id, organization_id,
// w = how many programs a row stands for) by four grouping sets in one
// pass; GROUPING() tells them apart: 7 = kind, 11 = format, 13 = category,
// 14 = organization.
const facetGroups = `g AS (
	SELECT GROUPING(kind, format, category_id, organization_id) AS gs, kind, format, category_id, organization_id, sum(w)::bigint AS n
	FROM m GROUP BY GROUPING SETS ((kind), (format), (category_id), (organization_id))
)`

// facetRows turns g into rows (facet, id, value, label, parent, count,
// 0): a category's count goes to it and to every ancestor, which are the
// labels of its path.
func facetRows(withCategories bool) string {
	sql := `SELECT 'kind', NULL::uuid, kind::text, ''::text, NULL::uuid, n, 0::real FROM g WHERE gs = 7
UNION ALL
SELECT 'format', NULL, format::text, '', NULL, n, 0 FROM g WHERE gs = 11
UNION ALL
SELECT 'organization', o.id, o.slug, o.name, NULL, g.n, 0
FROM (SELECT organization_id, n FROM g WHERE gs = 14 ORDER BY n DESC, organization_id LIMIT ` + maxOrgFacetsSQL + `) g
JOIN organizations o ON o.id = g.organization_id`
	if withCategories {
		sql += `
UNION ALL
SELECT 'category', c.id, c.slug, c.title, c.parent_id, r.n, 0
FROM (
	SELECT label::uuid AS id, sum(g.n)::bigint AS n
	FROM g JOIN program_categories pc ON pc.id = g.category_id,
	     unnest(string_to_array(pc.path::text, '.')) AS label
	WHERE g.gs = 13
	GROUP BY 1
) r JOIN program_categories c ON c.id = r.id`
	}
	return sql
}

// nilCategory stands for "no category" in catalog_counts.
const nilCategory = "'00000000-0000-0000-0000-000000000000'::uuid"

// countsSQL reads the facets of a dimensions-only query from
// catalog_counts, whose rows stand for many programs each.
// Across organizations and without a category it reads catalog_org_counts,
// which has no categories to add up.
func (f filter) countsSQL() (string, []any) {
	var a args
	dims := f.dimensionConds(&a, "cc")
	if len(dims) == 0 {
		return totalsSQL, nil
	}
	where := append([]string{"cc.programs > 0"}, dims...)
	source := `SELECT cc.kind, cc.format, nullif(cc.category_id, ` + nilCategory + `) AS category_id, cc.organization_id, cc.programs AS w
	FROM catalog_counts cc`
	if !f.scoped() && f.q.CategoryID == [16]byte{} {
		source = `SELECT cc.kind, cc.format, NULL::uuid AS category_id, cc.organization_id, cc.programs AS w
	FROM catalog_org_counts cc`
	}
	sql := `WITH m AS MATERIALIZED (
	` + source + ` WHERE ` + strings.Join(where, " AND ") + `
), ` + facetGroups + `
` + facetRows(f.scoped())
	return sql, a
}

// totalsSQL is the facets of the catalog browsed without any filter, from
// the totals that a trigger keeps (00016_catalog_totals.sql): one row per
// organization and per kind and format, in the columns of facetRows.
const totalsSQL = `SELECT 'kind', NULL::uuid, kind::text, ''::text, NULL::uuid, sum(programs)::bigint, 0::real
FROM catalog_kind_format_totals WHERE programs > 0 GROUP BY kind
UNION ALL
SELECT 'format', NULL, format::text, '', NULL, sum(programs)::bigint, 0 FROM catalog_kind_format_totals WHERE programs > 0 GROUP BY format
UNION ALL
SELECT 'organization', o.id, o.slug, o.name, NULL, t.programs, 0
FROM (SELECT organization_id, programs FROM catalog_org_totals WHERE programs > 0
      ORDER BY programs DESC, organization_id LIMIT ` + maxOrgFacetsSQL + `) t
JOIN organizations o ON o.id = t.organization_id`

// facetRow is one row of facetRows.
type facetRow struct {
	facet, value, label string
	id, parent          *uuid.UUID
	n                   int64
}

func (fs *Facets) add(r facetRow) {
	switch r.facet {
	case "kind":
		fs.Kinds = append(fs.Kinds, FacetValue{Value: r.value, Count: r.n})
	case "format":
		fs.Formats = append(fs.Formats, FacetValue{Value: r.value, Count: r.n})
	case "organization":
		fs.Organizations = append(fs.Organizations, OrganizationFacet{ID: *r.id, Slug: r.value, Name: r.label, Count: r.n})
	case "category":
		fs.Categories = append(fs.Categories, CategoryFacet{ID: *r.id, ParentID: r.parent, Slug: r.value, Title: r.label, Count: r.n})
	}
}

// sort orders values and organizations by count, then name; categories by
// title (the tree is drawn from the parents).
func (fs *Facets) sort() {
	byCount := func(a, b FacetValue) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Value, b.Value)) }
	slices.SortFunc(fs.Kinds, byCount)
	slices.SortFunc(fs.Formats, byCount)
	slices.SortFunc(fs.Organizations, func(a, b OrganizationFacet) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Slug, b.Slug))
	})
	slices.SortFunc(fs.Categories, func(a, b CategoryFacet) int {
		return cmp.Or(cmp.Compare(a.Title, b.Title), strings.Compare(a.ID.String(), b.ID.String()))
	})
}
