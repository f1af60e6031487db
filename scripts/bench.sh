#!/usr/bin/env bash
# `make bench`: argon2id micro-benchmark, then a bounded load test of the
# real server on loopback against a fresh database, beside the bare-stack
# ceiling (../shared/bench/ceiling) on the same PostgreSQL. Results go to .bench/.
#
#   BENCH_DURATION=10s       length of each attack (at most 60s)
#   BENCH_WORKERS=32         connections of the read attacks (Kabinet and ceiling alike)
#   BENCH_ROUNDS=1           rounds of the read attacks, each between two ceiling runs (at most 5)
#   BENCH_PROFILE=1          also save CPU/heap profiles of GET /api/v1/me in .bench/
#   BENCH_CEILING_DIR=DIR    the ceiling's source (default ../shared/bench/ceiling)
#   BENCH_DATABASE_URL=URL   use this database instead of a fresh kabinet_bench
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .bench .bin

CEILING_DIR="${BENCH_CEILING_DIR:-../shared/bench/ceiling}"
if [[ ! -f $CEILING_DIR/go.mod ]]; then
  echo "bench: no ceiling program in $CEILING_DIR (shared/ belongs beside the repository; or set BENCH_CEILING_DIR)" >&2
  exit 1
fi

echo "== argon2id with the default parameters (m=19456 KiB, t=2, p=1), one core"
go test -run '^$' -bench Argon2idDefault -benchtime 3s ./internal/auth/ | tee .bench/argon2.txt

echo "== load test"
if [[ -z "${BENCH_DATABASE_URL:-}" ]]; then
  scripts/pg.sh start
  scripts/pg.sh psql -q -c 'DROP DATABASE IF EXISTS kabinet_bench WITH (FORCE)' -c 'CREATE DATABASE kabinet_bench' >/dev/null
  BENCH_DATABASE_URL="$(scripts/pg.sh url kabinet_bench)"
fi
# Both binaries are installed by copying, as a deployment does (an image
# layer, a package): the page cache then holds them in the folios that
# reading or copying makes. Run as the linker wrote them, the kernel maps
# larger folios of the binary on each fault, ≈ 8 MiB more resident
# (README, "Benchmarks").
go build -o .bin/kabinet.linked ./cmd/kabinet
# shared/ is read-only: build out of it (a separate module, never imported).
go build -C "$CEILING_DIR" -o "$PWD/.bin/ceiling.linked" .
for b in kabinet ceiling; do
  cp .bin/$b.linked .bin/$b.new && mv -f .bin/$b.new .bin/$b && rm -f .bin/$b.linked
done
profile=()
[[ -n "${BENCH_PROFILE:-}" && "${BENCH_PROFILE}" != 0 ]] && profile=(-profile)
go run ./scripts/bench -bin .bin/kabinet -ceiling .bin/ceiling -database-url "$BENCH_DATABASE_URL" \
  -duration "${BENCH_DURATION:-10s}" -workers "${BENCH_WORKERS:-32}" -rounds "${BENCH_ROUNDS:-1}" -out .bench "${profile[@]}"
scripts/bench-catalog.sh
scripts/bench-commerce.sh
scripts/bench-calendar.sh
scripts/bench-learning.sh
echo "== completion document PDF (goal: p95 ≤ 100 ms)"; go test -run '^$' -bench 'BenchmarkCertificate' -benchtime 200x ./internal/pdf
scripts/bench-documents.sh
