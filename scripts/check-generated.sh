#!/usr/bin/env bash
# Fail when the committed api/openapi.yaml (the bundle of api/root.yaml and
# api/<domain>/) or gen/ is not what `make generate` produces from the spec's
# source, the migrations and the queries.
set -euo pipefail
cd "$(dirname "$0")/.."
before=$(mktemp -d)
trap 'rm -rf "$before"' EXIT
cp -a gen "$before/gen"
cp -a api/openapi.yaml "$before/openapi.yaml"
make --no-print-directory generate >/dev/null
stale=""
if ! diff -q "$before/openapi.yaml" api/openapi.yaml >/dev/null; then
  diff -u "$before/openapi.yaml" api/openapi.yaml | head -60 >&2 || true
  echo "api/openapi.yaml was out of date with api/root.yaml and api/<domain>/: it has now been re-bundled; review and commit it." >&2
  stale=1
fi
if ! diff -r "$before/gen" gen >/dev/null; then
  diff -ru "$before/gen" gen | head -60 >&2 || true
  echo "gen/ was out of date: it has now been regenerated; review and commit it." >&2
  stale=1
fi
[[ -z $stale ]] || exit 1
echo "api/openapi.yaml and gen/ are up to date"
