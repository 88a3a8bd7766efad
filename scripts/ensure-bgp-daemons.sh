#!/usr/bin/env bash
# Installs the BGP daemons the interop tests and benchmarks run against (gobgpd + gobgp, bird2 +
# birdc, frr's bgpd + vtysh) when they are missing. Idempotent: does nothing when all four binaries are on PATH.
#   bash scripts/ensure-bgp-daemons.sh
set -euo pipefail
missing=()
command -v gobgpd >/dev/null 2>&1 && command -v gobgp >/dev/null 2>&1 || missing+=(gobgpd)
command -v bird >/dev/null 2>&1 && command -v birdc >/dev/null 2>&1 || missing+=(bird2)
{ [ -x /usr/lib/frr/bgpd ] && command -v vtysh >/dev/null 2>&1; } || missing+=(frr)
[ ${#missing[@]} -eq 0 ] && exit 0
echo "[weft] installing Debian packages: ${missing[*]}" >&2
sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
# apt-get update once: only when the package lists do not know the packages yet
if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
  $sudo apt-get update -qq >/dev/null
fi
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
# Debian starts bird's system service on install; the tests run their own instances
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $sudo systemctl stop bird.service >/dev/null 2>&1 || true
  $sudo systemctl disable bird.service >/dev/null 2>&1 || true
fi
