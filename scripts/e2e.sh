#!/usr/bin/env bash
# Starts the built console on a free port with a throw-away data dir, runs Playwright against it.
set -uo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
port=${WEFT_E2E_PORT:-$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')}
data=$(mktemp -d /tmp/weft-e2e.XXXXXX)
export WEFT_E2E_URL="http://localhost:$port"
export WEFT_E2E_ADMIN_EMAIL="admin@e2e.weft" WEFT_E2E_ADMIN_PASSWORD="e2e-admin-password"
# the control node's BGP speaker on its own loopback address and a port of its own (e2e/bgp.spec.ts
# points a gobgpd on 127.0.9.2 at it)
export WEFT_E2E_CONTROL_ADDRESS=127.0.9.3 WEFT_E2E_BGP_PORT=$((30000 + port % 20000))
PORT=$port HOST=127.0.0.1 WEFT_DATA_DIR=$data WEFT_ADMIN_EMAIL=$WEFT_E2E_ADMIN_EMAIL WEFT_ADMIN_PASSWORD=$WEFT_E2E_ADMIN_PASSWORD \
  WEFT_AUTH_RATE_LIMIT=0 WEFT_LAB_DEMO=0 WEFT_LAB_TRAFFIC=0 WEFT_CONTROL_ADDRESS=$WEFT_E2E_CONTROL_ADDRESS WEFT_BGP_PORT=$WEFT_E2E_BGP_PORT WEFT_LAB_NODES=${WEFT_E2E_LAB_NODES:-2} WEFT_AGENT_PORT=0 WEFT_LAB_DATA_PORT=$((20000 + port % 20000)) node_modules/.bin/tsx server/main.ts > .reports/e2e-server.log 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 1 120); do
  curl -fsS "$WEFT_E2E_URL/healthz" >/dev/null 2>&1 && break
  kill -0 $pid 2>/dev/null || { log "the server exited:"; cat .reports/e2e-server.log >&2; exit 1; }
  sleep 0.5
done
# extra arguments go to Playwright: bash scripts/e2e.sh e2e/bgp.spec.ts
[ "${1:-}" = "--" ] && shift
npx playwright test "$@"
