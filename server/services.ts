// The process's long-lived services (engine, auth, accounts, metrics), built once by
// server/main.ts and published on globalThis: Turbopack bundles its own copy of every module a
// route handler imports, so a module-level singleton would not be shared (STACK.md).
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

export async function startServices(opts: { port: number; dataDir?: string; baseURL?: string }): Promise<Services> {
  const engine = await Engine.start({ dataDir: opts.dataDir });
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
