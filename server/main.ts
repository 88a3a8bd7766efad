// The console + engine process: builds the engine (config store, auth), then serves Next.js
// through its request handler, with /vnc (REST), /healthz and /metrics answered here directly.
import http from "node:http";
import path from "node:path";
import next from "next";
import { startServices, stopServices } from "./services";
import { handleVnc } from "./rest/vnc";
import { handleKube } from "./rest/kube";
import { handleAnalytics } from "./rest/analytics";
import { handleEvents } from "./http/events";
import { handleHealthz, handleMetrics, metricsAuth } from "./http/ops";
import { stampClientIp } from "./http/guard";
import { logger } from "./engine/log";

// logs are structured (engine/log, on stderr); the banner below stays plain text on stdout: scripts read it
const log = logger("main");

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? "0.0.0.0";
const dev = process.env.NODE_ENV === "development";

async function main() {
  process.env.NEXT_TELEMETRY_DISABLED = "1";
  const services = await startServices({ port });
  const admin = await services.accounts.ensureAdmin(services.engine.dataDir);

  const app = next({ dev, dir: path.resolve("."), port, hostname: host });
  await app.prepare();
  const handle = app.getRequestHandler();

  metricsAuth(); // a bad WEFT_METRICS_AUTH stops the start, not the first scrape
  const route = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    // the client's address for tRPC, better-auth and the Basic limits (X-Forwarded-For only from WEFT_TRUSTED_PROXIES)
    stampClientIp(req);
    // the path only: links are built from WEFT_BASE_URL, never from the Host header
    const url = new URL(req.url ?? "/", services.baseURL);
    const p = url.pathname;
    if (p === "/vnc" || p.startsWith("/vnc/")) {
      await handleVnc(services, req, res, url);
      return;
    }
    if (p.startsWith("/api/v1/kube/")) return handleKube(services, req, res, url);
    if (p === "/analytics" || p.startsWith("/analytics/")) return handleAnalytics(services, req, res, url);
    if (p === "/healthz") return handleHealthz(services, res);
    if (p === "/events") return handleEvents(services, req, res, url);
    if (p === "/metrics") return handleMetrics(services, res, req);
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const surface = p.startsWith("/api/trpc") ? "trpc" : p.startsWith("/api/auth") ? "auth" : "console";
      services.metrics.observe(surface, req.method ?? "GET", res.statusCode, Number(process.hrtime.bigint() - started) / 1e9);
    });
    await handle(req, res);
  };
  const server = http.createServer(route);
  // Node answers 417 to an Expect header other than 100-continue unless asked: contrail-analytics-api
  // clients send `Expect: 202-accepted` for asynchronous queries (handled by /analytics)
  server.on("checkExpectation", (req, res) => void route(req, res));

  server.listen(port, host, () => {
    void printBanner(services, admin, host === "0.0.0.0" || host === "::" ? "localhost" : host);
  });

  const shutdown = async (sig: string) => {
    log.info(`${sig}: stopping`);
    server.close();
    await stopServices();
    process.exit(0);
  };
  process.on("SIGTERM", () => void shutdown("SIGTERM"));
  process.on("SIGINT", () => void shutdown("SIGINT"));
}

/**
 * The "Weft console: …" banner, printed last and apart: after the lab's agents have connected (their
 * start-up lines come first; at most 20 s), framed by blank lines so it does not drown among them.
 * A password given through WEFT_ADMIN_PASSWORD is not echoed: whoever set it knows it, and logs
 * are read by others.
 */
async function printBanner(services: Awaited<ReturnType<typeof startServices>>, admin: { email: string; password: string | null; created: boolean }, shown: string) {
  const lab = services.engine.lab;
  const deadline = Date.now() + 20_000;
  while (lab && Date.now() < deadline && lab.nodes.some((n) => services.engine.control.agents.get(n.name)?.state !== "Up")) {
    await new Promise((r) => setTimeout(r, 250));
  }
  // the agents' own "session up" lines arrive through their pipes a moment after the session
  if (lab) await new Promise((r) => setTimeout(r, 500));
  const password = process.env.WEFT_ADMIN_PASSWORD
    ? "(as set in WEFT_ADMIN_PASSWORD)"
    : admin.password
      ? `${admin.password}${admin.created ? " (generated; also in <data>/initial-admin-password)" : " (from <data>/initial-admin-password)"}`
      : null;
  const lines = [
    `Weft console: http://${shown}:${port}`,
    `  data dir:   ${services.engine.dataDir}`,
    `  admin:      ${admin.email}`,
    ...(password ? [`  password:   ${password}`] : []),
    `  REST API:   http://${shown}:${port}/vnc  (OpenAPI: /vnc/openapi.json)`,
  ];
  const rule = "─".repeat(Math.max(...lines.map((l) => l.length)));
  console.log(["", rule, ...lines, rule, ""].join("\n"));
}

main().catch((e) => {
  log.fatal({ err: e }, `cannot start: ${(e as Error).message}`);
  process.exit(1);
});
