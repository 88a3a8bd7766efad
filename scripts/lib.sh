# Shared set-up steps for scripts/up.sh, scripts/test.sh and scripts/bench.sh.
# Everything here is idempotent: a step is skipped when its result is already there.
export NEXT_TELEMETRY_DISABLED=1
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

log() { printf '\033[1m[weft]\033[0m %s\n' "$*" >&2; }

ensure_node_modules() {
  # reinstall when the lock file changed since the last install
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    log "installing npm packages (the first time this compiles native modules — SQLite, DuckDB — and takes a few minutes; their build output follows)"
    # `npm install`, not `npm ci`: npm 11 writes lock files without other platforms' optional
    # packages and then refuses them in `npm ci` ("Missing: @next/swc-darwin-x64 from lock file").
    # --foreground-scripts: the install scripts' output (node-gyp compiling) is shown as it happens,
    # so a long native build is visibly alive; --loglevel=http: each package fetched is listed.
    npm install --no-audit --no-fund --foreground-scripts --loglevel=http
  fi
}

ensure_prisma_client() {
  if [ ! -f server/generated/prisma/client.ts ] || [ prisma/schema.prisma -nt server/generated/prisma/client.ts ]; then
    log "generating the Prisma client"
    mkdir -p "${WEFT_DATA_DIR:-./data}"
    npx prisma generate >/dev/null
  fi
}

# hash of everything the Next.js build depends on
source_hash() {
  { git ls-files -s app components lib server next.config.ts postcss.config.mjs tsconfig.json package-lock.json 2>/dev/null
    git diff HEAD -- app components lib server next.config.ts 2>/dev/null
    git ls-files --others --exclude-standard app components lib server 2>/dev/null | xargs -r sha1sum 2>/dev/null
  } | sha1sum | cut -d' ' -f1
}

ensure_build() {
  local h; h=$(source_hash)
  if [ -f .next/BUILD_ID ] && [ "$(cat .next/weft-source-hash 2>/dev/null)" = "$h" ]; then return; fi
  log "building the console (next build)"
  npx next build
  echo "$h" > .next/weft-source-hash
}

ensure_debian_packages() {
  # usage: ensure_debian_packages <binary>:<package> ...
  local missing=()
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  [ ${#missing[@]} -eq 0 ] && return
  log "installing Debian packages: ${missing[*]}"
  local sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}
