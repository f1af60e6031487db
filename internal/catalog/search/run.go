package search

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
)

// run fetches the page and the facets of f: for a dimensions-only query
// the page from the sort's index and the facets from catalog_counts, for
// any other both from one pass over the matches, then the page's cards.
func (s *Searcher) run(ctx context.Context, d DB, f filter, after *cursor) (Result, error) {
	res := Result{Items: []Item{}, Facets: emptyFacets()}
	var next *cursor
	if f.dimensionsOnly() {
		sql, args := f.pageSQL(after)
		items, err := s.cards(ctx, d, sql, args)
		if err != nil {
			return Result{}, err
		}
		if len(items) > f.q.Limit {
			last := items[f.q.Limit-1]
			next = &cursor{Key: last.key, ID: last.ID}
			items = items[:f.q.Limit]
		}
		for _, it := range items {
			res.Items = append(res.Items, it.Item)
		}
		sql, args = f.countsSQL()
		if err := s.facetsInto(ctx, d, sql, args, &res, nil); err != nil {
			return Result{}, err
		}
	} else {
		sql, args := f.matchSQL(after)
		var page []pageRow
		if err := s.facetsInto(ctx, d, sql, args, &res, &page); err != nil {
			return Result{}, err
		}
		slices.SortFunc(page, func(a, b pageRow) int { return cmp.Compare(a.pos, b.pos) })
		if len(page) > f.q.Limit {
			last := page[f.q.Limit-1]
			next = &cursor{Key: last.key, ID: last.id}
			page = page[:f.q.Limit]
		}
		if len(page) > 0 {
			ids := make([]any, len(page))
			for i, r := range page {
				ids[i] = r.id
			}
			sql, args := f.cardsSQL(ids)
			items, err := s.cards(ctx, d, sql, args)
			if err != nil {
				return Result{}, err
			}
			byID := make(map[uuid.UUID]Item, len(items))
			for _, it := range items {
				byID[it.ID] = it.Item
			}
			for _, r := range page {
				it, ok := byID[r.id]
				if !ok {
					continue // deleted between the two statements
				}
				it.Relevance = r.rel
				res.Items = append(res.Items, it)
			}
		}
	}
	res.Facets.sort()
	for _, k := range res.Facets.Kinds {
		res.Total += k.Count
	}
	if next != nil {
		next.Fuzzy = f.text.fuzzy
		res.NextCursor = encodeCursor(*next, f.q)
	}
	return res, nil
}

// pageRow is one program of a page found by matchSQL.
type pageRow struct {
	id  uuid.UUID
	key string
	pos int64
	rel float32
}

// facetsInto reads facet rows into res.Facets and, when page is not nil,
// the 'item' rows of matchSQL into page.
func (s *Searcher) facetsInto(ctx context.Context, d DB, sql string, args []any, res *Result, page *[]pageRow) error {
	rows, err := d.Query(ctx, sql, append([]any{pgx.QueryExecModeCacheDescribe}, args...)...)
	if err != nil {
		return fmt.Errorf("catalog search: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var r facetRow
		var rel float32
		if err := rows.Scan(&r.facet, &r.id, &r.value, &r.label, &r.parent, &r.n, &rel); err != nil {
			return fmt.Errorf("catalog search: %w", err)
		}
		if r.facet == "item" {
			*page = append(*page, pageRow{id: *r.id, key: r.value, pos: r.n, rel: rel})
			continue
		}
		res.Facets.add(r)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("catalog search: %w", err)
	}
	return nil
}

// keyedItem is an Item with the text of its sort key.
type keyedItem struct {
	Item
	key string
}

// cards reads Items from pageSQL or cardsSQL.
func (s *Searcher) cards(ctx context.Context, d DB, sql string, args []any) ([]keyedItem, error) {
	rows, err := d.Query(ctx, sql, append([]any{pgx.QueryExecModeCacheDescribe}, args...)...)
	if err != nil {
		return nil, fmt.Errorf("catalog search: %w", err)
	}
	defer rows.Close()
	var items []keyedItem
	for rows.Next() {
		var it keyedItem
		if err := rows.Scan(&it.ID, &it.OrganizationID, &it.OrganizationSlug, &it.OrganizationName, &it.CategoryID,
			&it.Slug, &it.Title, &it.ShortDescription, &it.Kind, &it.CompletionDocument, &it.Format,
			&it.AcademicHours, &it.PriceMinor, &it.Currency, &it.Tags, &it.CoverKey, &it.NextStartOn, &it.EnrollmentOpen,
			&it.PublishedAt, &it.UpdatedAt, &it.Version, &it.Relevance, &it.key); err != nil {
			return nil, fmt.Errorf("catalog search: %w", err)
		}
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("catalog search: %w", err)
	}
	return items, nil
}
