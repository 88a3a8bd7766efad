#!/usr/bin/env bash
# npm run up: install what is missing, migrate, build, start the console (foreground).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
ensure_node_modules
ensure_prisma_client
log "migrating the config store in ${WEFT_DATA_DIR:-./data}"
npx tsx scripts/migrate.ts
ensure_build
# the lab's demo project + Kubernetes namespace (once) and traffic through the agents, so the
# dashboards have live data within a minute; WEFT_LAB_DEMO=0 / WEFT_LAB_TRAFFIC=0 turn them off
export WEFT_LAB_DEMO=${WEFT_LAB_DEMO:-1} WEFT_LAB_TRAFFIC=${WEFT_LAB_TRAFFIC:-20}
exec npx tsx server/main.ts
