// Web hardening over a real server on 127.0.35.1 (REST, tRPC, better-auth, /events, /metrics, real
// sockets): cross-site writes, JSON content types, deep and aliased input, HTTP Basic brute-force
// limits and equal work for unknown users, X-Forwarded-For only from trusted proxies, the audit log
// by role, sessions and live streams ending with their credential, data file modes, field limits,
// links from WEFT_BASE_URL, /metrics behind an option.
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../server/engine/config/api";
import { type TestServer, startServer, vnBody } from "./helpers";

type J = Record<string, any>;
let s: TestServer;
const HOST = "127.0.35.1";
const adminActor: Actor = { userId: null, email: "admin@test.weft", role: "admin", source: "api" };
let projA: J;
let projB: J;

beforeAll(async () => {
  s = await startServer({ host: HOST });
  for (const name of ["web-a", "web-b"]) await s.as(s.admin, "/vnc/projects", { method: "POST", json: { project: { fq_name: ["default-domain", name], parent_type: "domain" } } });
  projA = s.services.engine.config.getByFqName("project", ["default-domain", "web-a"])!;
  projB = s.services.engine.config.getByFqName("project", ["default-domain", "web-b"])!;
  const users = await s.services.accounts.listUsers();
  for (const email of [s.operator.email, s.viewer.email]) await s.services.accounts.updateUser({ id: users.find((u) => u.email === email)!.id, projectUuids: [projA.uuid] }, adminActor);
}, 60_000);
afterAll(async () => {
  delete process.env.WEFT_TRUSTED_PROXIES;
  delete process.env.WEFT_METRICS_AUTH;
  await s?.stop();
});

const basic = (u: { email: string; password: string }) => `Basic ${Buffer.from(`${u.email}:${u.password}`).toString("base64")}`;
const countVns = () => s.services.engine.config.list("virtual-network").length;

/** A raw request (fetch cannot set Host, or pick its source address). */
function raw(method: string, p: string, headers: Record<string, string>, body?: string, localAddress?: string): Promise<{ status: number; text: string; headers: http.IncomingHttpHeaders }> {
  const u = new URL(s.url + p);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname + u.search, method, headers, localAddress }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text, headers: res.headers }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** Signs in through better-auth (as the console does) and returns the session cookie. */
async function signIn(u: { email: string; password: string }): Promise<string> {
  const r = await fetch(`${s.url}/api/auth/sign-in/email`, { method: "POST", headers: { "content-type": "application/json", origin: s.url }, body: JSON.stringify({ email: u.email, password: u.password }) });
  expect(r.status, await r.clone().text()).toBe(200);
  const cookie = r.headers.getSetCookie().map((c) => c.split(";")[0]).join("; ");
  expect(cookie).toMatch(/session_token=/);
  return cookie;
}

