// Monitor › Topology at scale (issue 8). Seeds a fresh data dir through the config service with
// projects × networks × ports and one policy per network whose rules reach other networks (the
// real graph model of that config is ~5,000 nodes / ~10,000 edges), starts the built console
// (server/main.ts, needs `next build`), and with Playwright on Debian's chromium measures:
//   first_render_ms       navigation start → graph drawn and laid out (cytoscape applied the
//                         model, layout done, two animation frames later), median of --runs loads
//                         with nothing remembered (plus the same with remembered positions).
//                         What is drawn then is the whole graph at its overview level of detail
//                         (graph.tsx / elements.ts levelOfDetail): every project, network, policy
//                         end and pool at its final place, networks as frames sized for their
//                         members, and the policy edges merged per pair of projects, kind and
//                         action (with their count); the ports, routing instances and the edges
//                         of the groups in view are drawn once the user zooms in (zoom ≥ 0.25), or
//                         when search / selection reaches them. `drawn` in the results says how
//                         many elements that is; `nodes` / `edges` are the model's.
//   detail_ms             zoom into the middle of the graph → the groups in view drawn in detail
//                         (ports and every edge of theirs), two frames later
//   pan_frame_ms_median   main-thread time per frame while the user drags the canvas (mouse
//                         events through CDP; per frame: requestAnimationFrame start → the task
//                         after the frame was produced), plus the frame interval and long frames
//                         (PerformanceObserver long-animation-frame)
//   update_ms             a policy rule's action flipped over the REST API → the edge drawn with
//                         the new action (live channel → refetch → diff), median of --updates
// and writes bench/results/topology.json.
//   npx tsx bench/topology.ts [--projects 20] [--vns 25] [--ports 8] [--rules 20] [--runs 3] [--updates 5]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { chromium, type Browser, type BrowserContext, type Page } from "@playwright/test";
import { Engine } from "../server/engine/engine";
import type { Actor } from "../server/engine/config/api";
import type { ConfigObject } from "../server/engine/model/types";
import { buildTopology } from "../server/engine/topology/model";
import { pathToFileURL } from "node:url";
import { median, percentile, printTable, type Row, writeResult } from "./lib";
import { ADMIN, freePort, login, startConsole, stopConsole } from "./console";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const PROJECTS = arg("projects", 20);
const VNS = arg("vns", 25); // per project
const PORTS = arg("ports", 8); // per network
const RULES = arg("rules", 20); // per network's policy
const RUNS = arg("runs", 3);
const UPDATES = arg("updates", 5);
const GOAL = { firstRenderMs: 2000, panFrameMs: 16, updateMs: 1000 };
const ACTOR: Actor = { userId: null, email: "bench@weft", role: "admin", source: "api" };
const IPAM = ["default-domain", "default-project", "default-network-ipam"];
const AUTH = { Authorization: `Basic ${Buffer.from(`${ADMIN.email}:${ADMIN.password}`).toString("base64")}` };

