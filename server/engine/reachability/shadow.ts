// Shadow agents: for each compute node a question involves, the agent's own state (AgentState)
// and data plane (SimDataPlane) fed with exactly what the control node sends that node — its
// ports, their VRFs and ACLs, the routes of those VRFs, the labels its agent announced — joined
// by an in-memory network instead of UDP. A packet "sent" here runs the very code the agents
// run, so the verdict, the hops and the deciding rule are the agents' own, and no packet leaves
// the process.
import { SimDataPlane } from "../agent/dataplane/sim.ts";
import { MemoryNetwork } from "../agent/dataplane/transport.ts";
import type { FlowEntry } from "../agent/flow-table.ts";
import { AgentState } from "../agent/state.ts";
import { toPort, toVrf } from "../control/control-node";
import type { Acl, TraceRequest, TraceResult, Vrf } from "../protocol";
import { type World, routesOf } from "./world";

export interface Shadow {
  name: string;
  state: AgentState;
  dataplane: SimDataPlane;
}

/** How long a shadow waits for a far end that does not exist before calling the packet lost. */
const REPLY_TIMEOUT_MS = 200;

export class ShadowFabric {
  private readonly net = new MemoryNetwork();
  private readonly shadows = new Map<string, Shadow>();

  /**
   * `focus`: build shadows with only the ports a question can touch — the source port and the
   * ports owning one of these addresses (fixed, floating or VIP) — for the throwaway fabrics of
   * draft worlds; the live fabric (shared by every question) holds every port.
   */
  constructor(
    readonly world: World,
    private readonly focus: { port: string; addresses: Set<string> } | null = null,
  ) {
    // a datagram to a node without a shadow yet: build it (its endpoint binds synchronously)
    this.net.resolve = (address, port) => {
      const name = this.world.nodeAt(address, port);
      if (name && !this.shadows.has(name)) this.node(name);
    };
  }

  /** The shadow of a compute node, built on first use; null when nothing is known of the node. */
  node(name: string): Shadow | null {
    const have = this.shadows.get(name);
    if (have) return have;
    const id = this.world.node(name);
    if (!id) return null;
    const state = new AgentState({ name, address: id.address, dataPort: id.dataPort, encapsulations: id.encapsulations });
    const g = this.world.globals;
    state.setGlobal({ encapsulation_priority: g.encapsulationPriority, autonomous_system: g.autonomousSystem });
    const f = this.focus;
    const all = this.world.portsOnHost(name);
    const ports = f ? all.filter((p) => p.uuid === f.port || p.addresses.some((a) => f.addresses.has(a)) || p.floatingIps.some((x) => f.addresses.has(x.address))) : all;
    // the labels its agent gave its ports, so routes elsewhere that name them reach the same ports
    for (const [uuid, label] of this.world.labels(name)) state.labels.assign(uuid, label);
    const vrfs = new Map<string, Vrf>();
    const acls = new Map<string, Acl>();
    for (const p of ports) {
      const ris = [this.world.instanceOfNetwork(p.networkUuid), ...p.floatingIps.map((f) => this.world.instanceByName(f.vrf))];
      for (const ri of ris) if (ri && !vrfs.has(ri.name)) vrfs.set(ri.name, toVrf(ri));
      for (const n of [p.networkAcl, ...p.acls]) {
        const acl = n ? this.world.acl(n) : undefined;
        if (acl) acls.set(n, acl);
      }
    }
    state.applyVrfs([...vrfs.values()], []);
    state.applyAcls([...acls.values()], []);
    state.applyPorts(ports.map(toPort), []);
    for (const vrf of state.wantedVrfs()) state.applyRoutes(routesOf(this.world, vrf), []);
    const dataplane = new SimDataPlane(state, { transport: this.net.transport(), replyTimeoutMs: REPLY_TIMEOUT_MS });
    // binds synchronously (the in-memory endpoint exists before start() returns)
    void dataplane.start();
    const s: Shadow = { name, state, dataplane };
    this.shadows.set(name, s);
    return s;
  }

  /** Every flow entry the shadows hold (after `reset`, only those of the packets since), `first`'s first: the path's order. */
  flows(first: string): { node: string; flow: FlowEntry }[] {
    const out: { node: string; flow: FlowEntry }[] = [];
    const nodes = [...this.shadows.values()].sort((a, b) => Number(b.name === first) - Number(a.name === first));
    for (const s of nodes) for (const f of s.dataplane.flows()) out.push({ node: s.name, flow: f });
    return out;
  }

  /** Forget every flow: the next packet is decided afresh, as a new connection would be. */
  reset() {
    for (const s of this.shadows.values()) if (s.dataplane.stats().flows > 0) s.dataplane.flushFlows();
  }

  trace(node: string, req: TraceRequest): Promise<TraceResult> {
    const s = this.node(node);
    if (!s) return Promise.resolve({ id: req.id, verdict: "dropped", reason: `compute node ${node} is unknown (no agent ever connected and no virtual-router address)`, hops: [], delivered_to: "" });
    return s.dataplane.trace(req);
  }

  async close() {
    for (const s of this.shadows.values()) await s.dataplane.stop();
    this.shadows.clear();
  }
}
