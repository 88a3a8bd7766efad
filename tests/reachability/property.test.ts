// Proof that the analysis is right: random configs (networks, policies attached on one side or
// both, pass/deny rules on ports and protocols, security groups, floating IPs), and for each the
// same random probes asked of the analysis and sent as test traffic through real agents. Both
// must give the same verdict and the same deciding rule, every time.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentHandle, startAgent } from "../../server/engine/agent/main";
import { flowKey } from "../../server/engine/agent/flow-table";
import { protocolNumber } from "../../server/engine/agent/packet";
import { Engine } from "../../server/engine/engine";
import type { ConfigObject } from "../../server/engine/model/types";
import type { Probe } from "../../server/engine/reachability";
import { ADMIN, tempDir, vnBody } from "../helpers";
import { waitFor } from "../bgp/daemons";

/** Configs and probes per config (≥ 50 × 40 = 2,000 probes); WEFT_REACH_CONFIGS raises it for a longer run. */
const CONFIGS = Number(process.env.WEFT_REACH_CONFIGS ?? 50);
const PROBES = Number(process.env.WEFT_REACH_PROBES ?? 40);
const SEED = Number(process.env.WEFT_REACH_SEED ?? 20261208);

const NODES = [
  { name: "compute-1", address: "127.0.38.11" },
  { name: "compute-2", address: "127.0.38.12" },
  { name: "compute-3", address: "127.0.38.13" },
];
let engine: Engine;
let dir: string;
const agents = new Map<string, AgentHandle>();

/** mulberry32: a small seeded generator, so a failure names a seed that reproduces it */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    chance: (p: number) => next() < p,
  };
}
type Rng = ReturnType<typeof rng>;

const bind = (host: string) => ({ virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: host }] } });
const PORTS = [22, 80, 443, 8080] as const;
const PROTOS = ["tcp", "udp", "icmp"] as const;

interface Built {
  project: string[];
  ports: { port: ConfigObject; address: string; vn: string }[];
  fips: string[];
}

async function buildConfig(i: number, r: Rng): Promise<Built> {
  const project = ["default-domain", `prop-${i}`];
  const fq = (n: string) => [...project, n].join(":");
  await engine.config.create("project", { fq_name: project, parent_type: "domain" }, ADMIN);
  const nVn = 2 + r.int(2);
  const vns: ConfigObject[] = [];
  for (let v = 0; v < nVn; v++) vns.push(await engine.config.create("virtual-network", vnBody(project, `vn${v}`, `10.${100 + (i % 100)}.${v}.0/24`), ADMIN));
  // security groups: the default one (members in, all out), one that admits a port from anywhere, one closed
  const open80 = PORTS[r.int(PORTS.length)];
  await engine.config.create(
    "security-group",
    {
      fq_name: [...project, "web"],
      security_group_entries: {
        policy_rule: [
          { direction: ">", protocol: "tcp", ethertype: "IPv4", src_addresses: [{ subnet: { ip_prefix: "0.0.0.0", ip_prefix_len: 0 } }], dst_addresses: [{ security_group: "local" }], dst_ports: [{ start_port: open80, end_port: open80 }] },
          { direction: ">", protocol: "any", ethertype: "IPv4", src_addresses: [{ security_group: "local" }], dst_addresses: [{ subnet: { ip_prefix: "0.0.0.0", ip_prefix_len: 0 } }] },
        ],
      },
    },
    ADMIN,
  );
  await engine.config.create("security-group", { fq_name: [...project, "closed"], security_group_entries: { policy_rule: [] } }, ADMIN);
  // policies: random rules between random pairs, attached to one side or both
  const nPol = r.int(3);
  for (let p = 0; p < nPol; p++) {
    const rules = [];
    for (let k = 0, n = 1 + r.int(3); k < n; k++) {
      const a = r.pick(vns);
      const b = r.pick(vns.filter((x) => x !== a));
      const proto = r.pick(["any", "tcp", "udp", "icmp"] as const);
      rules.push({
        direction: r.pick(["<>", ">"] as const),
        protocol: proto,
        src_addresses: [{ virtual_network: fq(a.name) }],
        dst_addresses: [{ virtual_network: fq(b.name) }],
        ...(proto === "tcp" || proto === "udp" ? { dst_ports: r.chance(0.5) ? [{ start_port: -1, end_port: -1 }] : [{ start_port: r.pick(PORTS), end_port: r.pick(PORTS) }].map((x) => ({ start_port: Math.min(x.start_port, x.end_port), end_port: Math.max(x.start_port, x.end_port) })) } : {}),
        action_list: { simple_action: r.chance(0.7) ? "pass" : "deny" },
      });
    }
    const pol = await engine.config.create("network-policy", { fq_name: [...project, `pol${p}`], network_policy_entries: { policy_rule: rules } }, ADMIN);
    for (const vn of vns) {
      if (!r.chance(0.6)) continue;
      const cur = engine.config.find(vn.uuid)!;
      const refs = [...((cur.network_policy_refs as { uuid: string }[] | undefined) ?? []).map((x) => ({ uuid: x.uuid })), { uuid: pol.uuid }];
      await engine.config.update("virtual-network", vn.uuid, { network_policy_refs: refs }, ADMIN);
    }
  }
  const ports: Built["ports"] = [];
  for (let k = 0, n = 3 + r.int(3); k < n; k++) {
    const vn = r.pick(vns);
    const sg = r.pick(["default", "default", "web", "closed"] as const);
    const port = await engine.config.create(
      "virtual-machine-interface",
      { fq_name: [...project, `p${k}`], virtual_network_refs: [{ uuid: vn.uuid }], security_group_refs: [{ to: [...project, sg] }], ...bind(r.pick(NODES).name) },
      ADMIN,
    );
    const iip = await engine.config.create("instance-ip", { virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_refs: [{ uuid: port.uuid }] }, ADMIN);
    ports.push({ port, address: iip.instance_ip_address as string, vn: fq(vn.name) });
  }
  // sometimes a floating IP from a pool on one network for a port on another
  const fips: string[] = [];
  if (vns.length > 1 && r.chance(0.5)) {
    const poolVn = vns[0];
    const pool = await engine.config.create("floating-ip-pool", { fq_name: [...poolVn.fq_name, "pool"], parent_type: "virtual-network" }, ADMIN);
    const target = ports.find((p) => p.vn !== fq(poolVn.name));
    if (target) {
      const fip = await engine.config.create(
        "floating-ip",
        { fq_name: [...pool.fq_name, "fip"], parent_type: "floating-ip-pool", virtual_machine_interface_refs: [{ uuid: target.port.uuid }], project_refs: [{ to: project }] },
        ADMIN,
      );
      fips.push(fip.floating_ip_address as string);
    }
  }
  return { project, ports, fips };
}

