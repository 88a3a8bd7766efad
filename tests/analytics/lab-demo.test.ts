// The lab's demo (what `npm run up` creates once): a project with a policy that denies admin
// traffic and a Kubernetes namespace with labelled pods; with the traffic generator running through
// real agents, the flow store fills with passed flows between pods (namespace + labels) and flows
// denied by the demo policy's named rule — the dashboards' data a minute after start.
import fs from "node:fs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type AgentHandle, startAgent } from "../../server/engine/agent/main";
import { Engine } from "../../server/engine/engine";
import { DEMO_PROJECT, seedLabDemo } from "../../server/engine/lab/demo";
import { waitFor } from "../bgp/daemons";
import { ADMIN, tempDir } from "../helpers";

let engine: Engine;
let dir: string;
const agents: AgentHandle[] = [];
const NODES = [
  { name: "compute-1", address: "127.0.16.1" },
  { name: "compute-2", address: "127.0.16.2" },
];

beforeAll(async () => {
  dir = tempDir();
  engine = await Engine.start({ dataDir: dir, agentPort: 0, holdTimeSeconds: 3 });
  for (const n of NODES) {
    await engine.config.create("virtual-router", { fq_name: ["default-global-system-config", n.name], parent_type: "global-system-config", virtual_router_ip_address: n.address }, ADMIN);
    agents.push(await startAgent({ ...n, control: `127.0.0.1:${engine.control.listenPort}`, dataPort: 0, log: false, initialSyncWaitMs: 200, flowExportIntervalMs: 250 }));
  }
  await waitFor("agents up", () => NODES.every((n) => engine.control.agents.get(n.name)?.state === "Up"), 15_000, 50);
}, 60_000);

afterAll(async () => {
  engine?.analytics.stopTraffic();
  for (const a of agents) await a.stop();
  await engine?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

it("is created once, and with the generator running the store fills with pod flows (labels) and flows the demo policy denies", async () => {
  const marker = `${dir}/lab-demo-created`;
  expect(await seedLabDemo(engine.config, engine.kube, NODES.map((n) => n.name), undefined, marker)).toBe(true);
  expect(await seedLabDemo(engine.config, engine.kube, NODES.map((n) => n.name), undefined, marker)).toBe(false);
  expect(fs.existsSync(marker)).toBe(true);
  expect(engine.config.getByFqName("project", DEMO_PROJECT)).toBeDefined();
  const pods = engine.kube.list({ kind: "Pod", namespace: "shop" });
  expect(pods.map((p) => p.name).sort()).toEqual(expect.arrayContaining(["redis"]));
  expect(pods).toHaveLength(4); // frontend ×2, cart, redis
  // every demo port in its agent before traffic starts
  const ports = engine.config.list("virtual-machine-interface");
  await waitFor("ports in the agents", () => ports.every((p) => agents.some((a) => a.state.ports.has(p.uuid))), 20_000, 100);

  engine.analytics.startTraffic({ rate: 200, bursts: false });
  const total = async (filter: string) => {
    await engine.analytics.collector.flush();
    return (await engine.analytics.aggregate({ from: Date.now() - 600_000, to: Date.now() + 60_000, filter, groupBy: [], metric: "records" })).total.records;
  };
  await waitFor("pod flows with labels", async () => (await total('src_namespace = shop AND src_labels = team AND action = pass')) > 0, 30_000, 250);
  await waitFor("flows denied by the demo policy", async () => (await total('action = deny AND rule ^= "network-policy default-domain:demo:frontend-backend rule"')) > 0, 30_000, 250);
  const byTeam = await engine.analytics.aggregate({ from: Date.now() - 600_000, to: Date.now() + 60_000, filter: "src_namespace = shop", groupBy: ["src_labels.team"], metric: "records", limit: 5 });
  expect(byTeam.rows.map((r) => r.key["src_labels.team"])).toEqual(expect.arrayContaining(["storefront"]));
}, 90_000);
