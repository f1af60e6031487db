#!/usr/bin/env bash
# Fail when the committed gen/ is not what `make generate` produces from the
# spec, the migrations and the queries.
set -euo pipefail
cd "$(dirname "$0")/.."
before=$(mktemp -d)
trap 'rm -rf "$before"' EXIT
cp -a gen "$before/gen"
make --no-print-directory generate >/dev/null
if ! diff -r "$before/gen" gen >/dev/null; then
  diff -ru "$before/gen" gen | head -60 >&2 || true
  echo "gen/ was out of date: it has now been regenerated; review and commit it." >&2
  exit 1
fi
echo "gen/ is up to date"
