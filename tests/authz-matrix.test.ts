// Issue 14: the authorisation matrix, driven by ONE table (MATRIX below): every write and read
// surface (REST /vnc, tRPC, kube endpoints, analytics, the live channel) × role (admin, operator
// of project A, viewer of project A, anonymous) × target (own project A, other project B, global
// objects) → allow or deny. Over a real server (127.0.35.3, real sockets). After every deny,
// nothing was written: the config objects, audit rows, users and tokens are counted before and after.
// Reads that are allowed for everyone but scoped (flows, audit) count as "deny" on B when the
// caller sees none of B's data. Cells that fail because another helper's part is not on main yet
// are listed in TODO with the reason, never faked.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../server/engine/config/api";
import type { FlowRow } from "../server/engine/analytics/schema";
import { type TestServer, startServer, vnBody } from "./helpers";
import { sampleRows } from "./analytics/store-suite";

type Role = "admin" | "operator" | "viewer" | "anonymous";
type Target = "own" | "other" | "global";
type Want = "allow" | "deny";
const ROLES: Role[] = ["admin", "operator", "viewer", "anonymous"];

let s: TestServer;
let seq = 0;
const uniq = () => `m${++seq}`;
const admin: Actor = { userId: null, email: "admin@test.weft", role: "admin", source: "api" };
const ids: Record<string, string> = {};

interface Call {
  status: number;
  body: string;
}

interface Row {
  surface: string;
  kind: "read" | "write";
  target: Target;
  want: Record<Role, Want>;
  /** the request as `role` */
  run(role: Role): Promise<Call>;
  /** what the request needs first (done as the admin, before counting) */
  prepare?(): Promise<void>;
  /** for reads scoped by project: whether the answer shows the target's data (allowed = 200 and visible) */
  visible?(c: Call): boolean;
}

const A = ["default-domain", "mx-a"];
const B = ["default-domain", "mx-b"];
const all = (w: Want): Record<Role, Want> => ({ admin: w, operator: w, viewer: w, anonymous: w });
const only = (...roles: Role[]): Record<Role, Want> => Object.fromEntries(ROLES.map((r) => [r, roles.includes(r) ? "allow" : "deny"])) as Record<Role, Want>;

function creds(role: Role): Record<string, string> {
  const u = role === "admin" ? s.admin : role === "operator" ? s.operator : role === "viewer" ? s.viewer : null;
  return u ? { authorization: `Basic ${Buffer.from(`${u.email}:${u.password}`).toString("base64")}` } : {};
}
async function req(role: Role, method: string, path: string, body?: unknown, type = "application/json"): Promise<Call> {
  const r = await fetch(`${s.url}${path}`, { method, headers: { ...creds(role), ...(body !== undefined ? { "content-type": type } : {}) }, body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body) });
  return { status: r.status, body: await r.text() };
}
const trpcQuery = (role: Role, proc: string, input: unknown) => req(role, "GET", `/api/trpc/${proc}?input=${encodeURIComponent(JSON.stringify(input))}`);
const trpcMutation = (role: Role, proc: string, input: unknown) => req(role, "POST", `/api/trpc/${proc}`, input);
/** the first bytes of /events (the stream stays open: read its head, then drop it) */
async function events(role: Role): Promise<Call> {
  const ac = new AbortController();
  const r = await fetch(`${s.url}/events`, { headers: creds(role), signal: ac.signal });
  const head = r.status === 200 ? new TextDecoder().decode((await r.body!.getReader().read()).value) : await r.text();
  ac.abort();
  return { status: r.status, body: head };
}
const flowsOf = (c: Call, project: string) => c.status === 200 && (JSON.parse(c.body) as { result: { data: { rows: FlowRow[] } } }).result.data.rows.some((r) => r.src_project === project || r.dst_project === project);

