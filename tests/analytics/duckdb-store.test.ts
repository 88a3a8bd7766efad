import fs from "node:fs";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { DuckDbFlowStore } from "../../server/engine/analytics/duckdb-store";
import { tempDir } from "../helpers";
import { NOW, sampleRows, storeSuite } from "./store-suite";

const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

storeSuite("DuckDB", async () => {
  const s = new DuckDbFlowStore({ dir });
  await s.open();
  return s;
});

it("DuckDB: names are dictionary ids that survive a reopen", async () => {
  const d = path.join(dir, "reopen");
  const rows = sampleRows(500);
  const range = { from: NOW - 7 * 3_600_000, to: NOW + 1 };
  const a = new DuckDbFlowStore({ dir: d });
  await a.open();
  await a.insert(rows.slice(0, 200));
  await a.close();
  const b = new DuckDbFlowStore({ dir: d });
  await b.open();
  // new names after the reopen get new ids, old ones keep theirs
  await b.insert(rows.slice(200).map((r) => ({ ...r, src_workload: `${r.src_workload}-new` })));
  const all = await b.records({ ...range, limit: 1000 });
  const want = [...rows.slice(0, 200), ...rows.slice(200).map((r) => ({ ...r, src_workload: `${r.src_workload}-new` }))];
  expect(all.rows.sort((x, y) => x.id - y.id)).toEqual(want);
  const tbl = await (b as unknown as { select(sql: string): Promise<Record<string, unknown>[]> }).select(
    `SELECT count(*) AS n FROM information_schema.columns WHERE table_name = 'flows' AND data_type = 'VARCHAR'`,
  );
  expect(Number(tbl[0].n)).toBe(0); // no text column in the records table
  await b.close();
});

it("DuckDB: names and label sets no record uses any more are forgotten after retention (memory and flow_names)", async () => {
  const d = path.join(dir, "compact");
  const base = sampleRows(2000);
  // 1,200 short-lived pods, all older than the retention; the rest are kept
  const gone = base.slice(0, 1200).map((r, i) => ({ ...r, end_ms: NOW - 5 * 3_600_000, src_workload: `gone-${i}`, src_labels: "app=gone" }));
  const kept = base.slice(1200).map((r) => ({ ...r, end_ms: NOW - 60_000 }));
  const range = { from: NOW - 7 * 3_600_000, to: NOW + 1 };
  const a = new DuckDbFlowStore({ dir: d, log: () => undefined });
  await a.open();
  await a.insert(gone);
  await a.insert(kept);
  expect(a.names.find("gone-7")).toBeDefined();
  const r = await a.retention({ rawMaxAgeMs: 3_600_000 }, NOW);
  expect(r.deleted).toBe(1200);
  expect(a.names.find("gone-7")).toBeUndefined();
  expect(a.labelSets.find("app=gone")).toBeUndefined();
  const sql = (q: string) => (a as unknown as { select(sql: string): Promise<Record<string, unknown>[]> }).select(q);
  expect(Number((await sql(`SELECT count(*) AS n FROM flow_names WHERE s LIKE 'gone-%' OR s = 'app=gone'`))[0].n)).toBe(0);
  // what is kept reads back exactly; a forgotten name seen again gets a new id
  expect((await a.records({ ...range, limit: 1000 })).rows.sort((x, y) => x.id - y.id)).toEqual(kept);
  const back = { ...gone[7], id: 10_000, end_ms: NOW };
  await a.insert([back]);
  expect((await a.records({ ...range, filter: "src_workload = gone-7 AND src_labels = app=gone", limit: 5 })).rows).toEqual([back]);
  expect((await a.values("src_workload", "gone-", range))).toEqual(["gone-7"]);
  await a.close();
  const b = new DuckDbFlowStore({ dir: d, log: () => undefined });
  await b.open();
  expect((await b.records({ ...range, limit: 1000 })).rows.sort((x, y) => x.id - y.id)).toEqual([...kept, back]);
  await b.close();
});

it("DuckDB: rows appended one at a time (one reused object) read back as inserted; a compaction keeps the names of rows not yet committed", async () => {
  const d = path.join(dir, "append");
  const range = { from: NOW - 7 * 3_600_000, to: NOW + 1 };
  const s = new DuckDbFlowStore({ dir: d, log: () => undefined });
  await s.open();
  // records old enough for retention, so that the compaction below has names to forget
  const old = sampleRows(1500).map((r, i) => ({ ...r, end_ms: NOW - 5 * 3_600_000, src_workload: `old-${i}` }));
  await s.insert(old);
  // more than the first batch's 4,096 slots (it grows), each row new names, through one object
  const rows = sampleRows(6000).map((r, i) => ({ ...r, id: 10_000 + i, end_ms: NOW - 60_000, src_workload: `pending-${i}`, dst_labels: i % 2 ? "app=pending" : r.dst_labels }));
  const scratch = { ...rows[0] };
  for (const r of rows.slice(0, 5000)) s.append(Object.assign(scratch, r));
  expect(s.pendingRows).toBe(5000);
  const commit = s.commit(); // takes the 5,000: the next appends go to a new batch
  for (const r of rows.slice(5000)) s.append(Object.assign(scratch, r));
  expect((await commit).stored).toBe(5000);
  expect(s.pendingRows).toBe(1000);
  // retention deletes the old records and forgets their names — not those of the 1,000 rows still pending
  expect((await s.retention({ rawMaxAgeMs: 3_600_000 }, NOW)).deleted).toBe(1500);
  expect(s.names.find("old-7")).toBeUndefined();
  expect(s.names.find("pending-5500")).toBeDefined();
  expect(await s.commit()).toEqual({ stored: 1000, failed: 0, error: "" });
  expect(s.pendingRows).toBe(0);
  // (a records page holds at most 5,000)
  const page = async (filter: string) => (await s.records({ ...range, filter, limit: 5000 })).rows.sort((x, y) => x.id - y.id);
  expect(await page("dst_labels = app=pending")).toEqual(rows.filter((_, i) => i % 2));
  expect(await page("dst_labels != app=pending")).toEqual(rows.filter((_, i) => !(i % 2)));
  const total = (await s.aggregate({ ...range, filter: "dst_labels = app=pending", groupBy: [], metric: "packets" })).total;
  expect(total.packets).toBe(rows.filter((_, i) => i % 2).reduce((a, r) => a + r.packets, 0));
  await s.close();
});

it("DuckDB: close waits for a query in flight (closing under one crashed the process); queries after it say the store is closed", async () => {
  const s = new DuckDbFlowStore({ dir: ":memory:" });
  await s.open();
  await s.insert(sampleRows(3000));
  const range = { from: NOW - 7 * 3_600_000, to: NOW + 1 };
  const inFlight = s.records({ ...range, filter: "dst_port = 443", limit: 5000 }).then(
    (r) => r.rows.length,
    (e: Error) => e.message,
  );
  await new Promise((r) => setImmediate(r)); // the query is running now
  await s.close();
  // its first statement finished; a later one (the page widens) finds the store closed
  expect(String(await inFlight)).toMatch(/^\d+$|is closed/);
  await expect(s.records({ ...range, limit: 5 })).rejects.toThrow(/flow store :memory: is closed/);
});
