// Contrail's analytics query API over REST (real socket, HTTP Basic): FlowSeriesTable sums per group
// and per time bucket, FlowRecordTable rows with Contrail's column names, where as an OR of ANDs
// (EQUAL, NOT_EQUAL, IN_RANGE, LEQ/GEQ, PREFIX on addresses and names), dir, filter on the result
// (REGEX_MATCH), sort and limit — checked against the stored rows; bad queries are 400 with the field.
// Queried as the admin (who sees every project; tests/analytics/flow-hardening.test.ts has the scoping).
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type FlowRow, labelValue } from "../../server/engine/analytics/schema";
import { type TestServer, startServer } from "../helpers";
import { NOW, sampleRows } from "./store-suite";

type J = Record<string, any>;
let s: TestServer;
const rows = sampleRows(3000);
const from = NOW - 600_000;
const recent = rows.filter((r) => r.end_ms >= from && r.end_ms <= NOW);
const US = { start_time: from * 1000, end_time: NOW * 1000 };

beforeAll(async () => {
  s = await startServer();
  await s.services.engine.analytics.store.insert(rows);
}, 60_000);
afterAll(async () => {
  await s?.stop();
});

async function query(q: J, status = 200, user = s?.admin): Promise<J> {
  const r = await s.as(user, "/analytics/query", { method: "POST", json: q });
  const text = await r.text();
  if (r.status !== status) throw new Error(`expected ${status}, got ${r.status}: ${text}`);
  return JSON.parse(text) as J;
}

const sum = (xs: FlowRow[], f: (r: FlowRow) => number) => xs.reduce((a, r) => a + f(r), 0);