async function pool<T>(items: T[], width: number, fn: (x: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

export async function seed(dir: string) {
  const t0 = performance.now();
  const engine = await Engine.start({ dataDir: dir });
  const projects = Array.from({ length: PROJECTS }, (_, p) => ["default-domain", `bench-p${String(p).padStart(2, "0")}`]);
  await pool(projects, 20, (fq) => engine.config.create("project", { fq_name: fq, parent_type: "domain" }, ACTOR));
  const vnFqs: string[][] = [];
  projects.forEach((p) => { for (let v = 0; v < VNS; v++) vnFqs.push([...p, `vn-${String(v).padStart(3, "0")}`]); });
  const vns: ConfigObject[] = [];
  await pool(vnFqs.map((fq, i) => ({ fq, i })), 50, async ({ fq, i }) => {
    vns[i] = await engine.config.create("virtual-network", {
      fq_name: fq,
      parent_type: "project",
      network_ipam_refs: [{ to: IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: `10.${(i >> 8) & 255}.${i & 255}.0`, ip_prefix_len: 24 } }] } }],
    }, ACTOR);
  });
  // one policy per network: `local` ↔ RULES other networks, pass and deny alternating
  await pool(vns.map((vn, i) => ({ vn, i })), 50, async ({ vn, i }) => {
    const rules = Array.from({ length: RULES }, (_, k) => {
      const other = vns[(i + 1 + k * 7) % vns.length];
      return {
        direction: k % 3 === 0 ? ">" : "<>",
        protocol: k % 2 ? "tcp" : "any",
        src_addresses: [{ virtual_network: "local" }],
        dst_addresses: [{ virtual_network: other.fq_name.join(":") }],
        ...(k % 2 ? { dst_ports: [{ start_port: 8000 + k, end_port: 8000 + k }] } : {}),
        action_list: { simple_action: k % 4 === 3 ? "deny" : "pass" },
      };
    });
    const pol = await engine.config.create("network-policy", { fq_name: [...vn.fq_name.slice(0, 2), `pol-${vn.name}`], parent_type: "project", network_policy_entries: { policy_rule: rules } }, ACTOR);
    await engine.config.update("virtual-network", vn.uuid, { network_policy_refs: [{ uuid: pol.uuid }] }, ACTOR);
  });
  const ports: { vn: ConfigObject; k: number }[] = [];
  for (const vn of vns) for (let k = 0; k < PORTS; k++) ports.push({ vn, k });
  await pool(ports, 100, ({ vn, k }) =>
    engine.config.create("virtual-machine-interface", { fq_name: [...vn.fq_name.slice(0, 2), `${vn.name}-port-${k}`], parent_type: "project", virtual_network_refs: [{ uuid: vn.uuid }] }, ACTOR),
  );
  await new Promise((r) => setTimeout(r, 500)); // the compiler's last pass
  const m = buildTopology(engine, "logical");
  const model = { nodes: m.nodes.length, edges: m.edges.length, buildMs: m.stats.buildMs, aggregated: m.aggregated.length };
  await engine.stop();
  return { seconds: (performance.now() - t0) / 1000, model };
}

/** One page load: ms from navigation start until the graph is drawn, laid out and two frames painted. */
async function firstRender(context: BrowserContext, url: string, keepPositions: boolean) {
  const page = await context.newPage();
  if (!keepPositions) await page.addInitScript(() => Object.keys(localStorage).filter((k) => k.startsWith("weft.topology.")).forEach((k) => localStorage.removeItem(k)));
  await page.goto(url, { waitUntil: "commit" });
  await page.waitForFunction(
    () => {
      const w = window.__weftTopology;
      const box = document.querySelector('[data-testid="topology-canvas"]');
      return !!w && w.applied >= 1 && !!box && box.getAttribute("data-layout-running") !== "true";
    },
    undefined,
    { polling: "raf", timeout: 120_000 },
  );
  // two frames later the graph is on screen and the page answers input
  const h = await page.evaluateHandle(() => new Promise<number>((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(window.performance.now())))));
  const ms = Number(await h.jsonValue());
  const info = await page.evaluate(() => {
    const w = window.__weftTopology!;
    const api = (window.performance.getEntriesByType("resource") as PerformanceResourceTiming[]).find((e) => e.name.includes("topology.graph"));
    // where the time went: model received / decoded / elements built / drawing started / applied / first frame
    const m = window.__weftTopologyMarks ?? {};
    const steps = { received: m.received, decoded: m.decoded, elements: m.elements, drawStart: m.drawStart, applied: w.lastAppliedAt, firstFrame: w.firstFrameAt };
    return { nodes: w.lod?.on ? w.lod.nodes : w.cy.nodes().length, edges: w.lod?.on ? w.lod.edges : w.cy.edges().length, drawn: { nodes: w.cy.nodes().length, edges: w.cy.edges().length }, applyMs: w.lastApplyMs, layoutRuns: w.layoutRuns, zoom: w.cy.zoom(), steps, graphApi: api ? { start: Math.round(api.startTime), end: Math.round(api.responseEnd), kib: Math.round(api.encodedBodySize / 1024), rawKib: Math.round(api.decodedBodySize / 1024) } : null };
  });
  return { page, ms, ...info };
}

