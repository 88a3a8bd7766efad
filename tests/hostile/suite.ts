// The hostile-query suite (issue 14), shared by tests/hostile/hostile-queries.test.ts (the
// correctness bound) and bench/hostile.ts (the README's figure): a real server on 127.0.35.2 with
// a flow store of sample records, two real agent processes connected to its control node with a
// short hold time, a /healthz prober in a worker thread (its own event loop, a real socket each
// time), and every query class a viewer can reach with hostile parameters — each sent several at
// once. Reports each class's statuses, /healthz latencies, the event-loop delay of the server's
// loop (perf_hooks.monitorEventLoopDelay) and agent session drops.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import type { Actor } from "../../server/engine/config/api";
import { type TestServer, startServer } from "../helpers";
import { sampleRows } from "../analytics/store-suite";

const root = path.resolve(__dirname, "../..");
export const HOSTILE_HOST = "127.0.35.2";

export interface ClassResult {
  name: string;
  statuses: number[];
  /** longest event-loop stall while this class ran (ms) */
  loopMaxMs: number;
  /** event-loop delay p99 while this class ran (ms) */
  loopP99Ms: number;
}

export interface HostileResult {
  classes: ClassResult[];
  healthz: { samples: number; maxMs: number; p99Ms: number; failures: number };
  eventLoop: { p50Ms: number; p99Ms: number; maxMs: number };
  agents: { names: string[]; upBefore: number; upAfter: number; drops: number };
  records: number;
}

/** The prober: GET /healthz every 25 ms over a new connection, timed on its own event loop. */
const PROBER = `
const http = require("node:http");
const { parentPort, workerData } = require("node:worker_threads");
const lat = []; let failures = 0; let stop = false;
parentPort.on("message", () => { stop = true; });
function probe() {
  if (stop) { parentPort.postMessage({ lat, failures }); return; }
  const t0 = performance.now();
  const req = http.get({ host: workerData.host, port: workerData.port, path: "/healthz", agent: false, timeout: 5000 }, (res) => {
    res.resume();
    res.on("end", () => { if (res.statusCode === 200) lat.push(performance.now() - t0); else failures++; setTimeout(probe, 25); });
  });
  req.on("timeout", () => req.destroy(new Error("timeout")));
  req.on("error", () => { failures++; lat.push(performance.now() - t0); setTimeout(probe, 25); });
}
probe();
`;

