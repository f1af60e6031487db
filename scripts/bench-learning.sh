#!/usr/bin/env bash
# Tests-and-attempts figures for `make bench` (scripts/bench.sh calls it):
# answer autosave and attempt submission p50/p95 over a bounded run, against
# a fresh kabinet_bench_learning database (scripts/benchlearning).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .bench
if [[ -z "${BENCH_LEARNING_DATABASE_URL:-}" ]]; then
  scripts/pg.sh start >/dev/null
  scripts/pg.sh psql -q -c 'DROP DATABASE IF EXISTS kabinet_bench_learning WITH (FORCE)' -c 'CREATE DATABASE kabinet_bench_learning' >/dev/null
  BENCH_LEARNING_DATABASE_URL="$(scripts/pg.sh url kabinet_bench_learning)"
fi
echo "== tests and attempts"
go run ./scripts/benchlearning -database-url "$BENCH_LEARNING_DATABASE_URL" \
  -workers "${BENCH_LEARNING_WORKERS:-8}" -attempts "${BENCH_LEARNING_ATTEMPTS:-10}" | tee .bench/learning.txt
