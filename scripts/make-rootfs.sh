#!/usr/bin/env bash
# Builds, once, a minimal Debian 12 root filesystem that boots systemd, for the
# container tests (test/helpers/container.ts boots it with systemd-nspawn).
# Prints the rootfs path on stdout; everything else goes to stderr.
#
# Cost, measured on the 2-core CI machine: the first debootstrap 41-61 s and
# 210 MB; a boot from the cache to `systemctl is-system-running` = running
# about 0.4 s.
#
# It lives outside the checkout, in ${SWB_CACHE_DIR:-/var/cache/switchboard-test},
# so a fresh clone or `git clean` does not pay for debootstrap again. Bump
# VERSION when the package list or the setup below changes: the old tree is then
# simply not used (delete it by hand).
#
# Atomic: debootstrap runs in a temp dir beside the target and is renamed into
# place only when every step has passed, so an interrupted build is never
# mistaken for a finished one. A lock serialises concurrent callers (tap runs
# two test files at once).
set -euo pipefail

VERSION=v2
SUITE=bookworm
CACHE="${SWB_CACHE_DIR:-/var/cache/switchboard-test}"
DEST="$CACHE/rootfs-$SUITE-$VERSION"
# v2: nftables and python3-apt (the Ansible role's packages: the container has no
# network, so apt finds them installed), and drachtio-server's runtime libraries
# (the role's optional drachtio install; see ../shared/peers/README.md;
# debootstrap does not resolve libboost-log's dependency on a virtual package
# (libboost-regex1.74.0-icu72), so the package that provides it is named).
INCLUDE=systemd,systemd-sysv,dbus,iproute2,python3,ca-certificates,libsystemd0,sudo
INCLUDE+=,nftables,python3-apt
INCLUDE+=,libboost-thread1.74.0,libboost-log1.74.0,libboost-regex1.74.0,libboost-filesystem1.74.0,libcurl4

if [ -d "$DEST" ]; then echo "$DEST"; exit 0; fi

for tool in debootstrap flock; do
  command -v "$tool" >/dev/null || {
    echo "make-rootfs: $tool not found: install the Debian package ${tool/flock/util-linux} (scripts/install-test-deps.sh)" >&2
    exit 1
  }
done
[ "$(id -u)" -eq 0 ] || { echo "make-rootfs: debootstrap needs root" >&2; exit 1; }

# The machine's own Debian mirror, as apt is configured: one-line sources.list
# entries and deb822 *.sources files alike. Never a hard-coded host.
debian_mirror() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -r "$f" ] || continue
    awk -v s="$SUITE" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i + 1) == s) { print $i; exit } }' "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -r "$f" ] || continue
    # One stanza per blank-line-separated paragraph; keep the URI of one whose Suites has exactly $SUITE.
    awk -v s="$SUITE" -v RS= '{
      uri = ""; ok = 0; deb = 0
      n = split($0, lines, "\n")
      for (j = 1; j <= n; j++) {
        if (lines[j] ~ /^URIs:/) { split(lines[j], u, /[ \t]+/); uri = u[2] }
        if (lines[j] ~ /^Types:/ && lines[j] ~ /(^|[ \t])deb([ \t]|$)/) deb = 1
        if (lines[j] ~ /^Suites:/) { m = split(lines[j], w, /[ \t]+/); for (k = 2; k <= m; k++) if (w[k] == s) ok = 1 }
      }
      if (ok && deb && uri != "") { print uri; exit }
    }' "$f"
  done
}
MIRROR="$(debian_mirror | head -n1)"
[ -n "$MIRROR" ] || { echo "make-rootfs: no 'deb ... $SUITE' source in /etc/apt/sources.list{,.d}: cannot pick a Debian mirror" >&2; exit 1; }

mkdir -p "$CACHE"
exec 9>"$CACHE/.rootfs-$SUITE-$VERSION.lock"
flock 9
if [ -d "$DEST" ]; then echo "$DEST"; exit 0; fi  # another caller finished it while we waited
rm -rf "$CACHE"/.partial-"$SUITE"-"$VERSION".*    # leftovers of interrupted builds

work="$(mktemp -d "$CACHE/.partial-$SUITE-$VERSION.XXXXXX")"
trap 'rm -rf "$work"' EXIT
root="$work/root"
start=$(date +%s)
echo "make-rootfs: debootstrap $SUITE from $MIRROR into $DEST (once; later runs reuse it)" >&2
debootstrap --variant=minbase --include="$INCLUDE" "$SUITE" "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1 || {
  tail -n 30 "$work/debootstrap.log" >&2
  [ -f "$root/debootstrap/debootstrap.log" ] && tail -n 30 "$root/debootstrap/debootstrap.log" >&2
  echo "make-rootfs: debootstrap failed" >&2
  exit 1
}

# A container, not a machine: systemd-nspawn provides the machine id, hostname
# and console; units that only make sense on hardware would just fail and turn
# the boot "degraded", hiding real failures among noise.
: >"$root/etc/machine-id"
echo swb-test >"$root/etc/hostname"
for unit in getty@tty1.service serial-getty@.service systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer e2scrub_reap.service fstrim.timer; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
rm -rf "$root/var/cache/apt/archives/"*.deb "$root/var/lib/apt/lists/"* 2>/dev/null || true

mv -T "$root" "$DEST"
echo "make-rootfs: built in $(($(date +%s) - start)) s" >&2
echo "$DEST"