function pct(xs: number[], p: number) {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export async function runHostileSuite(opts: { records?: number; copies?: number; log?: (l: string) => void } = {}): Promise<HostileResult> {
  const log = opts.log ?? (() => undefined);
  const copies = opts.copies ?? 3;
  const nRecords = opts.records ?? 100_000;
  // a short hold time: a stalled event loop would drop the agents' sessions within the run
  process.env.WEFT_HOLD_TIME = "4";
  let s: TestServer | null = null;
  const agents: ChildProcess[] = [];
  let stateRoot = "";
  try {
    s = await startServer({ host: HOSTILE_HOST });
    delete process.env.WEFT_HOLD_TIME;
    const srv = s;
    const admin: Actor = { userId: null, email: "admin@test.weft", role: "admin", source: "api" };
    const cfg = srv.services.engine.config;
    const p = await cfg.create("project", { fq_name: ["default-domain", "p"], parent_type: "domain" }, admin);
    const viewerId = (await srv.services.accounts.listUsers()).find((u) => u.email === srv.viewer.email)!.id;
    await srv.services.accounts.updateUser({ id: viewerId, projectUuids: [p.uuid] }, admin);
    // records in the viewer's project and others (sampleRows: default-domain:p and default-domain:k8s-shop)
    const rows = sampleRows(nRecords);
    const now = Date.now();
    const shift = now - Math.max(...rows.slice(0, 1000).map((r) => r.end_ms));
    for (const r of rows) {
      r.end_ms += shift;
      r.start_ms += shift;
    }
    for (let i = 0; i < rows.length; i += 50_000) await srv.services.engine.analytics.store.insert(rows.slice(i, i + 50_000));
    log(`${rows.length} flow records stored`);

    // two real agent processes on the control node
    const control = `127.0.0.1:${srv.services.engine.control.listenPort}`;
    const names = ["hostile-1", "hostile-2"];
    // the agent channel is mutual TLS: each node enrols with a token issued for it (issue 14)
    stateRoot = fs.mkdtempSync(path.join(os.tmpdir(), "weft-hostile-agents-"));
    for (const [i, name] of names.entries()) {
      const address = `127.0.35.${11 + i}`;
      const token = await srv.services.engine.trust.issueLocalToken(name, address);
      const args = ["server/engine/agent/main.ts", "--control", control, "--name", name, "--address", address, "--data-port", String(16635 + i), "--state-dir", path.join(stateRoot, name)];
      const child = spawn(path.join(root, "node_modules/.bin/tsx"), args, { cwd: root, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env, WEFT_ENROL_TOKEN: token }, detached: true });
      child.stderr!.on("data", (d: Buffer) => process.env.WEFT_HOSTILE_DEBUG && process.stderr.write(d));
      agents.push(child);
    }
    const sessions = () => names.map((n) => srv.services.engine.control.agents.get(n));
    const deadline = Date.now() + 60_000;
    while (sessions().some((a) => a?.state !== "Up")) {
      if (Date.now() > deadline) throw new Error("agent processes did not connect");
      await new Promise((r) => setTimeout(r, 200));
    }
    const flapsBefore = sessions().reduce((a, x) => a + (x?.flaps ?? 0), 0);
    log("agents up");

    const port = new URL(srv.url).port;
    const prober = new Worker(PROBER, { eval: true, workerData: { host: HOSTILE_HOST, port: Number(port) } });
    const probed = new Promise<{ lat: number[]; failures: number }>((r) => prober.once("message", r));
    const loop = monitorEventLoopDelay({ resolution: 10 });
    loop.enable();

    const auth = { authorization: `Basic ${Buffer.from(`${srv.viewer.email}:${srv.viewer.password}`).toString("base64")}` };
    const trpc = (proc: string, input: unknown) => fetch(`${srv.url}/api/trpc/${proc}?input=${encodeURIComponent(JSON.stringify(input))}`, { headers: auth });
    const post = (p: string, body: string) => fetch(`${srv.url}${p}`, { method: "POST", headers: { ...auth, "content-type": "application/json" }, body });
    const q = (b: unknown) => post("/analytics/query", JSON.stringify(b));
    const classes: [string, () => Promise<Response>][] = [
      ["flows.series: 1 s buckets since 1970, 4 group-bys, top 50", () => trpc("flows.series", { from: 0, to: now, granularityMs: 1000, groupBy: ["src_vn", "dst_vn", "src_ip", "dst_port"], top: 50 })],
      ["flows.aggregate: 6 group-bys, 4 distinct counts, since 1970", () => trpc("flows.aggregate", { from: 0, to: now, groupBy: ["src_ip", "dst_ip", "src_port", "dst_port", "src_vmi", "dst_vmi"], distinct: ["src_ip", "dst_ip", "src_port", "flow_id"], limit: 1000 })],
      ["flows.records: nested filter", () => trpc("flows.records", { from: 0, to: now, limit: 5000, filter: `${"(".repeat(1000)}src_port > 1${")".repeat(1000)}` })],
      ["flows.records: long IN list and contains", () => trpc("flows.records", { from: 0, to: now, limit: 5000, filter: `src_ip IN (${Array.from({ length: 280 }, (_, i) => `10.1.${i % 250}.${i % 200}`).join(", ")}) OR reason ~ "a"` })],
      ["flows.complete: 4,000 characters of label IN list", () => trpc("flows.complete", { text: `src_labels IN (${"a,".repeat(1990)}!`, caret: 3995 })],
      ["flows.labelKeys / status", () => trpc("flows.labelKeys", undefined)],
      ["topology.flows: ports over 7 days", () => trpc("topology.flows", { view: "logical", last: "7d", level: "workload" })],
      ["topology.flows: 999999 days", () => trpc("topology.flows", { view: "infrastructure", last: "999999d" })],
      ["topology.graph: 100,000 nodes", () => trpc("topology.graph", { view: "logical", maxNodes: 100_000 })],
      ["audit.list: 500 entries", () => trpc("audit.list", { limit: 500 })],
      ["tRPC batch of 50 aggregates", () => fetch(`${srv.url}/api/trpc/${Array(50).fill("flows.aggregate").join(",")}?batch=1&input=${encodeURIComponent(JSON.stringify(Object.fromEntries(Array.from({ length: 50 }, (_, i) => [i, { from: 0, to: now, groupBy: ["src_ip", "dst_port"], limit: 1000 }]))))}`, { headers: auth })],
      ["tRPC batch of 51 (refused)", () => fetch(`${srv.url}/api/trpc/${Array(51).fill("flows.labelKeys").join(",")}?batch=1&input=${encodeURIComponent(JSON.stringify({}))}`, { headers: auth })],
      ["analytics: FlowSeriesTable T=1 since 1970", () => q({ table: "FlowSeriesTable", start_time: 0, end_time: "now", select_fields: ["T=1", "sourcevn", "sum(bytes)"] })],
      ["analytics: FlowSeriesTable T=60 × 10,000 groups", () => q({ table: "FlowSeriesTable", start_time: "now-2d", end_time: "now", select_fields: ["T=60", "sourceip", "destip", "sum(bytes)"], limit: 10_000 })],
      ["analytics: 100,000 records sorted, REGEX_MATCH (a+)+$", () => q({ table: "FlowRecordTable", start_time: 0, end_time: "now", select_fields: ["sourcevn", "destvn", "sourceip", "sport", "agg-bytes", "UuidKey"], filter: [{ name: "sourcevn", value: "(a+)+$|(.*a){20}|default", op: 8 }], sort_fields: ["sourceip", "UuidKey"], sort: 2, limit: 100_000 })],
      ["analytics: 1,000 where matches", () => q({ table: "FlowRecordTable", start_time: 0, end_time: "now", select_fields: ["sourcevn"], where: Array.from({ length: 1000 }, (_, i) => [{ name: "sport", value: 40000 + i, op: 1 }]) })],
      ["analytics: backreference regex (refused)", () => q({ table: "FlowRecordTable", start_time: 0, end_time: "now", select_fields: ["sourcevn"], filter: [{ name: "sourcevn", value: "(a)\\1", op: 8 }] })],
      ["analytics: nested 100,000 deep", () => post("/analytics/query", `{"where":${"[".repeat(100_000)}${"]".repeat(100_000)}}`)],
      ["vnc: every list with detail", () => fetch(`${srv.url}/vnc/virtual-networks?detail=True`, { headers: auth })],
    ];
    const results: ClassResult[] = [];
    let loopMax = 0;
    for (const [name, run] of classes) {
      loopMax = Math.max(loopMax, loop.max);
      loop.reset();
      const statuses = await Promise.all(
        Array.from({ length: copies }, () =>
          run().then(
            async (r) => {
              await r.arrayBuffer();
              return r.status;
            },
            () => 0,
          ),
        ),
      );
      results.push({ name, statuses, loopMaxMs: loop.max / 1e6, loopP99Ms: loop.percentile(99) / 1e6 });
      log(`${name}: ${statuses.join(" ")} (event loop max ${(loop.max / 1e6).toFixed(0)} ms)`);
    }
    loopMax = Math.max(loopMax, loop.max);
    loop.disable();
    prober.postMessage("stop");
    const probe = await probed;
    await prober.terminate();
    const after = sessions();
    const flapsAfter = after.reduce((a, x) => a + (x?.flaps ?? 0), 0);
    return {
      classes: results,
      healthz: { samples: probe.lat.length, maxMs: Math.max(0, ...probe.lat), p99Ms: pct(probe.lat, 99), failures: probe.failures },
      // percentiles over the last class only after reset(): p99 is the worst class's p99, max the worst stall
      eventLoop: { p50Ms: loop.percentile(50) / 1e6, p99Ms: Math.max(...results.map((c) => c.loopP99Ms)), maxMs: loopMax / 1e6 },
      agents: { names, upBefore: names.length, upAfter: after.filter((a) => a?.state === "Up").length, drops: flapsAfter - flapsBefore },
      records: rows.length,
    };
  } finally {
    delete process.env.WEFT_HOLD_TIME;
    // tsx runs the agent in a child of its own: kill the whole process group, or the agent outlives
    // the suite and holds its data port (the next run's agents then cannot bind)
    for (const a of agents) {
      try {
        if (a.pid) process.kill(-a.pid, "SIGKILL");
      } catch {
        /* already gone */
      }
    }
    await s?.stop();
    if (stateRoot) fs.rmSync(stateRoot, { recursive: true, force: true });
  }
}
