// Three agents in this process, a harness control node on 127.0.0.1, real gRPC and real UDP
// between the agents' data planes on 127.0.1.11–14.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Acl } from "../../server/engine/protocol/index.ts";
import { type AgentHandle, startAgent } from "../../server/engine/agent/main.ts";
import { type HarnessControl, port, startHarness, VN1, vrf, waitFor } from "./harness.ts";

const any = [{ start: -1, end: -1 }];
const SG_DB: Acl = {
  name: "sg:default-domain:test:db",
  default_action: "deny",
  why: [],
  entries: [
    { rule_uuid: "deny-pg", action: "deny", protocol: "tcp", src: ["0.0.0.0/0"], dst: ["0.0.0.0/0"], src_ports: any, dst_ports: [{ start: 5432, end: 5432 }], direction: "ingress", origin: "security-group default-domain:test:db" },
    { rule_uuid: "allow-in", action: "pass", protocol: "any", src: ["10.1.0.0/16"], dst: ["0.0.0.0/0"], src_ports: any, dst_ports: any, direction: "ingress", origin: "security-group default-domain:test:db" },
    { rule_uuid: "allow-out", action: "pass", protocol: "any", src: ["0.0.0.0/0"], dst: ["0.0.0.0/0"], src_ports: any, dst_ports: any, direction: "egress", origin: "security-group default-domain:test:db" },
  ],
};

let control: HarnessControl;
const agents: Record<string, AgentHandle> = {};

beforeAll(async () => {
  control = await startHarness({
    vrfs: [vrf(VN1, 10)],
    acls: [SG_DB],
    ports: {
      c1: [port("pa", VN1, ["10.1.0.1"])],
      c2: [port("pb", VN1, ["10.1.0.2"], { acls: [SG_DB.name] }), port("pv2", VN1, ["10.1.0.100"])],
      c3: [port("pc", VN1, ["10.1.0.3"]), port("pv3", VN1, ["10.1.0.100"])],
      c4: [port("pd", VN1, ["10.1.0.4"])],
    },
  });
  const start = (name: string, address: string, encapsulations?: string[]) =>
    startAgent({ name, address, dataPort: 0, control: control.address, statsIntervalMs: 200, initialSyncWaitMs: 200, encapsulations, log: false });
  agents.c1 = await start("c1", "127.0.1.11");
  agents.c2 = await start("c2", "127.0.1.12");
  agents.c3 = await start("c3", "127.0.1.13");
  agents.c4 = await start("c4", "127.0.1.14", ["VXLAN"]);
  await waitFor(() => Object.values(agents).every((a) => a.status().session === "established"), 10_000, "sessions");
  // Everyone has everyone's routes (and the VIP with two next hops).
  await waitFor(() => agents.c1.routes(VN1).find((r) => r.prefix === "10.1.0.100/32")?.nextHops.length === 2 && agents.c1.routes(VN1).length === 5, 10_000, "routes on c1");
  await waitFor(() => agents.c4.routes(VN1).length === 5 && agents.c2.routes(VN1).length === 5, 10_000, "routes on c2/c4");
});

afterAll(async () => {
  await Promise.all(Object.values(agents).map((a) => a.stop()));
  await control.stop();
});

