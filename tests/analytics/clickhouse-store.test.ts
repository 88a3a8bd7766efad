// The same query suite against ClickHouse (Debian's clickhouse-server 18.16, started here on
// 127.0.0.1); skipped with the reason when the server is not installed.
import { afterAll, beforeAll, it } from "vitest";
import { ClickHouseFlowStore } from "../../server/engine/analytics/clickhouse-store";
import { type ClickHouseServer, clickHouseMissing, startClickHouse } from "./clickhouse-server";
import { storeSuite } from "./store-suite";

let server: ClickHouseServer | null = null;
const missing = clickHouseMissing();

beforeAll(async () => {
  server = await startClickHouse();
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

it.skipIf(!missing)(`ClickHouse suite skipped: ${missing}`, () => {});

storeSuite("ClickHouse", async () => {
  if (!server) return null;
  const s = new ClickHouseFlowStore({ url: server.url, database: "weft_test" });
  await s.open();
  return s;
});
