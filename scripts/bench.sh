#!/usr/bin/env bash
# `make bench`: argon2id micro-benchmark, then a bounded load test of the
# real server on loopback against a fresh database. Results go to .bench/.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .bench .bin

echo "== argon2id with the default parameters (m=19456 KiB, t=2, p=1), one core"
go test -run '^$' -bench Argon2idDefault -benchtime 3s ./internal/auth/ | tee .bench/argon2.txt

echo "== load test"
if [[ -z "${BENCH_DATABASE_URL:-}" ]]; then
  scripts/pg.sh start
  scripts/pg.sh psql -q -c 'DROP DATABASE IF EXISTS kabinet_bench WITH (FORCE)' -c 'CREATE DATABASE kabinet_bench' >/dev/null
  BENCH_DATABASE_URL="$(scripts/pg.sh url kabinet_bench)"
fi
go build -o .bin/kabinet ./cmd/kabinet
go run ./scripts/bench -bin .bin/kabinet -database-url "$BENCH_DATABASE_URL" -duration "${BENCH_DURATION:-10s}" -out .bench
scripts/bench-catalog.sh
