// Seeds N virtual networks into a fresh data dir (through the config service), starts the built
// console (server/main.ts, needs `next build`), warms it, then with Playwright on Debian's
// chromium measures the time from navigation start to the first VN row visible on
// /overlay/virtual-networks (median of 5 page loads), and the tRPC `config.list` response time.
//   npx tsx bench/console-vn-list.ts [--vns 5000] [--runs 5]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { chromium, type Browser, type BrowserContext } from "@playwright/test";
import { Engine } from "../server/engine/engine";
import type { Actor } from "../server/engine/config/api";
import { median, percentile, printTable, type Row, writeResult } from "./lib";
import { freePort, login, startConsole, stopConsole } from "./console";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const VNS = arg("vns", 5000);
const RUNS = arg("runs", 5);
const GOAL_MS = 1000;
const ACTOR: Actor = { userId: null, email: "bench@weft", role: "admin", source: "api" };
const PROJECT = ["default-domain", "default-project"];
const ROW = '[data-testid^="row-vn-"]';
const vnName = (i: number) => `vn-${String(i).padStart(5, "0")}`;

async function seed(dir: string) {
  const t0 = performance.now();
  const engine = await Engine.start({ dataDir: dir });
  let next = 0;
  await Promise.all(
    Array.from({ length: 100 }, async () => {
      while (next < VNS) {
        const i = next++;
        await engine.config.create(
          "virtual-network",
          {
            fq_name: [...PROJECT, vnName(i)],
            parent_type: "project",
            network_ipam_refs: [
              { to: [...PROJECT, "default-network-ipam"], attr: { ipam_subnets: [{ subnet: { ip_prefix: `10.${(i >> 8) & 255}.${i & 255}.0`, ip_prefix_len: 24 } }] } },
            ],
            ...(i % 7 === 0 ? { route_target_list: { route_target: [`target:64512:${i + 1}`] } } : {}),
            ...(i % 11 === 0 ? { is_shared: true } : {}),
          },
          ACTOR,
        );
      }
    }),
  );
  const count = engine.config.count("virtual-network");
  await engine.stop();
  return { seconds: (performance.now() - t0) / 1000, count };
}