/** The one table. */
const MATRIX: Row[] = [
  // ---------------------------------------------------------------- REST /vnc
  { surface: "REST POST /vnc/virtual-networks", kind: "write", target: "own", want: only("admin", "operator"), run: (r) => req(r, "POST", "/vnc/virtual-networks", { "virtual-network": vnBody(A, uniq()) }) },
  { surface: "REST POST /vnc/virtual-networks", kind: "write", target: "other", want: only("admin"), run: (r) => req(r, "POST", "/vnc/virtual-networks", { "virtual-network": vnBody(B, uniq()) }) },
  { surface: "REST POST /vnc/projects", kind: "write", target: "global", want: only("admin"), run: (r) => req(r, "POST", "/vnc/projects", { project: { fq_name: ["default-domain", uniq()], parent_type: "domain" } }) },
  { surface: "REST PUT /vnc/virtual-network/<uuid>", kind: "write", target: "own", want: only("admin", "operator"), run: (r) => req(r, "PUT", `/vnc/virtual-network/${ids.vnA}`, { "virtual-network": { display_name: uniq() } }) },
  { surface: "REST PUT /vnc/virtual-network/<uuid>", kind: "write", target: "other", want: only("admin"), run: (r) => req(r, "PUT", `/vnc/virtual-network/${ids.vnB}`, { "virtual-network": { display_name: uniq() } }) },
  { surface: "REST PUT /vnc/global-system-config/<uuid>", kind: "write", target: "global", want: only("admin"), run: (r) => req(r, "PUT", `/vnc/global-system-config/${ids.gsc}`, { "global-system-config": { display_name: uniq() } }) },
  {
    surface: "REST DELETE /vnc/virtual-network/<uuid>",
    kind: "write",
    target: "own",
    want: only("admin", "operator"),
    prepare: async () => {
      ids.tmp = (await s.services.engine.config.create("virtual-network", vnBody(A, uniq()), admin)).uuid;
    },
    run: (r) => req(r, "DELETE", `/vnc/virtual-network/${ids.tmp}`),
  },
  { surface: "REST DELETE /vnc/virtual-network/<uuid>", kind: "write", target: "other", want: only("admin"), run: (r) => req(r, "DELETE", `/vnc/virtual-network/${ids.vnBspare}`) },
  { surface: "REST POST /vnc/ref-update", kind: "write", target: "other", want: only("admin"), run: (r) => req(r, "POST", "/vnc/ref-update", { operation: "ADD", type: "virtual-network", uuid: ids.vnB, "ref-type": "network-policy", "ref-uuid": ids.polB, attr: { sequence: { major: 0, minor: 0 } } }) },
  { surface: "REST GET /vnc/virtual-networks", kind: "read", target: "global", want: only("admin", "operator", "viewer"), run: (r) => req(r, "GET", "/vnc/virtual-networks") },
  { surface: "REST GET /vnc/virtual-network/<uuid>", kind: "read", target: "own", want: only("admin", "operator", "viewer"), run: (r) => req(r, "GET", `/vnc/virtual-network/${ids.vnA}`) },
  { surface: "REST POST /vnc/traffic-generator/stop", kind: "write", target: "global", want: only("admin", "operator"), run: (r) => req(r, "POST", "/vnc/traffic-generator/stop", {}) },
  // ---------------------------------------------------------------- tRPC
  { surface: "tRPC config.create", kind: "write", target: "own", want: only("admin", "operator"), run: (r) => trpcMutation(r, "config.create", { type: "virtual-network", body: vnBody(A, uniq()) }) },
  { surface: "tRPC config.create", kind: "write", target: "other", want: only("admin"), run: (r) => trpcMutation(r, "config.create", { type: "virtual-network", body: vnBody(B, uniq()) }) },
  { surface: "tRPC config.create (project)", kind: "write", target: "global", want: only("admin"), run: (r) => trpcMutation(r, "config.create", { type: "project", body: { fq_name: ["default-domain", uniq()], parent_type: "domain" } }) },
  { surface: "tRPC users.create", kind: "write", target: "global", want: only("admin"), run: (r) => trpcMutation(r, "users.create", { email: `${uniq()}@mx.weft`, password: "matrix-password-1", role: "viewer" }) },
  { surface: "tRPC tokens.create", kind: "write", target: "own", want: only("admin", "operator", "viewer"), run: (r) => trpcMutation(r, "tokens.create", { name: uniq() }) },
  { surface: "tRPC users.list", kind: "read", target: "global", want: only("admin"), run: (r) => trpcQuery(r, "users.list", undefined) },
  { surface: "tRPC config.list", kind: "read", target: "global", want: only("admin", "operator", "viewer"), run: (r) => trpcQuery(r, "config.list", { type: "virtual-network" }) },
  {
    surface: "tRPC audit.list (B's entries)",
    kind: "read",
    target: "other",
    want: only("admin"),
    run: (r) => trpcQuery(r, "audit.list", { limit: 500 }),
    visible: (c) => c.status === 200 && (JSON.parse(c.body) as { result: { data: { items: { fqName: string }[] } } }).result.data.items.some((e) => e.fqName.startsWith("default-domain:mx-b:")),
  },
  {
    surface: "tRPC audit.list (user administration)",
    kind: "read",
    target: "global",
    want: only("admin"),
    run: (r) => trpcQuery(r, "audit.list", { limit: 500 }),
    visible: (c) => c.status === 200 && (JSON.parse(c.body) as { result: { data: { items: { objectType: string }[] } } }).result.data.items.some((e) => e.objectType === "user"),
  },
  { surface: "tRPC flows.records", kind: "read", target: "own", want: only("admin", "operator", "viewer"), run: (r) => trpcQuery(r, "flows.records", { from: 0, to: Date.now() + 1, limit: 5000 }), visible: (c) => flowsOf(c, "default-domain:mx-a") },
  { surface: "tRPC flows.records", kind: "read", target: "other", want: only("admin"), run: (r) => trpcQuery(r, "flows.records", { from: 0, to: Date.now() + 1, limit: 5000 }), visible: (c) => flowsOf(c, "default-domain:mx-b") && JSON.parse(c.body).result.data.rows.some((x: FlowRow) => x.src_project === "default-domain:mx-b" && x.dst_project === "default-domain:mx-b") },
  {
    surface: "tRPC flows.aggregate (Sankey, dashboard)",
    kind: "read",
    target: "other",
    want: only("admin"),
    run: (r) => trpcQuery(r, "flows.aggregate", { from: 0, to: Date.now() + 1, groupBy: ["src_project", "dst_project"], limit: 100 }),
    visible: (c) => c.status === 200 && (JSON.parse(c.body) as { result: { data: { rows: { key: Record<string, string> }[] } } }).result.data.rows.some((x) => x.key.src_project === "default-domain:mx-b" && x.key.dst_project === "default-domain:mx-b"),
  },
  // ---------------------------------------------------------------- analytics (Contrail's query API)
  {
    surface: "POST /analytics/query",
    kind: "read",
    target: "own",
    want: only("admin", "operator", "viewer"),
    run: (r) => req(r, "POST", "/analytics/query", { table: "FlowRecordTable", start_time: 0, end_time: "now", select_fields: ["sourcevn", "destvn"], limit: 10000 }),
    visible: (c) => c.status === 200 && (JSON.parse(c.body) as { value: { sourcevn: string }[] }).value.some((x) => x.sourcevn.startsWith("default-domain:mx-a:")),
  },
  {
    surface: "POST /analytics/query",
    kind: "read",
    target: "other",
    want: only("admin"),
    run: (r) => req(r, "POST", "/analytics/query", { table: "FlowRecordTable", start_time: 0, end_time: "now", select_fields: ["sourcevn", "destvn"], limit: 10000 }),
    visible: (c) => c.status === 200 && (JSON.parse(c.body) as { value: { sourcevn: string; destvn: string }[] }).value.some((x) => x.sourcevn.startsWith("default-domain:mx-b:") && x.destvn.startsWith("default-domain:mx-b:")),
  },
  // ---------------------------------------------------------------- kube endpoints
  { surface: "PUT /api/v1/kube/settings", kind: "write", target: "global", want: only("admin"), run: (r) => req(r, "PUT", "/api/v1/kube/settings", { public_fip_pool: null }) },
  { surface: "GET /api/v1/kube/objects", kind: "read", target: "global", want: only("admin", "operator", "viewer"), run: (r) => req(r, "GET", "/api/v1/kube/objects") },
  { surface: "POST /api/v1/kube/apply (Namespace)", kind: "write", target: "global", want: only("admin"), run: (r) => req(r, "POST", "/api/v1/kube/apply", `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${uniq()}\n`, "application/yaml") },
  // ---------------------------------------------------------------- live channel
  { surface: "GET /events", kind: "read", target: "global", want: only("admin", "operator", "viewer"), run: (r) => events(r) },
];

