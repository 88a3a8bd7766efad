// One node agent as the control node sees it: its stream, what it has been sent (VRFs, ACLs,
// ports), what it subscribed to, its health. Route updates do not queue here: the control node
// encodes them once per routing instance and writes the same bytes to every subscriber.
import type { Acl, ControlMessage, ControlStream, Encoded, Outgoing, Port, Stats, Vrf } from "../protocol";

export type AgentState = "Up" | "Down";

/** Something the control node refused from a compute node (issue 14), kept for the console. */
export interface Refusal {
  at: number;
  what: string;
  peer: string;
}

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
  /** transport peer (ip:port) of the current or last session */
  peer = "";
  /** serial of the certificate the current or last session presented */
  certSerial = "";
  /** announced routes / flow records refused (not bound to this node in the config), cumulative */
  refusedRoutes = 0;
  refusedFlowRecords = 0;
  /** the last refusals (routes, flow records, connections under this identity), newest last */
  readonly refusals: Refusal[] = [];
  /** a second connection under this identity while this one was alive: when, from where, what became of it */
  duplicate: { at: number; peer: string; outcome: "refused" | "replaced" } | null = null;
  duplicates = 0;
  readonly subscriptions = new Set<string>();
  readonly sentVrfs = new Set<string>();
  readonly sentAcls = new Set<string>();
  /** port uuid → VRF of the port as sent */
  readonly sentPorts = new Map<string, string>();
  withdrawTimer: NodeJS.Timeout | null = null;

  constructor(readonly name: string) {}

  get source(): string {
    return `agent:${this.name}`;
  }

  /** A message object, or one already encoded (route updates shared by every subscriber of a VRF). */
  send(msg: Outgoing<ControlMessage> | Encoded) {
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

  refused(what: string, peer = this.peer) {
    this.refusals.push({ at: Date.now(), what, peer });
    if (this.refusals.length > 20) this.refusals.shift();
  }

  resetSent() {
    this.subscriptions.clear();
    this.sentVrfs.clear();
    this.sentAcls.clear();
    this.sentPorts.clear();
  }
}
