// What the agent knows: its ports (VMIs), their VRFs, the compiled ACLs, the MPLS labels it
// gave its ports, and the per-VRF FIBs. Everything here is fed by control messages (or by the
// agent's own ports, for the local routes) and read by the data plane. Changes are reported to
// listeners so the data plane can flush the flows that depended on them.
import type { Acl, GlobalConfig, NextHop, Port, Route, RouteKey, Vrf } from "../protocol/index.ts";
import { type CompiledAcl, compileAcl } from "./acl.ts";
import { Fib } from "./fib.ts";
import { hostPrefix } from "./ip.ts";

export const ENCAPSULATIONS = ["MPLSoGRE", "MPLSoUDP", "VXLAN"] as const;
/** Contrail's default encapsulation priority. */
export const DEFAULT_ENCAP_PRIORITY = [...ENCAPSULATIONS];

export interface AgentIdentity {
  name: string;
  address: string;
  dataPort: number;
  encapsulations: string[];
}

export type StateChange =
  | { kind: "ports"; uuids: string[] }
  | { kind: "acls"; names: string[] }
  | { kind: "routes"; vrfs: string[] }
  | { kind: "vrfs"; names: string[] }
  | { kind: "global" };

/** MPLS labels for local ports: 0–15 are reserved (RFC 3032 §2.1), so the first is 16. */
export class LabelAllocator {
  static readonly FIRST = 16;
  static readonly LAST = (1 << 20) - 1;
  private next = LabelAllocator.FIRST;
  private readonly free: number[] = [];
  private readonly byOwner = new Map<string, number>();
  private readonly owners = new Map<number, string>();

  /** The label of an owner, allocated on first use and kept while the owner exists. */
  get(owner: string): number {
    const have = this.byOwner.get(owner);
    if (have !== undefined) return have;
    // Fresh labels first: a label reused right away could still sit in a remote agent's stale
    // route and deliver to the wrong port. Freed ones are recycled only once the space is used up.
    const label = this.next <= LabelAllocator.LAST ? this.next++ : this.free.shift();
    if (label === undefined) throw new Error("MPLS label space exhausted");
    this.byOwner.set(owner, label);
    this.owners.set(label, owner);
    return label;
  }

  /**
   * Gives `owner` a known label (the reachability analysis rebuilds another agent's state and must
   * use the labels that agent announced). A label already held by someone else is left alone.
   */
  assign(owner: string, label: number): boolean {
    if (label < LabelAllocator.FIRST || label > LabelAllocator.LAST || this.owners.has(label) || this.byOwner.has(owner)) return false;
    this.byOwner.set(owner, label);
    this.owners.set(label, owner);
    if (label >= this.next) this.next = label + 1;
    return true;
  }

  peek(owner: string): number | undefined {
    return this.byOwner.get(owner);
  }

  owner(label: number): string | undefined {
    return this.owners.get(label);
  }

  release(owner: string) {
    const label = this.byOwner.get(owner);
    if (label === undefined) return;
    this.byOwner.delete(owner);
    this.owners.delete(label);
    this.free.push(label);
  }
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Equality of two routes as ownRoutes() builds them (one next hop; the cheap stand-in for comparing their JSON). */
export function sameOwnRoute(a: Route, b: Route): boolean {
  if (a.vrf !== b.vrf || a.prefix !== b.prefix || a.source !== b.source || a.port_uuid !== b.port_uuid || !sameList(a.why, b.why)) return false;
  if (a.next_hops.length !== b.next_hops.length) return false;
  return a.next_hops.every((x, i) => {
    const y = b.next_hops[i];
    return x.address === y.address && x.label === y.label && x.vni === y.vni && x.node === y.node && x.data_port === y.data_port && sameList(x.encapsulations, y.encapsulations);
  });
}

function routeKey(vrf: string, prefix: string): string {
  return `${vrf}\u0000${prefix}`;
}

/** Config items kept from a previous control session until the new session refreshes them. */
interface StaleConfig {
  ports: Set<string>;
  vrfs: Set<string>;
  acls: Set<string>;
}

export class AgentState {
  readonly ports = new Map<string, Port>();
  readonly vrfs = new Map<string, Vrf>();
  readonly acls = new Map<string, CompiledAcl>();
  readonly labels = new LabelAllocator();
  readonly fib = new Fib();
  encapPriority: string[] = [...DEFAULT_ENCAP_PRIORITY];
  autonomousSystem = 0;

  /** label → port uuid, vni → VRF, VRF + address → port: the receive path's lookups. */
  private readonly portByLabel = new Map<number, string>();
  private readonly vrfByVni = new Map<number, string>();
  private readonly portByAddr = new Map<string, string>();
  /** Local routes currently installed in the FIB (key vrf+prefix). */
  private installedLocal = new Map<string, Route>();
  private stale: StaleConfig | null = null;
  /** Bumped whenever ports or VRFs change: what the agent announces and subscribes to derives from them alone. */
  version = 0;
  private ownCache: { version: number; routes: Map<string, Route> } | null = null;
  private readonly listeners: ((c: StateChange) => void)[] = [];

