// Issue 13: delivery between routing instances on one compute node follows the same rules as
// across compute nodes. A matrix over placement (the destination on the source's node / on another
// node) × how the two networks are joined (policy `<>`, policy `>` one way, a shared route target,
// a floating IP, a service VIP with backends on the same node, on another node, on both) ×
// direction (from the source network, from the destination network, the answer): every verdict
// on one node equals the verdict across nodes, and the flow records of both name the same rule —
// in the agents' flow tables and in the flow store the collector fills.
//
// Policies that join two networks are attached to both of them (Contrail's schema transformer
// joins routing instances only when each side's policies name the other).
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentHandle, startAgent } from "../../server/engine/agent/main";
import type { FlowEntry } from "../../server/engine/agent/flow-table";
import { Engine } from "../../server/engine/engine";
import type { ConfigObject } from "../../server/engine/model/types";
import type { TraceResult } from "../../server/engine/protocol";
import { waitFor } from "../bgp/daemons";
import { ADMIN, tempDir, vnBody } from "../helpers";

const P = ["default-domain", "ld"];
const NODES = [
  { name: "compute-1", address: "127.0.30.1" },
  { name: "compute-2", address: "127.0.30.2" },
];
const HERE = "compute-1";
const THERE = "compute-2";

let engine: Engine;
let dir: string;
const agents = new Map<string, AgentHandle>();
const until = <T>(what: string, f: () => T | undefined | null | false | Promise<T | undefined | null | false>, ms = 15_000) => waitFor(what, f, ms, 50);
const fq = (name: string) => [...P, name].join(":");
const vrfOf = (vn: ConfigObject) => [...vn.fq_name, vn.name].join(":");
const bind = (host: string) => ({ virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: host }] } });
const hasRoute = (node: string, vrf: string, address: string, hops = 1) =>
  agents.get(node)!.routes(vrf).some((r) => r.prefix === `${address}/32` && r.nextHops.length === hops);

interface Workload {
  port: ConfigObject;
  address: string;
  host: string;
}

async function workload(vn: ConfigObject, name: string, host: string, sg: string): Promise<Workload> {
  const port = await engine.config.create(
    "virtual-machine-interface",
    { fq_name: [...P, name], parent_type: "project", virtual_network_refs: [{ uuid: vn.uuid }], security_group_refs: [{ to: [...P, sg] }], ...bind(host) },
    ADMIN,
  );
  const iip = await engine.config.create("instance-ip", { virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_refs: [{ uuid: port.uuid }] }, ADMIN);
  await until(`${name} in ${host}`, () => agents.get(host)!.state.ports.has(port.uuid));
  return { port, address: iip.instance_ip_address as string, host };
}

const anyRule = (ingress: boolean) => ({
  direction: ">",
  protocol: "any",
  ethertype: "IPv4",
  src_addresses: [ingress ? { subnet: { ip_prefix: "0.0.0.0", ip_prefix_len: 0 } } : { security_group: "local" }],
  dst_addresses: [ingress ? { security_group: "local" } : { subnet: { ip_prefix: "0.0.0.0", ip_prefix_len: 0 } }],
  src_ports: [{ start_port: 0, end_port: 65535 }],
  dst_ports: [{ start_port: 0, end_port: 65535 }],
});

async function policy(name: string, rules: { direction: string; src: string; dst: string; action: "pass" | "deny"; protocol?: string; port?: number }[], vns: ConfigObject[]) {
  const pol = await engine.config.create(
    "network-policy",
    {
      fq_name: [...P, name],
      parent_type: "project",
      network_policy_entries: {
        policy_rule: rules.map((r) => ({
          direction: r.direction,
          protocol: r.protocol ?? "any",
          src_addresses: [{ virtual_network: r.src }],
          dst_addresses: [{ virtual_network: r.dst }],
          ...(r.port ? { dst_ports: [{ start_port: r.port, end_port: r.port }] } : {}),
          action_list: { simple_action: r.action },
        })),
      },
    },
    ADMIN,
  );
  for (const vn of vns) await engine.config.update("virtual-network", vn.uuid, { network_policy_refs: [{ uuid: pol.uuid }] }, ADMIN);
  return pol;
}

// ------------------------------------------------------------------ probes

