#!/usr/bin/env bash
# Document archive figures for `make bench` (scripts/bench.sh calls it):
# download throughput of a 200 MB document against reading the file
# directly, the server's RSS while 1 GB goes up and down, SSE streams held
# per MB of RSS; a real server process on loopback and a fresh
# kabinet_bench_documents database. Generated files live in a temporary
# folder that is removed. Results in .bench/documents.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .bench .bin
if [[ -z "${BENCH_DOCUMENTS_DATABASE_URL:-}" ]]; then
  scripts/pg.sh start >/dev/null
  scripts/pg.sh psql -q -c 'DROP DATABASE IF EXISTS kabinet_bench_documents WITH (FORCE)' -c 'CREATE DATABASE kabinet_bench_documents' >/dev/null
  BENCH_DOCUMENTS_DATABASE_URL="$(scripts/pg.sh url kabinet_bench_documents)"
fi
go build -o .bin/kabinet ./cmd/kabinet
echo "== document archive"
timeout 900 go run ./scripts/docbench -bin .bin/kabinet -database-url "$BENCH_DOCUMENTS_DATABASE_URL" \
  -size-mb "${BENCH_DOCUMENTS_SIZE_MB:-200}" -big-mb "${BENCH_DOCUMENTS_BIG_MB:-1024}" \
  -runs "${BENCH_DOCUMENTS_RUNS:-5}" -streams "${BENCH_DOCUMENTS_STREAMS:-1000}" -out .bench
