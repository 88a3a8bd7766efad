// The schema transformer: consumes the config change feed, marks what each change affects,
// and reconciles those keys in one pass per tick (a burst of 10,000 port creations is one
// pass). `rebuild()` marks everything; both paths run the same compile functions, so an
// incremental result equals a rebuild from scratch.
import type { Acl } from "../protocol";
import type { ChangeEvent } from "../config/api";
import { type ConfigObject, type ObjectType, type Ref, fqString } from "../model/types";
import {
  type ConfigView,
  addressesByPort,
  compileBgp,
  compileInstances,
  compileNetworkAcl,
  compilePort,
  compileSecurityGroupAcl,
  securityGroupMembers,
} from "./compile";
import type { CompiledDelta, CompiledPort, CompiledState, RoutingInstance } from "./types";

export interface CompilerSource extends ConfigView {
  subscribe(listener: (e: ChangeEvent) => void): () => void;
  readonly lastSeq: number;
  /** global-system-config autonomous_system */
  readonly clusterAsn: number;
  /** global-vrouter-config encapsulation priority */
  readonly encapsulationPriority: string[];
}

type Listener = (delta: CompiledDelta) => void;

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export class Compiler {
  readonly state: CompiledState = { bgp: { local: null, peers: [] }, globals: { autonomousSystem: 0, encapsulationPriority: [] }, instances: new Map(), acls: new Map(), ports: new Map() };
  /** last change-feed sequence number reflected in the state */
  compiledSeq = 0;
  private dirty = { bgp: false, globals: false, instances: false, vnAcls: false, sgAcls: false, allPorts: false, ports: new Set<string>() };
  /** instance-ip / floating-ip uuid → ports it pointed at, to find the old port on change */
  private portsOf = new Map<string, string[]>();
  /** port uuid → security groups it is in */
  private sgsOf = new Map<string, string[]>();
  private scheduled = false;
  private byName = new Map<string, RoutingInstance>();
  /** compute node name → its ports (portsOnHost without a scan of every port) */
  private byHost = new Map<string, Map<string, CompiledPort>>();
  private pendingSeq = 0;
  private listeners = new Set<Listener>();
  private unsubscribe: (() => void) | null = null;

  /** `localName`: this control node's name, which its control-node bgp-router object carries */
  constructor(
    private readonly cfg: CompilerSource,
    private readonly localName = "",
  ) {}

  start() {
    this.unsubscribe = this.cfg.subscribe((e) => this.onEvent(e));
    this.rebuild();
  }

  stop() {
    this.unsubscribe?.();
  }

  onDelta(l: Listener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** Recompiles everything from config now. */
  rebuild() {
    this.dirty.bgp = this.dirty.globals = this.dirty.instances = this.dirty.vnAcls = this.dirty.sgAcls = this.dirty.allPorts = true;
    this.pendingSeq = this.cfg.lastSeq;
    this.flush();
  }

  private onEvent(e: ChangeEvent) {
    this.pendingSeq = Math.max(this.pendingSeq, e.seq);
    const t: ObjectType = e.type;
    if (t === "bgp-router") {
      this.dirty.bgp = true;
    } else if (t === "global-system-config" || t === "global-vrouter-config") {
      this.dirty.bgp = true; // a router without its own ASN takes the cluster's
      this.dirty.globals = true;
      this.dirty.instances = true; // the cluster ASN is in every automatic route target
    } else if (t === "virtual-network" || t === "network-policy") {
      this.dirty.instances = true;
      this.dirty.vnAcls = true;
      if (t === "virtual-network") this.dirty.allPorts = true; // subnets/vxlan of a VN reach its ports' VRF config
    } else if (t === "security-group") {
      this.dirty.sgAcls = true;
    } else if (t === "virtual-machine-interface") {
      this.dirty.ports.add(e.uuid);
      // security-group ACLs list their members' addresses: only ports in a group change them
      const before = this.sgsOf.get(e.uuid) ?? [];
      const after = ((e.object?.security_group_refs as Ref[] | undefined) ?? []).map((r) => r.uuid);
      if (before.length || after.length) this.dirty.sgAcls = true;
      if (e.object) this.sgsOf.set(e.uuid, after);
      else this.sgsOf.delete(e.uuid);
    } else if (t === "instance-ip" || t === "floating-ip") {
      const touched = [...(this.portsOf.get(e.uuid) ?? [])];
      const now = ((e.object?.virtual_machine_interface_refs as Ref[] | undefined) ?? []).map((r) => r.uuid);
      touched.push(...now);
      for (const p of touched) this.dirty.ports.add(p);
      if (e.object) this.portsOf.set(e.uuid, now);
      else this.portsOf.delete(e.uuid);
      if (t === "instance-ip" && touched.some((p) => (this.sgsOf.get(p) ?? []).length)) this.dirty.sgAcls = true;
    } else return;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** Reconciles every dirty key and tells listeners what changed. */
  flush() {
    this.scheduled = false;
    const delta: CompiledDelta = {
      instances: { changed: [], removed: [] },
      acls: { changed: [], removed: [] },
      ports: { changed: [], removed: [] },
    };
    const d = this.dirty;
    this.dirty = { bgp: false, globals: false, instances: false, vnAcls: false, sgAcls: false, allPorts: false, ports: new Set() };

    if (d.globals) {
      const g = { autonomousSystem: this.cfg.clusterAsn, encapsulationPriority: [...this.cfg.encapsulationPriority] };
      if (!same(g, this.state.globals)) {
        this.state.globals = g;
        delta.globals = g;
      }
    }
    if (d.bgp) {
      const b = compileBgp(this.cfg, this.localName, this.cfg.clusterAsn);
      if (!same(b, this.state.bgp)) {
        this.state.bgp = b;
        delta.bgp = b;
      }
    }
    if (d.instances) this.reconcileInstances(compileInstances(this.cfg, this.cfg.clusterAsn), delta);
    const aclNames = new Set<string>();
    const acls: Acl[] = [];
    if (d.vnAcls) {
      const vns = this.cfg.list("virtual-network");
      const byFq = new Map(vns.map((v) => [fqString(v.fq_name), v]));
      for (const vn of vns) acls.push(compileNetworkAcl(this.cfg, vn, byFq));
      this.reconcileAcls("vn:", acls, aclNames, delta);
    }
    if (d.sgAcls) {
      const sgs = this.cfg.list("security-group");
      const byFq = new Map(sgs.map((s) => [fqString(s.fq_name), s]));
      const members = securityGroupMembers(this.cfg);
      const sgAcls = sgs.map((sg) => compileSecurityGroupAcl(sg, byFq, members));
      this.reconcileAcls("sg:", sgAcls, aclNames, delta);
    }
    if (d.allPorts || d.ports.size) {
      // a full pass indexes every address once; a few dirty ports look theirs up by back-ref
      const all = d.allPorts ? addressesByPort(this.cfg) : null;
      const addressesOf = (uuid: string) =>
        all
          ? (all.get(uuid) ?? [])
          : this.cfg
              .backRefs(uuid)
              .filter((b) => b.type === "instance-ip")
              .map((b) => this.cfg.find(b.uuid)?.instance_ip_address as string)
              .filter(Boolean)
              .sort();
      const uuids = d.allPorts ? new Set([...this.cfg.list("virtual-machine-interface").map((p) => p.uuid), ...this.state.ports.keys()]) : d.ports;
      if (d.allPorts) this.rememberPorts();
      for (const uuid of uuids) {
        const vmi = this.cfg.find(uuid);
        const next = vmi && vmi.type === "virtual-machine-interface" ? compilePort(this.cfg, vmi, addressesOf(uuid)) : null;
        const prev = this.state.ports.get(uuid);
        if (!next) {
          if (prev) {
            this.state.ports.delete(uuid);
            this.indexHost(prev, null);
            delta.ports.removed.push(prev);
          }
        } else if (!prev || !same(prev, next)) {
          this.state.ports.set(uuid, next);
          this.indexHost(prev ?? null, next);
          delta.ports.changed.push(next);
        }
      }
    }
    this.compiledSeq = Math.max(this.compiledSeq, this.pendingSeq);
    const empty = !delta.bgp && !delta.globals && !delta.instances.changed.length && !delta.instances.removed.length && !delta.acls.changed.length && !delta.acls.removed.length && !delta.ports.changed.length && !delta.ports.removed.length;
    if (empty) return;
    for (const l of this.listeners) l(delta);
  }

  /** On a full pass, learn which ports every instance-ip / floating-ip points at. */
  private rememberPorts() {
    this.portsOf.clear();
    this.sgsOf.clear();
    for (const p of this.cfg.list("virtual-machine-interface")) this.sgsOf.set(p.uuid, ((p.security_group_refs as Ref[] | undefined) ?? []).map((r) => r.uuid));
    for (const t of ["instance-ip", "floating-ip"] as const) {
      for (const o of this.cfg.list(t)) this.portsOf.set(o.uuid, ((o.virtual_machine_interface_refs as Ref[] | undefined) ?? []).map((r) => r.uuid));
    }
  }

  private reconcileInstances(next: Map<string, RoutingInstance>, delta: CompiledDelta) {
    for (const [vn, ri] of next) {
      const prev = this.state.instances.get(vn);
      if (!prev || !same(prev, ri)) delta.instances.changed.push(ri);
    }
    for (const [vn, ri] of this.state.instances) if (!next.has(vn)) delta.instances.removed.push(ri);
    this.state.instances.clear();
    this.byName.clear();
    for (const [k, v] of next) {
      this.state.instances.set(k, v);
      this.byName.set(v.name, v);
    }
  }

  private reconcileAcls(prefix: string, next: Acl[], seen: Set<string>, delta: CompiledDelta) {
    for (const acl of next) {
      seen.add(acl.name);
      const prev = this.state.acls.get(acl.name);
      if (!prev || !same(prev, acl)) {
        this.state.acls.set(acl.name, acl);
        delta.acls.changed.push(acl);
      }
    }
    for (const name of [...this.state.acls.keys()]) {
      if (name.startsWith(prefix) && !seen.has(name)) {
        this.state.acls.delete(name);
        delta.acls.removed.push(name);
      }
    }
  }

  instanceOfNetwork(vnUuid: string): RoutingInstance | undefined {
    return this.state.instances.get(vnUuid);
  }

  instanceByName(name: string): RoutingInstance | undefined {
    return this.byName.get(name);
  }

  portsOnHost(host: string): CompiledPort[] {
    return [...(this.byHost.get(host)?.values() ?? [])];
  }

  /** Keeps the host → ports index in step with state.ports (every agent's hello asks for its ports). */
  private indexHost(prev: CompiledPort | null, next: CompiledPort | null) {
    if (prev?.host) {
      const m = this.byHost.get(prev.host);
      m?.delete(prev.uuid);
      if (m?.size === 0) this.byHost.delete(prev.host);
    }
    if (next?.host) {
      let m = this.byHost.get(next.host);
      if (!m) this.byHost.set(next.host, (m = new Map()));
      m.set(next.uuid, next);
    }
  }

  /** Canonical JSON of the whole state (sorted), for comparing incremental and rebuilt output. */
  snapshot(): string {
    const sorted = <T>(m: Map<string, T>) => [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, v]) => v);
    return JSON.stringify({ bgp: this.state.bgp, globals: this.state.globals, instances: sorted(this.state.instances), acls: sorted(this.state.acls), ports: sorted(this.state.ports) });
  }

  /** Why a config object matters to compiled state (for the console's "explain"). */
  static describe(o: ConfigObject): string {
    return `${o.type} ${fqString(o.fq_name)}`;
  }
}
