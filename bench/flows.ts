// npm run bench -- flows: flow store ingest rate and query latency (DuckDB, and ClickHouse when
// Debian's clickhouse-server is installed), the collector's sustained ingest (agent records →
// names → store), and packet → visible in the explorer through real agents. Prints a table,
// writes bench/results/flows.json.
//   BENCH_FLOWS_RECORDS     DuckDB records inserted, then queried (default 10 000 000)
//   BENCH_FLOWS_BATCH       records per store insert (default 250 000)
//   BENCH_FLOWS_CH_RECORDS  ClickHouse records (default 1 000 000; 0 = skip)
//   BENCH_FLOWS_COLLECTOR_RECORDS  records through the collector (default 2 000 000; 0 = skip)
//   BENCH_FLOWS_E2E_SAMPLES packets timed from agent to explorer (default 20; 0 = skip)
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DuckDbFlowStore } from "../server/engine/analytics/duckdb-store";
import { ClickHouseFlowStore } from "../server/engine/analytics/clickhouse-store";
import { FlowCollector } from "../server/engine/analytics/collector";
import { Directory, type DirectoryPort } from "../server/engine/analytics/directory";
import { type FlowRow, labelsText } from "../server/engine/analytics/schema";
import type { FlowStore } from "../server/engine/analytics/store";
import type { TrafficEndpoint } from "../server/engine/analytics";
import { type FlowRecord, type FlowRecords, controlNodeService, encodeFlowRecordsMessage } from "../server/engine/protocol";
import { type AgentHandle, startAgent } from "../server/engine/agent/main";
import { Engine } from "../server/engine/engine";
import { startClickHouse } from "../tests/analytics/clickhouse-server";
import { ADMIN, vnBody } from "../tests/helpers";
import { type Row, median, percentile, printTable, writeResult } from "./lib";
import { waitFor } from "../tests/bgp/daemons";

const NOW = Date.now();
const HOUR = 3_600_000;
const VNS = Array.from({ length: 40 }, (_, i) => `default-domain:project-${i % 8}:vn-${i}`);
const RULES = ["network-policy default-domain:p:pol rule 1", "network-policy default-domain:p:pol rule 2", "security-group default-domain:p:default rule 3", "default action"];

/** Pod labels of workload w: half the workloads are pods (75 label sets), the rest VMs without labels. */
const podLabels = (w: number) => (w % 2 ? { app: `app-${w % 25}`, tier: ["web", "api", "db"][w % 3], "app.kubernetes.io/part-of": `shop-${w % 5}` } : undefined);

/**
 * The names the collector takes from its directory (one object per port, shared by all of that
 * port's records): 4,000 workloads over 40 VNs in 8 projects, half of them labelled pods.
 */
const labelTexts = new Map<string, string>();
const ENDPOINTS = Array.from({ length: 4000 }, (_, w) => {
  const vn = VNS[w % 40];
  const project = vn.split(":").slice(0, 2).join(":");
  const text = labelsText(podLabels(w));
  if (!labelTexts.has(text)) labelTexts.set(text, text);
  return { vn, project, workload: `w-${w}`, vmi: `${project}:w-${w}`, namespace: text ? project.split(":")[1] : "", labels: labelTexts.get(text)! };
});

/**
 * Rows over the last hour, in arrival order: 40 VNs, 4000 workloads, 20 nodes, ~10 % denied — high-cardinality
 * addresses and ports. Names from the directory are shared strings (as the collector makes them);
 * what an agent sends (node, VRF, reason, rule, ACL, next hop, addresses, flow id) is a new string
 * per record, decoded from bytes as the control node decodes the agent protocol's messages (flat
 * strings: a template literal would give V8 rope strings that every read first has to flatten).
 */
const decoded = (s: string) => Buffer.from(s, "latin1").toString("latin1");
let spread = 1; // records spread over the last hour

