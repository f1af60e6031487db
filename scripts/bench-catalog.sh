#!/usr/bin/env bash
# The catalog search benchmark (scripts/catbench): 1,000 and 100,000
# generated programs, p50/p95 of typical searches and the EXPLAIN plans that
# show the indexes. Each size's database is kept and reused by later runs
# (CATBENCH_RESEED=1 seeds again). Results in .bench/catalog-*.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .bench
if [[ -z "${CATBENCH_DATABASE_URL:-}" ]]; then
  scripts/pg.sh start
  CATBENCH_DATABASE_URL="$(scripts/pg.sh url postgres)"
fi
args=(-database-url "$CATBENCH_DATABASE_URL" -out .bench -sizes "${CATBENCH_SIZES:-1000,100000}" -runs "${CATBENCH_RUNS:-200}")
[[ "${CATBENCH_RESEED:-}" == 1 ]] && args+=(-reseed)
[[ -n "${CATBENCH_SUFFIX:-}" ]] && args+=(-suffix "$CATBENCH_SUFFIX")
echo "== catalog search (${CATBENCH_SIZES:-1000,100000} programs)"
go run ./scripts/catbench "${args[@]}"
cat .bench/catalog-search.txt
