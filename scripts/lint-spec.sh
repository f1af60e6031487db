#!/usr/bin/env bash
# Lint api/openapi.yaml with Redocly's recommended rules; any warning fails.
set -euo pipefail
cd "$(dirname "$0")/.."
REDOCLY_VERSION=2.77.0
# npx fetches the pinned CLI from the npm registry on first use, then reuses its cache.
export NO_UPDATE_NOTIFIER=1 REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
npx --yes "@redocly/cli@${REDOCLY_VERSION}" lint --config api/redocly.yaml api/openapi.yaml 2>&1 |
  grep -v -e '║' -e '╔' -e '╚' -e 'npm warn' || true
exit "${PIPESTATUS[0]}"
