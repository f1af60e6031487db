package search

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Explain runs the queries of q under EXPLAIN (ANALYZE, BUFFERS) and
// returns the plans: to check that the indexes carry a search (make bench
// writes them to .bench/). It executes the queries, so use it on a
// database where that is harmless.
func (s *Searcher) Explain(ctx context.Context, q Query) (string, error) {
	if err := normalize(&q); err != nil {
		return "", err
	}
	var after *cursor
	if q.Cursor != "" {
		c, err := decodeCursor(q.Cursor, q)
		if err != nil {
			return "", err
		}
		after = &c
	}
	tx, err := s.db.Begin(ctx)
	if err != nil {
		return "", err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only
	seqscan := "on"
	if q.Text != "" {
		seqscan = "off"
	}
	var tsq, match *string
	var published float64
	var hopeless bool
	if err := tx.QueryRow(ctx, `SELECT set_config('jit', 'off', true), set_config('enable_seqscan', $2, true),
		catalog_search_query($1)::text, catalog_search_words(catalog_search_query($1))::text, `+publishedSQL+`,
		coalesce(catalog_search_hopeless($1), false)`,
		q.Text, seqscan).Scan(nil, nil, &tsq, &match, &published, &hopeless); err != nil {
		return "", err
	}
	f := filter{q: q, now: s.now(), text: textMatch{raw: q.Text, tsquery: deref(tsq), match: deref(match)},
		b: newBounds(s.exact, s.sample, published)}
	var out strings.Builder
	if hopeless && after == nil {
		out.WriteString("-- (the words cannot match: a stem is unknown to the lexicon and the programs, catalog_search_hopeless)\n\n")
	} else if f.text.tsquery != "" || q.Text == "" {
		if err := s.explain(ctx, tx, f, after, &out); err != nil {
			return "", err
		}
	}
	if q.Text == "" {
		return out.String(), nil
	}
	// The second chances, as Search takes them when the words find nothing.
	var spelled, spelledMatch *string
	if err := tx.QueryRow(ctx, "SELECT c::text, catalog_search_words(c)::text FROM catalog_spelling_query($1) c",
		q.Text).Scan(&spelled, &spelledMatch); err != nil {
		return "", err
	}
	if spelled != nil {
		f.text.tsquery, f.text.match, f.text.mode = *spelled, deref(spelledMatch), matchSpelling
		out.WriteString("-- (the spelling-corrected words, when the words find nothing: " + *spelled + ")\n\n")
		if err := s.explain(ctx, tx, f, after, &out); err != nil {
			return "", err
		}
	} else if isShort(q.Text) {
		if _, err := tx.Exec(ctx, fmt.Sprintf("SET LOCAL pg_trgm.word_similarity_threshold = %v", FuzzyThreshold)); err != nil {
			return "", err
		}
		f.text.fuzzy, f.text.mode = true, matchTitles
		out.WriteString("-- (titles by trigrams, when neither the words nor corrections find anything)\n\n")
		if err := s.explain(ctx, tx, f, after, &out); err != nil {
			return "", err
		}
	}
	return out.String(), nil
}

func (s *Searcher) explain(ctx context.Context, d DB, f filter, after *cursor, out *strings.Builder) error {
	type part struct {
		name string
		sql  func() (string, []any)
	}
	parts := []part{{"matches, page and facets (then the page's cards by id)", func() (string, []any) { return f.matchSQL(after) }}}
	if f.dimensionsOnly() {
		parts = []part{{"page", func() (string, []any) { return f.pageSQL(after) }}, {"facets", f.countsSQL}}
	} else if f.q.Text == "" {
		parts = append(parts, part{"the page of a broad search (more than the exact limit of matches), from the sort's index",
			func() (string, []any) { return f.pageSQL(after) }})
	}
	for _, p := range parts {
		sql, args := p.sql()
		rows, err := d.Query(ctx, "EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) "+sql, append([]any{pgx.QueryExecModeCacheDescribe}, args...)...)
		if err != nil {
			return fmt.Errorf("explain %s: %w", p.name, err)
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return fmt.Errorf("explain %s: %w", p.name, err)
		}
		fmt.Fprintf(out, "-- %s\n%s\n\n", p.name, strings.Join(lines, "\n"))
	}
	return nil
}