function chunk(start: number, n: number): FlowRow[] {
  const out: FlowRow[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const i = start + k;
    const h = Math.imul(i, 2654435761) >>> 0;
    const se = ENDPOINTS[h % 4000];
    const de = ENDPOINTS[(h >>> 10) % 4000];
    const sv = se.vn;
    const dv = de.vn;
    const deny = h % 10 === 0;
    // records arrive in time order (as the collector gets them), a few seconds out of order
    const end = Math.min(NOW, NOW - HOUR + Math.floor((i / spread) * HOUR) + (h % 5_000));
    const dstPort = [80, 443, 22, 53, 5432, 6379][(h >>> 4) % 6];
    out[k] = {
      id: i + 1,
      end_ms: end,
      start_ms: end - (h % 30_000),
      node: decoded(`compute-${(h >>> 12) % 20}`),
      direction: h & 1 ? "egress" : "ingress",
      vrf: decoded(`${sv}:${sv.split(":")[2]}`),
      protocol: dstPort === 53 ? 17 : 6,
      src_ip: decoded(`10.${h % 40}.${(h >>> 6) % 256}.${(h >>> 14) % 256}`),
      dst_ip: decoded(`10.${(h >>> 8) % 40}.${(h >>> 16) % 256}.${(h >>> 3) % 256}`),
      src_port: 32768 + (h % 28000),
      dst_port: dstPort,
      action: deny ? "deny" : "pass",
      reason: decoded(deny ? "denied by network-policy rule 1" : "allowed"),
      rule: decoded(RULES[deny ? 0 : 1 + (h % 3)]),
      rule_acl: decoded(`vn:${sv}`),
      rule_uuid: "",
      src_vn: sv,
      dst_vn: dv,
      src_project: se.project,
      dst_project: de.project,
      src_namespace: se.namespace,
      dst_namespace: de.namespace,
      src_labels: se.labels,
      dst_labels: de.labels,
      src_workload: se.workload,
      dst_workload: de.workload,
      src_vmi: se.vmi,
      dst_vmi: de.vmi,
      nat_src_ip: "",
      nat_dst_ip: "",
      nh_node: decoded(`compute-${(h >>> 20) % 20}`),
      nh_address: decoded(`127.0.1.${(h >>> 20) % 20}`),
      encap: "MPLSoUDP",
      packets: 1 + (h % 50),
      bytes: (1 + (h % 50)) * (64 + (h % 1400)),
      reverse: (h & 2) === 2,
      first: h % 3 === 0,
      status: "active",
      flow_id: decoded(`compute-${(h >>> 12) % 20}:${i}`),
    };
  }
  return out;
}

/** CPU time (µs) of this process's main (JavaScript) thread, from /proc (Linux; null elsewhere). */
function mainThreadCpuUs(): number | null {
  try {
    const f = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    const p = f.slice(f.lastIndexOf(")") + 2).split(" ");
    return ((Number(p[11]) + Number(p[12])) * 1e6) / 100; // utime + stime in clock ticks (USER_HZ = 100)
  } catch {
    return null;
  }
}