/** Every agent holds what the control node would send it: ACLs, ports' VRFs' routes. */
function converged(): boolean {
  return convergedWhy() === "";
}

let lastWhy = "";
function convergedWhy(): string {
  lastWhy = convergedWhy2();
  return lastWhy;
}

/** ACL entries compared field by field (the wire decoder orders an object's keys as the .proto does) */
const canon = (es: { rule_uuid: string; action: string; protocol: string; src: string[]; dst: string[]; src_ports: { start: number; end: number }[]; dst_ports: { start: number; end: number }[] }[]) =>
  JSON.stringify(es.map((e) => [e.rule_uuid, e.action, e.protocol, e.src, e.dst, e.src_ports.map((p) => [p.start, p.end]), e.dst_ports.map((p) => [p.start, p.end])]));

function convergedWhy2(): string {
  const c = engine.compiler.state;
  for (const [name, agent] of agents) {
    const ports = engine.compiler.portsOnHost(name);
    if (agent.state.ports.size !== ports.length) return "check 1 " + name;
    for (const p of ports) {
      const have = agent.state.ports.get(p.uuid);
      if (!have || JSON.stringify(have.addresses) !== JSON.stringify(p.addresses) || JSON.stringify(have.floating_ips) !== JSON.stringify(p.floatingIps) || have.network_acl !== p.networkAcl) return "check 2 " + name;
      for (const n of [p.networkAcl, ...p.acls]) {
        const want = c.acls.get(n);
        const got = agent.state.acls.get(n);
        if (!want || !got || canon(got.acl.entries) !== canon(want.entries) || got.acl.default_action !== want.default_action) return "check 3 " + name;
      }
    }
    for (const vrf of agent.state.wantedVrfs()) {
      const table = engine.control.rib.tables.get(vrf);
      const fib = agent.routes(vrf);
      if ((table?.size ?? 0) !== fib.length) return "check 4 " + name;
      for (const r of fib) {
        const best = table?.get(r.prefix);
        const hops = (l: { address: string; label: number }[]) => l.map((n) => `${n.address}/${n.label}`).sort().join();
        if (!best || hops(best.nextHops) !== hops(r.nextHops)) return "check 5 " + name;
      }
    }
  }
  return engine.control.agents.size === NODES.length && [...engine.control.agents.values()].every((s) => s.state === "Up") ? "" : "agents";
}

