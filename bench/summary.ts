// Prints one table from bench/results/*.json (the latest run of each benchmark).
//   npx tsx bench/summary.ts [name ...]
import fs from "node:fs";
import path from "node:path";
import { fmt } from "./lib";

const dir = path.resolve("bench/results");
const wanted = process.argv.slice(2);
const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith(".json")) : [];
const rows: [string, string, string, string, string][] = [];
let machineLine = "";

const num = (v: unknown, unit = "") => (typeof v === "number" && Number.isFinite(v) ? `${fmt(v)}${unit}` : "—");

for (const f of files.sort()) {
  const r = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8"));
  if (wanted.length && !wanted.includes(r.bench)) continue;
  const m = r.machine ?? {};
  machineLine ||= `${m.cores} × ${m.cpuModel}, ${m.ramGiB} GiB RAM, node ${m.node}`;
  const at = String(r.at ?? "").slice(0, 16).replace("T", " ");
  if (r.bench === "config-ports") {
    const x = r.figures ?? {};
    const d = x.duplicateAddresses ?? {};
    rows.push(["config-ports", `${x.ports} ports + instance IPs (${x.concurrency} in flight)`, num(x.totalSeconds, " s"), `< ${r.goal?.totalSeconds} s`, at]);
    rows.push(["", "throughput", num(x.portsPerSecond, " ports/s"), "", ""]);
    rows.push(["", "latency p50 / p99", `${num(x.latencyMs?.p50)} / ${num(x.latencyMs?.p99)} ms`, "", ""]);
    rows.push(["", "duplicate addresses (returned / IpAllocation)", `${d.returned} / ${d.ipAllocationTable}`, "0", ""]);
    rows.push(["", "objects in DB", String(x.db?.objectsTotal ?? "—"), "", ""]);
  } else if (r.bench === "console-vn-list") {
    rows.push(["console-vn-list", `first VN row visible, median of ${r.runs} (${r.vns} VNs)`, num(r.firstRowMs?.median, " ms"), `< ${r.goal?.firstRowMs} ms`, at]);
    rows.push(["", "tRPC config.list, median", num(r.trpcList?.medianMs, " ms"), "", ""]);
    rows.push(["", "config.list response", num(r.trpcList ? r.trpcList.bytes / 1024 : undefined, " KiB"), "", ""]);
    for (const n of r.notes ?? []) rows.push(["", `note: ${n}`.slice(0, 100), "", "", ""]);
  } else if (r.bench === "control-scale") {
    const x = r.figures ?? {};
    rows.push(["control-scale", `${x.agents} agents, ${x.ports} ports: initial sync`, num(x.initialSyncSeconds, " s"), "", at]);
    rows.push(["", "resync after control-node restart", num(x.resyncSeconds, " s"), "< 10 s", ""]);
    rows.push(["", "control-node RSS", num(x.controlRssGiB, " GiB"), "< 2 GiB", ""]);
    rows.push(["", "port added → every subscribed FIB, p50 / p99", `${num(x.routeChangeMs?.p50)} / ${num(x.routeChangeMs?.p99)} ms`, "", ""]);
  } else if (r.bench === "bgp-export") {
    const x = r.figures ?? {};
    rows.push(["bgp-export", "port created → route in GoBGP's RIB, p50 / p99", `${num(x.p50Ms)} / ${num(x.p99Ms)} ms`, "p50 < 100 ms", at]);
  } else if (r.bench === "bgp-receive") {
    rows.push(["bgp-receive", `${r.routes} vpnv4 routes from a GoBGP injector: Weft / gobgpd`, `${num(r.ours?.seconds)} / ${num(r.gobgpd?.seconds)} s`, "Weft ≤ gobgpd", at]);
    rows.push(["", "RSS with all routes: Weft / gobgpd", `${num((r.ours?.rssBytes ?? NaN) / 2 ** 20)} / ${num((r.gobgpd?.rssBytes ?? NaN) / 2 ** 20)} MiB`, "Weft lower", ""]);
  } else if (r.bench === "bgp-fuzz") {
    rows.push(["bgp-fuzz", `${r.cases} fuzz cases through the decoder`, `${num(r.decodesPerSecond)} decodes/s`, "", at]);
    rows.push(["", "crashes", String(r.crashes), "0", ""]);
  } else if (r.bench === "topology") {
    rows.push(["topology", `${r.nodes} nodes / ${r.edges} edges: first interactive render`, num(r.first_render_ms, " ms"), "< 2000 ms", at]);
    rows.push(["", "pan: main-thread time per frame, median", num(r.pan_frame_ms_median, " ms"), "≤ 16 ms", ""]);
    rows.push(["", "state change → graph updated", num(r.update_ms, " ms"), "< 1000 ms", ""]);
  } else if (r.bench === "flows") {
    rows.push(["flows", `ingest into DuckDB (${r.records} records)`, num(r.ingest_records_per_s, " records/s"), "≥ 500000/s", at]);
    rows.push(["", "top-N / time series / raw page", `${num(r.topn_ms)} / ${num(r.timeseries_ms)} / ${num(r.raw_page_ms)} ms`, "", ""]);
  } else if (r.bench === "kube-scale") {
    const x = r.figures ?? {};
    rows.push(["kube-scale", `${x.namespaces} namespaces / ${x.pods} pods / ${x.services} services applied: converged`, num(x.convergedSeconds, " s"), "", at]);
    rows.push(["", "all objects reconciled (config written)", num(x.reconciledSeconds, " s"), "", ""]);
    rows.push(["", "engine RSS after convergence", num(x.engineRssGiB, " GiB"), "", ""]);
    rows.push(["", "pod churn, creates + deletes", num(x.churnOpsPerSecond, " ops/s"), "", ""]);
    rows.push(["", "leaked addresses / routes after churn", `${x.leakedAddresses} / ${x.leakedRoutes}`, "0 / 0", ""]);
  } else if (r.bench === "dataplane") {
    rows.push(["dataplane", "iperf3 across two nodes: Weft's kernel data plane / by hand", num(r.throughput_ratio), "≥ 0.95", at]);
    rows.push(["", "CNI ADD → reachable p50 (port created → reachable p50)", `${num(r.cni_add_to_reachable_p50_ms, " ms")} (${num(r.port_create_to_reachable_ms?.p50, " ms")})`, "< 200 ms", ""]);
    rows.push(["", "packets lost over an agent restart", num(r.agent_restart_packets_lost), "0", ""]);
  } else if (r.bench === "reachability") {
    const x = r.figures ?? {};
    rows.push(["reachability", `${x.networks} networks / ${x.ports} ports: one question p50 (suggestions on)`, num(x.question_p50_ms, " ms"), "< 50 ms", at]);
    rows.push(["", "matrix 100 × 100", num(x.matrix_100x100_ms, " ms"), "< 3000 ms", ""]);
    rows.push(["", "what-if replay of 10M flows", x.whatif_10m_flows_ms === null ? "not implemented" : num(x.whatif_10m_flows_ms, " ms"), "< 5000 ms", ""]);
  } else if (r.bench === "agent-forwarding") {
    const x = r.figures ?? {};
    rows.push(["agent-forwarding", "local delivery, first packet / established", `${num(x.localFirstPacketPps)} / ${num(x.localEstablishedPps)} pkt/s`, "", at]);
    rows.push(["", "remote via UDP, first packet / established", `${num(x.remoteFirstPacketPps)} / ${num(x.remoteEstablishedPps)} pkt/s`, "", ""]);
    rows.push(["", "traced round trip p50 / p99", `${num(x.tracedRoundTripP50Ms)} / ${num(x.tracedRoundTripP99Ms)} ms`, "", ""]);
  }
}

if (rows.length === 0) {
  console.log("no benchmark results under bench/results");
  process.exit(0);
}
const head: [string, string, string, string, string] = ["bench", "figure", "value", "goal", "run at (UTC)"];
const w = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r: string[]) => r.map((c, i) => (i === 2 ? c.padStart(w[i]) : c.padEnd(w[i]))).join("  ").trimEnd();
console.log(`\nWeft benchmarks — ${machineLine}`);
console.log(line(head));
console.log(w.map((n) => "-".repeat(n)).join("  "));
for (const r of rows) console.log(line(r));
