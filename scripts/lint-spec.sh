#!/usr/bin/env bash
# Lint the spec with Redocly's recommended rules; any warning fails. The source
# (api/root.yaml, so problems point at api/<domain>/ files) and the bundle
# api/openapi.yaml (what the server publishes) are both checked.
set -euo pipefail
cd "$(dirname "$0")/.."
exec scripts/redocly.sh lint --config api/redocly.yaml api/root.yaml api/openapi.yaml
