// Reachability analysis, hand-written cases for each step of the pipeline, each checked against
// test traffic through real agents, and the suggestion: applying it makes the question pass
// (in the analysis and on the wire).
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentHandle, startAgent } from "../../server/engine/agent/main";
import { Engine } from "../../server/engine/engine";
import type { ConfigObject } from "../../server/engine/model/types";
import type { Probe } from "../../server/engine/reachability";
import { applyChanges } from "../../server/engine/reachability/draft";
import { ADMIN, tempDir, vnBody } from "../helpers";
import { waitFor } from "../bgp/daemons";

const P = ["default-domain", "reach"];
let engine: Engine;
let dir: string;
const agents = new Map<string, AgentHandle>();
const NODES = [
  { name: "compute-1", address: "127.0.38.1" },
  { name: "compute-2", address: "127.0.38.2" },
];
const until = <T>(what: string, f: () => T | undefined | null | false, ms = 10_000) => waitFor(what, f, ms, 50);
const bind = (host: string) => ({ virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: host }] } });

async function workload(vn: ConfigObject, name: string, host: string, sg = "default") {
  const port = await engine.config.create(
    "virtual-machine-interface",
    { fq_name: [...P, name], virtual_network_refs: [{ uuid: vn.uuid }], security_group_refs: [{ to: [...P, sg] }], ...bind(host) },
    ADMIN,
  );
  const iip = await engine.config.create("instance-ip", { virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_refs: [{ uuid: port.uuid }] }, ADMIN);
  return { port, address: iip.instance_ip_address as string };
}

const vrfOf = (vn: ConfigObject) => [...vn.fq_name, vn.name].join(":");
const routeIn = (agent: string, vrf: string, prefix: string) => agents.get(agent)!.routes(vrf).find((r) => r.prefix === prefix);
let srcPort = 41000;

/** The analysis and the agents, asked the same question (a fresh source port: no earlier flow decides). */
async function both(from: { port: ConfigObject }, dst: string, protocol: Probe["protocol"], dstPort: number) {
  const sp = srcPort++;
  const answer = await engine.reachability.ask({ portUuid: from.port.uuid, dst, protocol, srcPort: sp, dstPort });
  const wire = await engine.control.trace({ portUuid: from.port.uuid, dst, protocol, dstPort, srcPort: sp });
  return { answer, wire };
}

let red: ConfigObject;
let blue: ConfigObject;
let a: Awaited<ReturnType<typeof workload>>;
let b: Awaited<ReturnType<typeof workload>>;
let c: Awaited<ReturnType<typeof workload>>;

beforeAll(async () => {
  dir = tempDir();
  engine = await Engine.start({ dataDir: dir, agentPort: 0, holdTimeSeconds: 5 });
  for (const n of NODES) {
    agents.set(n.name, await startAgent({ ...n, control: `127.0.0.1:${engine.control.listenPort}`, dataPort: 0, log: false, initialSyncWaitMs: 200, backoffInitialMs: 200, backoffMaxMs: 1000 }));
  }
  await until("agents up", () => NODES.every((n) => engine.control.agents.get(n.name)?.state === "Up"));
  await engine.config.create("project", { fq_name: P, parent_type: "domain" }, ADMIN);
  await engine.config.create("security-group", { fq_name: [...P, "closed"], security_group_entries: { policy_rule: [] } }, ADMIN);
  red = await engine.config.create("virtual-network", vnBody(P, "red", "10.81.0.0/24"), ADMIN);
  blue = await engine.config.create("virtual-network", vnBody(P, "blue", "10.82.0.0/24"), ADMIN);
  a = await workload(red, "a", "compute-1");
  b = await workload(blue, "b", "compute-2");
  c = await workload(blue, "c", "compute-1", "closed");
  await until("routes in the agents", () => routeIn("compute-1", vrfOf(red), `${a.address}/32`) && routeIn("compute-2", vrfOf(blue), `${b.address}/32`) && routeIn("compute-1", vrfOf(blue), `${c.address}/32`));
}, 60_000);