async function measure(store: FlowStore, records: number, batch: number) {
  spread = records;
  let insertMs = 0;
  let first2M = 0;
  // CPU time of this process (JS thread + DuckDB's threads) spent inside insert: what the ingest
  // costs regardless of what else runs on the machine
  let cpuUs = 0;
  // and of the JavaScript thread alone (encoding, appending): with DuckDB's threads moving batches on
  // the other core, an idle 2-core machine ingests at about 1 / max(JS thread, all threads / 2)
  let jsUs = 0;
  const wall0 = performance.now();
  let lastLog = wall0;
  for (let i = 0; i < records; i += batch) {
    const rows = chunk(i, Math.min(batch, records - i));
    const t = performance.now();
    const c0 = process.cpuUsage();
    const j0 = mainThreadCpuUs();
    await store.insert(rows);
    const c1 = process.cpuUsage(c0);
    const j1 = mainThreadCpuUs();
    if (j0 !== null && j1 !== null) jsUs += j1 - j0;
    cpuUs += c1.user + c1.system;
    insertMs += performance.now() - t;
    if (i + rows.length <= 2_000_000) first2M = insertMs;
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      console.error(`  ${store.kind}: ${i + rows.length} / ${records} records`);
    }
  }
  // the store may still be moving the last batch (DuckDB): the first query waits for it, so count it
  const tq = performance.now();
  const cq = process.cpuUsage();
  await store.maxId();
  const cq1 = process.cpuUsage(cq);
  cpuUs += cq1.user + cq1.system;
  insertMs += performance.now() - tq;
  const wallMs = performance.now() - wall0;
  const range = { from: NOW - HOUR, to: NOW + 1 };
  const time = async (f: () => Promise<unknown>) => {
    const xs: number[] = [];
    await f(); // warm
    for (let i = 0; i < 5; i++) {
      const t = performance.now();
      await f();
      xs.push(performance.now() - t);
    }
    return median(xs);
  };
  const topn = await time(() => store.aggregate({ ...range, groupBy: ["src_workload"], metric: "bytes", limit: 10 }));
  const series = await time(() => store.series({ ...range, metric: "bytes", granularityMs: 60_000 }));
  const seriesGrouped = await time(() => store.series({ ...range, metric: "bytes", granularityMs: 60_000, groupBy: ["src_vn"], top: 5 }));
  // denied flows to 22 / 5432 from one project's networks (0.25 % of the records); and a filter
  // that matches nothing (project-3's workloads never deny in this data): every record is read
  const raw = await time(() => store.records({ ...range, filter: 'action = deny AND dst_port IN (22, 5432) AND src_vn ~ "project-2"', limit: 100 }));
  const rawNone = await time(() => store.records({ ...range, filter: 'action = deny AND dst_port IN (22, 5432) AND src_vn ~ "project-3"', limit: 100 }));
  const labelTop = await time(() => store.aggregate({ ...range, filter: "dst_labels = tier=db AND action = deny", groupBy: ["src_labels"], metric: "bytes", limit: 10 }));
  const rss = process.memoryUsage().rss;
  const cpuPer = cpuUs / records;
  const jsPer = jsUs / records;
  return {
    records,
    batch,
    ingest_records_per_s: Math.round(records / (insertMs / 1000)),
    ingest_cpu_us_per_record: Math.round(cpuPer * 100) / 100,
    ingest_js_thread_cpu_us_per_record: Math.round(jsPer * 100) / 100,
    /** what an otherwise idle 2-core machine would ingest, from the CPU figures (load-independent) */
    ingest_idle_2core_records_per_s_estimate: jsPer > 0 ? Math.round(1e6 / Math.max(jsPer, cpuPer / 2)) : null,
    ingest_first_2m_records_per_s: records >= 2_000_000 ? Math.round(2_000_000 / (first2M / 1000)) : null,
    ingest_wall_records_per_s: Math.round(records / (wallMs / 1000)),
    topn_ms: Math.round(topn * 10) / 10,
    timeseries_ms: Math.round(series * 10) / 10,
    timeseries_top5_ms: Math.round(seriesGrouped * 10) / 10,
    raw_page_ms: Math.round(raw * 10) / 10,
    /** the same page for a filter no record matches (the whole range is read) */
    raw_page_no_match_ms: Math.round(rawNone * 10) / 10,
    /** top-10 source label sets of denied flows to pods labelled tier=db */
    label_topn_ms: Math.round(labelTop * 10) / 10,
    rss_mib: Math.round(rss / 1048576),
  };
}

/**
 * The collector's sustained rate: agent messages of 2,000 records (port uuids, no names) as they
 * arrive from the wire → the control node's decoder → names from the directory → the store's
 * columnar batches → store inserts.
 */
