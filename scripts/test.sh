#!/usr/bin/env bash
# The whole test suite from a fresh Debian 12 + Node 20 machine: system packages,
# npm packages, build, then every test. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh
if [ "${SWB_SKIP_NPM_CI:-}" != 1 ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
npx tap "$@"
