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
  // the policy's routes leaked both ways on every node before traffic starts (a flow sent before
  // that is dropped for want of a route, which is not what the second test looks at)
  const demoVms = ports.filter((p) => p.fq_name[1] === "demo");
  const address = (p: (typeof ports)[number]) => engine.config.list("instance-ip").find((i) => (i.virtual_machine_interface_refs as { uuid: string }[]).some((r) => r.uuid === p.uuid))!.instance_ip_address as string;
  const vrfs = ["frontend-net", "backend-net"].map((n) => [...DEMO_PROJECT, n, n].join(":"));
  await waitFor(
    "demo routes leaked into both networks on every node",
    () => agents.every((a) => vrfs.every((v) => demoVms.every((p) => a.routes(v).some((r) => r.prefix === `${address(p)}/32`)))),
    20_000,
    100,
  );

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

it("has no drops without a named rule between the demo's workloads (the policy passes what it does not deny), also between networks on one node (issue 13)", async () => {
  const window = () => ({ from: Date.now() - 600_000, to: Date.now() + 60_000 });
  const demo = "(src_ip << 10.100.1.0/24 OR src_ip << 10.100.2.0/24) AND (dst_ip << 10.100.1.0/24 OR dst_ip << 10.100.2.0/24)";
  const between = "((src_ip << 10.100.1.0/24 AND dst_ip << 10.100.2.0/24) OR (src_ip << 10.100.2.0/24 AND dst_ip << 10.100.1.0/24))";
  // traffic between the two networks delivered on one node (the next hop is the recording node itself), both ways
  await waitFor(
    "frontend ↔ backend flows delivered locally, both ways",
    async () => {
      await engine.analytics.collector.flush();
      const r = await engine.analytics.aggregate({ ...window(), filter: `${between} AND action = pass AND reverse = false`, groupBy: ["node", "nh_node", "src_vn"], metric: "records", limit: 100 });
      const local = r.rows.filter((x) => x.key.node === x.key.nh_node);
      return new Set(local.map((x) => x.key.src_vn)).size === 2;
    },
    30_000,
    250,
  );
  const unnamed = await engine.analytics.aggregate({ ...window(), filter: `${demo} AND action != pass AND rule = ""`, groupBy: ["node", "src_ip", "dst_ip", "reason"], metric: "records", limit: 20 });
  expect(unnamed.rows.map((x) => x.key)).toEqual([]);
  // the drops there are between them carry the demo policy's rule
  const denied = await engine.analytics.aggregate({ ...window(), filter: `${between} AND action != pass`, groupBy: ["rule"], metric: "records", limit: 20 });
  for (const row of denied.rows) expect(String(row.key.rule)).toMatch(/^network-policy default-domain:demo:frontend-backend rule \d/);
}, 60_000);
