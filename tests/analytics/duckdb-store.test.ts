import fs from "node:fs";
import { afterAll } from "vitest";
import { DuckDbFlowStore } from "../../server/engine/analytics/duckdb-store";
import { tempDir } from "../helpers";
import { storeSuite } from "./store-suite";

const dir = tempDir();
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

storeSuite("DuckDB", async () => {
  const s = new DuckDbFlowStore({ dir });
  await s.open();
  return s;
});