describe("cross-site writes", () => {
  it("a cookie-authenticated REST write needs the console's Origin; a foreign Origin is refused with any credentials; nothing is written", async () => {
    const cookie = await signIn(s.admin);
    const body = JSON.stringify({ "virtual-network": vnBody(["default-domain", "web-a"], "csrf-1") });
    const before = countVns();
    for (const headers of <Record<string, string>[]>[
      { cookie, "content-type": "application/json" }, // no Origin at all
      { cookie, "content-type": "application/json", origin: "http://evil.example" },
      { cookie, "content-type": "application/json", referer: "http://127.0.35.1.evil.example/x" },
      { authorization: basic(s.admin), "content-type": "application/json", origin: "http://evil.example" },
    ]) {
      const r = await raw("POST", "/vnc/virtual-networks", headers, body);
      expect(r.status, JSON.stringify(headers)).toBe(403);
      expect(r.text).toMatch(/cross-origin write refused|must carry the console's Origin/);
    }
    expect(countVns()).toBe(before);
    // reads with the cookie work from anywhere (no CORS headers: another origin cannot read them)
    expect((await raw("GET", "/vnc/virtual-networks", { cookie })).status).toBe(200);
    // the console's own origin writes; so does a CLI (Basic, no Origin)
    expect((await raw("POST", "/vnc/virtual-networks", { cookie, "content-type": "application/json", origin: s.url }, body)).status).toBe(200);
    expect((await raw("POST", "/vnc/virtual-networks", { authorization: basic(s.admin), "content-type": "application/json" }, JSON.stringify({ "virtual-network": vnBody(["default-domain", "web-a"], "csrf-2") }))).status).toBe(200);
    // kube and analytics writes go through the same check
    expect((await raw("POST", "/api/v1/kube/apply", { cookie, "content-type": "application/yaml", origin: "http://evil.example" }, "apiVersion: v1\nkind: Namespace\nmetadata: {name: csrf}\n")).status).toBe(403);
    expect((await raw("POST", "/analytics/query", { cookie, "content-type": "application/json" }, JSON.stringify({ table: "FlowSeriesTable", start_time: "now-1h", end_time: "now", select_fields: ["sum(bytes)"] }))).status).toBe(403);
  });

  it("tRPC mutations with a cookie need the console's Origin; queries do not", async () => {
    const cookie = await signIn(s.operator);
    const mutate = (origin?: string) =>
      raw("POST", "/api/trpc/tokens.create", { cookie, "content-type": "application/json", ...(origin ? { origin } : {}) }, JSON.stringify({ name: "csrf-token" }));
    const tokens = async () => (await s.services.accounts.listTokens({ userId: (await s.services.accounts.listUsers()).find((u) => u.email === s.operator.email)!.id, email: s.operator.email, role: "operator", source: "api" })).length;
    const before = await tokens();
    expect((await mutate()).status).toBe(403);
    expect((await mutate("http://evil.example")).status).toBe(403);
    expect(await tokens()).toBe(before);
    expect((await mutate(s.url)).status).toBe(200);
    expect(await tokens()).toBe(before + 1);
    expect((await raw("GET", "/api/trpc/me.get", { cookie })).status).not.toBe(403);
  });

  it("JSON bodies need a JSON content type (a form post cannot carry one); manifests a YAML or JSON type", async () => {
    const before = countVns();
    for (const t of ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", ""]) {
      const r = await raw("POST", "/vnc/virtual-networks", { authorization: basic(s.admin), ...(t ? { "content-type": t } : {}) }, JSON.stringify({ "virtual-network": vnBody(["default-domain", "web-a"], "ct") }));
      expect(r.status, t).toBe(400);
      expect(JSON.parse(r.text).issues[0].field).toBe("content-type");
    }
    expect(countVns()).toBe(before);
    const k = await raw("POST", "/api/v1/kube/apply", { authorization: basic(s.admin), "content-type": "text/plain" }, "apiVersion: v1\nkind: Namespace\nmetadata: {name: ct}\n");
    expect(k.status).toBe(400);
  });
});

describe("bad input is a 400, never a 500", () => {
  it("deep JSON (REST, tRPC, analytics), long strings, aliased and deep YAML", async () => {
    const deep = "[".repeat(100_000) + "]".repeat(100_000);
    const before = countVns();
    const rest = await raw("POST", "/vnc/virtual-networks", { authorization: basic(s.admin), "content-type": "application/json" }, `{"virtual-network": ${deep}}`);
    expect(rest.status).toBe(400);
    expect(rest.text).toMatch(/nested deeper than 64/);
    const trpc = await raw("POST", "/api/trpc/config.create", { authorization: basic(s.admin), "content-type": "application/json" }, `{"type":"virtual-network","body":${deep}}`);
    expect(trpc.status).toBe(400);
    const an = await raw("POST", "/analytics/query", { authorization: basic(s.admin), "content-type": "application/json" }, `{"table":"FlowRecordTable","where":${deep}}`);
    expect(an.status).toBe(400);
    const long = await raw("POST", "/vnc/virtual-networks", { authorization: basic(s.admin), "content-type": "application/json" }, JSON.stringify({ "virtual-network": { ...vnBody(["default-domain", "web-a"], "long"), display_name: "x".repeat(100_000) } }));
    expect(long.status).toBe(400);
    expect(long.text).toMatch(/longer than 65536/);
    expect(countVns()).toBe(before);
    // a "billion laughs" manifest and a deeply nested one
    const laughs = ["a: &a [x, x, x, x, x, x, x, x, x, x]", ...Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(", ")}]`)].join("\n");
    const bomb = await raw("POST", "/api/v1/kube/apply", { authorization: basic(s.admin), "content-type": "application/yaml" }, `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: bomb}\ndata:\n  ${laughs.split("\n").join("\n  ")}\n`);
    expect(bomb.status).toBe(400);
    const nested = await raw("POST", "/api/v1/kube/apply", { authorization: basic(s.admin), "content-type": "application/yaml" }, `apiVersion: v1\nkind: Namespace\nmetadata: {name: deep, labels: ${"[".repeat(20_000)}${"]".repeat(20_000)}}\n`);
    expect(nested.status).toBe(400);
  });

  it("user and token fields have length limits", async () => {
    await expect(s.services.accounts.createUser({ email: `${"x".repeat(300)}@a.b`, name: "n", password: "password-1", role: "viewer" }, adminActor)).rejects.toMatchObject({ code: "bad_request" });
    await expect(s.services.accounts.createUser({ email: "long@a.b", name: "n".repeat(1000), password: "password-1", role: "viewer" }, adminActor)).rejects.toMatchObject({ code: "bad_request" });
    await expect(s.services.accounts.createUser({ email: "long2@a.b", name: "n", password: "p".repeat(5000), role: "viewer" }, adminActor)).rejects.toMatchObject({ code: "bad_request" });
    expect((await s.services.accounts.listUsers()).some((u) => u.email.startsWith("long"))).toBe(false);
    const r = await raw("POST", "/api/trpc/tokens.create", { authorization: basic(s.viewer), "content-type": "application/json" }, JSON.stringify({ name: "t".repeat(500) }));
    expect(r.status).toBe(400);
  });
});

describe("HTTP Basic", () => {
  it("unknown users cost one scrypt check like known ones (a dummy hash); failures are limited per account, even with the right password, then per client", async () => {
    const acc = s.services.accounts;
    const n0 = acc.hashChecks;
    expect((await raw("GET", "/vnc", { authorization: basic({ email: "nobody@test.weft", password: "wrong-password" }) })).status).toBe(401);
    expect(acc.hashChecks).toBe(n0 + 1);
    expect((await raw("GET", "/vnc", { authorization: basic({ email: s.viewer.email, password: "wrong-password" }) })).status).toBe(401);
    expect(acc.hashChecks).toBe(n0 + 2);

    acc.basicLimits = { perAccount: 3, perClient: 6, windowMs: 60_000 };
    const victim = { email: s.operator.email, password: "guess-0000" };
    for (let i = 0; i < 3; i++) expect((await raw("GET", "/vnc", { authorization: basic({ ...victim, password: `guess-${i}` }) }, undefined, "127.0.35.20")).status).toBe(401);
    // the account is locked now: the right password from another client is refused too, with Retry-After
    const locked = await raw("GET", "/vnc", { authorization: basic(s.operator) }, undefined, "127.0.35.21");
    expect(locked.status).toBe(429);
    expect(Number(locked.headers["retry-after"])).toBeGreaterThan(0);
    // per client: unknown accounts from one address, X-Forwarded-For rotating (not trusted): still one client
    for (let i = 0; i < 3; i++) expect((await raw("GET", "/vnc", { authorization: basic({ email: `spray${i}@x.y`, password: "p" }), "x-forwarded-for": `10.9.9.${i}` }, undefined, "127.0.35.20")).status).toBe(401);
    expect((await raw("GET", "/vnc", { authorization: basic(s.viewer), "x-forwarded-for": "10.9.9.99" }, undefined, "127.0.35.20")).status).toBe(429);
    // another client is not limited
    expect((await raw("GET", "/vnc", { authorization: basic(s.viewer) }, undefined, "127.0.35.22")).status).toBe(200);
  });

  it("X-Forwarded-For counts only when the socket is a trusted proxy (WEFT_TRUSTED_PROXIES)", async () => {
    const acc = s.services.accounts;
    acc.basicLimits = { perAccount: 100, perClient: 2, windowMs: 60_000 };
    process.env.WEFT_TRUSTED_PROXIES = "127.0.35.30";
    try {
      // through the proxy, two clients behind it are two clients
      for (let i = 0; i < 2; i++) await raw("GET", "/vnc", { authorization: basic({ email: `p${i}@x.y`, password: "p" }), "x-forwarded-for": "192.0.2.1" }, undefined, "127.0.35.30");
      expect((await raw("GET", "/vnc", { authorization: basic(s.viewer), "x-forwarded-for": "192.0.2.1" }, undefined, "127.0.35.30")).status).toBe(429);
      expect((await raw("GET", "/vnc", { authorization: basic(s.viewer), "x-forwarded-for": "192.0.2.2" }, undefined, "127.0.35.30")).status).toBe(200);
      // a client that is not the proxy cannot pick its address with the header
      for (let i = 0; i < 2; i++) await raw("GET", "/vnc", { authorization: basic({ email: `q${i}@x.y`, password: "p" }), "x-forwarded-for": `198.51.100.${i}` }, undefined, "127.0.35.31");
      expect((await raw("GET", "/vnc", { authorization: basic(s.viewer), "x-forwarded-for": "198.51.100.77" }, undefined, "127.0.35.31")).status).toBe(429);
    } finally {
      delete process.env.WEFT_TRUSTED_PROXIES;
      acc.basicLimits = { perAccount: 10, perClient: 50, windowMs: 15 * 60_000 };
    }
  });
});

describe("audit log by role", () => {
  it("operators and viewers read their projects' entries only, never user administration; admins everything", async () => {
    await s.as(s.admin, "/vnc/virtual-networks", { method: "POST", json: { "virtual-network": vnBody(["default-domain", "web-a"], "audit-a") } });
    await s.as(s.admin, "/vnc/virtual-networks", { method: "POST", json: { "virtual-network": vnBody(["default-domain", "web-b"], "audit-b") } });
    const list = async (u: { email: string; password: string }) => {
      const r = await raw("GET", `/api/trpc/audit.list?input=${encodeURIComponent(JSON.stringify({ limit: 500 }))}`, { authorization: basic(u) });
      expect(r.status).toBe(200);
      return JSON.parse(r.text).result.data.items as J[];
    };
    const all = await list(s.admin);
    expect(all.some((e) => e.objectType === "user")).toBe(true);
    expect(all.some((e) => e.fqName === "default-domain:web-b:audit-b")).toBe(true);
    for (const u of [s.viewer, s.operator]) {
      const mine = await list(u);
      expect(mine.some((e) => e.fqName === "default-domain:web-a:audit-a")).toBe(true);
      for (const e of mine) {
        expect(e.objectType).not.toBe("user");
        expect(e.fqName === "default-domain:web-a" || e.fqName.startsWith("default-domain:web-a:")).toBe(true);
      }
    }
    const vnB = s.services.engine.config.getByFqName("virtual-network", ["default-domain", "web-b", "audit-b"])!;
    const hist = await raw("GET", `/api/trpc/config.history?input=${encodeURIComponent(JSON.stringify({ uuid: vnB.uuid }))}`, { authorization: basic(s.viewer) });
    expect(JSON.parse(hist.text).result.data).toEqual([]);
  });
});

/** Opens /events and resolves with what arrived when the server ends the stream. */
function stream(headers: Record<string, string>): { opened: Promise<void>; ended: Promise<string> } {
  const u = new URL(`${s.url}/events`);
  let open!: () => void;
  const opened = new Promise<void>((r) => (open = r));
  const ended = new Promise<string>((resolve, reject) => {
    const req = http.get({ host: u.hostname, port: u.port, path: "/events", headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => {
        text += c;
        open();
      });
      res.on("end", () => resolve(text));
    });
    req.on("error", reject);
  });
  return { opened, ended };
}

describe("credentials end with their sessions and streams", () => {
  it("a password change deletes the user's sessions and ends their live streams; revoking a token ends its streams", async () => {
    const user = { email: "rotate@test.weft", password: "rotate-password-1" };
    const created = await s.services.accounts.createUser({ ...user, name: "Rotate", role: "operator" }, adminActor);
    const cookie = await signIn(user);
    expect((await raw("GET", "/vnc", { cookie })).status).toBe(200);
    const live = stream({ cookie });
    await live.opened;
    await s.services.accounts.updateUser({ id: created.id, password: "rotate-password-2" }, adminActor);
    expect(await live.ended).toMatch(/event: signed-out/);
    expect((await raw("GET", "/vnc", { cookie })).status).toBe(401);

    const actor = (await s.services.accounts.actorFor(created.id, "api"))!;
    const t = await s.services.accounts.createToken(actor, "stream");
    const tokenStream = stream({ authorization: `Bearer ${t.token}` });
    await tokenStream.opened;
    await s.services.accounts.revokeToken(actor, t.id);
    expect(await tokenStream.ended).toMatch(/credentials revoked/);
    expect((await raw("GET", "/vnc", { authorization: `Bearer ${t.token}` })).status).toBe(401);
  });
});

describe("files, links, metrics", () => {
  it("the data directory is 0700 and its files 0600 (config DB, auth secret, flow store)", () => {
    const dir = s.services.engine.dataDir;
    expect(fs.statSync(dir).mode & 0o777).toBe(0o700);
    const files: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) {
          expect(fs.statSync(p).mode & 0o777, p).toBe(0o700);
          walk(p);
        } else if (e.isFile()) files.push(p);
      }
    };
    walk(dir);
    expect(files.some((f) => f.endsWith("auth-secret"))).toBe(true);
    expect(files.some((f) => f.includes("flows"))).toBe(true);
    for (const f of files) expect(fs.statSync(f).mode & 0o777, f).toBe(0o600);
  });

  it("links name WEFT_BASE_URL, whatever the Host header says", async () => {
    const r = await raw("GET", "/vnc", { authorization: basic(s.viewer), host: "evil.example" });
    const links = JSON.parse(r.text).links as J[];
    for (const l of links) expect(l.link.href.startsWith(`${s.url}/vnc/`)).toBe(true);
    const t = await raw("GET", "/analytics/tables", { authorization: basic(s.viewer), host: "evil.example" });
    for (const x of JSON.parse(t.text) as J[]) expect(x.href.startsWith(`${s.url}/analytics/`)).toBe(true);
  });

  it("/metrics is open by default and needs a token with WEFT_METRICS_AUTH=token", async () => {
    expect((await raw("GET", "/metrics", {})).status).toBe(200);
    process.env.WEFT_METRICS_AUTH = "token";
    try {
      expect((await raw("GET", "/metrics", {})).status).toBe(401);
      const actor = (await s.services.accounts.actorFor((await s.services.accounts.listUsers()).find((u) => u.email === s.viewer.email)!.id, "api"))!;
      const t = await s.services.accounts.createToken(actor, "prometheus");
      const ok = await raw("GET", "/metrics", { authorization: `Bearer ${t.token}` });
      expect(ok.status).toBe(200);
      expect(ok.text).toMatch(/weft_http_requests_total/);
    } finally {
      delete process.env.WEFT_METRICS_AUTH;
    }
  });
});
