package search

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
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

// nilCategory stands for "no category" in catalog_counts.
const nilCategory = "'00000000-0000-0000-0000-000000000000'::uuid"

// facetsSQL counts the facets in one pass over the matching rows (grouping
// sets), from catalog_counts when every condition is on its dimensions and
// from the matching programs otherwise. GROUPING() tells the sets apart:
// 7 = kind, 11 = format, 13 = category, 14 = organization.
func (f filter) facetsSQL() (string, []any) {
	var a args
	var source string
	if f.dimensionsOnly() {
		where := append([]string{"cc.programs > 0"}, f.dimensionConds(&a, "cc")...)
		source = "SELECT cc.kind, cc.format, nullif(cc.category_id, " + nilCategory + ") AS category_id, cc.organization_id, cc.programs AS w" +
			" FROM catalog_counts cc WHERE " + strings.Join(where, " AND ")
	} else {
		source = "SELECT p.kind, p.format, p.category_id, p.organization_id, 1 AS w FROM programs p WHERE " +
			strings.Join(f.conds(&a), " AND ")
	}
	sql := `WITH m AS MATERIALIZED (` + source + `),
g AS (
	SELECT GROUPING(kind, format, category_id, organization_id) AS gs, kind, format, category_id, organization_id, sum(w)::bigint AS n
	FROM m GROUP BY GROUPING SETS ((kind), (format), (category_id), (organization_id))
)
SELECT 'kind', NULL::uuid, kind::text, ''::text, NULL::uuid, n FROM g WHERE gs = 7
UNION ALL
SELECT 'format', NULL, format::text, '', NULL, n FROM g WHERE gs = 11
UNION ALL
SELECT 'organization', o.id, o.slug, o.name, NULL, g.n FROM g JOIN organizations o ON o.id = g.organization_id WHERE g.gs = 14`
	if f.scoped() {
		// Each category's count is added to it and to every ancestor: the
		// labels of its path are their ids.
		sql += `
UNION ALL
SELECT 'category', c.id, c.slug, c.title, c.parent_id, r.n
FROM (
	SELECT label::uuid AS id, sum(g.n)::bigint AS n
	FROM g JOIN program_categories pc ON pc.id = g.category_id,
	     unnest(string_to_array(pc.path::text, '.')) AS label
	WHERE g.gs = 13
	GROUP BY 1
) r JOIN program_categories c ON c.id = r.id`
	}
	return sql, a
}

func emptyFacets() Facets {
	return Facets{Kinds: []FacetValue{}, Formats: []FacetValue{}, Organizations: []OrganizationFacet{}, Categories: []CategoryFacet{}}
}

func (s *Searcher) facets(ctx context.Context, d DB, f filter) (Facets, error) {
	sql, args := f.facetsSQL()
	rows, err := d.Query(ctx, sql, append([]any{pgx.QueryExecModeCacheDescribe}, args...)...)
	if err != nil {
		return Facets{}, fmt.Errorf("catalog facets: %w", err)
	}
	defer rows.Close()
	fs := emptyFacets()
	for rows.Next() {
		var (
			facet, value, label string
			id, parent          *uuid.UUID
			n                   int64
		)
		if err := rows.Scan(&facet, &id, &value, &label, &parent, &n); err != nil {
			return Facets{}, fmt.Errorf("catalog facets: %w", err)
		}
		switch facet {
		case "kind":
			fs.Kinds = append(fs.Kinds, FacetValue{Value: value, Count: n})
		case "format":
			fs.Formats = append(fs.Formats, FacetValue{Value: value, Count: n})
		case "organization":
			fs.Organizations = append(fs.Organizations, OrganizationFacet{ID: *id, Slug: value, Name: label, Count: n})
		case "category":
			fs.Categories = append(fs.Categories, CategoryFacet{ID: *id, ParentID: parent, Slug: value, Title: label, Count: n})
		}
	}
	if err := rows.Err(); err != nil {
		return Facets{}, fmt.Errorf("catalog facets: %w", err)
	}
	byCount := func(a, b FacetValue) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Value, b.Value)) }
	slices.SortFunc(fs.Kinds, byCount)
	slices.SortFunc(fs.Formats, byCount)
	slices.SortFunc(fs.Organizations, func(a, b OrganizationFacet) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Name, b.Name), cmp.Compare(a.Slug, b.Slug))
	})
	slices.SortFunc(fs.Categories, func(a, b CategoryFacet) int {
		return cmp.Or(cmp.Compare(a.Title, b.Title), strings.Compare(a.ID.String(), b.ID.String()))
	})
	return fs, nil
}