  constructor(readonly self: AgentIdentity) {}

  onChange(fn: (c: StateChange) => void) {
    this.listeners.push(fn);
  }

  private emit(c: StateChange) {
    for (const fn of this.listeners) fn(c);
  }

  // ------------------------------------------------------------------ lookups for the data plane

  portByLabelOf(label: number): Port | undefined {
    const uuid = this.portByLabel.get(label);
    return uuid === undefined ? undefined : this.ports.get(uuid);
  }

  vrfOfVni(vni: number): string | undefined {
    return this.vrfByVni.get(vni);
  }

  /** Whether `port` owns `address` in `vrf`: a fixed address in its VRF, or one of its floating IPs in the FIP's VRF. */
  owns(port: Port, vrf: string, address: string): boolean {
    if (port.vrf === vrf && port.addresses.includes(address)) return true;
    return port.floating_ips.some((f) => f.vrf === vrf && f.address === address);
  }

  /** The local port owning `address` in `vrf` (a fixed address, or a floating IP in the FIP's VRF). */
  portOwning(vrf: string, address: string): Port | undefined {
    const uuid = this.portByAddr.get(`${vrf}|${address}`);
    return uuid === undefined ? undefined : this.ports.get(uuid);
  }

  aclsNamed(names: string[]): { acls: CompiledAcl[]; missing: string[] } {
    const acls: CompiledAcl[] = [];
    const missing: string[] = [];
    for (const n of names) {
      const a = this.acls.get(n);
      if (a) acls.push(a);
      else missing.push(n);
    }
    return { acls, missing };
  }

  isSelf(nh: NextHop): boolean {
    return nh.address === this.self.address && (nh.data_port || this.self.dataPort) === this.self.dataPort;
  }

  // ------------------------------------------------------------------ control messages

  setGlobal(g: Partial<GlobalConfig>) {
    if (g.encapsulation_priority && g.encapsulation_priority.length > 0) this.encapPriority = [...g.encapsulation_priority];
    if (g.autonomous_system) this.autonomousSystem = g.autonomous_system;
    this.emit({ kind: "global" });
  }

  applyVrfs(add: Vrf[], del: string[]) {
    this.version++;
    for (const v of add) {
      this.vrfs.set(v.name, v);
      this.stale?.vrfs.delete(v.name);
      this.fib.ensure(v.name);
    }
    for (const name of del) {
      this.vrfs.delete(name);
      this.fib.drop(name);
    }
    this.rebuildVniIndex();
    this.reconcileLocal();
    this.emit({ kind: "vrfs", names: [...add.map((v) => v.name), ...del] });
  }

  applyAcls(set: Acl[], del: string[]) {
    for (const a of set) {
      this.acls.set(a.name, compileAcl(a));
      this.stale?.acls.delete(a.name);
    }
    for (const n of del) this.acls.delete(n);
    this.emit({ kind: "acls", names: [...set.map((a) => a.name), ...del] });
  }

  applyPorts(add: Port[], del: string[]) {
    this.version++;
    const touched: string[] = [];
    for (const p of add) {
      this.ports.set(p.uuid, { ...p, addresses: p.addresses ?? [], acls: p.acls ?? [], floating_ips: p.floating_ips ?? [] });
      this.labels.get(p.uuid);
      this.stale?.ports.delete(p.uuid);
      touched.push(p.uuid);
    }
    for (const uuid of del) {
      if (!this.ports.delete(uuid)) continue;
      this.labels.release(uuid);
      touched.push(uuid);
    }
    this.rebuildPortIndexes();
    this.reconcileLocal();
    this.emit({ kind: "ports", uuids: touched });
  }

  /** Routes from the control node for subscribed VRFs (add = add or replace by vrf + prefix). */
  applyRoutes(add: Route[], del: RouteKey[]) {
    const vrfs = new Set<string>();
    for (const r of add) {
      if (this.fib.ensure(r.vrf).set("control", r)) vrfs.add(r.vrf);
    }
    for (const k of del) {
      if (this.fib.vrf(k.vrf)?.delete("control", k.prefix)) vrfs.add(k.vrf);
    }
    if (vrfs.size) this.emit({ kind: "routes", vrfs: [...vrfs] });
  }

  /** After an unsubscribe the control node no longer updates a VRF: forget its control routes. */
  dropControlRoutes(vrf: string) {
    const t = this.fib.vrf(vrf);
    if (!t) return;
    const prefixes = [...t.entries()].filter(([, e]) => e.control).map(([k]) => k);
    for (const p of prefixes) t.delete("control", p);
    if (prefixes.length) this.emit({ kind: "routes", vrfs: [vrf] });
  }

  // ------------------------------------------------------------------ graceful restart

  /** The control session went down: keep everything, but remember it is unconfirmed. */
  markStale() {
    for (const name of this.fib.names()) this.fib.vrf(name)!.markStale();
    this.stale = { ports: new Set(this.ports.keys()), vrfs: new Set(this.vrfs.keys()), acls: new Set(this.acls.keys()) };
  }