/** Drags the canvas like a user; returns per-frame main-thread work, frame intervals and long frames. */
async function pan(page: Page) {
  const box = (await page.getByTestId("topology-canvas").boundingBox())!;
  await page.evaluate(() => {
    const st = { work: [] as number[], interval: [] as number[], long: 0, on: true, last: 0 };
    (window as unknown as { __pan: typeof st }).__pan = st;
    try {
      new PerformanceObserver((l) => { st.long += l.getEntries().length; }).observe({ type: "long-animation-frame", buffered: false });
    } catch {
      // no LoAF: counted as 0
    }
    const ch = new MessageChannel();
    let t0 = 0;
    ch.port1.onmessage = () => st.work.push(window.performance.now() - t0);
    const frame = (t: number) => {
      if (!st.on) return;
      if (st.last) st.interval.push(t - st.last);
      st.last = t;
      t0 = window.performance.now();
      ch.port2.postMessage(0); // runs after this frame's callbacks, style, layout and paint
      requestAnimationFrame(frame);
    };
    requestAnimationFrame(frame);
  });
  // press on the empty margin the fit leaves, then drag back and forth
  const x0 = box.x + 12;
  const y0 = box.y + 12;
  await page.mouse.move(x0, y0);
  await page.mouse.down();
  for (const [dx, dy] of [[420, 260], [0, 0], [300, -0], [0, 0]]) await page.mouse.move(x0 + dx, y0 + Math.max(0, dy), { steps: 60 });
  await page.mouse.up();
  await page.waitForTimeout(200);
  return page.evaluate(() => {
    const st = (window as unknown as { __pan: { work: number[]; interval: number[]; long: number; on: boolean } }).__pan;
    st.on = false;
    return { work: st.work.slice(2), interval: st.interval.slice(2), long: st.long };
  });
}