/** The rule the agents' flow entries recorded for this probe: the deny, or the last rule that passed it. */
function wireDecision(src: { port: ConfigObject }, probe: Probe): { action: string; rule_uuid: string } | null {
  const compiled = engine.compiler.state.ports.get(src.port.uuid)!;
  const proto = protocolNumber(probe.protocol)!;
  const tuple = { protocol: proto, src: compiled.addresses[0], dst: probe.dst, srcPort: probe.srcPort, dstPort: probe.dstPort };
  const first = agents.get(compiled.host)!.flows().find((f) => f.key === flowKey(compiled.vrf, tuple));
  const stages = [...(first?.stages ?? [])];
  // the destination node's ingress flow, if the packet went through a tunnel
  for (const a of agents.values()) {
    if (a.name === compiled.host) continue;
    for (const f of a.flows()) if (!f.reverse && f.direction === "ingress" && f.tuple.srcPort === probe.srcPort && f.tuple.protocol === proto && f.tuple.dstPort === probe.dstPort) stages.push(...f.stages);
  }
  const deny = stages.find((s) => s.action === "deny");
  if (deny) return { action: "deny", rule_uuid: deny.rule_uuid };
  const last = stages.filter((s) => s.rule_uuid).at(-1);
  return last ? { action: "pass", rule_uuid: last.rule_uuid } : null;
}

beforeAll(async () => {
  dir = tempDir();
  engine = await Engine.start({ dataDir: dir, agentPort: 0, holdTimeSeconds: 10 });
  for (const n of NODES) {
    agents.set(n.name, await startAgent({ ...n, control: `127.0.0.1:${engine.control.listenPort}`, dataPort: 0, log: false, flowExport: false, initialSyncWaitMs: 100, backoffInitialMs: 200, backoffMaxMs: 1000, replyTimeoutMs: 3000 }));
  }
  await waitFor("agents up", () => NODES.every((n) => engine.control.agents.get(n.name)?.state === "Up"), 10_000, 50);
}, 60_000);

afterAll(async () => {
  for (const ag of agents.values()) await ag.stop();
  await engine?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("reachability analysis = test traffic through real agents", () => {
  it(`${CONFIGS} random configs × ${PROBES} probes: same verdict and same deciding rule`, async () => {
    const r = rng(SEED);
    let probes = 0;
    let allowed = 0;
    let srcPort = 20000;
    const mismatches: string[] = [];
    for (let i = 0; i < CONFIGS; i++) {
      const built = await buildConfig(i, r);
      let stable = 0;
      // converged, and still so 150 ms later (no update still on its way)
      await waitFor(`config ${i} in every agent`, () => (converged() ? ++stable >= 4 : (stable = 0) > 0), 20_000, 50).catch((e) => { throw new Error(`${(e as Error).message}: ${lastWhy}`); });
      const targets = [...built.ports.map((p) => p.address), ...built.fips, `10.${100 + (i % 100)}.9.9`];
      for (let k = 0; k < PROBES; k++) {
        const src = r.pick(built.ports);
        const protocol = r.pick(PROTOS);
        const probe: Probe = { portUuid: src.port.uuid, dst: r.pick(targets), protocol, srcPort: srcPort++, dstPort: protocol === "icmp" ? 0 : r.pick(PORTS) };
        let answer = await engine.reachability.ask(probe, { suggest: false });
        let wire = await engine.control.trace({ portUuid: probe.portUuid!, dst: probe.dst, protocol, srcPort: probe.srcPort, dstPort: probe.dstPort });
        let d = wireDecision(src, probe);
        // the agents' flow entry went (a late update flushed it) before we read it: ask both again, afresh
        for (let retry = 0; retry < 2 && !d && wire.hops.some((h) => h.step === "acl"); retry++) {
          probe.srcPort = srcPort++;
          answer = await engine.reachability.ask(probe, { suggest: false });
          wire = await engine.control.trace({ portUuid: probe.portUuid!, dst: probe.dst, protocol, srcPort: probe.srcPort, dstPort: probe.dstPort });
          d = wireDecision(src, probe);
        }
        probes++;
        const wireVerdict = wire.verdict === "delivered" ? "allowed" : "denied";
        if (wireVerdict === "allowed") allowed++;
        const same = answer.verdict === wireVerdict && (wireVerdict === "allowed" || answer.reason === wire.reason) && (answer.deciding?.rule_uuid ?? null) === (d ? d.rule_uuid : null);
        if (!same) mismatches.push(`seed ${SEED} config ${i} probe ${k}: ${probe.protocol} ${src.address}:${probe.srcPort} → ${probe.dst}:${probe.dstPort}: analysis ${answer.verdict} (${answer.reason}; rule ${answer.deciding?.rule_uuid ?? "-"}) vs agents ${wire.verdict} (${wire.reason}; rule ${d?.rule_uuid ?? "-"})`);
      }
    }
    expect(mismatches.slice(0, 10), `${mismatches.length} of ${probes} probes differ`).toEqual([]);
    expect(probes).toBeGreaterThanOrEqual(CONFIGS * PROBES);
    // both outcomes occur in numbers: the test exercises passes and drops alike
    expect(allowed).toBeGreaterThan(probes * 0.1);
    expect(probes - allowed).toBeGreaterThan(probes * 0.1);
  }, 900_000);
});