describe("agents over a harness control node", () => {
  it("announce one route per port address with a label ≥ 16, then end-of-RIB, and subscribe", () => {
    const c2 = control.agents.get("c2")!;
    const r = c2.announced.get(`${VN1}|10.1.0.2/32`)!;
    expect(r.source).toBe("agent:c2");
    expect(r.port_uuid).toBe("pb");
    expect(r.next_hops).toHaveLength(1);
    expect(r.next_hops[0]).toMatchObject({ address: "127.0.1.12", vni: 10, node: "c2", data_port: agents.c2.dataPort });
    expect(r.next_hops[0].label).toBeGreaterThanOrEqual(16);
    expect(r.next_hops[0].encapsulations).toEqual(["MPLSoGRE", "MPLSoUDP", "VXLAN"]);
    expect(c2.endOfRib).toBe(true);
    expect([...c2.subscribed]).toEqual([VN1]);
  });

  it("delivers between two nodes and returns the path hop by hop", async () => {
    const r = await control.trace("c1", { port_uuid: "pa", dst: "10.1.0.2", protocol: "tcp", src_port: 33000, dst_port: 80, src: "" });
    expect(r.verdict).toBe("delivered");
    expect(r.delivered_to).toBe("default-domain:test:pb");
    const steps = r.hops.map((h) => `${h.node}:${h.step}`);
    expect(steps).toEqual(["c1:vrf-lookup", "c1:acl", "c1:route", "c1:encap", "c1:tunnel", "c2:decap", "c2:acl", "c2:deliver"]);
    const label = control.agents.get("c2")!.announced.get(`${VN1}|10.1.0.2/32`)!.next_hops[0].label;
    expect(r.hops[3].detail).toBe(`MPLSoGRE label ${label}`);
    expect(r.hops[4].detail).toContain(`127.0.1.12:${agents.c2.dataPort}`);
    expect(r.hops[6].detail).toContain("allow-in");
  });

  it("drops at the far end on a deny rule and names it", async () => {
    const r = await control.trace("c1", { port_uuid: "pa", dst: "10.1.0.2", protocol: "tcp", src_port: 33001, dst_port: 5432, src: "" });
    expect(r.verdict).toBe("dropped");
    expect(r.reason).toBe("denied by security-group default-domain:test:db rule deny-pg");
    expect(r.hops.at(-1)).toMatchObject({ node: "c2", step: "drop" });
    const flow = agents.c2.flows().find((f) => f.tuple.dstPort === 5432)!;
    expect(flow).toMatchObject({ action: "deny", direction: "ingress", rule: { rule_uuid: "deny-pg", origin: "security-group default-domain:test:db" } });
  });

  it("spreads flows to an ECMP destination over both next hops, each flow staying on its path", async () => {
    const seen: Record<string, number> = {};
    for (let i = 0; i < 60; i++) {
      const r = await agents.c1.inject("pa", { protocol: 6, src: "10.1.0.1", dst: "10.1.0.100", srcPort: 20_000 + i, dstPort: 443 });
      expect(r.verdict).toBe("delivered");
      seen[r.delivered_to] = (seen[r.delivered_to] ?? 0) + 1;
      expect(r.hops.find((h) => h.step === "route")!.detail).toMatch(/ECMP [12]\/2 by flow hash/);
    }
    expect(Object.keys(seen).sort()).toEqual(["default-domain:test:pv2", "default-domain:test:pv3"]);
    expect(Math.min(...Object.values(seen))).toBeGreaterThan(10);
    const again = await agents.c1.inject("pa", { protocol: 6, src: "10.1.0.1", dst: "10.1.0.100", srcPort: 20_000, dstPort: 443 });
    const first = await agents.c1.inject("pa", { protocol: 6, src: "10.1.0.1", dst: "10.1.0.100", srcPort: 20_000, dstPort: 443 });
    expect(again.delivered_to).toBe(first.delivered_to);
  });

  it("uses VXLAN (the VNI names the VRF) towards an agent that only supports VXLAN", async () => {
    const r = await control.trace("c1", { port_uuid: "pa", dst: "10.1.0.4", protocol: "udp", src_port: 5000, dst_port: 53, src: "" });
    expect(r.verdict).toBe("delivered");
    expect(r.hops.find((h) => h.step === "encap")!.detail).toBe("VXLAN vni 10");
    expect(r.hops.find((h) => h.node === "c4" && h.step === "route")!.detail).toContain("port default-domain:test:pd");
  });

  it("drops without a route, and a wrong label really drops at the far end", async () => {
    const none = await control.trace("c1", { port_uuid: "pa", dst: "10.9.9.9", protocol: "tcp", src_port: 1, dst_port: 2, src: "" });
    expect(none).toMatchObject({ verdict: "dropped", reason: `no route to 10.9.9.9 in ${VN1}` });

    control.addStaticRoute({ vrf: VN1, prefix: "10.1.0.77/32", next_hops: [{ address: "127.0.1.12", label: 999, vni: 0, encapsulations: ["MPLSoUDP"], node: "c2", data_port: agents.c2.dataPort }], source: "test", why: [], port_uuid: "" });
    await waitFor(() => agents.c1.routes(VN1).some((r) => r.prefix === "10.1.0.77/32"), 5_000, "wrong route");
    const wrong = await control.trace("c1", { port_uuid: "pa", dst: "10.1.0.77", protocol: "tcp", src_port: 1, dst_port: 2, src: "" });
    expect(wrong).toMatchObject({ verdict: "dropped", reason: "unknown label 999" });
    expect(wrong.hops.find((h) => h.step === "encap")!.detail).toBe("MPLSoUDP label 999");
    expect(wrong.hops.at(-1)!.node).toBe("c2");

    // A label that exists but belongs to another port must not deliver there either.
    const pbLabel = control.agents.get("c2")!.announced.get(`${VN1}|10.1.0.2/32`)!.next_hops[0].label;
    control.addStaticRoute({ vrf: VN1, prefix: "10.1.0.78/32", next_hops: [{ address: "127.0.1.12", label: pbLabel, vni: 0, encapsulations: [], node: "c2", data_port: agents.c2.dataPort }], source: "test", why: [], port_uuid: "" });
    await waitFor(() => agents.c1.routes(VN1).some((r) => r.prefix === "10.1.0.78/32"), 5_000, "mislabelled route");
    const mis = await control.trace("c1", { port_uuid: "pa", dst: "10.1.0.78", protocol: "tcp", src_port: 1, dst_port: 2, src: "" });
    expect(mis.verdict).toBe("dropped");
    expect(mis.reason).toContain("does not own 10.1.0.78");
  });

  it("loses a packet sent to an endpoint where no agent listens", async () => {
    control.addStaticRoute({ vrf: VN1, prefix: "10.1.0.88/32", next_hops: [{ address: "127.0.1.19", label: 20, vni: 0, encapsulations: [], node: "ghost", data_port: 16999 }], source: "test", why: [], port_uuid: "" });
    await waitFor(() => agents.c1.routes(VN1).some((r) => r.prefix === "10.1.0.88/32"), 5_000, "ghost route");
    const t0 = Date.now();
    const r = await control.trace("c1", { port_uuid: "pa", dst: "10.1.0.88", protocol: "tcp", src_port: 1, dst_port: 2, src: "" });
    expect(r).toMatchObject({ verdict: "lost", reason: "no answer from 127.0.1.19:16999" });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(950);
  });

  it("withdraws a deleted port's route everywhere, and unsubscribes with the last port of a VRF", async () => {
    control.deletePort("c4", "pd");
    await waitFor(() => !agents.c1.routes(VN1).some((r) => r.prefix === "10.1.0.4/32"), 5_000, "withdrawal on c1");
    const r = await control.trace("c1", { port_uuid: "pa", dst: "10.1.0.4", protocol: "tcp", src_port: 1, dst_port: 2, src: "" });
    expect(r.reason).toBe(`no route to 10.1.0.4 in ${VN1}`);
    await waitFor(() => control.agents.get("c4")!.subscribed.size === 0, 5_000, "unsubscribe");
    expect(agents.c4.routes(VN1)).toHaveLength(0);
  });

  it("reports stats to the control node", async () => {
    await waitFor(() => (control.agents.get("c1")?.stats.length ?? 0) > 0, 5_000, "stats");
    const s = control.agents.get("c1")!.stats.at(-1)!;
    expect(s.ports).toBe(1);
    expect(Number(s.packets_forwarded)).toBeGreaterThan(0);
  });
});
