package main

import (
	"context"
	"crypto/md5"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/kabinet-edu/kabinet/gen/db"
	"github.com/kabinet-edu/kabinet/internal/catalog/search"
)

// namedQuery is one typical search.
type namedQuery struct {
	Name string
	q    search.Query
}

// typicalQueries are what visitors do: search everywhere or within a center,
// browse with filters, page on. The first center of the seed ("bench-1")
// and its "Педагогика и образование" root category serve the scoped ones.
func typicalQueries(ctx context.Context, s *search.Searcher) ([]namedQuery, error) {
	root := seedID("cat1-1")
	now := time.Now()
	qs := []namedQuery{
		{"text «педагогика», all centers", search.Query{Text: "педагогика"}},
		{"text «охрана труда» + kind ПК", search.Query{Text: "охрана труда", Kinds: []db.ProgramKind{db.ProgramKindQualificationUpgrade}}},
		{"misspelt «пажарная безопасность»", search.Query{Text: "пажарная безопасность"}},
		{"text «python» in one center", search.Query{Text: "python", OrganizationSlug: "bench-1"}},
		{"browse all, newest", search.Query{}},
		{"browse all, newest, page 3", search.Query{}},
		{"center + category tree, cheapest", search.Query{OrganizationSlug: "bench-1", CategoryID: root, Sort: search.SortPriceAsc}},
		{"enrolling now + online, nearest start", search.Query{EnrollmentOpen: true, Formats: []db.StudyFormat{db.StudyFormatOnline}, Sort: search.SortStart}},
		{"price 5–20k ₽ + 16–72 h, cheapest", search.Query{PriceMin: ptr[int64](5000_00), PriceMax: ptr[int64](20000_00),
			HoursMin: ptr[int32](16), HoursMax: ptr[int32](72), Sort: search.SortPriceAsc}},
		{"starting in 30–60 days, nearest", search.Query{StartsFrom: now.AddDate(0, 0, 30), StartsTo: now.AddDate(0, 0, 60), Sort: search.SortStart}},
	}
	// Page 3: follow two cursors once, then measure the third page.
	for i := range qs {
		if !strings.HasSuffix(qs[i].Name, "page 3") {
			continue
		}
		for range 2 {
			r, err := s.Search(ctx, qs[i].q)
			if err != nil {
				return nil, err
			}
			qs[i].q.Cursor = r.NextCursor
		}
	}
	return qs, nil
}

// seedID is the id the seed gives to a name: md5(name)::uuid.
func seedID(name string) uuid.UUID {
	return uuid.UUID(md5.Sum([]byte(name)))
}

func ptr[T any](v T) *T { return &v }

// queryResult is the measurement of one query at one size.
type queryResult struct {
	Name    string  `json:"name"`
	P50     float64 `json:"p50_ms"`
	P95     float64 `json:"p95_ms"`
	Max     float64 `json:"max_ms"`
	Total   int64   `json:"matches"`
	Approx  bool    `json:"approximate"` // Total is an estimate (more than search.ExactLimit matches)
	Results int     `json:"page_items"`
}

type sizeReport struct {
	Programs int           `json:"programs"`
	Runs     int           `json:"runs"`
	Queries  []queryResult `json:"queries"`
}

