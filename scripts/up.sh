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
exec npx tsx server/main.ts
