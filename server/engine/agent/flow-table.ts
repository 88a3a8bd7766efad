// The flow table (vRouter's flow cache). Key: VRF + 5-tuple. The first packet of a flow runs
// the policy (ACLs, NAT, route choice) and leaves an entry with the action and the rule that
// decided; every later packet of the flow only looks the entry up. Entries age out when idle and
// are flushed when what they were computed from changes (an ACL, a route of their VRF, a port),
// so the next packet re-evaluates against the new state.
import type { NextHop } from "../protocol/index.ts";
import type { Action } from "./acl.ts";
import type { Tuple } from "./packet.ts";

/** One policy stage the first packet went through (security group egress, network ACL, …). */
export interface FlowStage {
  stage: string; // "security-group egress" | "security-group ingress" | "network-acl"
  acl: string;
  rule_uuid: string; // "" when the ACL's default action decided
  origin: string;
  action: Action;
}

export interface FlowNat {
  /** Source address after translation (floating IP, egress). */
  src?: string;
  /** Destination address after translation (floating IP → fixed address, ingress). */
  dst?: string;
  /** VRF the translated packet is looked up in. */
  vrf?: string;
}

/** Where the flow's packets go, cached so established flows skip the FIB and the ECMP hash. */
export type FlowForward =
  | { kind: "local"; port: string; label: number }
  | { kind: "remote"; nextHop: NextHop; encap: string; key: number; ecmp: string };

export interface FlowEntry {
  key: string;
  vrf: string;
  tuple: Tuple;
  /** egress: entered at a local port; ingress: arrived through a tunnel. */
  direction: "egress" | "ingress";
  action: Action;
  /** Why: "allowed by …" / "denied by security-group … rule …". */
  reason: string;
  /** The rule that decided: the denying rule, or for a passing flow the last rule that allowed it. */
  rule: { acl: string; rule_uuid: string; origin: string } | null;
  stages: FlowStage[];
  nat: FlowNat | null;
  /** Filled by the first packet that found a route; flushed with the entry when routes change. */
  forward: FlowForward | null;
  /** Port uuids, ACL names and VRFs the decision depended on: what flushes it. */
  ports: string[];
  acls: string[];
  vrfs: string[];
  /** The entry for the answer direction, allowed because this one was (stateful security groups). */
  reverse: boolean;
  createdAt: number;
  lastUsed: number;
  packets: number;
  /** Bytes counted on the flow (packet sizes as given to the data plane). */
  bytes?: number;
  /** Node-scoped flow id, set by the table (flow export). */
  id?: number;
  /** Flow export bookkeeping: what the last exported record covered. */
  exportedPackets?: number;
  exportedBytes?: number;
  exported?: boolean;
}

/** Who wants to know when entries see packets or go away (the flow exporter). */
export interface FlowTableObserver {
  touched(e: FlowEntry): void;
  removed(e: FlowEntry, why: "aged" | "flushed"): void;
}

export function flowKey(vrf: string, t: Tuple): string {
  return `${vrf}|${t.protocol}|${t.src}|${t.srcPort}|${t.dst}|${t.dstPort}`;
}

export interface FlowTableOptions {
  /** Idle time after which an entry is removed (vRouter ages flows after 180 s by default). */
  idleMs?: number;
  /** Table size; a new flow beyond it is dropped ("flow table full"), like vRouter does. */
  maxFlows?: number;
  now?: () => number;
}

export class FlowTable {
  private readonly flows = new Map<string, FlowEntry>();
  readonly idleMs: number;
  readonly maxFlows: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  created = 0;
  aged = 0;
  flushed = 0;
  private nextId = 1;
  observer: FlowTableObserver | null = null;

  constructor(opts: FlowTableOptions = {}) {
    this.idleMs = opts.idleMs ?? 180_000;
    this.maxFlows = opts.maxFlows ?? 512 * 1024;
    this.now = opts.now ?? Date.now;
  }

  get size(): number {
    return this.flows.size;
  }

  /** Looks a flow up and counts the packet on it. */
  hit(key: string, bytes = 0): FlowEntry | undefined {
    const e = this.flows.get(key);
    if (e) {
      e.lastUsed = this.now();
      e.packets++;
      e.bytes = (e.bytes ?? 0) + bytes;
      this.observer?.touched(e);
    }
    return e;
  }

  peek(key: string): FlowEntry | undefined {
    return this.flows.get(key);
  }

  get full(): boolean {
    return this.flows.size >= this.maxFlows;
  }

  /**
   * Installs an entry, stamping createdAt/lastUsed/packets on the object itself (no copy: flow
   * setup rate is bounded by allocations); null when the table is full.
   */
  add(e: Omit<FlowEntry, "createdAt" | "lastUsed" | "packets">, packets = 1, bytes = 0): FlowEntry | null {
    if (this.flows.size >= this.maxFlows && !this.flows.has(e.key)) return null;
    const entry = e as FlowEntry;
    entry.createdAt = entry.lastUsed = this.now();
    entry.packets = packets;
    entry.bytes = bytes;
    entry.id = this.nextId++;
    const old = this.flows.get(e.key);
    if (old && old !== entry) this.observer?.removed(old, "flushed");
    this.flows.set(e.key, entry);
    this.created++;
    if (packets > 0) this.observer?.touched(entry);
    return entry;
  }

  values(): IterableIterator<FlowEntry> {
    return this.flows.values();
  }

  flushWhere(pred: (e: FlowEntry) => boolean): number {
    let n = 0;
    for (const [k, e] of this.flows)
      if (pred(e)) {
        this.flows.delete(k);
        this.observer?.removed(e, "flushed");
        n++;
      }
    this.flushed += n;
    return n;
  }

  flushAll(): number {
    const n = this.flows.size;
    if (this.observer) for (const e of this.flows.values()) this.observer.removed(e, "flushed");
    this.flows.clear();
    this.flushed += n;
    return n;
  }

  /** Removes entries idle for longer than idleMs; returns how many. */
  age(): number {
    const limit = this.now() - this.idleMs;
    let n = 0;
    for (const [k, e] of this.flows)
      if (e.lastUsed <= limit) {
        this.flows.delete(k);
        this.observer?.removed(e, "aged");
        n++;
      }
    this.aged += n;
    return n;
  }

  /** Periodic aging; the timer does not keep the process alive. */
  startAging(everyMs = Math.max(50, Math.min(5_000, this.idleMs / 2))) {
    this.stopAging();
    this.timer = setInterval(() => this.age(), everyMs);
    this.timer.unref();
  }

  stopAging() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
