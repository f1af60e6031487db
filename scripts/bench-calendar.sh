#!/usr/bin/env bash
# The calendar feed benchmark for `make bench` (scripts/bench.sh calls it):
# GET /api/v1/calendar/feeds/{token}.ics of a learner with ~200 events, whole
# and revalidated (304), req/s and p50/p95/p99, against a fresh
# kabinet_bench_calendar database; at most ~15 s of load.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p .bench
if [[ -z "${BENCH_CALENDAR_DATABASE_URL:-}" ]]; then
  scripts/pg.sh start >/dev/null
  scripts/pg.sh psql -q -c 'DROP DATABASE IF EXISTS kabinet_bench_calendar WITH (FORCE)' -c 'CREATE DATABASE kabinet_bench_calendar' >/dev/null
  BENCH_CALENDAR_DATABASE_URL="$(scripts/pg.sh url kabinet_bench_calendar)"
fi
echo "== calendar feed"
go run ./scripts/calbench -database-url "$BENCH_CALENDAR_DATABASE_URL" -duration "${BENCH_CALENDAR_DURATION:-8s}" ${BENCH_CALENDAR_PROFILE:+-cpuprofile .bench/cpu-calendar.pprof} | tee .bench/calendar.txt
