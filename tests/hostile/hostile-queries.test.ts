// Issue 14: every query class a viewer can reach, with hostile parameters, against a real server
// with real agent processes connected (tests/hostile/suite.ts). Holds today: no query gets a 500 or
// a dropped connection (bounded answers, 400s naming the limit, 503 for a query cut off at its
// deadline, 207 for a tRPC batch of mixed answers), and the bounds that must refuse, refuse.
// NOT holding yet (TODO below, measured on the shared 2-core machine): /healthz within 200 ms and no
// agent session drop while the heavy classes run — the event loop stalled up to ~2.8 s (a tRPC batch
// of 50 aggregates), ~1.4 s (5,000-record pages with a long IN list), ~1 s (100,000 sorted records
// with REGEX_MATCH) and two sessions dropped with a 4 s hold time. Figures: npm run bench -- hostile.
import { beforeAll, expect, it } from "vitest";
import { type HostileResult, runHostileSuite } from "./suite";

let r: HostileResult;
beforeAll(async () => {
  const t0 = Date.now();
  r = await runHostileSuite({ records: 30_000, copies: 3, log: (l) => console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s  ${l}`) });
  console.log(JSON.stringify({ healthz: r.healthz, eventLoop: r.eventLoop, agents: r.agents }));
}, 300_000);

it("hostile viewer queries get bounded answers or clear refusals, never a 500 or a dropped connection", () => {
  for (const c of r.classes) {
    for (const st of c.statuses) expect([200, 207, 400, 413, 503], `${c.name}: ${c.statuses.join(" ")}`).toContain(st);
  }
  const status = (prefix: string) => r.classes.find((c) => c.name.startsWith(prefix))!.statuses;
  expect(status("analytics: FlowSeriesTable T=1")).toEqual([400, 400, 400]);
  expect(status("analytics: backreference")).toEqual([400, 400, 400]);
  expect(status("analytics: nested")).toEqual([400, 400, 400]);
  expect(status("flows.records: nested filter")).toEqual([400, 400, 400]);
  expect(status("tRPC batch of 51")).toEqual([400, 400, 400]);
  expect(r.healthz.samples).toBeGreaterThan(20);
});

// TODO (issue 14): the event loop still stalls under the heavy classes (see the header); this is the bound to reach.
it.skip("meanwhile /healthz answers within 200 ms every time and no agent session drops", () => {
  expect(r.healthz.failures).toBe(0);
  expect(r.healthz.maxMs).toBeLessThan(200);
  expect(r.agents.drops).toBe(0);
  expect(r.agents.upAfter).toBe(r.agents.upBefore);
});
