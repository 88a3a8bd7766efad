// Real components for tests: an engine on a fresh SQLite file, and the REST API on a real socket.
import { handleKube } from "../server/rest/kube";
import { handleAnalytics } from "../server/rest/analytics";
import fs from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { Engine } from "../server/engine/engine";
import type { Actor } from "../server/engine/config/api";
import { type Services, startServices, stopServices } from "../server/services";
import { handleVnc } from "../server/rest/vnc";
import { handleHealthz, handleMetrics } from "../server/http/ops";
import { handleEvents } from "../server/http/events";
import { handleTrpc } from "../server/api/handler";
import { stampClientIp } from "../server/http/guard";

/** A node request handed to a fetch handler (as Next.js hands /api/trpc to its route), and its answer piped back. */
async function viaFetch(req: http.IncomingMessage, res: http.ServerResponse, base: string, handler: (r: Request) => Promise<Response>) {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const body = req.method === "GET" || req.method === "HEAD" ? undefined : Buffer.concat(chunks);
  const r = await handler(new Request(new URL(req.url ?? "/", base), { method: req.method, headers, body }));
  const out: Record<string, string> = {};
  r.headers.forEach((v, k) => (out[k] = v));
  res.writeHead(r.status, out);
  res.end(Buffer.from(await r.arrayBuffer()));
}

export const ADMIN: Actor = { userId: null, email: "admin@test", role: "admin", source: "api" };

export function tempDir(prefix = "weft-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** An engine on its own SQLite file. `dir` reuses a data dir (restart tests). */
export async function startEngine(dir = tempDir()): Promise<{ engine: Engine; dir: string }> {
  const engine = await Engine.start({ dataDir: dir });
  return { engine, dir };
}

export interface TestServer {
  services: Services;
  url: string;
  admin: { email: string; password: string };
  viewer: { email: string; password: string };
  operator: { email: string; password: string };
  /** fetch against the server with HTTP Basic credentials */
  as(user: { email: string; password: string } | null, pathname: string, init?: RequestInit & { json?: unknown }): Promise<Response>;
  stop(): Promise<void>;
}

/** Services + the /vnc REST API on a loopback port (no Next.js needed). */
export async function startServer(opts: { host?: string; bgp?: boolean } = {}): Promise<TestServer> {
  const dir = tempDir();
  process.env.WEFT_ADMIN_EMAIL = "admin@test.weft";
  process.env.WEFT_ADMIN_PASSWORD = "admin-password-1";
  const host = opts.host ?? "127.0.0.1";
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, host, r));
  const port = (server.address() as AddressInfo).port;
  const base = `http://${host}:${port}`;
  // bgp: the control node's speaker on WEFT_CONTROL_ADDRESS / WEFT_BGP_PORT (set them first)
  const services = await startServices({ port, dataDir: dir, agentPort: 0, labNodes: 0, bgp: opts.bgp ?? false, baseURL: base });
  await services.accounts.ensureAdmin(dir);
  const route = (req: http.IncomingMessage, res: http.ServerResponse) => {
    stampClientIp(req);
    const url = new URL(req.url ?? "/", base);
    if (url.pathname === "/healthz") void handleHealthz(services, res);
    else if (url.pathname === "/metrics") void handleMetrics(services, res, req);
    else if (url.pathname.startsWith("/api/trpc/")) void viaFetch(req, res, base, handleTrpc);
    else if (url.pathname === "/events") void handleEvents(services, req, res, url);
    else if (url.pathname.startsWith("/api/auth/")) void viaFetch(req, res, base, (r) => services.auth.handler(r));
    else if (url.pathname.startsWith("/api/v1/kube/")) void handleKube(services, req, res, url);
    else if (url.pathname.startsWith("/analytics/")) void handleAnalytics(services, req, res, url);
    else void handleVnc(services, req, res, url);
  };
  server.on("request", route);
  server.on("checkExpectation", route); // Expect: 202-accepted (Contrail's asynchronous analytics queries), as server/main.ts

  const viewer = { email: "viewer@test.weft", password: "viewer-password-1" };
  const operator = { email: "operator@test.weft", password: "operator-password-1" };
  await services.accounts.createUser({ ...viewer, name: "Viewer", role: "viewer" }, null);
  await services.accounts.createUser({ ...operator, name: "Operator", role: "operator" }, null);
  const url = base;
  return {
    services,
    url,
    admin: { email: "admin@test.weft", password: "admin-password-1" },
    viewer,
    operator,
    as(user, pathname, init = {}) {
      const headers = new Headers(init.headers);
      if (user) headers.set("authorization", `Basic ${Buffer.from(`${user.email}:${user.password}`).toString("base64")}`);
      let body = init.body;
      if (init.json !== undefined) {
        headers.set("content-type", "application/json");
        body = JSON.stringify(init.json);
      }
      return fetch(`${url}${pathname}`, { ...init, headers, body });
    },
    async stop() {
      await new Promise<void>((r) => server.close(() => r()));
      await stopServices();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const DEFAULT_IPAM = ["default-domain", "default-project", "default-network-ipam"];

export function vnBody(project: string[], name: string, cidr = "10.0.0.0/24", extra: Record<string, unknown> = {}) {
  const [ip_prefix, len] = cidr.split("/");
  return {
    fq_name: [...project, name],
    parent_type: "project",
    network_ipam_refs: [{ to: DEFAULT_IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix, ip_prefix_len: Number(len) } }] } }],
    ...extra,
  };
}