describe("POST /analytics/query", () => {
  it("lists the tables and their schema; needs credentials", async () => {
    expect((await s.as(null, "/analytics/tables")).status).toBe(401);
    const tables = (await (await s.as(s.viewer, "/analytics/tables")).json()) as J[];
    expect(tables.map((t) => t.name)).toEqual(["FlowRecordTable", "FlowSeriesTable"]);
    const schema = (await (await s.as(s.viewer, "/analytics/table/FlowSeriesTable/schema")).json()) as J;
    expect(schema.columns.map((c: J) => c.name)).toEqual(expect.arrayContaining(["sourcevn", "destip", "sport", "sum(bytes)", "flow_count", "T=", "src_labels"]));
    expect(schema.columns.map((c: J) => c.name)).not.toContain("agg-bytes");
    expect((await s.as(s.viewer, "/analytics/table/MessageTable/schema")).status).toBe(404);
  });

  it("FlowSeriesTable: sums per group, where as an OR of ANDs", async () => {
    const r = await query({
      table: "FlowSeriesTable",
      ...US,
      select_fields: ["sourcevn", "destvn", "sum(bytes)", "sum(packets)", "flow_count"],
      where: [
        [
          { name: "sourcevn", value: "default-domain:p:web", op: 1 },
          { name: "dport", value: "20", value2: "100", op: 3 },
        ],
        [{ name: "protocol", value: "17", op: 1 }],
      ],
      sort_fields: ["sum(bytes)"],
      sort: 2,
    });
    const want = recent.filter((x) => (x.src_vn === "default-domain:p:web" && x.dst_port >= 20 && x.dst_port <= 100) || x.protocol === 17);
    const groups = new Map<string, FlowRow[]>();
    for (const x of want) groups.set(`${x.src_vn}|${x.dst_vn}`, [...(groups.get(`${x.src_vn}|${x.dst_vn}`) ?? []), x]);
    expect(r.value).toHaveLength(groups.size);
    for (const row of r.value) {
      const g = groups.get(`${row.sourcevn}|${row.destvn}`)!;
      expect(row["sum(bytes)"]).toBe(sum(g, (x) => x.bytes));
      expect(row["sum(packets)"]).toBe(sum(g, (x) => x.packets));
      expect(row.flow_count).toBe(g.filter((x) => x.first).length);
    }
    // a pod label key as a group column
    const byApp = await query({ table: "FlowSeriesTable", ...US, select_fields: ["src_labels.app", "sum(bytes)"], where: [[{ name: "src_labels", value: "app", op: 1 }]] });
    const apps = new Map<string, number>();
    for (const x of recent) if (labelValue(x.src_labels, "app")) apps.set(labelValue(x.src_labels, "app"), (apps.get(labelValue(x.src_labels, "app")) ?? 0) + x.bytes);
    expect(new Map(byApp.value.map((x: J) => [x["src_labels.app"], x["sum(bytes)"]]))).toEqual(apps);
    const bytes = r.value.map((x: J) => x["sum(bytes)"]);
    expect(bytes).toEqual([...bytes].sort((a, b) => b - a));
  });

  it("FlowSeriesTable: T=60 buckets add up to the totals; dir picks one direction", async () => {
    const r = await query({ table: "FlowSeriesTable", ...US, select_fields: ["T=60", "direction_ing", "sum(bytes)"], dir: 1 });
    const ingress = recent.filter((x) => x.direction === "ingress");
    expect(r.value.length).toBeGreaterThan(5);
    expect(r.value.every((x: J) => x.direction_ing === 1 && x["T=60"] % 60_000_000 === 0)).toBe(true);
    expect(r.value.reduce((a: number, x: J) => a + x["sum(bytes)"], 0)).toBe(sum(ingress, (x) => x.bytes));
    // plain T without sums: one sample per record
    const samples = await query({ table: "FlowSeriesTable", ...US, select_fields: ["T", "sourcevn", "src_labels.app", "bytes"], where: [[{ name: "dport", value: 53, op: 1 }]], sort_fields: ["T"], sort: 1 });
    const dns = recent.filter((x) => x.dst_port === 53);
    expect(samples.value).toHaveLength(dns.length);
    expect(samples.value.reduce((a: number, x: J) => a + x.bytes, 0)).toBe(sum(dns, (x) => x.bytes));
    expect(samples.value[0].T).toBe(Math.min(...dns.map((x) => x.end_ms)) * 1000);
    expect(samples.value.map((x: J) => x["src_labels.app"]).sort()).toEqual(dns.map((x) => labelValue(x.src_labels, "app")).sort());
    const total = await query({ table: "FlowSeriesTable", ...US, select_fields: ["sum(packets)"], where: [[{ name: "sourceip", value: "10.2.0.0", value2: "16", op: 7 }]] });
    expect(total.value).toEqual([{ "sum(packets)": sum(recent.filter((x) => x.src_ip.startsWith("10.2.")), (x) => x.packets) }]);
  });

  it("FlowRecordTable: Contrail's columns, PREFIX on names, LEQ, filter by regex on the result, sort and limit", async () => {
    const r = await query({
      table: "FlowRecordTable",
      start_time: `now-${Math.ceil((Date.now() - from) / 60_000)}m`,
      end_time: "now",
      select_fields: ["UuidKey", "vrouter", "sourcevn", "sourceip", "destip", "sport", "dport", "direction_ing", "agg-bytes", "agg-packets", "setup_time", "action", "src_labels"],
      where: [
        [
          { name: "sourcevn", value: "default-domain:k8s-", op: 7 },
          { name: "agg-packets", value: 8, op: 6 },
        ],
      ],
      filter: [{ name: "destip", value: "^10\\.1\\.", op: 8 }],
      sort_fields: ["agg-bytes", "UuidKey"],
      sort: 2,
      limit: 5,
    });
    const want = recent
      .filter((x) => x.src_vn.startsWith("default-domain:k8s-") && x.packets >= 8 && /^10\.1\./.test(x.dst_ip))
      .sort((a, b) => b.bytes - a.bytes || b.flow_id.localeCompare(a.flow_id))
      .slice(0, 5);
    expect(want.length).toBe(5);
    expect(r.value.map((x: J) => x.UuidKey)).toEqual(want.map((x) => x.flow_id));
    expect(r.value[0]).toEqual({
      UuidKey: want[0].flow_id,
      vrouter: want[0].node,
      sourcevn: want[0].src_vn,
      sourceip: want[0].src_ip,
      destip: want[0].dst_ip,
      sport: want[0].src_port,
      dport: want[0].dst_port,
      direction_ing: want[0].direction === "ingress" ? 1 : 0,
      "agg-bytes": want[0].bytes,
      "agg-packets": want[0].packets,
      setup_time: want[0].start_ms * 1000,
      action: want[0].action,
      src_labels: want[0].src_labels,
    });
    // NOT_EQUAL and a Weft field by its own name
    const n = await query({ table: "FlowRecordTable", ...US, select_fields: ["UuidKey"], where: [[{ name: "action", value: "pass", op: 2 }, { name: "src_labels", value: "app=db", op: 1 }]] });
    expect(n.value.length).toBe(recent.filter((x) => x.action !== "pass" && x.src_labels.split(",").includes("app=db")).length);
  });

  it("bad queries: 400 naming the field, nothing else", async () => {
    const cases: [J, string, RegExp][] = [
      [{ table: "MessageTable", ...US, select_fields: ["x"] }, "table", /one of FlowRecordTable, FlowSeriesTable/],
      [{ table: "FlowSeriesTable", ...US, select_fields: [] }, "select_fields", /non-empty/],
      [{ table: "FlowSeriesTable", start_time: "yesterday", end_time: "now", select_fields: ["sum(bytes)"] }, "start_time", /microseconds since the epoch/],
      [{ table: "FlowSeriesTable", ...US, select_fields: ["sum(bytes)"], where: [[{ name: "srcvn", value: "x", op: 1 }]] }, "where[0][0].name", /unknown column "srcvn"/],
      [{ table: "FlowSeriesTable", ...US, select_fields: ["sum(bytes)"], where: [[{ name: "action", value: "maybe", op: 1 }]] }, "where[0][0]", /action is one of pass, deny, drop/],
      [{ table: "FlowSeriesTable", ...US, select_fields: ["sum(bytes)"], where: [[{ name: "sourcevn", value: "x", op: 8 }]] }, "where[0][0].op", /REGEX_MATCH \(8\) is for filter/],
      [{ table: "FlowSeriesTable", ...US, select_fields: ["sum(bytes)"], where: [[{ name: "dport", value: "1", op: 3 }]] }, "where[0][0].value2", /needs value2/],
      [{ table: "FlowSeriesTable", ...US, select_fields: ["agg-bytes"] }, "select_fields", /agg-bytes is a FlowRecordTable column/],
      [{ table: "FlowRecordTable", ...US, select_fields: ["sourcevn"], filter: [{ name: "destvn", value: "x", op: 1 }] }, "filter[0][0].name", /not in select_fields/],
      [{ table: "FlowRecordTable", ...US, select_fields: ["sourcevn"], limit: 0 }, "limit", /1–100000/],
    ];
    for (const [q, field, msg] of cases) {
      const r = await query(q, 400);
      expect(r.issues?.[0]?.field ?? r.field, JSON.stringify(q)).toBe(field);
      expect(r.message, field).toMatch(msg);
    }
  });
});

