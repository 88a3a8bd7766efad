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
