// npm run bench -- flows: flow store ingest rate and query latency (DuckDB, and ClickHouse when
// Debian's clickhouse-server is installed). Prints a table, writes bench/results/flows.json.
//   BENCH_FLOWS_RECORDS (default 5 000 000 for DuckDB), BENCH_FLOWS_CH_RECORDS (default 1 000 000):
//   at today's ingest rate 10 M DuckDB records take longer than the 5-minute budget.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { DuckDbFlowStore } from "../server/engine/analytics/duckdb-store";
import { ClickHouseFlowStore } from "../server/engine/analytics/clickhouse-store";
import type { FlowRow } from "../server/engine/analytics/schema";
import type { FlowStore } from "../server/engine/analytics/store";
import { startClickHouse } from "../tests/analytics/clickhouse-server";
import { type Row, median, printTable, writeResult } from "./lib";

const NOW = Date.now();
const HOUR = 3_600_000;
const VNS = Array.from({ length: 40 }, (_, i) => `default-domain:project-${i % 8}:vn-${i}`);
const RULES = ["network-policy default-domain:p:pol rule 1", "network-policy default-domain:p:pol rule 2", "security-group default-domain:p:default rule 3", "default action"];

/** Rows over the last hour: 40 VNs, 4000 workloads, 20 nodes, ~10 % denied — high-cardinality addresses and ports. */
function chunk(start: number, n: number): FlowRow[] {
  const out: FlowRow[] = new Array(n);
  for (let k = 0; k < n; k++) {
    const i = start + k;
    const h = Math.imul(i, 2654435761) >>> 0;
    const sv = VNS[h % 40];
    const dv = VNS[(h >>> 8) % 40];
    const deny = h % 10 === 0;
    const end = NOW - (h % HOUR);
    const dstPort = [80, 443, 22, 53, 5432, 6379][(h >>> 4) % 6];
    out[k] = {
      id: i + 1,
      end_ms: end,
      start_ms: end - (h % 30_000),
      node: `compute-${(h >>> 12) % 20}`,
      direction: h & 1 ? "egress" : "ingress",
      vrf: `${sv}:${sv.split(":")[2]}`,
      protocol: dstPort === 53 ? 17 : 6,
      src_ip: `10.${h % 40}.${(h >>> 6) % 256}.${(h >>> 14) % 256}`,
      dst_ip: `10.${(h >>> 8) % 40}.${(h >>> 16) % 256}.${(h >>> 3) % 256}`,
      src_port: 32768 + (h % 28000),
      dst_port: dstPort,
      action: deny ? "deny" : "pass",
      reason: deny ? "denied by network-policy rule 1" : "allowed",
      rule: RULES[deny ? 0 : 1 + (h % 3)],
      rule_acl: `vn:${sv}`,
      rule_uuid: "",
      src_vn: sv,
      dst_vn: dv,
      src_project: sv.split(":").slice(0, 2).join(":"),
      dst_project: dv.split(":").slice(0, 2).join(":"),
      src_namespace: "",
      dst_namespace: "",
      src_workload: `w-${h % 4000}`,
      dst_workload: `w-${(h >>> 10) % 4000}`,
      src_vmi: `${sv.split(":").slice(0, 2).join(":")}:w-${h % 4000}`,
      dst_vmi: `${dv.split(":").slice(0, 2).join(":")}:w-${(h >>> 10) % 4000}`,
      nat_src_ip: "",
      nat_dst_ip: "",
      nh_node: `compute-${(h >>> 20) % 20}`,
      nh_address: `127.0.1.${(h >>> 20) % 20}`,
      encap: "MPLSoUDP",
      packets: 1 + (h % 50),
      bytes: (1 + (h % 50)) * (64 + (h % 1400)),
      reverse: (h & 2) === 2,
      first: h % 3 === 0,
      status: "active",
      flow_id: `compute-${(h >>> 12) % 20}:${i}`,
    };
  }
  return out;
}

