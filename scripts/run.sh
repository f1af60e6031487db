#!/usr/bin/env bash
# `make run`: start what Kabinet needs and serve the API with Swagger UI.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${DATABASE_URL:-}" ]]; then
  scripts/pg.sh start
  DATABASE_URL="$(scripts/pg.sh url)"
  export DATABASE_URL
fi

mkdir -p .data .bin
# A signing key that survives restarts, so tokens stay valid across them.
go build -o .bin/kabinet ./cmd/kabinet
if [[ -z "${KABINET_JWT_PRIVATE_KEY:-}" && -z "${KABINET_JWT_PRIVATE_KEY_FILE:-}" ]]; then
  .bin/kabinet keygen .data/jwt-ed25519.pem
  export KABINET_JWT_PRIVATE_KEY_FILE="$PWD/.data/jwt-ed25519.pem"
fi

# Completion credentials: a long-lived key of their own (created on first start).
if [[ -z "${KABINET_CREDENTIAL_KEY:-}" && -z "${KABINET_CREDENTIAL_KEY_FILE:-}" ]]; then
  export KABINET_CREDENTIAL_KEY_FILE="$PWD/.data/credential-ed25519.pem"
fi
# Logos and covers: a local folder, unless KABINET_BLOB_URL names another store.
export KABINET_BLOB_URL="${KABINET_BLOB_URL:-file://$PWD/.data/blobs?create_dir=true&no_tmp_dir=true}"

flags=(-migrate)
[[ "${KABINET_ENV:-development}" == development ]] && flags+=(-seed)
echo "Kabinet: http://${KABINET_HTTP_ADDR:-127.0.0.1:8080}/docs/ (Swagger UI); demo accounts in README.md; Ctrl-C stops." >&2
exec .bin/kabinet serve "${flags[@]}"