afterAll(async () => {
  for (const ag of agents.values()) await ag.stop();
  await engine?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("reachability", () => {
  it("same network, different nodes: allowed, with the hops the agents take", async () => {
    // b (blue, compute-2) → c (blue, compute-1): c's group admits nothing, so b → c is denied at c's ingress
    const { answer, wire } = await both(b, c.address, "tcp", 80);
    expect(wire.verdict).toBe("dropped");
    expect(answer.verdict).toBe("denied");
    expect(answer.reason).toBe(wire.reason);
    expect(answer.deciding?.stage).toBe("security-group ingress");
    expect(answer.deciding?.object).toEqual({ type: "security-group", fq_name: [...P, "closed"] });
    expect(answer.deciding?.node).toBe("compute-1");
    // c → b: c's egress is closed too
    const back = await both(c, b.address, "tcp", 80);
    expect(back.wire.verdict).toBe("dropped");
    expect(back.answer.deciding?.stage).toBe("security-group egress");
  });

  it("the suggestion for a security group: applying it makes the question pass, in the analysis and on the wire", async () => {
    const { answer } = await both(b, c.address, "tcp", 8080);
    expect(answer.suggestion?.verified).toBe(true);
    expect(answer.suggestion?.changes.map((ch) => `${ch.action} ${ch.type}`)).toEqual(["update security-group"]);
    await applyChanges(engine.config, answer.suggestion!.changes, ADMIN);
    await until("the new rule reached compute-1", async () => (await engine.reachability.ask({ portUuid: b.port.uuid, dst: c.address, protocol: "tcp", srcPort: srcPort++, dstPort: 8080 })).verdict === "allowed");
    await until("the agents pass it", async () => (await engine.control.trace({ portUuid: b.port.uuid, dst: c.address, protocol: "tcp", dstPort: 8080, srcPort: srcPort++ })).verdict === "delivered");
    // only that port: 8081 is still closed
    const other = await both(b, c.address, "tcp", 8081);
    expect(other.answer.verdict).toBe("denied");
    expect(other.wire.verdict).toBe("dropped");
  });

  it("two networks without a policy: no route; the suggestion joins them with a policy attached on both sides", async () => {
    const { answer, wire } = await both(a, b.address, "tcp", 443);
    expect(wire.verdict).toBe("dropped");
    expect(answer.verdict).toBe("denied");
    expect(answer.reason).toMatch(/no route/);
    expect(answer.reason).toBe(wire.reason);
    const s = answer.suggestion!;
    expect(s.verified).toBe(true);
    expect(s.changes.map((ch) => `${ch.action} ${ch.type}`)).toEqual(["create network-policy", "update virtual-network", "update virtual-network"]);
    await applyChanges(engine.config, s.changes, ADMIN);
    await until("b's route leaked into red", () => routeIn("compute-1", vrfOf(red), `${b.address}/32`));
    const after = await both(a, b.address, "tcp", 443);
    expect(after.wire.verdict, after.wire.reason).toBe("delivered");
    expect(after.answer.verdict).toBe("allowed");
    expect(after.answer.delivered_to).toBe(after.wire.delivered_to);
    expect(after.answer.steps.map((h) => h.step)).toEqual(after.wire.hops.map((h) => h.step));
    // the rule passes 443 only: 22 is denied by the network ACL now that a policy is attached
    const ssh = await both(a, b.address, "tcp", 22);
    expect(ssh.wire.verdict).toBe("dropped");
    expect(ssh.answer.verdict).toBe("denied");
    expect(ssh.answer.deciding?.stage).toBe("network-acl");
  });

  it("a deny rule is named; the suggestion puts a pass rule before it", async () => {
    const pol = engine.config.getByFqName("network-policy", [...P, "allow-red-to-blue"])!;
    const rules = (pol.network_policy_entries as { policy_rule: unknown[] }).policy_rule;
    const deny = {
      direction: "<>",
      protocol: "tcp",
      src_addresses: [{ virtual_network: "default-domain:reach:red" }],
      dst_addresses: [{ virtual_network: "default-domain:reach:blue" }],
      dst_ports: [{ start_port: 443, end_port: 443 }],
      action_list: { simple_action: "deny" },
    };
    await engine.config.update("network-policy", pol.uuid, { network_policy_entries: { policy_rule: [deny, ...rules] } }, ADMIN);
    await until("443 denied by the agents", async () => (await engine.control.trace({ portUuid: a.port.uuid, dst: b.address, protocol: "tcp", dstPort: 443, srcPort: srcPort++ })).verdict === "dropped");
    const { answer, wire } = await both(a, b.address, "tcp", 443);
    expect(wire.verdict).toBe("dropped");
    expect(answer.reason).toBe(wire.reason);
    expect(answer.deciding).toMatchObject({ stage: "network-acl", object: { type: "network-policy", fq_name: [...P, "allow-red-to-blue"] }, rule_index: 1 });
    expect(answer.suggestion?.verified).toBe(true);
    await applyChanges(engine.config, answer.suggestion!.changes, ADMIN);
    await until("443 passes again", async () => (await engine.control.trace({ portUuid: a.port.uuid, dst: b.address, protocol: "tcp", dstPort: 443, srcPort: srcPort++ })).verdict === "delivered");
    expect((await engine.reachability.ask({ portUuid: a.port.uuid, dst: b.address, protocol: "tcp", srcPort: srcPort++, dstPort: 443 })).verdict).toBe("allowed");
  });

  it("a suggestion computed before someone else changed the object is refused on apply (409), nothing written", async () => {
    const { answer } = await both(b, c.address, "udp", 53);
    expect(answer.suggestion?.verified).toBe(true);
    const sg = engine.config.getByFqName("security-group", [...P, "closed"])!;
    await engine.config.update("security-group", sg.uuid, { display_name: "closed (edited)" }, ADMIN);
    await expect(applyChanges(engine.config, answer.suggestion!.changes, ADMIN)).rejects.toThrow(/resource_version|changed|stale/i);
    expect(engine.config.find(sg.uuid)!.display_name).toBe("closed (edited)");
  });
});