/**
 * Cells that do not hold yet because another part of issue 14 is not on main: "surface|target|role"
 * → reason. Empty when every cell holds.
 */
const TODO: Record<string, string> = {};

async function counts() {
  const db = s.services.engine.db;
  return {
    objects: s.services.engine.config.lastSeq,
    audit: await db.auditEntry.count(),
    users: await db.user.count(),
    tokens: await db.apiToken.count(),
    kube: JSON.stringify(s.services.engine.kube.counts()),
  };
}

beforeAll(async () => {
  s = await startServer({ host: "127.0.35.3" });
  const cfg = s.services.engine.config;
  const pa = await cfg.create("project", { fq_name: A, parent_type: "domain" }, admin);
  await cfg.create("project", { fq_name: B, parent_type: "domain" }, admin);
  ids.vnA = (await cfg.create("virtual-network", vnBody(A, "vn-a", "10.1.0.0/24"), admin)).uuid;
  ids.vnB = (await cfg.create("virtual-network", vnBody(B, "vn-b", "10.2.0.0/24"), admin)).uuid;
  ids.vnBspare = (await cfg.create("virtual-network", vnBody(B, "vn-b-spare", "10.3.0.0/24"), admin)).uuid;
  ids.polB = (await cfg.create("network-policy", { fq_name: [...B, "pol-b"], parent_type: "project" }, admin)).uuid;
  ids.gsc = cfg.list("global-system-config")[0].uuid;
  const users = await s.services.accounts.listUsers();
  for (const email of [s.operator.email, s.viewer.email]) await s.services.accounts.updateUser({ id: users.find((u) => u.email === email)!.id, projectUuids: [pa.uuid] }, admin);
  // flows inside A, inside B, and between them (project names as the collector records them)
  const rows = sampleRows(600).map((r, i) => {
    const [sp, dp] = [["mx-a", "mx-a"], ["mx-b", "mx-b"], ["mx-a", "mx-b"]][i % 3];
    return { ...r, end_ms: Date.now() - 60_000, start_ms: Date.now() - 61_000, src_project: `default-domain:${sp}`, dst_project: `default-domain:${dp}`, src_vn: `default-domain:${sp}:vn`, dst_vn: `default-domain:${dp}:vn` };
  });
  await s.services.engine.analytics.store.insert(rows);
}, 60_000);
afterAll(async () => {
  await s?.stop();
});

