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
# Lab mode and the bench have their own build (tsconfig.dev.json): they never ship in dist/.
npx tsc -p tsconfig.dev.json
# tap strips the tests' types without checking them: check them here, with the product code.
npx tsc -p tsconfig.test.json
# One air-gapped bundle per run, shared by the tests that install it (bundle, Ansible).
if [ -z "${SWB_BUNDLE_DIR:-}" ]; then
  export SWB_BUNDLE_DIR="$PWD/build/test-bundle"
  rm -rf "$SWB_BUNDLE_DIR"
  BUNDLE_OUT="$SWB_BUNDLE_DIR" bash scripts/bundle.sh >/dev/null
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
npx tap "$@" | tee "$log"
status=${PIPESTATUS[0]}
set -e
# tap's own summary is "# { total: N, pass: P, fail: F }"; CI reads the plain form.
summary=$(grep -E '^# \{ total: ' "$log" | tail -n 1)
pass=$(sed -nE 's/.*pass: ([0-9]+).*/\1/p' <<<"$summary")
fail=$(sed -nE 's/.*fail: ([0-9]+).*/\1/p' <<<"$summary")
echo "tap: ${pass:-0} passed, ${fail:-0} failed"
exit "$status"
