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
  ansible             # ansible-playbook/-vault run ansible/site.yml into the container (test/ansible)
  ansible-lint        # ansible-lint --profile production on ansible/
  nftables            # nft --check on the role's firewall table (test/ansible/lint.test.ts)
  chromium            # the web chat widget runs in real headless Chromium (test/helpers/chromium.ts)
  sip-tester          # SIPp: calls with RTP (its g711a.pcap) into FreeSWITCH / Asterisk
  baresip-core        # a real softphone (libre) registering and calling (test/helpers/phones/baresip.ts)
  linphone-cli        # linphonec (belle-sip), the second independent SIP stack (test/helpers/phones/linphone.ts)
  # FreeSWITCH 1.10 (shared/peers/freeswitch) runtime libraries (lab/media/freeswitch/server-config.ts)
  libcurl4 libedit2 libjpeg62-turbo libltdl7 libodbc2 libopus0 libpcre3 libsndfile1 libspeex1 libspeexdsp1 libsqlite3-0 libtiff6 libssl3 libuuid1
  # Asterisk 22 (shared/peers/asterisk) runtime libraries (lab/media/asterisk/server-config.ts)
  libjansson4 libpq5 libsystemd0 libxml2 libxslt1.1 libicu72 libcap2 libvorbisfile3
  # drachtio-server (shared/peers/drachtio-server) runtime libraries (test/helpers/sip.ts); SIPp is sip-tester above
  libboost-thread1.74.0 libboost-log1.74.0 libboost-filesystem1.74.0
  openssl             # test certificates for TLS to drachtio-server (test/sip/drachtio/connection.test.ts)
  slapd ldap-utils    # a real OpenLDAP directory over LDAPS for directory sign-in (test/appliance/directory/)
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
