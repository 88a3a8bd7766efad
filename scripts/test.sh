#!/usr/bin/env bash
# npm test: install what the tests need, run every suite, end with one line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
set -e
ensure_node_modules
ensure_prisma_client
# Debian chromium for Playwright, real BGP daemons for the interop tests (loopback only), ClickHouse 18.16 for the flow-store suite
ensure_debian_packages chromium:chromium
set +e
# the daemons the interop and store tests run against; if the mirror fails, those tests skip and say why
# (frr: bgpd is run by hand by tests/controller/bgp-frr.test.ts; Debian's frr service only runs zebra/staticd)
ensure_debian_packages gobgpd:gobgpd bird:bird2 vtysh:frr clickhouse-server:clickhouse-server || log "could not install gobgpd/bird2/frr/clickhouse-server: their tests will be skipped"
# the kernel data plane's tests (root): nftables, conntrack, python3 for their TCP server and client
ensure_debian_packages nft:nftables conntrack:conntrack python3:python3 || log "could not install nftables/conntrack: the kernel data plane tests will be skipped"
set -e
set +e

rm -rf .reports && mkdir -p .reports
status=0

log "type check (tsc --noEmit: engine, console, CLI, tests, benches)"
if npx tsc --noEmit -p tsconfig.json; then
  echo '{"numPassedTests":1,"numFailedTests":0}' > .reports/typecheck.json
else
  echo '{"numPassedTests":0,"numFailedTests":1}' > .reports/typecheck.json
  status=1
fi

log "unit, integration, controller, agent, BGP and REST API tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile.json=.reports/unit.json || status=1

log "end-to-end tests (Playwright on Debian chromium)"
if ensure_build; then
  bash scripts/e2e.sh || status=1
else
  log "next build failed: the e2e suite cannot run"
  status=1
fi

node scripts/summarize.mjs .reports/typecheck.json .reports/unit.json .reports/e2e.json || status=1
exit $status