async function measure(store: FlowStore, records: number, batch: number) {
  let insertMs = 0;
  const wall0 = performance.now();
  let lastLog = wall0;
  for (let i = 0; i < records; i += batch) {
    const rows = chunk(i, Math.min(batch, records - i));
    const t = performance.now();
    await store.insert(rows);
    insertMs += performance.now() - t;
    if (performance.now() - lastLog > 10_000) {
      lastLog = performance.now();
      console.error(`  ${store.kind}: ${i + rows.length} / ${records} records`);
    }
  }
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
  const raw = await time(() => store.records({ ...range, filter: 'action = deny AND dst_port IN (22, 5432) AND src_vn ~ "project-3"', limit: 100 }));
  return {
    records,
    ingest_records_per_s: Math.round(records / (insertMs / 1000)),
    ingest_wall_records_per_s: Math.round(records / (wallMs / 1000)),
    topn_ms: Math.round(topn * 10) / 10,
    timeseries_ms: Math.round(series * 10) / 10,
    timeseries_top5_ms: Math.round(seriesGrouped * 10) / 10,
    raw_page_ms: Math.round(raw * 10) / 10,
  };
}

async function main() {
  const records = Number(process.env.BENCH_FLOWS_RECORDS ?? 5_000_000);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "weft-bench-flows-"));
  const duck = new DuckDbFlowStore({ dir });
  await duck.open();
  console.error(`flows bench: ${records} records into DuckDB (${dir})`);
  const d = await measure(duck, records, 100_000);
  await duck.close();
  fs.rmSync(dir, { recursive: true, force: true });

  let ch: Awaited<ReturnType<typeof measure>> | null = null;
  let chNote = "";
  const server = await startClickHouse().catch((e: Error) => {
    chNote = e.message;
    return null;
  });
  if (server) {
    const s = new ClickHouseFlowStore({ url: server.url, database: "weft_bench" });
    await s.open();
    const n = Number(process.env.BENCH_FLOWS_CH_RECORDS ?? 1_000_000);
    console.error(`flows bench: ${n} records into ClickHouse 18.16 (${server.url})`);
    ch = await measure(s, n, 100_000);
    await s.close();
    await server.stop();
  } else if (!chNote) chNote = "clickhouse-server not installed";

  const rows: Row[] = [
    { metric: "DuckDB records", value: d.records },
    { metric: "DuckDB ingest (insert time)", value: d.ingest_records_per_s, unit: "records/s", goal: "≥ 500k", ok: d.ingest_records_per_s >= 500_000 },
    { metric: "DuckDB ingest (incl. generating rows)", value: d.ingest_wall_records_per_s, unit: "records/s" },
    { metric: "DuckDB top-10 talkers, last hour", value: d.topn_ms, unit: "ms", goal: "< 300", ok: d.topn_ms < 300 },
    { metric: "DuckDB time series 1 min, last hour", value: d.timeseries_ms, unit: "ms", goal: "< 300", ok: d.timeseries_ms < 300 },
    { metric: "DuckDB time series 1 min, top-5 VNs + other", value: d.timeseries_top5_ms, unit: "ms" },
    { metric: "DuckDB filtered raw page (100)", value: d.raw_page_ms, unit: "ms", goal: "< 300", ok: d.raw_page_ms < 300 },
  ];
  if (ch)
    rows.push(
      { metric: "ClickHouse records", value: ch.records },
      { metric: "ClickHouse ingest (insert time)", value: ch.ingest_records_per_s, unit: "records/s" },
      { metric: "ClickHouse top-10 talkers", value: ch.topn_ms, unit: "ms" },
      { metric: "ClickHouse time series 1 min", value: ch.timeseries_ms, unit: "ms" },
      { metric: "ClickHouse filtered raw page", value: ch.raw_page_ms, unit: "ms" },
    );
  printTable("flows: store ingest and queries", rows);
  const file = writeResult("flows", { ...d, duckdb: d, clickhouse: ch ?? { skipped: chNote } });
  console.log(`\nwrote ${file}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