// measure runs every query runs times at every size. The sizes take turns
// run by run, so that a machine busy with other work slows all of them
// alike and the ratio between sizes stays fair.
func measure(ctx context.Context, pools []*pgxpool.Pool, sizes []int, runs int) ([]sizeReport, error) {
	searchers := make([]*search.Searcher, len(pools))
	queries := make([][]namedQuery, len(pools))
	reports := make([]sizeReport, len(pools))
	for i, p := range pools {
		searchers[i] = search.New(p, nil)
		searchers[i].SetExactLimit(exactLimit)
		var err error
		if queries[i], err = typicalQueries(ctx, searchers[i]); err != nil {
			return nil, err
		}
		reports[i] = sizeReport{Programs: sizes[i], Runs: runs}
	}
	for qi := range queries[0] {
		d := make([][]time.Duration, len(pools))
		last := make([]search.Result, len(pools))
		for i := range pools {
			for range 10 { // warm the caches and the statement descriptions
				r, err := searchers[i].Search(ctx, queries[i][qi].q)
				if err != nil {
					return nil, fmt.Errorf("%s: %w", queries[i][qi].Name, err)
				}
				last[i] = r
			}
		}
		for range runs {
			for i := range pools {
				start := time.Now()
				if _, err := searchers[i].Search(ctx, queries[i][qi].q); err != nil {
					return nil, fmt.Errorf("%s: %w", queries[i][qi].Name, err)
				}
				d[i] = append(d[i], time.Since(start))
			}
		}
		for i := range pools {
			slices.Sort(d[i])
			r := queryResult{Name: queries[i][qi].Name, P50: ms(d[i][runs/2]), P95: ms(d[i][runs*95/100]), Max: ms(d[i][runs-1]),
				Total: last[i].Total, Approx: last[i].Approximate, Results: len(last[i].Items)}
			logf("  %-42s %7d: p50 %7.2f ms  p95 %7.2f ms  (%d matches)", r.Name, sizes[i], r.P50, r.P95, r.Total)
			reports[i].Queries = append(reports[i].Queries, r)
		}
	}
	return reports, nil
}

// writeExplains saves the plans of every typical query; on the largest size
// also the generic plan of the same search written with sqlc-style
// "narg IS NULL OR …" conditions, for comparison.
func writeExplains(ctx context.Context, pool *pgxpool.Pool, n int, out string, largest bool) error {
	s := search.New(pool, nil)
	s.SetExactLimit(exactLimit)
	qs, err := typicalQueries(ctx, s)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "EXPLAIN (ANALYZE, BUFFERS) of the typical catalog searches on %d programs\n\n", n)
	for _, nq := range qs {
		plan, err := s.Explain(ctx, nq.q)
		if err != nil {
			return fmt.Errorf("%s: %w", nq.Name, err)
		}
		fmt.Fprintf(&b, "==== %s\n\n%s", nq.Name, plan)
	}
	if err := os.WriteFile(filepath.Join(out, fmt.Sprintf("catalog-explain-%d.txt", n)), []byte(b.String()), 0o644); err != nil {
		return err
	}
	if !largest {
		return nil
	}
	plan, err := genericPlan(ctx, pool)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(out, "catalog-generic-plan.txt"), []byte(plan), 0o644)
}

// writeReport writes the table comparing the sizes and the JSON.
func writeReport(out string, reports []sizeReport) error {
	j, _ := json.MarshalIndent(reports, "", "  ")
	if err := os.WriteFile(filepath.Join(out, "catalog-search.json"), j, 0o644); err != nil {
		return err
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 2, 4, 2, ' ', 0)
	fmt.Fprint(tw, "query")
	for _, r := range reports {
		fmt.Fprintf(tw, "\t%d p50\t%d p95\tmatches", r.Programs, r.Programs)
	}
	if len(reports) > 1 {
		fmt.Fprint(tw, "\tp95 ratio")
	}
	fmt.Fprintln(tw)
	worst := 0.0
	for i, q := range reports[0].Queries {
		fmt.Fprint(tw, q.Name)
		for _, r := range reports {
			approx := ""
			if r.Queries[i].Approx {
				approx = "≈"
			}
			fmt.Fprintf(tw, "\t%.2f ms\t%.2f ms\t%s%d", r.Queries[i].P50, r.Queries[i].P95, approx, r.Queries[i].Total)
		}
		if len(reports) > 1 {
			ratio := reports[len(reports)-1].Queries[i].P95 / reports[0].Queries[i].P95
			worst = max(worst, ratio)
			fmt.Fprintf(tw, "\t%.2f×", ratio)
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	if len(reports) > 1 {
		fmt.Fprintf(&b, "\nworst p95 ratio %.2f× (goal ≤ 1.5×); goal p95 ≤ 20 ms at the largest size; ≈: estimated (more than %d matches)\n",
			worst, search.ExactLimit)
	}
	fmt.Print(b.String())
	return os.WriteFile(filepath.Join(out, "catalog-search.txt"), []byte(b.String()), 0o644)
}