/** Flips one policy rule over REST; ms until the canvas draws the edge with the new action. */
async function update(page: Page, base: string, policy: ConfigObject, k: number, ruleIndex: number) {
  const rules = (policy.network_policy_entries as { policy_rule: { rule_uuid?: string; action_list: { simple_action: string } }[] }).policy_rule;
  const rule = rules[ruleIndex];
  const next = rule.action_list.simple_action === "pass" ? "deny" : "pass";
  const edgeWith = `policy:${policy.uuid}:${rule.rule_uuid ?? ruleIndex}:`;
  // the overview draws policy edges merged per pair of projects: draw this one's groups in detail
  // first, as a search or a click on it does
  await page.evaluate((prefix) => window.__weftTopology!.reveal?.(prefix), edgeWith);
  // … and let it be drawn (the update is measured for an edge already on screen)
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  await page.waitForTimeout(300);
  const seen = page.evaluate(
    ([prefix, action]) =>
      new Promise<number>((resolve) => {
        const tick = () => {
          const cy = window.__weftTopology!.cy;
          const e = cy.edges().filter((x) => x.id().startsWith(prefix));
          if (e.nonempty() && e.first().data("action") === action) requestAnimationFrame(() => resolve(Date.now()));
          else setTimeout(tick, 5);
        };
        tick();
      }),
    [edgeWith, next] as const,
  );
  rule.action_list.simple_action = next;
  const t0 = Date.now();
  const res = await fetch(`${base}/vnc/network-policy/${policy.uuid}`, { method: "PUT", headers: { ...AUTH, "content-type": "application/json" }, body: JSON.stringify({ "network-policy": { network_policy_entries: { policy_rule: rules } } }) });
  if (!res.ok) throw new Error(`PUT network-policy answered ${res.status}: ${await res.text()}`);
  void k;
  return (await seen) - t0;
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "weft-bench-topology-"));
  const notes: string[] = [];
  let server: Awaited<ReturnType<typeof startConsole>> | undefined;
  let browser: Browser | undefined;
  const out: Record<string, unknown> = { shape: { projects: PROJECTS, vnsPerProject: VNS, portsPerVn: PORTS, rulesPerPolicy: RULES }, runs: RUNS, goal: GOAL };
  try {
    const seeded = await seed(dir);
    out.seed = seeded;
    console.log(`seeded ${PROJECTS * VNS} networks, ${PROJECTS * VNS * PORTS} ports, ${PROJECTS * VNS} policies × ${RULES} rules in ${seeded.seconds.toFixed(1)} s: model ${seeded.model.nodes} nodes / ${seeded.model.edges} edges (built in ${seeded.model.buildMs} ms)`);
    const port = await freePort();
    server = await startConsole(dir, port);
    out.consoleStartSeconds = server.startSeconds;
    const base = `http://127.0.0.1:${port}`;
    browser = await chromium.launch({
      executablePath: process.env.WEFT_CHROMIUM ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    // tsx compiles the page functions below with esbuild's keepNames, which calls __name()
    await context.addInitScript({ content: "window.__name = (f) => f;" });
    const warm = await context.newPage();
    await login(warm, base);
    const url = `${base}/monitor/topology?project=all`;
    const w = await firstRender(context, url, false); // warm-up: caches on both ends
    await w.page.close();
    await warm.close();

    const cold = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await firstRender(context, url, false);
      cold.push({ ms: r.ms, applyMs: r.applyMs, nodes: r.nodes, edges: r.edges, drawn: r.drawn, graphApi: r.graphApi, steps: r.steps });
      if (i < RUNS - 1) await r.page.close();
      else {
        // positions are now remembered: a reload restores them instead of laying out
        await r.page.waitForTimeout(800);
        await r.page.close();
      }
    }
    const warmRuns = [];
    for (let i = 0; i < RUNS; i++) {
      const r = await firstRender(context, url, true);
      warmRuns.push({ ms: r.ms, layoutRuns: r.layoutRuns });
      await r.page.close();
    }
    out.firstRender = { runs: cold, medianMs: median(cold.map((r) => r.ms)), rememberedPositions: { runs: warmRuns, medianMs: median(warmRuns.map((r) => r.ms)) } };
    out.drawn = { ...cold[0].drawn, what: "overview: all nodes but ports and routing instances (drawn when zoomed in), edges merged per pair of projects, kind and action" };
    out.nodes = cold[0].nodes;
    out.edges = cold[0].edges;
    out.first_render_ms = Math.round(median(cold.map((r) => r.ms)));

    // panning and updates on one open page
    const r = await firstRender(context, url, true);
    const page = r.page;
    const p1 = await pan(page);
    const p2 = await pan(page);
    const work = [...p1.work, ...p2.work];
    const interval = [...p1.interval, ...p2.interval];
    out.pan = { frames: work.length, workMedianMs: median(work), workP95Ms: percentile(work, 95), intervalMedianMs: median(interval), intervalP95Ms: percentile(interval, 95), longAnimationFrames: p1.long + p2.long, zoom: r.zoom };
    out.pan_frame_ms_median = Math.round(median(work) * 100) / 100;

    // zoom in: the groups in view are drawn in detail
    const detail = await page.evaluate(
      () =>
        new Promise<{ ms: number; nodes: number; edges: number; open: number; zoom: number }>((resolve) => {
          const w = window.__weftTopology!;
          const cy = w.cy;
          const before = w.applied;
          const t0 = window.performance.now();
          const ext = cy.extent();
          cy.zoom({ level: 0.5, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
          void ext;
          const tick = () => {
            if (window.__weftTopology!.applied > before) requestAnimationFrame(() => requestAnimationFrame(() => resolve({ ms: window.performance.now() - t0, nodes: cy.nodes().length, edges: cy.edges().length, open: window.__weftTopology!.lod?.open.length ?? 0, zoom: cy.zoom() })));
            else setTimeout(tick, 5);
          };
          tick();
        }),
    );
    out.detail = { ...detail, ms: Math.round(detail.ms), note: "includes the 150 ms the canvas waits for the viewport to settle" };
    out.detail_ms = Math.round(detail.ms);
    // back to the overview for the updates (their edges are revealed one by one, as search does)
    await page.evaluate(() => {
      const cy = window.__weftTopology!.cy;
      cy.zoom({ level: 0.05, renderedPosition: { x: cy.width() / 2, y: cy.height() / 2 } });
    });
    await page.waitForTimeout(600);

    // policies to flip: read them over REST (with their rule uuids)
    const list = await fetch(`${base}/vnc/network-policys?detail=true`, { headers: AUTH }).then((x) => x.json()).catch(() => null);
    let policies: ConfigObject[] = ((list?.["network-policys"] ?? []) as { "network-policy": ConfigObject }[]).map((x) => x["network-policy"]);
    if (!policies.length) {
      const l2 = await fetch(`${base}/vnc/network-policies?detail=true`, { headers: AUTH }).then((x) => x.json());
      policies = ((l2?.["network-policies"] ?? []) as { "network-policy": ConfigObject }[]).map((x) => x["network-policy"]);
    }
    if (!policies.length) throw new Error("no network policies listed over REST");
    const ups: number[] = [];
    for (let i = 0; i < UPDATES; i++) {
      ups.push(await update(page, base, policies[(i * 37) % policies.length], i, i % RULES));
      await page.waitForTimeout(300);
    }
    out.update = { runs: ups, medianMs: median(ups), maxMs: Math.max(...ups), lastApplyMs: await page.evaluate(() => window.__weftTopology!.lastApplyMs) };
    out.update_ms = Math.round(median(ups));

    // search reaches a port the overview does not draw: its group is drawn in detail and it is focused
    const tSearch = Date.now();
    await page.getByTestId("topology-search").fill("vn-007-port-3");
    const found = await page.waitForFunction(
      () => {
        const id = document.querySelector('[data-testid="topology-canvas"]')?.getAttribute("data-focused");
        const cy = window.__weftTopology!.cy;
        return id && cy.$id(id).nonempty() && cy.$id(id).data("kind") === "port" ? { id, zoom: cy.zoom(), nodes: cy.nodes().length, edges: cy.edges().length } : null;
      },
      undefined,
      { polling: "raf", timeout: 20_000 },
    );
    out.search = { ms: Date.now() - tSearch, ...((await found.jsonValue()) as object) };
    await page.close();
  } catch (e) {
    notes.push(`failed: ${(e as Error).message}`);
    process.exitCode = 1;
  } finally {
    await browser?.close().catch(() => undefined);
    if (server) await stopConsole(server.proc);
    fs.rmSync(dir, { recursive: true, force: true });
  }
  out.notes = notes;

  const fr = out.firstRender as { medianMs: number; rememberedPositions: { medianMs: number } } | undefined;
  const pn = out.pan as { workMedianMs: number; workP95Ms: number; intervalMedianMs: number; longAnimationFrames: number; frames: number } | undefined;
  const up = out.update as { medianMs: number; maxMs: number } | undefined;
  const rows: Row[] = [
    { metric: "seed (config service)", value: (out.seed as { seconds: number } | undefined)?.seconds ?? "—", unit: "s" },
    { metric: "graph: nodes / edges", value: `${out.nodes ?? "—"} / ${out.edges ?? "—"}` },
    { metric: "first render draws (overview): nodes / edges", value: `${(out.drawn as { nodes: number } | undefined)?.nodes ?? "—"} / ${(out.drawn as { edges: number } | undefined)?.edges ?? "—"}` },
    { metric: "model build (engine)", value: (out.seed as { model: { buildMs: number } } | undefined)?.model.buildMs ?? "—", unit: "ms" },
    { metric: "first interactive render, median", value: fr?.medianMs ?? "—", unit: "ms", goal: `< ${GOAL.firstRenderMs} ms`, ok: fr ? fr.medianMs < GOAL.firstRenderMs : false },
    { metric: "  … with remembered positions", value: fr?.rememberedPositions.medianMs ?? "—", unit: "ms" },
    { metric: "pan: main-thread time per frame, median", value: pn?.workMedianMs ?? "—", unit: "ms", goal: `≤ ${GOAL.panFrameMs} ms`, ok: pn ? pn.workMedianMs <= GOAL.panFrameMs : false },
    { metric: "pan: per frame p95 / frame interval median", value: pn ? `${pn.workP95Ms.toFixed(1)} / ${pn.intervalMedianMs.toFixed(1)}` : "—", unit: "ms" },
    { metric: "zoom in → groups in view drawn in detail", value: (out.detail as { ms: number } | undefined)?.ms ?? "—", unit: "ms" },
    { metric: "search a port → drawn in detail and focused", value: (out.search as { ms: number } | undefined)?.ms ?? "—", unit: "ms" },
    { metric: "pan: frames / long animation frames", value: pn ? `${pn.frames} / ${pn.longAnimationFrames}` : "—" },
    { metric: "update: policy rule flipped → edge redrawn, median", value: up?.medianMs ?? "—", unit: "ms", goal: `< ${GOAL.updateMs} ms`, ok: up ? up.medianMs < GOAL.updateMs : false },
    { metric: "update: max", value: up?.maxMs ?? "—", unit: "ms" },
  ];
  printTable(`topology: ${PROJECTS} projects × ${VNS} networks × ${PORTS} ports, ${RULES} policy rules per network`, rows);
  for (const n of notes) console.log(`note: ${n}`);
  const file = writeResult("topology", out);
  console.log(`results: ${path.relative(process.cwd(), file)}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
