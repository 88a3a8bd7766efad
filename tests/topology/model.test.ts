// The topology graph model against a known lab built through the real engine: every project,
// network, routing instance, port, pool and policy rule of the config appears, with stable ids;
// the infrastructure view has the control node, compute nodes with their agent's state (a real
// agent connected, one configured and never seen) and the BGP peer with its session state.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentHandle, startAgent } from "../../server/engine/agent/main";
import { Engine } from "../../server/engine/engine";
import type { ConfigObject } from "../../server/engine/model/types";
import { buildTopology, nodeIds, type TopologyModel } from "../../server/engine/topology/model";
import { waitFor } from "../bgp/daemons";
import { ADMIN, startEngine, tempDir, vnBody } from "../helpers";

const P = ["default-domain", "topo-a"];
const Q = ["default-domain", "topo-b"];
const bind = (host: string) => ({ virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: host }] } });
const settle = () => new Promise((r) => setTimeout(r, 50));
const edge = (m: TopologyModel, kind: string, source: string, target: string) => m.edges.filter((e) => e.kind === kind && e.source === source && e.target === target);

describe("logical view", () => {
  let engine: Engine;
  let dir: string;
  const vn: Record<string, ConfigObject> = {};
  let projA: ConfigObject;
  let projB: ConfigObject;
  let web1: ConfigObject;
  let policy: ConfigObject;
  let pool: ConfigObject;
  let fip: ConfigObject;

  beforeAll(async () => {
    ({ engine, dir } = await startEngine());
    projA = await engine.config.create("project", { fq_name: P, parent_type: "domain" }, ADMIN);
    projB = await engine.config.create("project", { fq_name: Q, parent_type: "domain" }, ADMIN);
    vn.web = await engine.config.create("virtual-network", vnBody(P, "web", "10.1.0.0/24"), ADMIN);
    vn.db = await engine.config.create("virtual-network", vnBody(P, "db", "10.2.0.0/24"), ADMIN);
    vn.mgmt = await engine.config.create("virtual-network", vnBody(Q, "mgmt", "10.3.0.0/24", { route_target_list: { route_target: ["target:64512:7001"] } }), ADMIN);
    vn.shared = await engine.config.create("virtual-network", vnBody(Q, "shared", "10.4.0.0/24", { import_route_target_list: { route_target: ["target:64512:7001"] } }), ADMIN);
    vn.pub = await engine.config.create("virtual-network", vnBody(Q, "public", "198.51.100.0/28", { router_external: true }), ADMIN);
    policy = await engine.config.create(
      "network-policy",
      {
        fq_name: [...P, "web-db"],
        parent_type: "project",
        network_policy_entries: {
          policy_rule: [
            { direction: "<>", protocol: "tcp", src_addresses: [{ virtual_network: "local" }], dst_addresses: [{ virtual_network: "default-domain:topo-a:db" }], dst_ports: [{ start_port: 5432, end_port: 5432 }], action_list: { simple_action: "pass" } },
            { direction: ">", protocol: "any", src_addresses: [{ virtual_network: "default-domain:topo-b:mgmt" }], dst_addresses: [{ virtual_network: "local" }], action_list: { simple_action: "deny" } },
          ],
        },
      },
      ADMIN,
    );
    await engine.config.update("virtual-network", vn.web.uuid, { network_policy_refs: [{ uuid: policy.uuid, attr: { sequence: { major: 0, minor: 0 } } }] }, ADMIN);
    // a policy attached to nothing: its rule is drawn, marked as not attached
    await engine.config.create(
      "network-policy",
      {
        fq_name: [...Q, "idle"],
        parent_type: "project",
        network_policy_entries: { policy_rule: [{ direction: "<>", protocol: "any", src_addresses: [{ virtual_network: "default-domain:topo-b:mgmt" }], dst_addresses: [{ virtual_network: "any" }], action_list: { simple_action: "pass" } }] },
      },
      ADMIN,
    );
    const vm = await engine.config.create("virtual-machine", { fq_name: ["web-vm-1"] }, ADMIN);
    web1 = await engine.config.create("virtual-machine-interface", { fq_name: [...P, "web-1-eth0"], virtual_network_refs: [{ uuid: vn.web.uuid }], virtual_machine_refs: [{ uuid: vm.uuid }], ...bind("compute-1") }, ADMIN);
    await engine.config.create("instance-ip", { virtual_network_refs: [{ uuid: vn.web.uuid }], virtual_machine_interface_refs: [{ uuid: web1.uuid }] }, ADMIN);
    await engine.config.create("virtual-machine-interface", { fq_name: [...P, "db-1-eth0"], virtual_network_refs: [{ uuid: vn.db.uuid }] }, ADMIN);
    pool = engine.config.getByFqName("floating-ip-pool", [...vn.pub.fq_name, "public"])!;
    fip = await engine.config.create("floating-ip", { fq_name: [...pool.fq_name, "fip-web-1"], parent_type: "floating-ip-pool", project_refs: [{ uuid: projA.uuid }], virtual_machine_interface_refs: [{ uuid: web1.uuid }] }, ADMIN);
    await settle();
  });

  afterAll(async () => {
    await engine?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("has every project, network, routing instance and port of the config, nested", () => {
    const m = buildTopology(engine, "logical");
    const ids = new Set(m.nodes.map((n) => n.id));
    for (const p of engine.config.list("project")) expect(ids).toContain(nodeIds.project(p.uuid));
    for (const v of engine.config.list("virtual-network")) {
      const n = m.nodes.find((x) => x.id === nodeIds.network(v.uuid))!;
      expect(n, v.name).toBeTruthy();
      expect(n.parent).toBe(nodeIds.project(v.parent_uuid!));
      const ri = engine.compiler.instanceOfNetwork(v.uuid)!;
      expect(m.nodes.find((x) => x.id === nodeIds.instance(ri.uuid))?.parent).toBe(n.id);
    }
    for (const vmi of engine.config.list("virtual-machine-interface")) expect(ids).toContain(nodeIds.port(vmi.uuid));
    // the port is named after its workload, inside its network, says where it runs
    const port = m.nodes.find((n) => n.id === nodeIds.port(web1.uuid))!;
    expect(port).toMatchObject({ label: "web-vm-1", parent: nodeIds.network(vn.web.uuid), state: "Host down", tone: "danger", href: `/overlay/ports/${web1.uuid}` });
    expect(port.detail).toMatch(/^10\.1\.0\.\d+$/);
    expect(m.nodes.find((n) => n.label === "db-1-eth0")?.state).toBe("Unbound");
    expect(m.groups.map((g) => g.label)).toEqual(expect.arrayContaining(["default-domain:topo-a", "default-domain:topo-b"]));
    // node ids are unique, every edge joins two nodes of the model
    expect(ids.size).toBe(m.nodes.length);
    for (const e of m.edges) {
      expect(ids, e.id).toContain(e.source);
      expect(ids, e.id).toContain(e.target);
    }
  });

  it("draws each policy rule as an edge between networks with its action and direction", () => {
    const m = buildTopology(engine, "logical");
    const webDb = edge(m, "policy", nodeIds.network(vn.web.uuid), nodeIds.network(vn.db.uuid));
    expect(webDb).toHaveLength(1);
    expect(webDb[0]).toMatchObject({ action: "pass", direction: "<>", attached: true, state: "Pass", tone: "ok" });
    expect(webDb[0].fields?.Rule).toMatch(/pass tcp local <> default-domain:topo-a:db port 5432/);
    const mgmtWeb = edge(m, "policy", nodeIds.network(vn.mgmt.uuid), nodeIds.network(vn.web.uuid));
    expect(mgmtWeb).toHaveLength(1);
    expect(mgmtWeb[0]).toMatchObject({ action: "deny", direction: ">", state: "Deny", tone: "danger" });
    const idle = edge(m, "policy", nodeIds.network(vn.mgmt.uuid), nodeIds.any);
    expect(idle).toHaveLength(1);
    expect(idle[0]).toMatchObject({ attached: false, state: "Not attached" });
    expect(m.nodes.find((n) => n.id === nodeIds.any)?.kind).toBe("any-network");
    // every rule of every policy is there
    const rules = engine.config.list("network-policy").reduce((n, p) => n + ((p.network_policy_entries as { policy_rule: unknown[] }).policy_rule.length), 0);
    expect(m.edges.filter((e) => e.kind === "policy")).toHaveLength(rules);
  });

  it("shows route-target imports, floating IP pools and their addresses", () => {
    const m = buildTopology(engine, "logical");
    const riMgmt = nodeIds.instance(engine.compiler.instanceOfNetwork(vn.mgmt.uuid)!.uuid);
    const riShared = nodeIds.instance(engine.compiler.instanceOfNetwork(vn.shared.uuid)!.uuid);
    expect(edge(m, "rt-import", riMgmt, riShared)[0]?.label).toBe("target:64512:7001");
    const poolId = nodeIds.pool(pool.uuid);
    expect(m.nodes.find((n) => n.id === poolId)?.parent).toBe(nodeIds.project(projB.uuid));
    expect(edge(m, "fip-pool", poolId, nodeIds.network(vn.pub.uuid))).toHaveLength(1);
    expect(edge(m, "floating-ip", poolId, nodeIds.port(web1.uuid))[0]?.label).toBe(fip.floating_ip_address);
  });

  it("ids are stable across builds, and a change shows in the next one", async () => {
    const a = buildTopology(engine, "logical");
    const b = buildTopology(engine, "logical");
    expect(b.nodes.map((n) => n.id)).toEqual(a.nodes.map((n) => n.id));
    expect(b.edges.map((e) => e.id)).toEqual(a.edges.map((e) => e.id));
    const extra = await engine.config.create("virtual-network", vnBody(P, "extra", "10.9.0.0/24"), ADMIN);
    await settle();
    const c = buildTopology(engine, "logical");
    expect(c.nodes.map((n) => n.id)).toContain(nodeIds.network(extra.uuid));
    await engine.config.delete("virtual-network", extra.uuid, ADMIN);
  });

  it("filters by project, keeping the outside networks its edges reach", () => {
    const m = buildTopology(engine, "logical", { project: projA.uuid });
    const names = m.nodes.filter((n) => n.kind === "virtual-network").map((n) => n.label);
    expect(names).toEqual(expect.arrayContaining(["web", "db", "default-domain:topo-b:mgmt"]));
    expect(names).not.toContain("shared");
    expect(m.nodes.find((n) => n.id === nodeIds.network(vn.mgmt.uuid))).toMatchObject({ external: true, parent: undefined });
  });

  it("folds ports into one aggregate per network above maxNodes, except expanded networks", async () => {
    for (let i = 0; i < 6; i++) await engine.config.create("virtual-machine-interface", { fq_name: [...P, `db-x${i}`], virtual_network_refs: [{ uuid: vn.db.uuid }] }, ADMIN);
    await settle();
    const full = buildTopology(engine, "logical");
    const m = buildTopology(engine, "logical", { maxNodes: full.nodes.length - 3 });
    const agg = m.nodes.find((n) => n.kind === "aggregate")!;
    expect(agg).toMatchObject({ parent: nodeIds.network(vn.db.uuid), count: 7, label: "7 ports" });
    expect(m.aggregated).toEqual([nodeIds.network(vn.db.uuid)]);
    expect(m.nodes.filter((n) => n.kind === "port" && n.parent === nodeIds.network(vn.db.uuid))).toHaveLength(0);
    const open = buildTopology(engine, "logical", { maxNodes: full.nodes.length - 3, expand: [nodeIds.network(vn.db.uuid)] });
    expect(open.nodes.filter((n) => n.kind === "port" && n.parent === nodeIds.network(vn.db.uuid))).toHaveLength(7);
  });
});

describe("Kubernetes services in the logical view", () => {
  it("a service is a node in its namespace's project with an edge to each backend port", async () => {
    const { engine, dir } = await startEngine();
    try {
      await engine.config.create("virtual-router", { fq_name: ["default-global-system-config", "compute-1"], parent_type: "global-system-config", virtual_router_ip_address: "127.0.15.1" }, ADMIN);
      const r = await engine.kube.apply(
        `apiVersion: v1
kind: Namespace
metadata: { name: shop }
---
apiVersion: apps/v1
kind: Deployment
metadata: { name: web, namespace: shop }
spec: { replicas: 2, template: { metadata: { labels: { app: web } } } }
---
apiVersion: v1
kind: Service
metadata: { name: web, namespace: shop }
spec: { selector: { app: web }, ports: [{ port: 80 }] }
`,
        ADMIN,
      );
      expect(r.ok).toBe(true);
      await settle();
      const m = buildTopology(engine, "logical");
      const svc = m.nodes.find((n) => n.id === nodeIds.service("shop", "web"))!;
      const project = engine.config.getByFqName("project", ["default-domain", "k8s-shop"])!;
      expect(svc).toMatchObject({ kind: "service", parent: nodeIds.project(project.uuid), state: "Ready" });
      expect(svc.detail).toMatch(/^ClusterIP 10\./);
      const ports = ["web-0", "web-1"].map((n) => engine.config.getByFqName("virtual-machine-interface", ["default-domain", "k8s-shop", n])!.uuid);
      for (const u of ports) expect(edge(m, "service-backend", svc.id, nodeIds.port(u))).toHaveLength(1);
    } finally {
      await engine.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("infrastructure view", () => {
  const BGP = { address: "127.0.12.3", port: 12179 };
  const PEER = "127.0.12.2";
  let engine: Engine;
  let dir: string;
  let agent: AgentHandle;
  let peer: ConfigObject;

  beforeAll(async () => {
    dir = tempDir();
    engine = await Engine.start({ dataDir: dir, agentPort: 0, controlName: "topo-ctl", bgp: BGP });
    const local = engine.config.getByFqName("bgp-router", ["default-domain", "default-project", "ip-fabric", "__default__", "topo-ctl"])!;
    peer = await engine.config.create(
      "bgp-router",
      {
        fq_name: ["default-domain", "default-project", "ip-fabric", "__default__", "gateway"],
        parent_type: "routing-instance",
        bgp_router_parameters: { vendor: "gobgp", router_type: "router", address: PEER, identifier: PEER, autonomous_system: 64512, port: BGP.port, address_families: { family: ["inet-vpn"] } },
        bgp_router_refs: [{ uuid: local.uuid }],
      },
      ADMIN,
    );
    await engine.config.create("virtual-router", { fq_name: ["default-global-system-config", "compute-2"], parent_type: "global-system-config", virtual_router_ip_address: "127.0.12.22" }, ADMIN);
    agent = await startAgent({ name: "compute-1", address: "127.0.12.21", control: `127.0.0.1:${engine.control.listenPort}`, dataPort: 0, log: false, initialSyncWaitMs: 200 });
    const proj = await engine.config.create("project", { fq_name: P, parent_type: "domain" }, ADMIN);
    const net = await engine.config.create("virtual-network", vnBody(P, "web", "10.1.0.0/24"), ADMIN);
    const vmi = await engine.config.create("virtual-machine-interface", { fq_name: [...P, "web-1"], virtual_network_refs: [{ uuid: net.uuid }], ...bind("compute-1") }, ADMIN);
    await engine.config.create("instance-ip", { virtual_network_refs: [{ uuid: net.uuid }], virtual_machine_interface_refs: [{ uuid: vmi.uuid }] }, ADMIN);
    void proj;
    await waitFor("compute-1 Up", () => engine.control.agents.get("compute-1")?.state === "Up", 15_000);
    await waitFor("compute-1 announced its port", () => (engine.control.agents.get("compute-1")?.announced ?? 0) > 0, 15_000);
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await engine?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("has the control node, compute nodes with their agent state, and the BGP peer with its session", async () => {
    const m = buildTopology(engine, "infrastructure");
    const ctl = nodeIds.control("topo-ctl");
    expect(m.nodes.find((n) => n.id === ctl)).toMatchObject({ kind: "control-node", state: "Up" });
    expect(m.nodes.find((n) => n.id === nodeIds.compute("compute-1"))).toMatchObject({ state: "Up", tone: "ok", href: "/infrastructure/compute-nodes/compute-1" });
    expect(m.nodes.find((n) => n.id === nodeIds.compute("compute-2"))).toMatchObject({ state: "Never connected", tone: "danger" });
    const session = m.edges.find((e) => e.id === "agent-session:compute-1")!;
    expect(session).toMatchObject({ source: ctl, target: nodeIds.compute("compute-1"), state: "Up" });
    expect(session.routes).toBeGreaterThan(0);
    expect(session.label).toMatch(/\d+ VRFs · \d+ routes/);
    // the port runs inside compute-1
    expect(m.nodes.find((n) => n.kind === "port")?.parent).toBe(nodeIds.compute("compute-1"));
    // no gobgpd answers on 127.0.12.2: the session is not Established, and the node says so in a word
    const bgp = m.nodes.find((n) => n.id === nodeIds.bgp(peer.uuid))!;
    expect(bgp.kind).toBe("bgp-router");
    expect(bgp.state).toMatch(/^(Idle|Connect|Active|OpenSent)$/);
    expect(["warn", "danger"]).toContain(bgp.tone);
    expect(m.edges.find((e) => e.id === `bgp-session:${peer.uuid}`)).toMatchObject({ source: ctl, target: bgp.id, state: bgp.state });
    // every configured BGP peer and compute node is there
    for (const r of engine.config.list("bgp-router")) if (r.name !== "topo-ctl") expect(m.nodes.map((n) => n.id)).toContain(nodeIds.bgp(r.uuid));
    for (const r of engine.config.list("virtual-router")) expect(m.nodes.map((n) => n.id)).toContain(nodeIds.compute(r.name));
  });

  it("a compute node whose agent goes away turns Down", async () => {
    await agent.stop();
    await waitFor("compute-1 Down", () => engine.control.agents.get("compute-1")?.state !== "Up", 15_000);
    const m = buildTopology(engine, "infrastructure");
    expect(m.nodes.find((n) => n.id === nodeIds.compute("compute-1"))).toMatchObject({ state: "Down", tone: "danger" });
    expect(m.nodes.find((n) => n.kind === "port")).toMatchObject({ state: "Host down" });
  }, 30_000);
});
