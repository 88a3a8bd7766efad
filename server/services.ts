// The process's long-lived services (engine, auth, accounts, metrics), built once by
// server/main.ts and published on globalThis: Turbopack bundles its own copy of every module a
// route handler imports, so a module-level singleton would not be shared (docs/stack.md).
import fs from "node:fs";
import path from "node:path";
import { Engine, setEngine } from "./engine/engine";
import { type Auth, createAuth, loadSecret } from "./auth/auth";
import { Accounts } from "./auth/accounts";
import { Metrics } from "./http/metrics";
import { peekServices, publishServices } from "./registry";
import { logger } from "./engine/log";

export interface Services {
  engine: Engine;
  auth: Auth;
  accounts: Accounts;
  metrics: Metrics;
  baseURL: string;
}

export { getServices } from "./registry";

export interface ServiceOptions {
  port: number;
  dataDir?: string;
  baseURL?: string;
  /** agent protocol port; default WEFT_AGENT_PORT or 3010 (tests: 0 = any free port) */
  agentPort?: number;
  /** simulated compute nodes; default WEFT_LAB_NODES or 3 */
  labNodes?: number;
  /** false: no BGP speaker (tests of other areas) */
  bgp?: boolean;
}

/**
 * The data directory holds the config database, the auth secret, the initial admin password, the
 * flow store and keys: 0700, its files 0600. New files get that from the umask; files an older
 * version (or another umask) left are tightened at start.
 */
export function secureDataDir(dir: string) {
  const walk = (d: string, depth: number) => {
    fs.chmodSync(d, 0o700);
    if (depth > 8) return;
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isSymbolicLink()) continue;
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.isFile()) fs.chmodSync(p, 0o600);
    }
  };
  try {
    walk(dir, 0);
  } catch (e) {
    logger("main").warn(`data dir ${dir}: could not restrict permissions (${(e as Error).message})`);
  }
}

export async function startServices(opts: ServiceOptions): Promise<Services> {
  const env = process.env;
  // everything the process creates (SQLite and its journal, DuckDB, secrets, layouts) is the owner's only
  process.umask(0o077);
  const engine = await Engine.start({
    dataDir: opts.dataDir,
    agentHost: env.WEFT_AGENT_HOST ?? "0.0.0.0",
    agentPort: opts.agentPort ?? Number(env.WEFT_AGENT_PORT ?? 3010),
    labNodes: opts.labNodes ?? Number(env.WEFT_LAB_NODES ?? 3),
    labDemo: ["1", "true", "yes"].includes(env.WEFT_LAB_DEMO ?? ""),
    labTraffic: Number(env.WEFT_LAB_TRAFFIC ?? 0),
    holdTimeSeconds: env.WEFT_HOLD_TIME ? Number(env.WEFT_HOLD_TIME) : undefined,
    bgp: opts.bgp === false ? undefined : {
      address: env.WEFT_CONTROL_ADDRESS,
      port: env.WEFT_BGP_PORT ? Number(env.WEFT_BGP_PORT) : undefined,
    },
  });
  setEngine(engine);
  secureDataDir(engine.dataDir);
  const baseURL = opts.baseURL ?? process.env.WEFT_BASE_URL ?? `http://localhost:${opts.port}`;
  const auth = createAuth(engine.db, { baseURL, secret: loadSecret(engine.dataDir), port: opts.port });
  const accounts = new Accounts(engine.db, auth);
  const metrics = new Metrics(engine);
  const s: Services = { engine, auth, accounts, metrics, baseURL };
  publishServices(s);
  return s;
}

export async function stopServices() {
  const s = peekServices();
  if (!s) return;
  publishServices(undefined);
  setEngine(undefined);
  await s.engine.stop();
}
