// One node agent as the control node sees it: its stream, what it has been sent (VRFs, ACLs,
// ports), what it subscribed to, its health. Messages to an agent are coalesced per tick so a
// burst of route changes leaves as a few large messages.
import type { Acl, ControlMessage, ControlStream, Outgoing, Port, Route, RouteKey, Stats, Vrf } from "../protocol";

export type AgentState = "Up" | "Down";

export class AgentSession {
  state: AgentState = "Down";
  stream: ControlStream | null = null;
  address = "";
  dataPort = 0;
  encapsulations: string[] = [];
  agentVersion = "";
  bootId = "";
  connectedAt: number | null = null;
  disconnectedAt: number | null = null;
  lastSeen = 0;
  lastResync: number | null = null;
  flaps = 0;
  stats: Stats | null = null;
  /** routes the agent announced (its ports' addresses) */
  announced = 0;
  readonly subscriptions = new Set<string>();
  readonly sentVrfs = new Set<string>();
  readonly sentAcls = new Set<string>();
  /** port uuid → VRF of the port as sent */
  readonly sentPorts = new Map<string, string>();
  withdrawTimer: NodeJS.Timeout | null = null;

  private outRoutes = new Map<string, Route | RouteKey>();
  private outRouteDeletes = new Set<string>();
  private flushScheduled = false;

  constructor(readonly name: string) {}

  get source(): string {
    return `agent:${this.name}`;
  }

  send(msg: Outgoing<ControlMessage>) {
    if (!this.stream || this.state !== "Up") return;
    this.stream.write(msg);
  }

  sendVrfs(add: Vrf[], del: string[] = []) {
    for (const v of add) this.sentVrfs.add(v.name);
    for (const v of del) this.sentVrfs.delete(v);
    if (add.length || del.length) this.send({ msg: "vrfs", vrfs: { add, delete: del } });
  }

  sendAcls(set: Acl[], del: string[] = []) {
    for (const a of set) this.sentAcls.add(a.name);
    for (const a of del) this.sentAcls.delete(a);
    if (set.length || del.length) this.send({ msg: "acls", acls: { set, delete: del } });
  }

  sendPorts(add: Port[], del: string[] = []) {
    for (const p of add) this.sentPorts.set(p.uuid, p.vrf);
    for (const p of del) this.sentPorts.delete(p);
    if (add.length || del.length) this.send({ msg: "ports", ports: { add, delete: del } });
  }

  /** Queues a route add/replace (route) or delete (key only) for the next flush. */
  queueRoute(vrf: string, prefix: string, route: Route | null) {
    const k = `${vrf}\u0000${prefix}`;
    if (route) {
      this.outRoutes.set(k, route);
      this.outRouteDeletes.delete(k);
    } else {
      this.outRoutes.delete(k);
      this.outRouteDeletes.add(k);
    }
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushRoutes());
    }
  }

  flushRoutes() {
    this.flushScheduled = false;
    if (!this.outRoutes.size && !this.outRouteDeletes.size) return;
    const add = [...this.outRoutes.values()] as Route[];
    const del = [...this.outRouteDeletes].map((k) => {
      const [vrf, prefix] = k.split("\u0000");
      return { vrf, prefix };
    });
    this.outRoutes.clear();
    this.outRouteDeletes.clear();
    // keep messages bounded: the agent applies them in order
    const CHUNK = 5000;
    for (let i = 0; i < add.length; i += CHUNK) this.send({ msg: "routes", routes: { add: add.slice(i, i + CHUNK), delete: [] } });
    for (let i = 0; i < del.length; i += CHUNK) this.send({ msg: "routes", routes: { add: [], delete: del.slice(i, i + CHUNK) } });
  }

  resetSent() {
    this.subscriptions.clear();
    this.sentVrfs.clear();
    this.sentAcls.clear();
    this.sentPorts.clear();
    this.outRoutes.clear();
    this.outRouteDeletes.clear();
  }
}
