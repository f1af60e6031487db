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
// any other both from one pass over at most f.b.exact+1 matches (and the
// sample's, when there are more: see bounds), then the page's cards.
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
		if res.Approximate && f.q.Text == "" {
			// A broad search without words: its exact page from the index
			// of its sort order.
			page = page[:0]
			sql, args := f.pageSQL(after)
			items, err := s.cards(ctx, d, sql, args)
			if err != nil {
				return Result{}, err
			}
			for _, it := range items {
				page = append(page, pageRow{id: it.ID, key: it.key, pos: int64(len(page)), card: &it.Item})
			}
		}
		slices.SortFunc(page, func(a, b pageRow) int { return cmp.Compare(a.pos, b.pos) })
		if len(page) > f.q.Limit {
			last := page[f.q.Limit-1]
			next = &cursor{Key: last.key, ID: last.id}
			page = page[:f.q.Limit]
		}
		if err := s.pageCards(ctx, d, f, page, &res); err != nil {
			return Result{}, err
		}
	}
	if res.Approximate {
		res.Facets.scaleFacets(f.b.scale())
	}
	res.Facets.sort()
	for _, k := range res.Facets.Kinds {
		res.Total += k.Count
	}
	if res.Approximate {
		res.Total = max(res.Total, int64(f.b.exact)+1)
	}
	if next != nil {
		next.Mode = f.text.mode
		res.NextCursor = encodeCursor(*next, f.q)
	}
	return res, nil
}

// pageRow is one program of a page found by matchSQL (or, with its card,
// by pageSQL).
type pageRow struct {
	id   uuid.UUID
	key  string
	pos  int64
	rel  float32
	card *Item
}

// pageCards appends the cards of page to res.Items, reading those it does
// not have yet by id.
func (s *Searcher) pageCards(ctx context.Context, d DB, f filter, page []pageRow, res *Result) error {
	var ids []any
	for _, r := range page {
		if r.card == nil {
			ids = append(ids, r.id)
		}
	}
	byID := make(map[uuid.UUID]Item, len(ids))
	if len(ids) > 0 {
		sql, args := f.cardsSQL(ids)
		items, err := s.cards(ctx, d, sql, args)
		if err != nil {
			return err
		}
		for _, it := range items {
			byID[it.ID] = it.Item
		}
	}
	for _, r := range page {
		if r.card != nil {
			res.Items = append(res.Items, *r.card)
			continue
		}
		it, ok := byID[r.id]
		if !ok {
			continue // deleted between the two statements
		}
		it.Relevance = r.rel
		res.Items = append(res.Items, it)
	}
	return nil
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
		switch r.facet {
		case "item":
			*page = append(*page, pageRow{id: *r.id, key: r.value, pos: r.n, rel: rel})
			continue
		case "broad":
			res.Approximate = true
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
