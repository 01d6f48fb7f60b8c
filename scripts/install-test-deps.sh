#!/usr/bin/env bash
# Installs the Debian packages the test suite drives as real peers. Idempotent:
# only missing packages are fetched, so a warm machine pays nothing.
set -euo pipefail

PACKAGES=(
  lmdb-utils   # mdb_stat/mdb_dump read the store from outside the appliance
  util-linux   # mount: a tiny tmpfs makes a real "disk full"
  procps       # ps/pgrep for the process-level tests
  libsystemd-dev      # headers the sd-notify addon compiles against during npm ci
  python3             # a real unix datagram NOTIFY_SOCKET receiver (test/helpers/notify-socket.ts)
  systemd             # systemd-analyze verify/security on systemd/switchboard.service
  debootstrap         # builds the cached Debian 12 rootfs (scripts/make-rootfs.sh)
  systemd-container   # systemd-nspawn boots it (test/helpers/container.ts)
  prometheus          # promtool checks /metrics; a real Prometheus scrapes it with a token
)

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The Debian 12 rootfs the container tests boot (test/helpers/container.ts):
# built once into a cache outside the checkout, so a slow first debootstrap is
# paid here, not inside a test's time limit. A no-op when cached.
$SUDO bash "$(dirname "$0")/make-rootfs.sh" >/dev/null
