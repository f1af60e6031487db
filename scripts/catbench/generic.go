package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// narg is the search "one center, its category tree, cheapest first" written
// the way sqlc would take it: one static statement whose optional filters
// are "$n IS NULL OR …". Prepared statements switch to a generic plan after
// five runs, and a generic plan cannot drop the conditions that are off.
const narg = `PREPARE narg_search (uuid, uuid, text[], bigint, bigint, int, int) AS
SELECT p.id, p.title, p.price_minor FROM programs p
WHERE p.status = 'published'
  AND ($1::uuid IS NULL OR p.organization_id = $1)
  AND ($2::uuid IS NULL OR p.category_id IN (
        SELECT d.id FROM program_categories c JOIN program_categories d ON d.path <@ c.path WHERE c.id = $2))
  AND ($3::text[] IS NULL OR p.kind = ANY($3::program_kind[]))
  AND ($4::bigint IS NULL OR p.price_minor >= $4)
  AND ($5::bigint IS NULL OR p.price_minor <= $5)
  AND ($6::int IS NULL OR p.academic_hours >= $6)
ORDER BY p.price_minor, p.id
LIMIT $7`

// genericPlan explains narg with a custom and with a generic plan.
func genericPlan(ctx context.Context, pool *pgxpool.Pool) (string, error) {
	conn, err := pool.Acquire(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Release()
	// Only our statement: DEALLOCATE ALL would drop pgx's cached ones too.
	defer conn.Exec(context.Background(), "DEALLOCATE narg_search; RESET plan_cache_mode", pgx.QueryExecModeSimpleProtocol) //nolint:errcheck // best effort
	if _, err := conn.Exec(ctx, narg); err != nil {
		return "", err
	}
	root := seedID("cat1-1")
	org := seedID("org1")
	exec := fmt.Sprintf("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) EXECUTE narg_search ('%s', '%s', NULL, NULL, NULL, NULL, 21)", org, root)
	var b strings.Builder
	b.WriteString("The same search as \"center + category tree, cheapest\" written as one static statement with\n" +
		"sqlc.narg-style optional conditions (see scripts/catbench/generic.go).\n\n")
	for _, mode := range []string{"force_custom_plan", "force_generic_plan"} {
		if _, err := conn.Exec(ctx, "SET plan_cache_mode = "+mode); err != nil {
			return "", err
		}
		rows, err := conn.Query(ctx, exec, pgx.QueryExecModeSimpleProtocol)
		if err != nil {
			return "", err
		}
		lines, err := pgx.CollectRows(rows, pgx.RowTo[string])
		if err != nil {
			return "", err
		}
		fmt.Fprintf(&b, "==== plan_cache_mode = %s\n%s\n\n", mode, strings.Join(lines, "\n"))
	}
	return b.String(), nil
}
