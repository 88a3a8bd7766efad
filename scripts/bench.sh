#!/usr/bin/env bash
# npm run bench: install what the benchmarks need, run each one (each prints its table and writes
# bench/results/<name>.json with the machine's facts), then print one combined table.
#   bash scripts/bench.sh              all benchmarks
#   bash scripts/bench.sh config-ports only the named ones (config-ports, console-vn-list)
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
set -e
ensure_node_modules
ensure_prisma_client
set +e

ALL=(config-ports console-vn-list control-scale agent-forwarding bgp-export bgp-receive bgp-fuzz flows topology kube-scale dataplane hostile reachability)
if [ $# -gt 0 ]; then BENCHES=("$@"); else BENCHES=("${ALL[@]}"); fi
status=0
ran=()

for b in "${BENCHES[@]}"; do
  case "$b" in
    console-vn-list|topology)
      if ! ensure_debian_packages chromium:chromium; then
        log "chromium is missing and could not be installed: skipping $b"; status=1; continue
      fi
      if ! ensure_build; then
        log "next build failed: skipping $b"; status=1; continue
      fi
      ;;
    config-ports|control-scale|agent-forwarding|bgp-fuzz|flows|kube-scale|hostile|reachability) ;;
    bgp-export|bgp-receive)
      if ! bash scripts/ensure-bgp-daemons.sh; then
        log "gobgpd could not be installed: skipping $b"; status=1; continue
      fi
      ;;
    dataplane)
      # root: network namespaces, VXLAN, nftables; iperf3 for the throughput figure
      if ! ensure_debian_packages iperf3:iperf3 nft:nftables conntrack:conntrack; then
        log "iperf3/nftables missing and could not be installed: skipping $b"; status=1; continue
      fi
      ;;
    *) log "unknown benchmark: $b (known: ${ALL[*]})"; status=1; continue ;;
  esac
  log "bench: $b"
  npx tsx "bench/$b.ts" || status=1
  ran+=("$b")
done

[ ${#ran[@]} -gt 0 ] && npx tsx bench/summary.ts "${ran[@]}"
exit $status