describe("authorisation matrix", () => {
  const cells = MATRIX.flatMap((row) => ROLES.map((role) => ({ row, role })));

  it(`covers ${new Set(MATRIX.map((r) => r.surface)).size} surfaces × ${ROLES.length} roles × 3 targets (${cells.length} cells)`, () => {
    expect(new Set(MATRIX.map((r) => r.target))).toEqual(new Set(["own", "other", "global"]));
  });

  for (const { row, role } of cells) {
    const key = `${row.surface}|${row.target}|${role}`;
    const todo = TODO[key];
    const title = `${row.surface} [${row.kind} ${row.target}] as ${role} → ${row.want[role]}`;
    (todo ? it.skip : it)(todo ? `${title} (TODO: ${todo})` : title, async () => {
      await row.prepare?.();
      const before = await counts();
      const c = await row.run(role);
      expect(c.status, `${key}: ${c.body.slice(0, 300)}`).toBeLessThan(500);
      const allowed = c.status >= 200 && c.status < 300 && (row.visible ? row.visible(c) : true);
      expect(allowed ? "allow" : "deny", `${key}: HTTP ${c.status} ${c.body.slice(0, 300)}`).toBe(row.want[role]);
      if (!allowed) {
        if (!row.visible) expect([401, 403, 404], `${key}: a denied request says so`).toContain(c.status);
        // nothing written
        expect(await counts(), key).toEqual(before);
      }
    });
  }
});
