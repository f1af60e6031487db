#!/usr/bin/env bash
# Commerce figures for `make bench` (scripts/bench.sh calls it): order
# creation with Idempotency-Keys (p50/p99) and notifications per second with
# duplicates mixed in, against a fresh kabinet_bench_commerce database.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .bench
if [[ -z "${BENCH_COMMERCE_DATABASE_URL:-}" ]]; then
  scripts/pg.sh start >/dev/null
  scripts/pg.sh psql -q -c 'DROP DATABASE IF EXISTS kabinet_bench_commerce WITH (FORCE)' -c 'CREATE DATABASE kabinet_bench_commerce' >/dev/null
  BENCH_COMMERCE_DATABASE_URL="$(scripts/pg.sh url kabinet_bench_commerce)"
fi
echo "== commerce"
go run ./scripts/benchcommerce -database-url "$BENCH_COMMERCE_DATABASE_URL" -orders "${BENCH_COMMERCE_ORDERS:-2000}" | tee .bench/commerce.txt
