// The flow table alone (aging, flush, capacity) and inside an offline agent's pipeline: the
// first packet decides and records the rule, later packets hit the entry, an ACL change flushes.
import { afterEach, describe, expect, it } from "vitest";
import type { Acl } from "../../server/engine/protocol/index.ts";
import { type AgentHandle, startAgent } from "../../server/engine/agent/main.ts";
import { FlowTable, flowKey } from "../../server/engine/agent/flow-table.ts";
import type { Tuple } from "../../server/engine/agent/packet.ts";
import { port, VN1, vrf } from "./harness.ts";

const tcp = (src: string, dst: string, dstPort: number, srcPort = 40000): Tuple => ({ protocol: 6, src, dst, srcPort, dstPort });
const any = [{ start: -1, end: -1 }];

function sg(name: string, denyPort: number | null): Acl {
  return {
    name,
    default_action: "deny",
    why: [],
    entries: [
      ...(denyPort === null
        ? []
        : [{ rule_uuid: "deny-ssh", action: "deny", protocol: "tcp", src: ["0.0.0.0/0"], dst: ["0.0.0.0/0"], src_ports: any, dst_ports: [{ start: denyPort, end: denyPort }], direction: "ingress", origin: `security-group ${name}` }]),
      { rule_uuid: "allow-in", action: "pass", protocol: "any", src: ["0.0.0.0/0"], dst: ["0.0.0.0/0"], src_ports: any, dst_ports: any, direction: "ingress", origin: `security-group ${name}` },
      { rule_uuid: "allow-out", action: "pass", protocol: "any", src: ["0.0.0.0/0"], dst: ["0.0.0.0/0"], src_ports: any, dst_ports: any, direction: "egress", origin: `security-group ${name}` },
    ],
  };
}

describe("FlowTable", () => {
  const base = { vrf: "v", direction: "egress" as const, action: "pass" as const, reason: "", rule: null, stages: [], nat: null, forward: null, ports: ["p1"], acls: ["a1"], vrfs: ["v"], reverse: false };
  it("ages idle entries out and keeps used ones", () => {
    let now = 1_000;
    const ft = new FlowTable({ idleMs: 100, now: () => now });
    const t1 = tcp("10.0.0.1", "10.0.0.2", 80);
    const t2 = tcp("10.0.0.1", "10.0.0.2", 81);
    ft.add({ ...base, key: flowKey("v", t1), tuple: t1 });
    ft.add({ ...base, key: flowKey("v", t2), tuple: t2 });
    now += 80;
    expect(ft.hit(flowKey("v", t1))?.packets).toBe(2);
    now += 50;
    expect(ft.age()).toBe(1);
    expect(ft.peek(flowKey("v", t1))).toBeDefined();
    expect(ft.peek(flowKey("v", t2))).toBeUndefined();
  });

  it("refuses new flows when full and flushes selectively", () => {
    const ft = new FlowTable({ maxFlows: 2 });
    for (let i = 0; i < 3; i++) {
      const t = tcp("10.0.0.1", "10.0.0.2", 80 + i);
      const added = ft.add({ ...base, key: flowKey("v", t), tuple: t, acls: [`a${i}`] });
      expect(added === null).toBe(i === 2);
    }
    expect(ft.flushWhere((e) => e.acls.includes("a1"))).toBe(1);
    expect(ft.size).toBe(1);
  });
});

