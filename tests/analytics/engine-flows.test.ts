// Flow analytics end to end with real agents: config → compiler → control node → agents (gRPC),
// packets through the sim data plane (UDP between agents), flow export over the agent protocol,
// collector → DuckDB, queries. The records must match what was sent and what the policy decided.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentHandle, startAgent } from "../../server/engine/agent/main";
import type { FlowSpec, TrafficEndpoint } from "../../server/engine/analytics";
import { Engine } from "../../server/engine/engine";
import type { ConfigObject } from "../../server/engine/model/types";
import { ADMIN, tempDir, vnBody } from "../helpers";
import { waitFor } from "../bgp/daemons";

const P = ["default-domain", "fl"];
let engine: Engine;
let dir: string;
const agents = new Map<string, AgentHandle>();
const NODES = [
  { name: "compute-1", address: "127.0.17.1" },
  { name: "compute-2", address: "127.0.17.2" },
];

/** tests/bgp/daemons.ts's waitFor, polling every 100 ms */
const until = <T>(what: string, f: () => T | undefined | null | false | Promise<T | undefined | null | false>, ms = 15_000) => waitFor(what, f, ms, 100);

const bind = (host: string) => ({ virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: host }] } });
const vrfOf = (vn: ConfigObject) => [...vn.fq_name, vn.name].join(":");

async function workload(vn: ConfigObject, name: string, host: string): Promise<TrafficEndpoint> {
  const port = await engine.config.create("virtual-machine-interface", { fq_name: [...P, name], virtual_network_refs: [{ uuid: vn.uuid }], ...bind(host) }, ADMIN);
  const iip = await engine.config.create("instance-ip", { virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_refs: [{ uuid: port.uuid }] }, ADMIN);
  return { uuid: port.uuid, fqName: [...P, name].join(":"), host, addresses: [iip.instance_ip_address as string] };
}

let red: ConfigObject;
let blue: ConfigObject;
let a: TrafficEndpoint;
let b: TrafficEndpoint;
let c: TrafficEndpoint;
let g: TrafficEndpoint;
const t0 = Date.now() - 60_000;
const range = () => ({ from: t0, to: Date.now() + 60_000 });

beforeAll(async () => {
  dir = tempDir();
  engine = await Engine.start({ dataDir: dir, agentPort: 0, holdTimeSeconds: 3 });
  for (const n of NODES)
    agents.set(n.name, await startAgent({ ...n, control: `127.0.0.1:${engine.control.listenPort}`, dataPort: 0, log: false, initialSyncWaitMs: 200, flowExportIntervalMs: 200 }));
  await until("agents up", () => NODES.every((n) => engine.control.agents.get(n.name)?.state === "Up"));
  await engine.config.create("project", { fq_name: P, parent_type: "domain" }, ADMIN);
  red = await engine.config.create("virtual-network", vnBody(P, "red", "10.61.0.0/24"), ADMIN);
  blue = await engine.config.create("virtual-network", vnBody(P, "blue", "10.62.0.0/24"), ADMIN);
  const pol = await engine.config.create(
    "network-policy",
    {
      fq_name: [...P, "red-blue"],
      network_policy_entries: {
        policy_rule: [
          {
            direction: "<>",
            protocol: "tcp",
            src_addresses: [{ virtual_network: "default-domain:fl:red" }],
            dst_addresses: [{ virtual_network: "default-domain:fl:blue" }],
            dst_ports: [{ start_port: 22, end_port: 22 }],
            action_list: { simple_action: "deny" },
          },
          {
            direction: "<>",
            protocol: "any",
            src_addresses: [{ virtual_network: "default-domain:fl:red" }],
            dst_addresses: [{ virtual_network: "default-domain:fl:blue" }],
            action_list: { simple_action: "pass" },
          },
        ],
      },
    },
    ADMIN,
  );
  for (const vn of [red, blue]) await engine.config.update("virtual-network", vn.uuid, { network_policy_refs: [{ uuid: pol.uuid }] }, ADMIN);
  a = await workload(red, "web-a", "compute-1");
  c = await workload(red, "dns-c", "compute-1");
  b = await workload(blue, "db-b", "compute-2");
  const green = await engine.config.create("virtual-network", vnBody(P, "green", "10.63.0.0/24"), ADMIN);
  g = await workload(green, "green-g", "compute-1");
  await until("green-g on compute-1", () => agents.get("compute-1")!.state.ports.has(g.uuid));
  await until("b's route in red on compute-1", () => agents.get("compute-1")!.routes(vrfOf(red)).find((r) => r.prefix === `${b.addresses[0]}/32`));
  await until("a's route in blue on compute-2", () => agents.get("compute-2")!.routes(vrfOf(blue)).find((r) => r.prefix === `${a.addresses[0]}/32`));
  await until("c's route in red on compute-1", () => agents.get("compute-1")!.routes(vrfOf(red)).find((r) => r.prefix === `${c.addresses[0]}/32`));
}, 60_000);