async function measureCollector(records: number) {
  const ports: DirectoryPort[] = Array.from({ length: 4000 }, (_, i) => {
    const vn = VNS[i % 40];
    const project = vn.split(":").slice(0, 2).join(":");
    return { uuid: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`, fqName: `${project}:w-${i}`, networkFqName: vn, vrf: `${vn}:${vn.split(":")[2]}`, addresses: [`10.${i % 40}.${Math.floor(i / 40)}.10`], floatingIps: [], host: `compute-${i % 20}` };
  });
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "weft-bench-collector-"));
  const store = new DuckDbFlowStore({ dir });
  await store.open();
  const collector = new FlowCollector(store, new Directory(() => ports, (uuid) => podLabels(Number(uuid.slice(-12)))), { flushMs: 100, maxInsertRows: 250_000, maxQueueRows: records + 1, maintenanceMs: 0 });
  await collector.start();
  // 100 distinct batches, replayed (the collector reads records, it does not keep them), as the bytes an agent sends
  const batches: FlowRecord[][] = [];
  for (let b = 0; b < 100; b++) {
    const recs: FlowRecord[] = [];
    for (let k = 0; k < 2000; k++) {
      const h = Math.imul(b * 2000 + k, 2654435761) >>> 0;
      const s = ports[h % 4000];
      const d = ports[(h >>> 9) % 4000];
      const deny = h % 10 === 0;
      // strings as the control node decodes them from the agent's message (flat, one per record)
      recs.push({
        flow_id: decoded(`${s.host}:${b * 2000 + k}`), start_ms: NOW - 1000, end_ms: NOW - (h % 60_000), vrf: decoded(s.vrf), protocol: 6, src_ip: decoded(s.addresses[0]), dst_ip: decoded(d.addresses[0]),
        src_port: 32768 + (h % 28000), dst_port: [80, 443, 22, 5432][h % 4], direction: decoded("egress"), action: decoded(deny ? "deny" : "pass"), reason: decoded(deny ? "denied by network-policy rule 1" : "allowed"),
        rule_acl: decoded(`vn:${s.networkFqName}`), rule_uuid: "", rule_origin: decoded(RULES[deny ? 0 : 1]), src_vmi: decoded(s.uuid), dst_vmi: "", src_vn: decoded(s.networkFqName), dst_vn: "", nat_src_ip: "", nat_dst_ip: "",
        nh_node: decoded(d.host), nh_address: decoded("127.0.1.1"), encap: decoded("MPLSoUDP"), packets: 1 + (h % 20), bytes: 100 * (1 + (h % 20)), reverse: false, first: h % 3 === 0, status: "active", src_vmi_name: "", dst_vmi_name: "",
      });
    }
    batches.push(recs);
  }
  const wire = batches.map((recs, b) => encodeFlowRecordsMessage({ node: `compute-${b % 20}`, seq: b + 1, records: recs, exported_records: 0, dropped_batches: 0, dropped_records: 0, interval_ms: 1000 })!);
  // the control node's decoder for the agents' messages (AgentMessage → flow_records)
  const decode = controlNodeService().service.Session.requestDeserialize as (b: Buffer) => { flow_records: FlowRecords };
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const j0 = mainThreadCpuUs();
  let sent = 0;
  for (let seq = 1; sent < records; seq++) {
    const m = decode(wire[seq % wire.length]).flow_records;
    if (m.records.length > records - sent) m.records.length = records - sent;
    collector.ingest(m.node, m);
    sent += m.records.length;
    if (seq % 25 === 0) await new Promise((r) => setImmediate(r)); // let inserts run, as the event loop would
    // agents send at a rate, not all at once: keep about two store batches waiting (the sustained rate)
    while (collector.snapshot().queued > 500_000) await new Promise((r) => setTimeout(r, 2));
  }
  while (collector.snapshot().queued > 0 || collector.status.stored + collector.status.dropped < records) await collector.flush();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const j1 = mainThreadCpuUs();
  const st = collector.snapshot();
  await collector.stop();
  await store.close();
  fs.rmSync(dir, { recursive: true, force: true });
  return { records, stored: st.stored, dropped: st.dropped, records_per_s: Math.round(st.stored / (ms / 1000)), cpu_us_per_record: Math.round(((cpu.user + cpu.system) / records) * 100) / 100, js_thread_cpu_us_per_record: j0 !== null && j1 !== null ? Math.round(((j1 - j0) / records) * 100) / 100 : null };
}

/** tests/bgp/daemons.ts's waitFor */
const until = <T>(what: string, f: () => T | undefined | null | false | Promise<T | undefined | null | false>, ms = 20_000, every = 100) => waitFor(what, f, ms, every);

/**
 * Packet → visible in the explorer: an engine (config, compiler, control node, collector, DuckDB)
 * and two real agents over gRPC with the default export interval (1 s) and collector flush (250 ms).
 * A packet leaves a workload on compute-1 for one on compute-2; the clock runs from handing it to
 * the agent until the explorer's query (engine.analytics.records, what tRPC flows.records calls)
 * returns its record. Samples are spread over the export interval.
 */
async function measureEndToEnd(samples: number) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "weft-bench-e2e-"));
  const engine = await Engine.start({ dataDir: dir, agentPort: 0, holdTimeSeconds: 3 });
  const agents: AgentHandle[] = [];
  try {
    const nodes = [
      { name: "compute-1", address: "127.0.7.1" },
      { name: "compute-2", address: "127.0.7.2" },
    ];
    for (const n of nodes) agents.push(await startAgent({ ...n, control: `127.0.0.1:${engine.control.listenPort}`, dataPort: 0, log: false, initialSyncWaitMs: 200 }));
    await until("agents up", () => nodes.every((n) => engine.control.agents.get(n.name)?.state === "Up"));
    const P = ["default-domain", "bench-e2e"];
    await engine.config.create("project", { fq_name: P, parent_type: "domain" }, ADMIN);
    const vn = await engine.config.create("virtual-network", vnBody(P, "net", "10.71.0.0/24"), ADMIN);
    const workload = async (name: string, host: string): Promise<TrafficEndpoint> => {
      const port = await engine.config.create("virtual-machine-interface", { fq_name: [...P, name], virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: host }] } }, ADMIN);
      const iip = await engine.config.create("instance-ip", { virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_refs: [{ uuid: port.uuid }] }, ADMIN);
      return { uuid: port.uuid, fqName: [...P, name].join(":"), host, addresses: [iip.instance_ip_address as string] };
    };
    const a = await workload("client", "compute-1");
    const b = await workload("server", "compute-2");
    const vrf = [...vn.fq_name, vn.name].join(":");
    await until("server route on compute-1", () => agents[0].routes(vrf).find((r) => r.prefix === `${b.addresses[0]}/32`));
    const lat: number[] = [];
    for (let i = 0; i < samples; i++) {
      const srcPort = 41000 + i;
      const t0 = performance.now();
      if (engine.analytics.traffic.send([{ from: a, dst: b.addresses[0], protocol: "tcp", srcPort, dstPort: 8443, packets: 1, bytesPerPacket: 200 }]) !== 1) throw new Error("the agent refused the packet");
      const filter = `src_port = ${srcPort} AND dst_port = 8443 AND src_workload = client AND node = compute-1`;
      await until("the record in the explorer", async () => {
        const now = Date.now();
        return (await engine.analytics.records({ from: now - 60_000, to: now + 1, filter, limit: 10 })).rows.length > 0;
      }, 20_000, 10);
      lat.push(performance.now() - t0);
      await new Promise((r) => setTimeout(r, 137 + ((i * 389) % 900))); // land at different points of the export interval
    }
    return { samples, p50_ms: Math.round(median(lat)), p95_ms: Math.round(percentile(lat, 95)), max_ms: Math.round(Math.max(...lat)), export_interval_ms: 1000, collector_flush_ms: 250 };
  } finally {
    for (const ag of agents) await ag.stop();
    await engine.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const records = Number(process.env.BENCH_FLOWS_RECORDS ?? 10_000_000);
  const batch = Number(process.env.BENCH_FLOWS_BATCH ?? 250_000);
  const chRecords = Number(process.env.BENCH_FLOWS_CH_RECORDS ?? 1_000_000);
  const collectorRecords = Number(process.env.BENCH_FLOWS_COLLECTOR_RECORDS ?? 2_000_000);
  const e2eSamples = Number(process.env.BENCH_FLOWS_E2E_SAMPLES ?? 20);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "weft-bench-flows-"));
  const duck = new DuckDbFlowStore({ dir });
  await duck.open();
  console.error(`flows bench: ${records} records into DuckDB (${dir})`);
  const d = await measure(duck, records, batch);
  await duck.close();
  fs.rmSync(dir, { recursive: true, force: true });

  let ch: Awaited<ReturnType<typeof measure>> | null = null;
  let chNote = "";
  const server =
    chRecords > 0
      ? await startClickHouse().catch((e: Error) => {
          chNote = e.message;
          return null;
        })
      : ((chNote = "BENCH_FLOWS_CH_RECORDS=0"), null);
  if (server) {
    const s = new ClickHouseFlowStore({ url: server.url, database: "weft_bench" });
    await s.open();
    console.error(`flows bench: ${chRecords} records into ClickHouse 18.16 (${server.url})`);
    ch = await measure(s, chRecords, 100_000);
    await s.close();
    await server.stop();
  } else if (!chNote) chNote = "clickhouse-server not installed";

  let collector: Awaited<ReturnType<typeof measureCollector>> | null = null;
  if (collectorRecords > 0) {
    console.error(`flows bench: ${collectorRecords} agent records through the collector into DuckDB`);
    collector = await measureCollector(collectorRecords);
  }
  let e2e: Awaited<ReturnType<typeof measureEndToEnd>> | null = null;
  if (e2eSamples > 0) {
    console.error(`flows bench: packet → explorer, ${e2eSamples} packets through two real agents`);
    e2e = await measureEndToEnd(e2eSamples);
  }

  const rows: Row[] = [
    { metric: "DuckDB records", value: d.records },
    { metric: `DuckDB ingest (insert time, ${d.batch} per insert)`, value: d.ingest_records_per_s, unit: "records/s", goal: "≥ 500k", ok: d.ingest_records_per_s >= 500_000 },
    ...(d.ingest_first_2m_records_per_s ? [{ metric: "DuckDB ingest, first 2M records", value: d.ingest_first_2m_records_per_s, unit: "records/s" }] : []),
    { metric: "DuckDB ingest CPU (all threads) per record", value: d.ingest_cpu_us_per_record, unit: "µs" },
    { metric: "DuckDB ingest CPU of the JS thread per record", value: d.ingest_js_thread_cpu_us_per_record, unit: "µs" },
    ...(d.ingest_idle_2core_records_per_s_estimate
      ? [{ metric: "DuckDB ingest on an idle 2-core machine (from CPU per record)", value: d.ingest_idle_2core_records_per_s_estimate, unit: "records/s", goal: "≥ 500k", ok: d.ingest_idle_2core_records_per_s_estimate >= 500_000 }]
      : []),
    { metric: "DuckDB ingest (incl. generating rows)", value: d.ingest_wall_records_per_s, unit: "records/s" },
    { metric: "DuckDB top-10 talkers, last hour", value: d.topn_ms, unit: "ms", goal: "< 300", ok: d.topn_ms < 300 },
    { metric: "DuckDB time series 1 min, last hour", value: d.timeseries_ms, unit: "ms", goal: "< 300", ok: d.timeseries_ms < 300 },
    { metric: "DuckDB time series 1 min, top-5 VNs + other", value: d.timeseries_top5_ms, unit: "ms" },
    { metric: "DuckDB filtered raw page (100)", value: d.raw_page_ms, unit: "ms", goal: "< 300", ok: d.raw_page_ms < 300 },
    { metric: "DuckDB filtered raw page, no record matches", value: d.raw_page_no_match_ms, unit: "ms" },
    { metric: "DuckDB top-10 source label sets of denied flows to tier=db", value: d.label_topn_ms, unit: "ms" },
  ];
  if (collector)
    rows.push(
      { metric: `collector: agent message bytes → decode → names → DuckDB (${collector.records})`, value: collector.records_per_s, unit: "records/s", goal: "0 dropped", ok: collector.dropped === 0 },
      { metric: "collector CPU (all threads) per record", value: collector.cpu_us_per_record, unit: "µs" },
      { metric: "collector CPU of the JS thread per record", value: collector.js_thread_cpu_us_per_record ?? "n/a", unit: "µs" },
    );
  if (e2e)
    rows.push(
      { metric: `packet → visible in the explorer, p50 (${e2e.samples} packets)`, value: e2e.p50_ms, unit: "ms", goal: "< 5000", ok: e2e.p95_ms < 5000 },
      { metric: "packet → visible in the explorer, p95 / max", value: `${e2e.p95_ms} / ${e2e.max_ms}`, unit: "ms" },
    );
  if (ch)
    rows.push(
      { metric: "ClickHouse records", value: ch.records },
      { metric: "ClickHouse ingest (insert time)", value: ch.ingest_records_per_s, unit: "records/s" },
      { metric: "ClickHouse top-10 talkers", value: ch.topn_ms, unit: "ms" },
      { metric: "ClickHouse time series 1 min", value: ch.timeseries_ms, unit: "ms" },
      { metric: "ClickHouse filtered raw page / no record matches", value: `${ch.raw_page_ms} / ${ch.raw_page_no_match_ms}`, unit: "ms" },
      { metric: "ClickHouse top-10 label sets (label filter)", value: ch.label_topn_ms, unit: "ms" },
    );
  printTable("flows: store ingest and queries", rows);
  const file = writeResult("flows", {
    ...d,
    duckdb: d,
    collector: collector ?? { skipped: "BENCH_FLOWS_COLLECTOR_RECORDS=0" },
    packet_to_explorer: e2e ?? { skipped: "BENCH_FLOWS_E2E_SAMPLES=0" },
    packet_to_explorer_p50_ms: e2e?.p50_ms ?? null,
    clickhouse: ch ?? { skipped: chNote },
  });
  console.log(`\nwrote ${file}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
