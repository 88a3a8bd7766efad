// The process's long-lived services (engine, auth, accounts, metrics), built once by
// server/main.ts and published on globalThis: Turbopack bundles its own copy of every module a
// route handler imports, so a module-level singleton would not be shared (docs/stack.md).
import { Engine, setEngine } from "./engine/engine";
import { type Auth, createAuth, loadSecret } from "./auth/auth";
import { Accounts } from "./auth/accounts";
import { Metrics } from "./http/metrics";
import { peekServices, publishServices } from "./registry";

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

export async function startServices(opts: ServiceOptions): Promise<Services> {
  const env = process.env;
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
