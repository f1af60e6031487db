#!/usr/bin/env bash
# Run the pinned Redocly CLI (lint, bundle, …) with the given arguments and
# exit with its status. npx fetches it from the npm registry on first use,
# then reuses its cache.
set -euo pipefail
cd "$(dirname "$0")/.."
REDOCLY_VERSION=2.77.0
export NO_UPDATE_NOTIFIER=1 REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true
# Drop the update banner and npm's warnings. With pipefail the pipeline's
# status is redocly's (the filter never fails).
rc=0
npx --yes "@redocly/cli@${REDOCLY_VERSION}" "$@" 2>&1 |
  { grep -v -e '║' -e '╔' -e '╚' -e 'npm warn' || true; } || rc=$?
exit "$rc"