describe("flow table in the pipeline (offline agent, local delivery)", () => {
  let agent: AgentHandle | null = null;
  afterEach(async () => {
    await agent?.stop();
    agent = null;
  });

  async function setup(acl: Acl) {
    agent = await startAgent({ name: "ft-1", address: "127.0.2.41", dataPort: 0, log: false });
    agent.apply({ msg: "vrfs", vrfs: { add: [vrf(VN1, 10)], delete: [] } });
    agent.apply({ msg: "acls", acls: { set: [acl], delete: [] } });
    agent.apply({ msg: "ports", ports: { add: [port("a", VN1, ["10.1.0.1"], { acls: [acl.name] }), port("b", VN1, ["10.1.0.2"], { acls: [acl.name] })], delete: [] } });
    return agent;
  }

  it("first packet decides and records the rule; later packets hit the flow", async () => {
    const a = await setup(sg("sg:default", 22));
    const first = await a.inject("a", tcp("10.1.0.1", "10.1.0.2", 80));
    expect(first.verdict).toBe("delivered");
    expect(first.flowCreated).toBe(true);
    const flow = a.flows().find((f) => !f.reverse && f.tuple.dstPort === 80)!;
    expect(flow.action).toBe("pass");
    expect(flow.rule).toMatchObject({ rule_uuid: "allow-in", origin: "security-group sg:default" });
    expect(flow.stages.map((s) => s.stage)).toEqual(["security-group egress", "security-group ingress"]);

    const second = await a.inject("a", tcp("10.1.0.1", "10.1.0.2", 80));
    expect(second.verdict).toBe("delivered");
    expect(second.flowCreated).toBe(false);
    expect(second.hops.some((h) => h.detail.startsWith("flow hit"))).toBe(true);
    expect(a.flows().find((f) => f.key === flow.key)!.packets).toBe(2);

    const denied = await a.inject("a", tcp("10.1.0.1", "10.1.0.2", 22));
    expect(denied.verdict).toBe("dropped");
    expect(denied.reason).toBe("denied by security-group sg:default rule deny-ssh");
    const deniedFlow = a.flows().find((f) => f.tuple.dstPort === 22)!;
    expect(deniedFlow).toMatchObject({ action: "deny", rule: { rule_uuid: "deny-ssh" } });
    // The answer to an allowed flow passes statefully (reverse entry), without its own ACL run.
    const reply = await a.inject("b", tcp("10.1.0.2", "10.1.0.1", 40000, 80));
    expect(reply.verdict).toBe("delivered");
    expect(reply.hops.some((h) => h.detail.includes("reverse flow"))).toBe(true);
  });

  it("an ACL change flushes the flows it decided, and the next packet re-evaluates", async () => {
    const a = await setup(sg("sg:default", null));
    expect((await a.inject("a", tcp("10.1.0.1", "10.1.0.2", 22))).verdict).toBe("delivered");
    expect(a.flows().length).toBeGreaterThan(0);
    a.apply({ msg: "acls", acls: { set: [sg("sg:default", 22)], delete: [] } });
    expect(a.flows()).toHaveLength(0);
    const again = await a.inject("a", tcp("10.1.0.1", "10.1.0.2", 22));
    expect(again.flowCreated).toBe(true);
    expect(again.verdict).toBe("dropped");
    expect(again.reason).toContain("rule deny-ssh");
  });

  it("a port whose ACL has not arrived is closed; no ACL at all is open", async () => {
    agent = await startAgent({ name: "ft-2", address: "127.0.2.42", dataPort: 0, log: false });
    agent.apply({ msg: "ports", ports: { add: [port("a", VN1, ["10.1.0.1"]), port("b", VN1, ["10.1.0.2"], { acls: ["sg:missing"] })], delete: [] } });
    expect((await agent.inject("b", tcp("10.1.0.2", "10.1.0.1", 80))).reason).toContain("sg:missing not received");
    expect((await agent.inject("a", tcp("10.1.0.1", "10.1.0.2", 81))).verdict).toBe("dropped");
    agent.apply({ msg: "ports", ports: { add: [port("b", VN1, ["10.1.0.2"])], delete: [] } });
    expect((await agent.inject("a", tcp("10.1.0.1", "10.1.0.2", 81))).verdict).toBe("delivered");
  });

  it("flows age out in the running agent", async () => {
    agent = await startAgent({ name: "ft-3", address: "127.0.2.43", dataPort: 0, log: false, flowIdleMs: 100 });
    agent.apply({ msg: "ports", ports: { add: [port("a", VN1, ["10.1.0.1"]), port("b", VN1, ["10.1.0.2"])], delete: [] } });
    agent.forward("a", tcp("10.1.0.1", "10.1.0.2", 80));
    expect(agent.flows().length).toBe(2); // forward + reverse
    await new Promise((r) => setTimeout(r, 300));
    expect(agent.flows().length).toBe(0);
    expect(agent.status().dataplane.flowsAged).toBe(2);
  });
});