/** One measured page load: ms from navigation start to the first VN row on screen. */
async function measure(context: BrowserContext, url: string) {
  const page = await context.newPage();
  try {
    await page.goto(url, { waitUntil: "commit" });
    const firstRowMs = await page.waitForFunction(
      (sel) => {
        const el = document.querySelector(sel);
        if (!el) return false;
        const r = el.getBoundingClientRect();
        return r.height > 0 && r.bottom > 0 && r.top < innerHeight ? window.performance.now() : false;
      },
      ROW,
      { polling: "raf", timeout: 60_000 },
    );
    const t = Number(await firstRowMs.jsonValue());
    const nav = await page.evaluate(() => {
      const perf = window.performance; // the DOM's Performance (the global one is typed as Node's)
      const n = perf.getEntriesByType("navigation")[0] as PerformanceNavigationTiming | undefined;
      const fcp = perf.getEntriesByName("first-contentful-paint")[0];
      // the page's API calls as a waterfall: what starts when, what the first row waits for
      const trpc = (perf.getEntriesByType("resource") as PerformanceResourceTiming[])
        .filter((e) => e.name.includes("/api/"))
        .map((e) => ({
          call: decodeURIComponent(new URL(e.name).pathname.replace(/^\/api\/(trpc\/)?/, "")),
          start: Math.round(e.startTime),
          end: Math.round(e.responseEnd),
          bytes: e.encodedBodySize,
        }));
      return { ttfb: n?.responseStart ?? null, domContentLoaded: n?.domContentLoadedEventEnd ?? null, fcp: fcp?.startTime ?? null, trpc };
    });
    const firstRow = await page.locator(ROW).first().getAttribute("data-testid");
    const rowCount = (await page.getByTestId("row-count").textContent().catch(() => null))?.trim() ?? null;
    return { firstRowMs: t, firstRow, rowCount, ...nav };
  } finally {
    await page.close();
  }
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "weft-bench-console-"));
  const notes: string[] = [];
  let server: Awaited<ReturnType<typeof startConsole>> | undefined;
  let browser: Browser | undefined;
  const out: Record<string, unknown> = { vns: VNS, runs: RUNS, goal: { firstRowMs: GOAL_MS } };
  try {
    const seeded = await seed(dir);
    out.seed = seeded;
    console.log(`seeded ${seeded.count} virtual networks in ${seeded.seconds.toFixed(1)} s`);
    const port = await freePort();
    server = await startConsole(dir, port);
    out.consoleStartSeconds = server.startSeconds;
    const base = `http://127.0.0.1:${port}`;

    browser = await chromium.launch({
      executablePath: process.env.WEFT_CHROMIUM ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const warm = await context.newPage();
    await login(warm, base);
    const url = `${base}/overlay/virtual-networks`;
    // warm-up: the first load compiles nothing (production build) but fills caches on both ends
    const t0 = performance.now();
    await warm.goto(url);
    await warm.waitForSelector(ROW, { timeout: 60_000 });
    out.warmupMs = performance.now() - t0;
    await warm.close();

    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await measure(context, url));
    out.pageRuns = runs;
    const first = runs.map((r) => r.firstRowMs);
    out.firstRowMs = { median: median(first), min: Math.min(...first), max: Math.max(...first) };
    if (runs.some((r) => r.firstRow !== `row-${vnName(0)}`)) notes.push(`first row shown was ${runs.map((r) => r.firstRow).join(", ")} (expected row-${vnName(0)} with the list sorted by name)`);

    // tRPC config.list for all VNs, with the logged-in session's cookie (same as the page's query)
    const input = encodeURIComponent(JSON.stringify({ type: "virtual-network" }));
    const api = [];
    for (let i = 0; i < RUNS + 1; i++) {
      const s = performance.now();
      const r = await context.request.get(`${base}/api/trpc/config.list?input=${input}`);
      const body = await r.body();
      const ms = performance.now() - s;
      if (!r.ok()) throw new Error(`config.list answered ${r.status()}: ${body.toString().slice(0, 300)}`);
      const items = (JSON.parse(body.toString()) as { result: { data: { items: unknown[] } } }).result.data.items.length;
      if (i > 0) api.push({ ms, bytes: body.length, items }); // the first one is a warm-up
    }
    out.trpcList = { medianMs: median(api.map((a) => a.ms)), p90Ms: percentile(api.map((a) => a.ms), 90), bytes: api[0].bytes, items: api[0].items, runs: api };
  } catch (e) {
    notes.push(`failed: ${(e as Error).message}`);
    process.exitCode = 1;
  } finally {
    await browser?.close().catch(() => undefined);
    if (server) await stopConsole(server.proc);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  out.notes = notes;

  const f = out.firstRowMs as { median: number; min: number; max: number } | undefined;
  const api = out.trpcList as { medianMs: number; bytes: number; items: number } | undefined;
  const runs = (out.pageRuns as { fcp: number | null; ttfb: number | null }[] | undefined) ?? [];
  const rows: Row[] = [
    { metric: "seed (config service)", value: (out.seed as { seconds: number } | undefined)?.seconds ?? "—", unit: "s" },
    { metric: "console start to /healthz", value: (out.consoleStartSeconds as number | undefined) ?? "—", unit: "s" },
    { metric: "first VN row visible, median", value: f?.median ?? "—", unit: "ms", goal: `< ${GOAL_MS} ms after warm-up`, ok: f ? f.median < GOAL_MS : false },
    { metric: "first VN row, min / max", value: f ? `${f.min.toFixed(0)} / ${f.max.toFixed(0)}` : "—", unit: "ms" },
    { metric: "first contentful paint, median", value: runs.length ? median(runs.map((r) => r.fcp ?? NaN)) : "—", unit: "ms" },
    { metric: "TTFB (HTML), median", value: runs.length ? median(runs.map((r) => r.ttfb ?? NaN)) : "—", unit: "ms" },
    { metric: `tRPC config.list (${api?.items ?? VNS} VNs), median`, value: api?.medianMs ?? "—", unit: "ms" },
    { metric: "tRPC config.list response size", value: api ? api.bytes / 1024 : "—", unit: "KiB" },
  ];
  printTable(`console-vn-list: ${VNS} virtual networks, ${RUNS} page loads after warm-up`, rows);
  for (const n of notes) console.log(`note: ${n}`);
  const file = writeResult("console-vn-list", out);
  console.log(`results: ${path.relative(process.cwd(), file)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