interface Outcome {
  verdict: string;
  reason: string;
  delivered_to: string;
  /** the flow record that decided: the destination side's when there is one, else the source side's */
  rule: string;
  acl: string;
  srcPort: number;
}

let nextSrcPort = 45_000;
const probed: { srcPort: number; verdict: string }[] = [];

/** The non-reverse flow entries of one probe over every agent. */
function flowsOf(srcPort: number, protocol: number): { node: string; e: FlowEntry }[] {
  const out: { node: string; e: FlowEntry }[] = [];
  for (const [node, a] of agents) for (const e of a.flows()) if (!e.reverse && e.tuple.srcPort === srcPort && e.tuple.protocol === protocol) out.push({ node, e });
  return out;
}

async function probe(from: Workload, dst: string, dstPort: number, opts: { srcPort?: number; src?: string; protocol?: "tcp" | "udp" } = {}): Promise<Outcome> {
  const srcPort = opts.srcPort ?? nextSrcPort++;
  const protocol = opts.protocol ?? "tcp";
  const r: TraceResult = await engine.control.trace({ portUuid: from.port.uuid, dst, protocol, srcPort, dstPort, ...(opts.src ? { src: opts.src } : {}) });
  probed.push({ srcPort, verdict: r.verdict });
  const flows = flowsOf(srcPort, protocol === "tcp" ? 6 : 17);
  const deciding = flows.find((f) => f.e.direction === "ingress") ?? flows.find((f) => f.e.direction === "egress");
  return { verdict: r.verdict, reason: r.reason, delivered_to: r.delivered_to, rule: deciding?.e.rule?.origin ?? "", acl: deciding?.e.rule?.acl ?? "", srcPort };
}

/** The answer of a probe: from the port it reached, back to the source. */
const answer = (to: Workload, from: Workload, o: Outcome, dstPort: number, src = from.address) => probe(from, to.address, o.srcPort, { srcPort: dstPort, src });

/** Same verdict, same deciding rule, whatever the placement. */
function same(local: Outcome, remote: Outcome, what: string) {
  expect({ verdict: local.verdict, rule: local.rule, acl: local.acl }, `${what}: on one node ${JSON.stringify(local)} vs across nodes ${JSON.stringify(remote)}`).toEqual({
    verdict: remote.verdict,
    rule: remote.rule,
    acl: remote.acl,
  });
}

// ------------------------------------------------------------------ set-up

beforeAll(async () => {
  dir = tempDir();
  engine = await Engine.start({ dataDir: dir, agentPort: 0, holdTimeSeconds: 3 });
  for (const n of NODES) {
    agents.set(n.name, await startAgent({ ...n, control: `127.0.0.1:${engine.control.listenPort}`, dataPort: 0, log: false, initialSyncWaitMs: 200, flowExportIntervalMs: 200 }));
  }
  await until("agents up", () => NODES.every((n) => engine.control.agents.get(n.name)?.state === "Up"));
  await engine.config.create("project", { fq_name: P, parent_type: "domain" }, ADMIN);
  // security groups whose rules the flow records can name: `open` lets everything in and out,
  // `web` lets only tcp/80 in
  await engine.config.create("security-group", { fq_name: [...P, "open"], parent_type: "project", security_group_entries: { policy_rule: [anyRule(true), anyRule(false)] } }, ADMIN);
  const web = { ...anyRule(true), protocol: "tcp", dst_ports: [{ start_port: 80, end_port: 80 }] };
  await engine.config.create("security-group", { fq_name: [...P, "web"], parent_type: "project", security_group_entries: { policy_rule: [web, anyRule(false)] } }, ADMIN);
}, 60_000);

