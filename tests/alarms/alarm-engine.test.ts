// The alarm engine on plain snapshots: rules raise, clear and describe; acknowledgement needs the
// current raise's token; counters are compared over the window; Contrail's list shape.
import { describe, expect, it } from "vitest";
import { AlarmEngine, type AlarmInputs } from "../../server/engine/alarms";
import { NetworkAllocator } from "../../server/engine/ipam/allocator";
import { normalizeIpamSubnet } from "../../server/engine/ipam/subnet";

const base = (at: number, patch: Partial<AlarmInputs> = {}): AlarmInputs => ({
  at,
  controlNode: { name: "ctl", bgpEnabled: false, bgpListening: false, bgpError: null },
  computeNodes: [
    { name: "compute-1", configured: true, state: "Up", everConnected: true, agentDroppedRecords: 0, collectorDropped: 0 },
    { name: "compute-2", configured: true, state: "Up", everConnected: true, agentDroppedRecords: 0, collectorDropped: 0 },
  ],
  bgpPeers: [],
  collector: { queued: 0, dropped: 0, insertErrors: 0, lastError: "" },
  networks: [],
  ...patch,
});

function engineAt() {
  let t = 1_000_000;
  const e = new AlarmEngine(() => base(t), { now: () => t });
  return { e, advance: (ms: number) => (t += ms), now: () => t };
}

