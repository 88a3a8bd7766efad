// The Kubernetes manager at scale: apply N namespaces / pods (as Deployments) / services from one
// manifest, time until every reconcile has run and until every agent's FIB holds every route of the
// VRFs it subscribes to (converged), the engine's memory; then pod churn (create + delete per
// second, sustained) and a check that no address or route leaked.
//   npx tsx bench/kube-scale.ts [--namespaces 1000] [--pods 10000] [--services 1000] [--agents 20] [--workers 2] [--churn-seconds 30]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { Actor } from "../server/engine/config/api";
import { Engine } from "../server/engine/engine";
import { printTable, writeResult } from "./lib";
import { agentAddress, startAgentWorkers } from "./workers/pool";
import { waitFor } from "../tests/bgp/daemons";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const NAMESPACES = arg("namespaces", 1000);
const PODS = arg("pods", 10_000);
const SERVICES = arg("services", 1000);
const AGENTS = arg("agents", 20);
const WORKERS = arg("workers", 2);
const CHURN_S = arg("churn-seconds", 30);
const ACTOR: Actor = { userId: null, email: "bench@weft", role: "admin", source: "api" };

/** tests/bgp/daemons.ts's waitFor, polling every 100 ms */
const until = (what: string, f: () => boolean | Promise<boolean>, ms: number) => waitFor(what, f, ms, 100);

