// npm run bench -- hostile: the hostile-query suite (tests/hostile/suite.ts) — every viewer-reachable
// query class with hostile parameters against a real server with two real agents — recording the
// server's event-loop delay (perf_hooks.monitorEventLoopDelay), /healthz latency from another
// thread, and agent session drops (goal 0). Writes bench/results/hostile.json.
//   BENCH_HOSTILE_RECORDS  flow records in the store (default 1 000 000)
//   BENCH_HOSTILE_COPIES   concurrent copies of each query (default 4)
import { runHostileSuite } from "../tests/hostile/suite";
import { printTable, writeResult } from "./lib";

const records = Number(process.env.BENCH_HOSTILE_RECORDS ?? 1_000_000);
const copies = Number(process.env.BENCH_HOSTILE_COPIES ?? 4);
const r = await runHostileSuite({ records, copies, log: (l) => console.log(l) });
const rows = [
  { metric: "event-loop delay p99 during hostile queries", value: Math.round(r.eventLoop.p99Ms * 10) / 10, unit: "ms" },
  { metric: "event-loop delay max", value: Math.round(r.eventLoop.maxMs * 10) / 10, unit: "ms" },
  { metric: "/healthz p99 (other thread, real socket)", value: Math.round(r.healthz.p99Ms * 10) / 10, unit: "ms" },
  { metric: "/healthz max", value: Math.round(r.healthz.maxMs * 10) / 10, unit: "ms" },
  { metric: "agent session drops", value: r.agents.drops, unit: "", goal: "0", ok: r.agents.drops === 0 },
  { metric: "query classes", value: r.classes.length, unit: `× ${copies} concurrent` },
];
printTable("hostile queries", rows);
writeResult("hostile", { copies, rows, ...r });
process.exit(0);
