#!/usr/bin/env bash
# Installs the Debian packages the test suite drives as real peers. Idempotent:
# only missing packages are fetched, so a warm machine pays nothing.
set -euo pipefail

PACKAGES=(
  lmdb-utils   # mdb_stat/mdb_dump read the store from outside the appliance
  util-linux   # mount: a tiny tmpfs makes a real "disk full"
  procps       # ps/pgrep for the process-level tests
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