/** The manifest: namespaces, a Deployment per service (its pods) and the Service selecting them. */
function manifest(): string {
  const docs: string[] = [];
  const podsPerService = Math.floor(PODS / SERVICES);
  let extra = PODS - podsPerService * SERVICES;
  for (let n = 0; n < NAMESPACES; n++) docs.push(`apiVersion: v1\nkind: Namespace\nmetadata: { name: ns-${n} }`);
  for (let s = 0; s < SERVICES; s++) {
    const ns = `ns-${s % NAMESPACES}`;
    const replicas = podsPerService + (extra-- > 0 ? 1 : 0);
    docs.push(
      `apiVersion: apps/v1\nkind: Deployment\nmetadata: { name: app-${s}, namespace: ${ns} }\nspec:\n  replicas: ${replicas}\n  template:\n    metadata: { labels: { app: app-${s} } }`,
      `apiVersion: v1\nkind: Service\nmetadata: { name: app-${s}, namespace: ${ns} }\nspec: { selector: { app: app-${s} }, ports: [{ port: 80 }] }`,
    );
  }
  return docs.join("\n---\n");
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "weft-bench-kube-"));
  const engine = await Engine.start({ dataDir: dir, agentPort: 0, holdTimeSeconds: 30 });
  const cfg = engine.config;
  for (let i = 0; i < AGENTS; i++) {
    await cfg.create("virtual-router", { fq_name: ["default-global-system-config", `compute-${i}`], parent_type: "global-system-config", virtual_router_ip_address: agentAddress(i) }, ACTOR);
  }
  const controlAddress = `127.0.0.1:${engine.control.listenPort}`;
  const workers = await startAgentWorkers(controlAddress, AGENTS, WORKERS);
  await until("agents up", () => [...engine.control.agents.values()].filter((a) => a.state === "Up").length >= AGENTS, 60_000);

  const text = manifest();
  const rssBefore = process.memoryUsage().rss;
  console.log(`applying ${NAMESPACES} namespaces, ${PODS} pods, ${SERVICES} services (${(text.length / 1024).toFixed(0)} KiB of YAML) to ${AGENTS} agents…`);
  const t0 = performance.now();
  const r = await engine.kube.apply(text, ACTOR, { wait: false });
  if (!r.ok) throw new Error(`manifest invalid: ${JSON.stringify(r.results.find((x) => x.errors.length))}`);
  const acceptedS = (performance.now() - t0) / 1000;
  let lastLog = 0;
  await until(
    "reconciled",
    () => {
      if (Date.now() - lastLog > 5000) {
        lastLog = Date.now();
        console.log(`  … queue ${engine.kube.queueDepth}, ${cfg.count("virtual-machine-interface")} ports, ${cfg.count("floating-ip")} VIPs`);
      }
      return engine.kube.queueDepth === 0;
    },
    1_800_000,
  );
  const reconciledS = (performance.now() - t0) / 1000;
  await until("compiler caught up", () => engine.compiler.compiledSeq >= cfg.lastSeq, 300_000);
  const failed = engine.kube.list().filter((o) => o.status.state !== "ready");
  if (failed.length) console.log(`  ${failed.length} objects not ready, e.g. ${failed[0].key}: ${failed[0].status.message}`);

  // converged: each agent holds every route the control node has for each VRF it subscribes to
  const expected = () => {
    let n = 0;
    for (const s of engine.control.agents.values()) for (const v of s.subscriptions) n += engine.control.rib.tables.get(v)?.size ?? 0;
    return n;
  };
  let routes = 0;
  await until(
    "converged",
    async () => {
      const st = await Promise.all(workers.map((w) => w.status()));
      routes = st.reduce((a, s) => a + s.routes, 0);
      const want = expected();
      if (Date.now() - lastLog > 5000) {
        lastLog = Date.now();
        console.log(`  … ${routes}/${want} routes in agent FIBs, ${engine.control.rib.pathCount} paths in the control node`);
      }
      return engine.control.rib.pathCount >= PODS + SERVICES && routes >= want;
    },
    1_800_000,
  );
  const convergedS = (performance.now() - t0) / 1000;
  const rssAfter = process.memoryUsage().rss;

  // ---- pod churn: create a pod and delete it, 20 at a time, for CHURN_S seconds
  const churnNs = "ns-0";
  let ops = 0;
  let seq = 0;
  const tChurn = performance.now();
  const end = Date.now() + CHURN_S * 1000;
  const lane = async () => {
    while (Date.now() < end) {
      const name = `churn-${seq++}`;
      engine.kube.upsert({ apiVersion: "v1", kind: "Pod", metadata: { name, namespace: churnNs, labels: { app: "churn" } } }, "manifest", ACTOR);
      await until("churn pod", () => engine.kube.get("Pod", churnNs, name)?.status.state === "ready", 60_000);
      ops++;
      engine.kube.remove("Pod", churnNs, name);
      await until("churn pod gone", () => !cfg.getByFqName("virtual-machine-interface", ["default-domain", `k8s-${churnNs}`, name]), 60_000);
      ops++;
    }
  };
  await Promise.all(Array.from({ length: 20 }, lane));
  const churnS = (performance.now() - tChurn) / 1000;
  await engine.kube.idle();
  const pods = engine.kube.list({ kind: "Pod" });
  const leakedAddresses = cfg.count("instance-ip") - pods.length;
  const live = new Set(pods.map((p) => `${p.details.podIP}/32`));
  const vips = new Set(cfg.list("floating-ip").map((f) => `${f.floating_ip_address}/32`));
  const podVrf = "default-domain:k8s-default:k8s-default-pod-network:k8s-default-pod-network";
  const leaked = () => [...(engine.control.rib.tables.get(podVrf)?.keys() ?? [])].filter((p) => !live.has(p) && !vips.has(p)).length;
  // withdrawals travel config → compiler → agent → control node: give them 30 s to land
  await until("withdrawals", () => leaked() === 0, 30_000).catch(() => {});
  const leakedRoutes = leaked();

  const figures = {
    namespaces: NAMESPACES,
    pods: PODS,
    services: SERVICES,
    agents: AGENTS,
    acceptedSeconds: acceptedS,
    reconciledSeconds: reconciledS,
    convergedSeconds: convergedS,
    routesInAgentFibs: routes,
    notReady: failed.length,
    engineRssGiB: rssAfter / 2 ** 30,
    engineRssGrowthGiB: (rssAfter - rssBefore) / 2 ** 30,
    churnOpsPerSecond: ops / churnS,
    churnPodsCreated: seq,
    leakedAddresses,
    leakedRoutes,
  };
  printTable(`Kubernetes manager: ${NAMESPACES} namespaces / ${PODS} pods / ${SERVICES} services, ${AGENTS} agents`, [
    { metric: "manifest accepted (validated, stored, queued)", value: acceptedS, unit: "s" },
    { metric: "all objects reconciled (config written)", value: reconciledS, unit: "s" },
    { metric: "converged (every route in every subscribed agent)", value: convergedS, unit: "s" },
    { metric: "engine RSS after convergence", value: figures.engineRssGiB, unit: "GiB" },
    { metric: "pod churn (creates + deletes, 20 in flight)", value: figures.churnOpsPerSecond, unit: "ops/s" },
    { metric: "leaked addresses / routes after churn", value: leakedAddresses + leakedRoutes, unit: "", goal: "0", ok: leakedAddresses + leakedRoutes === 0 },
  ]);
  const file = writeResult("kube-scale", { figures });
  console.log(`wrote ${file}`);
  await Promise.all(workers.map((w) => w.stop()));
  await engine.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