afterAll(async () => {
  for (const ag of agents.values()) await ag.stop();
  await engine?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function total(filter: string) {
  await engine.analytics.collector.flush();
  return (await engine.analytics.aggregate({ ...range(), filter, groupBy: [], metric: "bytes" })).total;
}

describe("flow records from real agents", () => {
  const web: FlowSpec = { from: null as unknown as TrafficEndpoint, dst: "", protocol: "tcp", srcPort: 40443, dstPort: 443, packets: 10, bytesPerPacket: 500 };

  it("every packet sent is in the records: cross-node pass, denied by a named rule, local, no route", async () => {
    const specs: FlowSpec[] = [
      { ...web, from: a, dst: b.addresses[0], replyFrom: b, replyPackets: 7, replyBytes: 1400 },
      { from: a, dst: b.addresses[0], protocol: "tcp", srcPort: 40022, dstPort: 22, packets: 3, bytesPerPacket: 60 },
      { from: a, dst: c.addresses[0], protocol: "udp", srcPort: 40053, dstPort: 53, packets: 2, bytesPerPacket: 80 },
      { from: a, dst: "10.99.9.9", protocol: "tcp", srcPort: 40080, dstPort: 8080, packets: 1, bytesPerPacket: 60 },
    ];
    expect(engine.analytics.traffic.send(specs)).toBe(4);
    // the request must reach compute-2 before its answer leaves (stateful reverse flow)
    await until("ingress flow on compute-2", () => agents.get("compute-2")!.flows().some((f) => f.tuple.srcPort === 40443 && f.tuple.dstPort === 443 && f.direction === "ingress" && !f.reverse));
    expect(engine.analytics.traffic.sendReplies()).toBe(1);

    // egress on compute-1: 10 packets, 5000 bytes, tunnelled to compute-2, names enriched
    const eg = await until("egress 443 records", async () => {
      const t = await total("node = compute-1 AND direction = egress AND dst_port = 443");
      return t.packets === 10 ? t : null;
    });
    expect(eg.bytes).toBe(5000);
    expect(eg.flows).toBe(1);
    const rec = (await engine.analytics.records({ ...range(), filter: "node = compute-1 AND dst_port = 443" })).rows[0];
    expect(rec).toMatchObject({
      action: "pass",
      direction: "egress",
      src_vn: "default-domain:fl:red",
      dst_vn: "default-domain:fl:blue",
      src_project: "default-domain:fl",
      src_workload: "web-a",
      dst_workload: "db-b",
      nh_node: "compute-2",
      rule: "network-policy default-domain:fl:red-blue rule 2",
    });
    expect(rec.encap).toMatch(/MPLSoGRE|MPLSoUDP|VXLAN/);

    // the same flow seen arriving on compute-2, with the bytes carried in the tunnel
    const ing = await until("ingress 443", async () => {
      const t = await total("node = compute-2 AND direction = ingress AND dst_port = 443");
      return t.packets === 10 ? t : null;
    });
    expect(ing.bytes).toBe(5000);

    // the answer: reverse flow on compute-2 (allowed because the request was)
    const rev = await until("reverse flow", async () => {
      const t = await total("node = compute-2 AND reverse = true AND src_port = 443");
      return t.packets === 7 ? t : null;
    });
    expect(rev.bytes).toBe(7 * 1400);

    // denied by the named rule, on the sender (red's ACL), with every packet counted
    const deny = await until("deny records", async () => {
      const t = await total('action = deny AND dst_port = 22 AND rule ~ "red-blue rule 1"');
      return t.packets === 3 ? t : null;
    });
    expect(deny.bytes).toBe(180);
    const top = await engine.analytics.aggregate({ ...range(), filter: "action = deny", groupBy: ["src_vn", "dst_vn", "rule"], metric: "packets", limit: 5 });
    expect(top.rows[0].key).toEqual({ src_vn: "default-domain:fl:red", dst_vn: "default-domain:fl:blue", rule: "network-policy default-domain:fl:red-blue rule 1" });

    // local delivery on compute-1
    const local = await until("local dns", async () => {
      const t = await total("dst_port = 53 AND node = compute-1");
      return t.packets === 2 ? t : null;
    });
    expect(local.bytes).toBe(160);
    const lr = (await engine.analytics.records({ ...range(), filter: "dst_port = 53" })).rows[0];
    expect(lr).toMatchObject({ nh_node: "compute-1", encap: "", dst_workload: "dns-c" });

    // outside every policy rule: red's network ACL denies by its default action
    const dflt = await until("default deny", async () => {
      const t = await total('dst_port = 8080 AND action = deny AND rule = "default action" AND rule_acl = "vn:default-domain:fl:red"');
      return t.packets === 1 ? t : null;
    });
    expect(dflt.bytes).toBe(60);

    // no route (a VN without policy): a drop record with the reason, no flow entry
    engine.analytics.traffic.send([{ from: g, dst: "10.99.9.9", protocol: "tcp", srcPort: 40081, dstPort: 8081, packets: 2, bytesPerPacket: 70 }]);
    const drop = await until("drop record", async () => {
      const t = await total('action = drop AND reason ~ "no route" AND src_workload = green-g');
      return t.packets === 2 ? t : null;
    });
    expect(drop.bytes).toBe(140);
  });

  it("a long flow gives more records, counted once as a flow; the collector saw no loss", async () => {
    engine.analytics.traffic.send([{ ...web, from: a, dst: b.addresses[0] }]);
    const eg = await until("20 packets", async () => {
      const t = await total("node = compute-1 AND direction = egress AND dst_port = 443");
      return t.packets === 20 ? t : null;
    });
    expect(eg.records).toBeGreaterThanOrEqual(2);
    expect(eg.flows).toBe(1);
    const st = engine.analytics.collector.snapshot();
    expect(st.dropped).toBe(0);
    const n1 = st.nodes.find((n) => n.node === "compute-1")!;
    expect(n1.agentDroppedBatches).toBe(0);
    expect(n1.gaps).toBe(0);
  });

  it("the generator's mix reaches the store through the agents", async () => {
    const before = (await total("")).packets;
    engine.analytics.startTraffic({ rate: 50, bursts: false });
    await new Promise((r) => setTimeout(r, 1500));
    engine.analytics.stopTraffic();
    const st = engine.analytics.traffic.status();
    expect(st.flows).toBeGreaterThan(20);
    await until("generator packets stored", async () => (await total("")).packets > before + st.packets / 2);
  });
});

describe("Kubernetes pods: namespace, pod and labels in the records", () => {
  const podEndpoint = (name: string): TrafficEndpoint => {
    const p = engine.kube.get("Pod", "default", name)!;
    const vmi = p.produced.find((x) => x.type === "virtual-machine-interface")!;
    return { uuid: vmi.uuid, fqName: vmi.fq_name.join(":"), host: p.details.node as string, addresses: [p.details.podIP as string] };
  };
  const manifest = (webTier: string) => `
apiVersion: v1
kind: Pod
metadata: { name: shop-web, namespace: default, labels: { app: web, tier: ${webTier} } }
spec: { nodeName: compute-1 }
---
apiVersion: v1
kind: Pod
metadata: { name: shop-db, namespace: default, labels: { app: db, app.kubernetes.io/name: postgres } }
spec: { nodeName: compute-2 }
`;

  it("records carry the pods' namespace, names and labels; filters and group-by use them; a relabel shows in new records", async () => {
    // the compute nodes, as the lab declares them (pods are scheduled on virtual-routers)
    // (the agents' enrolment already declared those that connected: issue 14)
    for (const n of NODES) {
      if (engine.config.getByFqName("virtual-router", ["default-global-system-config", n.name])) continue;
      await engine.config.create("virtual-router", { fq_name: ["default-global-system-config", n.name], parent_type: "global-system-config", virtual_router_ip_address: n.address }, ADMIN);
    }
    const r = await engine.kube.apply(manifest("front"), ADMIN, { wait: true });
    expect(r.ok, JSON.stringify(r.results)).toBe(true);
    const web = podEndpoint("shop-web");
    const db = podEndpoint("shop-db");
    const vrf = `${engine.kube.get("Pod", "default", "shop-web")!.details.network}:k8s-default-pod-network`;
    await until("shop-db's route on compute-1", () => agents.get("compute-1")!.routes(vrf).some((x) => x.prefix === `${db.addresses[0]}/32`));
    await until("shop-web's route on compute-2", () => agents.get("compute-2")!.routes(vrf).some((x) => x.prefix === `${web.addresses[0]}/32`));

    expect(engine.analytics.traffic.send([{ from: web, dst: db.addresses[0], protocol: "tcp", srcPort: 41000, dstPort: 5432, packets: 4, bytesPerPacket: 100, replyFrom: db, replyPackets: 3, replyBytes: 200 }])).toBe(1);
    // this flow's own entry (the generator of the test before left flows to 5432 on compute-2)
    await until("ingress 41000 → 5432 on compute-2", () => agents.get("compute-2")!.flows().some((f) => f.tuple.srcPort === 41000 && f.tuple.dstPort === 5432 && f.direction === "ingress" && !f.reverse));
    expect(engine.analytics.traffic.sendReplies()).toBeGreaterThanOrEqual(1); // and any the generator left

    const q = "src_labels = app=web AND dst_labels = app.kubernetes.io/name=postgres AND node = compute-1 AND direction = egress";
    const eg = await until("labelled egress records", async () => {
      const t = await total(q);
      return t.packets === 4 ? t : null;
    });
    expect(eg.bytes).toBe(400);
    const rec = (await engine.analytics.records({ ...range(), filter: q })).rows[0];
    expect(rec).toMatchObject({
      src_namespace: "default",
      dst_namespace: "default",
      src_project: "default-domain:k8s-default",
      src_workload: "shop-web",
      dst_workload: "shop-db",
      src_labels: "app=web,tier=front",
      dst_labels: "app=db,app.kubernetes.io/name=postgres",
      action: "pass",
    });
    // the answer, recorded on compute-2 with the labels the other way round
    // (compute-1 records the same answer arriving, also as reverse: waiting for exactly 3 packets
    // without naming the node raced the two nodes' export batches)
    const rev = await until("labelled reverse records", async () => {
      const t = await total("src_labels = app=db AND dst_labels = tier AND reverse = true AND node = compute-2");
      return t.packets === 3 ? t : null;
    });
    expect(rev.bytes).toBe(600);
    const both = await until("the answer from both nodes", async () => {
      const t = await total("src_labels = app=db AND dst_labels = tier AND reverse = true");
      return t.packets === 6 ? t : null;
    });
    expect(both.bytes).toBe(1200);
    // grouped by label set: each packet is recorded by both nodes (leaving one, arriving at the other)
    const bySet = async () => {
      await engine.analytics.collector.flush();
      const g = await engine.analytics.aggregate({ ...range(), filter: "src_namespace = default", groupBy: ["src_labels"], metric: "packets", limit: 5 });
      return Object.fromEntries(g.rows.map((x) => [x.key.src_labels, x.packets]));
    };
    const want = { "app=web,tier=front": 8, "app=db,app.kubernetes.io/name=postgres": 6 };
    await until("both nodes' records", async () => JSON.stringify(await bySet()) === JSON.stringify(want)).catch(() => undefined);
    expect(await bySet()).toEqual(want);
    expect(await engine.analytics.values("dst_labels", "app", range())).toEqual(expect.arrayContaining(["app=db", "app.kubernetes.io/name=postgres", "app=web"]));

    // relabelled: the port's annotations change (nothing compiles differently), new records say so
    expect((await engine.kube.apply(manifest("canary"), ADMIN, { wait: true })).ok).toBe(true);
    await until("relabelled port", () => engine.config.list("virtual-machine-interface").find((p) => p.uuid === web.uuid && JSON.stringify(p.annotations).includes("canary")));
    engine.analytics.traffic.send([{ from: web, dst: db.addresses[0], protocol: "tcp", srcPort: 41001, dstPort: 5432, packets: 2, bytesPerPacket: 100 }]);
    const canary = await until("records with the new label", async () => {
      const t = await total("src_labels = tier=canary AND node = compute-1");
      return t.packets === 2 ? t : null;
    });
    expect(canary.bytes).toBe(200);
    expect((await total("src_labels = tier=front AND node = compute-1")).packets).toBe(4); // older records keep what was true then
  });
});
