// The collector's write policy: low rates are written every flushMs; at high rates it waits (at most
// maxDelayMs) until the store's preferred batch — a DuckDB row group — is pending.
import { afterAll, beforeAll, expect, it } from "vitest";
import { FlowCollector } from "../../server/engine/analytics/collector";
import { Directory } from "../../server/engine/analytics/directory";
import { DuckDbFlowStore } from "../../server/engine/analytics/duckdb-store";
import type { FlowRecord } from "../../server/engine/protocol";

const NOW = Date.now();
const PORT = "00000000-0000-4000-8000-000000000001";
const record = (i: number): FlowRecord => ({
  flow_id: `compute-1:${i}`, start_ms: NOW - 1000, end_ms: NOW, vrf: "default-domain:p:web:web", protocol: 6, src_ip: "10.1.0.252", dst_ip: "10.2.0.252",
  src_port: 30000 + (i % 30000), dst_port: 443, direction: "egress", action: "pass", reason: "allowed", rule_acl: "", rule_uuid: "", rule_origin: "",
  src_vmi: PORT, dst_vmi: "", src_vn: "", dst_vn: "", nat_src_ip: "", nat_dst_ip: "", nh_node: "compute-2", nh_address: "127.0.0.2", encap: "MPLSoUDP",
  packets: 1, bytes: 100, reverse: false, first: true, status: "active", src_vmi_name: "", dst_vmi_name: "",
});
const batch = (from: number, n: number) => Array.from({ length: n }, (_, i) => record(from + i));

let store: DuckDbFlowStore;
let collector: FlowCollector;
let seq = 0;
let sent = 0;
const send = (n: number) => {
  for (let k = 0; k < n; k += 2000) {
    const recs = batch(sent, Math.min(2000, n - k));
    sent += recs.length;
    collector.ingest("compute-1", { node: "compute-1", seq: ++seq, records: recs, exported_records: 0, dropped_batches: 0, dropped_records: 0, interval_ms: 1000 });
  }
};
const stored = async () => (await store.aggregate({ from: NOW - 60_000, to: NOW + 60_000, groupBy: [], metric: "packets" })).total.packets;

beforeAll(async () => {
  store = new DuckDbFlowStore({ dir: ":memory:" });
  await store.open();
  const ports = [{ uuid: PORT, fqName: "default-domain:p:web-1", networkFqName: "default-domain:p:web", vrf: "default-domain:p:web:web", addresses: ["10.1.0.252"], floatingIps: [], host: "compute-1" }];
  // not started: the test calls tick() itself, with the time it wants
  collector = new FlowCollector(store, new Directory(() => ports, () => ({ app: "web" })), { flushMs: 250, maxDelayMs: 1000 });
});
afterAll(() => store.close());

it("a trickle is written at the next tick, enriched with the directory's names", async () => {
  send(10);
  expect(collector.snapshot().queued).toBe(10);
  await collector.tick(Date.now() + 250);
  expect(collector.snapshot()).toMatchObject({ queued: 0, stored: 10 });
  const r = (await store.records({ from: NOW - 60_000, to: NOW + 60_000, filter: "flow_id = compute-1:0", limit: 5 })).rows[0];
  expect(r).toMatchObject({ src_vmi: "default-domain:p:web-1", src_vn: "default-domain:p:web", src_project: "default-domain:p", src_workload: "web-1", src_labels: "app=web", node: "compute-1", flow_id: "compute-1:0" });
});

it("at a high rate the collector waits for a row group, up to maxDelayMs", async () => {
  const t0 = Date.now();
  send(100_000); // 100,000 records within a tick: 122,880 would be there well within a second
  expect(collector.tick(t0 + 250)).toBeUndefined();
  expect(collector.snapshot().queued).toBe(100_000);
  send(30_000); // a row group is pending (after 12 of these 15 batches): written without waiting for a tick
  await collector.flush(false);
  expect(collector.snapshot()).toMatchObject({ queued: 6000, stored: 124_010, dropped: 0 });
  expect(await stored()).toBe(124_010);

  await collector.flush(); // the rest
  expect(collector.snapshot()).toMatchObject({ queued: 0, stored: 130_010 });

  const t = Date.now();
  send(100_000); // …and never longer than maxDelayMs
  expect(collector.tick(t + 500)).toBeUndefined();
  expect(collector.snapshot().queued).toBe(100_000);
  await collector.tick(Date.now() + 1000);
  expect(collector.snapshot()).toMatchObject({ queued: 0, stored: 230_010 });
  expect(await stored()).toBe(230_010);
});