describe("alarm engine", () => {
  it("raises NodeStatus only after the node stayed down 3 s, clears it when the agent is back", () => {
    const { e, advance, now } = engineAt();
    const down = () => base(now(), { computeNodes: [{ name: "compute-2", configured: true, state: "Down", everConnected: true, agentDroppedRecords: 0, collectorDropped: 0 }] });
    expect(e.tick(down())).toEqual([]);
    advance(2_000);
    expect(e.tick(down())).toEqual([]);
    advance(1_500);
    const [a] = e.tick(down());
    expect(a).toMatchObject({ table: "vrouter", name: "compute-2", type: "NodeStatus", severity: 0, state: "raised", href: "/infrastructure/compute-nodes/compute-2" });
    expect(a.description).toContain("disconnected");
    advance(2_000);
    expect(e.tick(base(now()))).toEqual([]);
    const history = e.list({ cleared: true });
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ state: "cleared", clearedAt: now() });
  });

  it("a node that never connected gets 30 s to start before its alarm", () => {
    const { e, advance, now } = engineAt();
    const never = () => base(now(), { computeNodes: [{ name: "compute-3", configured: true, state: "Down", everConnected: false, agentDroppedRecords: 0, collectorDropped: 0 }] });
    e.tick(never());
    advance(20_000);
    expect(e.tick(never())).toEqual([]);
    advance(11_000);
    expect(e.tick(never())[0]).toMatchObject({ type: "NodeStatus", description: "compute node compute-3: configured, but its agent never connected" });
  });

  it("a node that comes back before 3 s raises nothing", () => {
    const { e, advance, now } = engineAt();
    const down = base(now(), { computeNodes: [{ name: "compute-1", configured: true, state: "Down", everConnected: true, agentDroppedRecords: 0, collectorDropped: 0 }] });
    e.tick(down);
    advance(2_000);
    e.tick(base(now()));
    advance(2_000);
    expect(e.tick({ ...down, at: now() })).toEqual([]);
    expect(e.list({ cleared: true })).toEqual([]);
  });

  it("acknowledges with the listed token only; a new raise needs a new acknowledgement", () => {
    const { e, advance, now } = engineAt();
    const full = () => base(now(), { networks: [{ uuid: "u1", fqName: "default-domain:p:vn", subnets: [{ cidr: "10.0.0.0/29", total: 5, used: 5 }] }] });
    const [a] = e.tick(full());
    expect(a).toMatchObject({ table: "virtual-network", type: "AddressPoolUsage", severity: 1 });
    expect(a.description).toBe("default-domain:p:vn: 10.0.0.0/29 5 of 5 pool addresses in use (100 %)");
    expect(() => e.acknowledge({ table: a.table, name: a.name, type: a.type, token: "bm9wZQ==" }, "op@x")).toThrow(/token/);
    expect(() => e.acknowledge({ table: a.table, name: "other", type: a.type, token: a.token }, "op@x")).toThrow(/no raised AddressPoolUsage alarm/);
    const acked = e.acknowledge({ table: a.table, name: a.name, type: a.type, token: a.token }, "op@x");
    expect(acked).toMatchObject({ state: "acknowledged", acknowledgedBy: "op@x" });
    expect(e.list({ acknowledged: false })).toEqual([]);
    // still holding: stays acknowledged
    advance(2_000);
    expect(e.tick(full())[0].state).toBe("acknowledged");
    // clears, then comes back: a new raise, unacknowledged, with a new token
    advance(2_000);
    e.tick(base(now()));
    advance(2_000);
    const [again] = e.tick(full());
    expect(again.state).toBe("raised");
    expect(again.token).not.toBe(a.token);
    expect(() => e.acknowledge({ table: a.table, name: a.name, type: a.type, token: a.token }, "op@x")).toThrow(/earlier raise/);
  });

  it("pools at 90 % or less raise nothing; above 90 % a minor alarm", () => {
    const { e, now } = engineAt();
    const at = (used: number) => base(now(), { networks: [{ uuid: "u", fqName: "d:p:vn", subnets: [{ cidr: "10.0.0.0/24", total: 100, used }] }] });
    expect(e.tick(at(90))).toEqual([]);
    expect(e.tick(at(91))[0]).toMatchObject({ severity: 2, type: "AddressPoolUsage" });
  });

  it("counts agent and collector drops over the window, not since ever", () => {
    const { e, advance, now } = engineAt();
    const drops = (agent: number) => base(now(), { computeNodes: [{ name: "compute-1", configured: true, state: "Up", everConnected: true, agentDroppedRecords: agent, collectorDropped: 0 }] });
    expect(e.tick(drops(0))).toEqual([]);
    advance(2_000);
    const [a] = e.tick(drops(40));
    expect(a).toMatchObject({ type: "FlowExportDrops", name: "compute-1" });
    expect(a.description).toContain("dropped 40 flow records");
    // no new drops for a minute: cleared
    for (let i = 0; i < 31; i++) {
      advance(2_000);
      e.tick(drops(40));
    }
    expect(e.list()).toEqual([]);
  });

  it("BGP: not Established for 30 s raises BgpConnectivity; a max-prefix hold raises BgpMaxPrefix at once; admin down raises nothing", () => {
    const { e, advance, now } = engineAt();
    const peer = (state: string, stateReason: string | null = null, adminDown = false) =>
      base(now(), { bgpPeers: [{ uuid: "b1", name: "gw", fqName: "d:p:ip-fabric:__default__:gw", address: "127.0.0.2", adminDown, state, stateReason, lastError: "Connection refused" }] });
    expect(e.tick(peer("Active"))).toEqual([]);
    advance(31_000);
    const [a] = e.tick(peer("Active"));
    expect(a).toMatchObject({ table: "bgp-peer", type: "BgpConnectivity", description: "BGP peer gw (127.0.0.2) is Active: Connection refused" });
    advance(2_000);
    const [m] = e.tick(peer("Idle", "maximum prefixes reached: 12 > 10"));
    expect(m).toMatchObject({ type: "BgpMaxPrefix" });
    expect(e.list()).toHaveLength(1);
    advance(2_000);
    expect(e.tick(peer("Idle", "admin down", true))).toEqual([]);
  });

  it("flow-store backlog above 100,000 queued records", () => {
    const { e, now } = engineAt();
    const [a] = e.tick(base(now(), { collector: { queued: 150_000, dropped: 0, insertErrors: 0, lastError: "" } }));
    expect(a).toMatchObject({ table: "analytics-node", type: "CollectorBacklog", href: "/monitor/flows" });
    expect(a.description).toContain("150,000 flow records waiting");
  });

  it("lists in Contrail's /analytics/alarms shape", () => {
    const { e, advance, now } = engineAt();
    const down = () => base(now(), { computeNodes: [{ name: "compute-2", configured: true, state: "Down", everConnected: false, agentDroppedRecords: 0, collectorDropped: 0 }] });
    e.tick(down());
    advance(31_000);
    const [a] = e.tick(down());
    const view = e.contrailView();
    expect(Object.keys(view)).toEqual(["vrouter"]);
    expect(view.vrouter[0].name).toBe("compute-2");
    expect(view.vrouter[0].value.UVEAlarms.alarms[0]).toMatchObject({ type: "NodeStatus", severity: 0, ack: false, timestamp: a.raisedAt * 1000, token: a.token, weft_state: "raised" });
    expect(e.contrailView({ acknowledged: true })).toEqual({});
  });

  it("a rule input that throws leaves the alarms as they were and says why", () => {
    const e = new AlarmEngine(() => {
      throw new Error("snapshot failed");
    });
    expect(e.tick()).toEqual([]);
    expect(e.lastError).toBe("snapshot failed");
  });
});

describe("allocator usage", () => {
  it("counts addresses handed out from the pools against the pools' size", () => {
    const plan = normalizeIpamSubnet({ subnet: { ip_prefix: "10.9.0.0", ip_prefix_len: 29 }, subnet_uuid: "s1" }, "s");
    if (!plan.ok) throw new Error(JSON.stringify(plan.issues));
    const a = new NetworkAllocator("vn", "vn", [plan.plan]);
    const before = a.usage()[0];
    expect(before).toMatchObject({ subnetUuid: "s1", cidr: "10.9.0.0/29", used: 0 });
    a.allocate("p1");
    a.allocate("p2");
    expect(a.usage()[0].used).toBe(2);
    expect(a.usage()[0].total).toBe(before.total);
    // a /29: 6 usable addresses, less the gateway and the DNS address
    expect(before.total).toBe(4);
  });
});
