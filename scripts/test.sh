#!/usr/bin/env bash
# Everything CI checks (`make test`, called by .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n== %s\n' "$*"; }

step "generated code is up to date"
scripts/check-generated.sh

step "go vet and gofmt"
make --no-print-directory vet

step "OpenAPI spec lint (Redocly recommended, warnings fail)"
scripts/lint-spec.sh

step "tools the document tests read PDFs with (pdftotext, pdftoppm, zbarimg)"
# Without them those tests skip their checks; as root with apt they are
# installed once (Debian's poppler-utils and zbar-tools).
missing=()
command -v pdftotext >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools)
if ((${#missing[@]})); then
  if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null 2>&1 ||
      { apt-get update -q >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null; } ||
      echo "could not install ${missing[*]}: the PDF text and QR checks will be skipped"
  else
    echo "missing ${missing[*]}: the PDF text and QR checks will be skipped"
  fi
else
  echo "present"
fi

step "PostgreSQL for the tests"
started=""
if [[ -z "${KABINET_TEST_DATABASE_URL:-}" ]]; then
  scripts/pg.sh status 2>/dev/null | grep -q '^status: *running' || started=1
  KABINET_PG_FAST=1 scripts/pg.sh start
  KABINET_TEST_DATABASE_URL="$(scripts/pg.sh url postgres)"
  export KABINET_TEST_DATABASE_URL
  # Leave the cluster as we found it: stop it only if this run started it.
  if [[ -n $started ]]; then trap 'scripts/pg.sh stop' EXIT; fi
fi
echo "tests use ${KABINET_TEST_DATABASE_URL}"

step "go test -race"
go test -race -count=1 -timeout 20m ./...