afterAll(async () => {
  engine?.analytics.stopTraffic();
  for (const a of agents.values()) await a.stop();
  await engine?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Two networks with a source port on compute-1, a destination port on compute-1 and one on
 * compute-2 (the same network, the same security group): the same probe to each is the placement.
 */
async function pair(tag: string, n: number, opts: { srcSg?: string; dstSg?: string; extra?: Record<string, unknown> } = {}) {
  const a = await engine.config.create("virtual-network", vnBody(P, `${tag}-a`, `10.30.${n}.0/24`, opts.extra), ADMIN);
  const b = await engine.config.create("virtual-network", vnBody(P, `${tag}-b`, `10.30.${n + 1}.0/24`, opts.extra), ADMIN);
  const s = await workload(a, `${tag}-s`, HERE, opts.srcSg ?? "open");
  const near = await workload(b, `${tag}-near`, HERE, opts.dstSg ?? "open");
  const far = await workload(b, `${tag}-far`, THERE, opts.dstSg ?? "open");
  return { a, b, s, near, far };
}

/** Waits until each side has the other's routes where they are expected. */
async function joined(a: ConfigObject, b: ConfigObject, s: Workload, dsts: Workload[], both = true) {
  for (const d of dsts) {
    await until(`${d.address} in ${vrfOf(a)} on ${s.host}`, () => hasRoute(s.host, vrfOf(a), d.address));
    if (both) await until(`${s.address} in ${vrfOf(b)} on ${d.host}`, () => hasRoute(d.host, vrfOf(b), s.address));
  }
}

describe("local delivery between routing instances = delivery across compute nodes (issue 13)", () => {
  it("policy <> attached to both networks: allowed both ways, the deny rule and the destination's security group named", async () => {
    const { a, b, s, near, far } = await pair("both", 1, { dstSg: "web" });
    await policy(
      "pol-both",
      [
        { direction: "<>", src: fq("both-a"), dst: fq("both-b"), action: "deny", protocol: "tcp", port: 22 },
        { direction: "<>", src: fq("both-a"), dst: fq("both-b"), action: "pass" },
      ],
      [a, b],
    );
    await joined(a, b, s, [near, far]);

    // from the source network
    const [l80, r80] = [await probe(s, near.address, 80), await probe(s, far.address, 80)];
    same(l80, r80, "a → b tcp/80");
    expect(l80.verdict, l80.reason).toBe("delivered");
    expect(l80.delivered_to).toBe(fq("both-near"));
    expect(l80.rule).toBe("network-policy default-domain:ld:pol-both rule 2");
    expect(l80.acl).toBe(`vn:${fq("both-b")}`);
    const [l22, r22] = [await probe(s, near.address, 22), await probe(s, far.address, 22)];
    same(l22, r22, "a → b tcp/22");
    expect(l22.verdict).toBe("dropped");
    expect(l22.rule).toBe("network-policy default-domain:ld:pol-both rule 1");
    expect(l22.reason).toMatch(/network-policy default-domain:ld:pol-both rule 1/);
    // passed by the source side, denied by the destination port's security group (no rule lets tcp/81 in)
    const [l81, r81] = [await probe(s, near.address, 81), await probe(s, far.address, 81)];
    same(l81, r81, "a → b tcp/81");
    expect(l81.verdict).toBe("dropped");
    expect(l81).toMatchObject({ rule: "default action", acl: `sg:${fq("web")}` });

    // from the destination network
    const [b80, rb80] = [await probe(near, s.address, 80), await probe(far, s.address, 80)];
    same(b80, rb80, "b → a tcp/80");
    expect(b80.verdict, b80.reason).toBe("delivered");
    expect(b80.rule).toBe("network-policy default-domain:ld:pol-both rule 2 (reverse)");
    // `<>` swaps the ports with the addresses: the reverse of "a → b tcp/22 deny" is "b (source
    // port 22) → a", so b → a tcp/22 is passed by rule 2
    const [b22, rb22] = [await probe(near, s.address, 22), await probe(far, s.address, 22)];
    same(b22, rb22, "b → a tcp/22");
    expect(b22.verdict, b22.reason).toBe("delivered");
    expect(b22.rule).toBe("network-policy default-domain:ld:pol-both rule 2 (reverse)");

    // the answers of the allowed connection
    const [al, ar] = [await answer(s, near, l80, 80), await answer(s, far, r80, 80)];
    expect([al.verdict, ar.verdict], `${al.reason} / ${ar.reason}`).toEqual(["delivered", "delivered"]);
    expect(al.delivered_to).toBe(fq("both-s"));
  });

  it("policy > (one way) attached to both networks: from the source network allowed, from the other denied by its network's default, the same on one node", async () => {
    const { a, b, s, near, far } = await pair("one", 3);
    await policy("pol-one", [{ direction: ">", src: fq("one-a"), dst: fq("one-b"), action: "pass" }], [a, b]);
    await joined(a, b, s, [near, far], false);

    const [l, r] = [await probe(s, near.address, 443), await probe(s, far.address, 443)];
    same(l, r, "a → b");
    expect(l.verdict, l.reason).toBe("delivered");
    expect(l.rule).toBe("network-policy default-domain:ld:pol-one rule 1");

    const [bl, br] = [await probe(near, s.address, 443), await probe(far, s.address, 443)];
    same(bl, br, "b → a");
    expect(bl.verdict).toBe("dropped");
    expect(bl).toMatchObject({ rule: "default action", acl: `vn:${fq("one-b")}` });

    // the answer: whatever the compiler leaks for a one-way rule, the placement does not change it
    const [al, ar] = [await answer(s, near, l, 443), await answer(s, far, r, 443)];
    expect(al.verdict, `${al.reason} / ${ar.reason}`).toBe(ar.verdict);
  });

  it("a shared route target (no policy): both ways, the destination's security group rule named", async () => {
    const rt = { route_target_list: { route_target: ["target:64512:7013"] } };
    const { a, b, s, near, far } = await pair("rt", 5, { extra: rt });
    await joined(a, b, s, [near, far]);
    const open = `security-group ${fq("open")} rule 1 (ingress IPv4 any)`;
    for (const [from, to, label] of [
      [s, [near, far], "a → b"],
      [near, [s], "b → a (near)"],
    ] as const) {
      for (const t of to) {
        const o = await probe(from, t.address, 8080);
        expect(o.verdict, `${label}: ${o.reason}`).toBe("delivered");
        expect(o.rule).toBe(open);
      }
    }
    const [bl, br] = [await probe(near, s.address, 8080), await probe(far, s.address, 8080)];
    same(bl, br, "b → a");
    const [l, r] = [await probe(s, near.address, 8081), await probe(s, far.address, 8081)];
    same(l, r, "a → b");
    const [al, ar] = [await answer(s, near, l, 8081), await answer(s, far, r, 8081)];
    expect([al.verdict, ar.verdict], `${al.reason} / ${ar.reason}`).toEqual(["delivered", "delivered"]);
  });

  it("a floating IP from the source network's pool: to the FIP (destination NAT), from the port (source NAT), the answer", async () => {
    const { a, b, s, near, far } = await pair("fip", 7);
    const pool = await engine.config.create("floating-ip-pool", { fq_name: [...a.fq_name, "pool"], parent_type: "virtual-network" }, ADMIN);
    const fipOf = new Map<Workload, string>();
    for (const d of [near, far]) {
      const f = await engine.config.create("floating-ip", { fq_name: [...pool.fq_name, `f-${d.port.name}`], parent_type: "floating-ip-pool", virtual_machine_interface_refs: [{ uuid: d.port.uuid }] }, ADMIN);
      fipOf.set(d, f.floating_ip_address as string);
    }
    for (const d of [near, far]) {
      await until(`FIP of ${d.port.name} in ${vrfOf(a)} on ${HERE}`, () => hasRoute(HERE, vrfOf(a), fipOf.get(d)!));
      await until(`${s.address} in the FIP VRF on ${d.host}`, () => hasRoute(d.host, vrfOf(a), s.address));
    }
    const [l, r] = [await probe(s, fipOf.get(near)!, 80), await probe(s, fipOf.get(far)!, 80)];
    same(l, r, "a → FIP");
    expect(l.verdict, l.reason).toBe("delivered");
    expect(l.delivered_to).toBe(fq("fip-near"));
    expect(r.delivered_to).toBe(fq("fip-far"));
    expect(l.rule).toMatch(/^security-group default-domain:ld:open rule 1/);

    const [bl, br] = [await probe(near, s.address, 80), await probe(far, s.address, 80)];
    same(bl, br, "port with a FIP → a (source NAT)");
    expect(bl.verdict, bl.reason).toBe("delivered");

    const [al, ar] = [await answer(s, near, l, 80), await answer(s, far, r, 80)];
    expect([al.verdict, ar.verdict], `${al.reason} / ${ar.reason}`).toEqual(["delivered", "delivered"]);
    expect(b).toBeTruthy();
  });

  it("a service VIP (ECMP floating IP of a service network joined by policy): backends on the same node, on another, on both", async () => {
    const client = await engine.config.create("virtual-network", vnBody(P, "vip-client", "10.30.9.0/24"), ADMIN);
    const svc = await engine.config.create("virtual-network", vnBody(P, "vip-svc", "10.30.10.0/24"), ADMIN);
    const pods = await engine.config.create("virtual-network", vnBody(P, "vip-pods", "10.30.11.0/24"), ADMIN);
    await policy("pol-svc", [{ direction: "<>", src: fq("vip-client"), dst: fq("vip-svc"), action: "pass" }], [client, svc]);
    const s = await workload(client, "vip-s", HERE, "open");
    const near = await workload(pods, "vip-near", HERE, "open");
    const far = await workload(pods, "vip-far", THERE, "open");
    const pool = await engine.config.create("floating-ip-pool", { fq_name: [...svc.fq_name, "vip-pool"], parent_type: "virtual-network" }, ADMIN);
    const vip = await engine.config.create("floating-ip", { fq_name: [...pool.fq_name, "vip"], parent_type: "floating-ip-pool", floating_ip_is_virtual_ip: true, virtual_machine_interface_refs: [{ uuid: near.port.uuid }] }, ADMIN);
    const address = vip.floating_ip_address as string;
    const backends = async (ws: Workload[]) => {
      await engine.config.update("floating-ip", vip.uuid, { virtual_machine_interface_refs: ws.map((w) => ({ uuid: w.port.uuid })) }, ADMIN);
      await until(`the VIP in ${vrfOf(client)} with ${ws.length} next hop(s)`, () => {
        const r = agents.get(HERE)!.routes(vrfOf(client)).find((x) => x.prefix === `${address}/32`);
        return r && r.nextHops.length === ws.length && ws.every((w) => r.nextHops.some((n) => n.node === w.host));
      });
      for (const w of ws) await until(`${s.address} in the service VRF on ${w.host}`, () => hasRoute(w.host, vrfOf(svc), s.address));
    };
    const ruleIn = `security-group ${fq("open")} rule 1 (ingress IPv4 any)`;

    await backends([near]);
    const l = await probe(s, address, 80);
    expect(l.verdict, l.reason).toBe("delivered");
    expect(l.delivered_to).toBe(fq("vip-near"));
    const la = await answer(s, near, l, 80);

    await backends([far]);
    const r = await probe(s, address, 80);
    expect(r.delivered_to).toBe(fq("vip-far"));
    same(l, r, "client → VIP");
    expect(l.rule).toBe(ruleIn);
    const ra = await answer(s, far, r, 80);
    expect([la.verdict, ra.verdict], `${la.reason} / ${ra.reason}`).toEqual(["delivered", "delivered"]);

    // both: ECMP by flow hash sends some flows to the local backend and some across
    await backends([near, far]);
    const reached = new Map<string, Outcome[]>();
    for (let i = 0; i < 24; i++) {
      const o = await probe(s, address, 80);
      expect(o.verdict, o.reason).toBe("delivered");
      expect(o.rule).toBe(ruleIn);
      reached.set(o.delivered_to, [...(reached.get(o.delivered_to) ?? []), o]);
    }
    expect([...reached.keys()].sort()).toEqual([fq("vip-far"), fq("vip-near")]);
    for (const [to, os] of reached) {
      const w = to === fq("vip-near") ? near : far;
      const back = await answer(s, w, os[0], 80);
      expect(back.verdict, `answer from ${to}: ${back.reason}`).toBe("delivered");
    }
  });

  it("the flow store has every probe with its verdict, and no drop without a named rule", async () => {
    await until("records of every probe in the store", async () => {
      await engine.analytics.collector.flush();
      const res = await engine.analytics.aggregate({ from: Date.now() - 600_000, to: Date.now() + 60_000, filter: "src_port >= 45000 AND reverse = false", groupBy: ["src_port"], metric: "records", limit: 10_000 });
      const seen = new Set(res.rows.map((x) => Number(x.key.src_port)));
      return probed.filter((p) => p.srcPort >= 45_000).every((p) => seen.has(p.srcPort));
    });
    const unnamed = await engine.analytics.aggregate({
      from: Date.now() - 600_000,
      to: Date.now() + 60_000,
      filter: 'src_port >= 45000 AND action != pass AND rule = ""',
      groupBy: ["src_port", "reason"],
      metric: "records",
      limit: 100,
    });
    expect(unnamed.rows.map((x) => x.key)).toEqual([]);
  });
});