  /** The control node finished the initial dump of one VRF ("" = of everything): drop what it did not refresh. */
  endOfRib(vrf: string): { routes: string[]; config: number } {
    const gone: string[] = [];
    const vrfs = vrf === "" ? this.fib.names() : [vrf];
    for (const v of vrfs) {
      const t = this.fib.vrf(v);
      if (t) for (const p of t.sweepStale()) gone.push(`${v} ${p}`);
    }
    if (gone.length) this.emit({ kind: "routes", vrfs });
    // The control node sends its config (vrfs, acls, ports) right after hello_ack, before it
    // answers any subscription: so at the first end-of-RIB the config dump is complete too.
    const config = this.sweepStaleConfig();
    return { routes: gone, config };
  }

  private sweepStaleConfig(): number {
    const s = this.stale;
    if (!s) return 0;
    this.stale = null;
    if (s.acls.size) this.applyAcls([], [...s.acls]);
    if (s.ports.size) this.applyPorts([], [...s.ports]);
    if (s.vrfs.size) this.applyVrfs([], [...s.vrfs]);
    return s.acls.size + s.ports.size + s.vrfs.size;
  }

  // ------------------------------------------------------------------ what the agent originates

  /** The routes this agent announces: one per port address (and per floating IP, in the FIP's VRF). */
  ownRoutes(): Map<string, Route> {
    // derived from ports, their labels and VRFs alone: the same until one of them changes (version)
    if (this.ownCache?.version === this.version) return this.ownCache.routes;
    const out = new Map<string, Route>();
    const encaps = this.self.encapsulations;
    for (const p of this.ports.values()) {
      const label = this.labels.get(p.uuid);
      const nh = (vrf: string): NextHop => ({
        address: this.self.address,
        label,
        vni: this.vrfs.get(vrf)?.vxlan_id ?? 0,
        encapsulations: encaps,
        node: this.self.name,
        data_port: this.self.dataPort,
      });
      const add = (vrf: string, address: string, why: string) => {
        if (!vrf || !address) return;
        const prefix = hostPrefix(address);
        const key = routeKey(vrf, prefix);
        const had = out.get(key);
        // a service VIP attached (as a floating IP) to several local pods: one route, ECMP over their labels
        if (had && had.port_uuid !== p.uuid) {
          if (!had.next_hops.some((n) => n.label === label)) had.next_hops.push(nh(vrf));
          had.why.push(why);
          return;
        }
        out.set(key, { vrf, prefix, next_hops: [nh(vrf)], source: `agent:${this.self.name}`, why: [why], port_uuid: p.uuid });
      };
      for (const a of p.addresses) add(p.vrf, a, `port ${p.fq_name || p.uuid} on ${this.self.name}`);
      // every direction: the answers of egress-only flows come back to the floating IP too
      for (const f of p.floating_ips) add(f.vrf, f.address, `floating IP of ${p.fq_name || p.uuid} (${f.fixed_address || p.addresses[0] || "?"})`);
    }
    this.ownCache = { version: this.version, routes: out };
    return out;
  }

  /** VRFs the agent needs routes of: its ports' VRFs and their floating IPs' VRFs. */
  wantedVrfs(): Set<string> {
    const out = new Set<string>();
    for (const p of this.ports.values()) {
      if (p.vrf) out.add(p.vrf);
      for (const f of p.floating_ips) if (f.vrf) out.add(f.vrf);
    }
    return out;
  }

  private reconcileLocal() {
    const want = this.ownRoutes();
    const vrfs = new Set<string>();
    for (const [k, r] of this.installedLocal)
      if (!want.has(k)) {
        this.fib.vrf(r.vrf)?.delete("local", r.prefix);
        vrfs.add(r.vrf);
      }
    for (const [k, r] of want) {
      const had = this.installedLocal.get(k);
      if (had && sameOwnRoute(had, r)) continue;
      this.fib.ensure(r.vrf).set("local", r);
      vrfs.add(r.vrf);
    }
    this.installedLocal = want;
    if (vrfs.size) this.emit({ kind: "routes", vrfs: [...vrfs] });
  }

  private rebuildPortIndexes() {
    this.portByLabel.clear();
    this.portByAddr.clear();
    for (const p of this.ports.values()) {
      const label = this.labels.peek(p.uuid);
      if (label !== undefined) this.portByLabel.set(label, p.uuid);
      for (const a of p.addresses) this.portByAddr.set(`${p.vrf}|${a}`, p.uuid);
      for (const f of p.floating_ips) this.portByAddr.set(`${f.vrf}|${f.address}`, p.uuid);
    }
  }

  private rebuildVniIndex() {
    this.vrfByVni.clear();
    for (const v of this.vrfs.values()) if (v.vxlan_id) this.vrfByVni.set(v.vxlan_id, v.name);
  }
}

export { routeKey };