it("is in the OpenAPI document", async () => {
  const doc = (await (await s.as(null, "/vnc/openapi.json")).json()) as J;
  expect(doc.paths["/analytics/query"].post.requestBody.content["application/json"].schema.properties.where).toBeTruthy();
  expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(["/analytics/tables", "/analytics/table/{table}/schema", "/analytics/query/{qid}", "/analytics/query/{qid}/chunk-final/{n}"]));
  expect(doc.paths["/analytics/query"].post.responses[202]).toBeTruthy();
});

/** A request as contrail-analytics-api's clients send it (fetch refuses an Expect header). */
function raw(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const u = new URL(s.url + path);
  const auth = `Basic ${Buffer.from(`${s.admin.email}:${s.admin.password}`).toString("base64")}`;
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path: u.pathname, method, headers: { authorization: auth, "content-type": "application/json", ...headers } }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (text += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe("asynchronous queries (Expect: 202-accepted)", () => {
  it("202 with the status entity's href; polled to progress 100; the chunk holds the same rows as the synchronous query, one per line", async () => {
    const q = { table: "FlowRecordTable", ...US, select_fields: ["sourcevn", "destvn", "sport", "dport", "agg-bytes"], where: [[{ name: "dport", value: "443", op: 1 }]], sort_fields: ["sport"], sort: 1 };
    const accepted = await raw("POST", "/analytics/query", q, { expect: "202-accepted" });
    expect(accepted.status).toBe(202);
    const href = (JSON.parse(accepted.text) as J).href as string;
    expect(href).toMatch(/^\/analytics\/query\/[0-9a-f-]{36}$/);
    let status: J = {};
    for (let i = 0; i < 100; i++) {
      status = JSON.parse((await raw("GET", href)).text) as J;
      if (status.progress === 100) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toMatchObject({ progress: 100, chunks: [{ start_time: US.start_time, end_time: US.end_time, href: `${href}/chunk-final/0` }] });
    const chunk = await raw("GET", status.chunks[0].href);
    expect(chunk.status).toBe(200);
    const lines = chunk.text.split("\n");
    expect(lines[0]).toBe('{"value": [');
    expect(lines[lines.length - 1]).toBe("]}");
    const value = (JSON.parse(chunk.text) as J).value as J[];
    expect(value).toEqual((await query(q)).value);
    expect(value.length).toBe(recent.filter((r) => r.dst_port === 443).length);
    expect(status.count).toBe(value.length);
  });

  it("a query the API refuses is a 400 at once; unknown queries and chunks are 404", async () => {
    const r = await raw("POST", "/analytics/query", { table: "FlowRecordTable", ...US, select_fields: ["nosuchcolumn"] }, { expect: "202-accepted" });
    expect(r.status).toBe(400);
    expect(r.text).toContain("nosuchcolumn");
    expect((await raw("GET", "/analytics/query/00000000-0000-4000-8000-000000000000")).status).toBe(404);
    const ok = JSON.parse((await raw("POST", "/analytics/query", { table: "FlowSeriesTable", ...US, select_fields: ["sum(bytes)"] }, { expect: "202-accepted" })).text) as J;
    expect((await raw("GET", `${ok.href}/chunk-final/1`)).status).toBe(404);
  });
});
