// What the analysis reads: the compiled config and the control node's routing tables, as the
// agents receive them. `LiveWorld` is the engine's current state; `DraftWorld` is the same with
// a few ACLs, routing instances and tables replaced by what a draft change would compile to
// (the "what would make it pass" search runs the pipeline over such drafts).
import { DEFAULT_DATA_PORT } from "../agent/agent.ts";
import { ENCAPSULATIONS } from "../agent/state.ts";
import type { Compiler } from "../compiler/compiler";
import type { CompiledPort, GlobalSettings, RoutingInstance } from "../compiler/types";
import { type ControlNode, toRoute } from "../control/control-node";
import { type BestRoute, type Path, selectBest } from "../control/rib";
import type { ConfigObject } from "../model/types";
import type { Acl, Route } from "../protocol";

export interface NodeIdentity {
  name: string;
  address: string;
  dataPort: number;
  encapsulations: string[];
}

export interface World {
  readonly globals: GlobalSettings;
  port(uuid: string): CompiledPort | undefined;
  portsOnHost(node: string): CompiledPort[];
  instanceOfNetwork(vnUuid: string): RoutingInstance | undefined;
  instanceByName(name: string): RoutingInstance | undefined;
  acl(name: string): Acl | undefined;
  /** the best route per prefix of one routing instance */
  table(vrf: string): Map<string, BestRoute> | undefined;
  /** port uuid → MPLS label, as the node's agent announced them */
  labels(node: string): Map<string, number>;
  node(name: string): NodeIdentity | null;
  nodeAt(address: string, dataPort: number): string | null;
}

const ALL_ENCAPS: string[] = [...ENCAPSULATIONS];

export function routesOf(world: World, vrf: string): Route[] {
  const t = world.table(vrf);
  return t ? [...t.values()].map((r) => toRoute(vrf, r)) : [];
}

/** The engine's state now. */
export class LiveWorld implements World {
  constructor(
    readonly compiler: Compiler,
    readonly control: ControlNode,
    private readonly virtualRouter: (name: string) => ConfigObject | undefined,
    private readonly virtualRouters: () => ConfigObject[] = () => [],
  ) {}

  get globals() {
    return this.compiler.state.globals;
  }
  port(uuid: string) {
    return this.compiler.state.ports.get(uuid);
  }
  portsOnHost(node: string) {
    return this.compiler.portsOnHost(node);
  }
  instanceOfNetwork(vnUuid: string) {
    return this.compiler.instanceOfNetwork(vnUuid);
  }
  instanceByName(name: string) {
    return this.compiler.instanceByName(name);
  }
  acl(name: string) {
    return this.compiler.state.acls.get(name);
  }
  table(vrf: string) {
    return this.control.rib.tables.get(vrf);
  }
  labels(node: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const p of this.control.rib.pathsOf(`agent:${node}`)) if (p.portUuid && !out.has(p.portUuid)) out.set(p.portUuid, p.nextHop.label);
    return out;
  }
  node(name: string): NodeIdentity | null {
    const s = this.control.agents.get(name);
    if (s?.address) return { name, address: s.address, dataPort: s.dataPort || DEFAULT_DATA_PORT, encapsulations: s.encapsulations?.length ? [...s.encapsulations] : ALL_ENCAPS };
    // never connected: what the config says of it (its virtual-router), with the defaults an agent starts with
    const vr = this.virtualRouter(name);
    const address = vr?.virtual_router_ip_address;
    return typeof address === "string" && address ? { name, address, dataPort: DEFAULT_DATA_PORT, encapsulations: ALL_ENCAPS } : null;
  }
  nodeAt(address: string, dataPort: number): string | null {
    for (const s of this.control.agents.values()) if (s.address === address && (s.dataPort || DEFAULT_DATA_PORT) === dataPort) return s.name;
    // a node whose agent never connected: its virtual-router's address, the agents' default port
    if (dataPort !== DEFAULT_DATA_PORT) return null;
    for (const vr of this.virtualRouters()) if (vr.virtual_router_ip_address === address && !this.control.agents.has(vr.name)) return vr.name;
    return null;
  }
}

/** Overrides over another world: changed ACLs, instances (by VN uuid) and the tables they import. */
export interface DraftOverrides {
  acls?: Map<string, Acl | null>;
  instances?: Map<string, RoutingInstance>;
  /** VRF name → its table recomputed with the draft's import targets */
  tables?: Map<string, Map<string, BestRoute>>;
}

export class DraftWorld implements World {
  constructor(
    readonly base: World,
    readonly over: DraftOverrides,
  ) {}
  get globals() {
    return this.base.globals;
  }
  port(uuid: string) {
    return this.base.port(uuid);
  }
  portsOnHost(node: string) {
    return this.base.portsOnHost(node);
  }
  instanceOfNetwork(vnUuid: string) {
    return this.over.instances?.get(vnUuid) ?? this.base.instanceOfNetwork(vnUuid);
  }
  instanceByName(name: string) {
    for (const ri of this.over.instances?.values() ?? []) if (ri.name === name) return ri;
    return this.base.instanceByName(name);
  }
  acl(name: string) {
    const o = this.over.acls;
    if (o?.has(name)) return o.get(name) ?? undefined;
    return this.base.acl(name);
  }
  table(vrf: string) {
    return this.over.tables?.get(vrf) ?? this.base.table(vrf);
  }
  labels(node: string) {
    return this.base.labels(node);
  }
  node(name: string) {
    return this.base.node(name);
  }
  nodeAt(address: string, dataPort: number) {
    return this.base.nodeAt(address, dataPort);
  }
}

/**
 * An instance's table as the RIB would compute it with other import targets: its own paths plus
 * every path carrying one of `imports` (the RIB's own selection, `selectBest`).
 */
export function tableWithImports(paths: Iterable<Path>, instance: string, imports: Set<string>): Map<string, BestRoute> {
  const byPrefix = new Map<string, Path[]>();
  for (const p of paths) {
    if (p.origin !== instance && !p.rts.some((rt) => imports.has(rt))) continue;
    const l = byPrefix.get(p.prefix);
    if (l) l.push(p);
    else byPrefix.set(p.prefix, [p]);
  }
  const out = new Map<string, BestRoute>();
  for (const [prefix, ps] of byPrefix) {
    const best = selectBest(prefix, ps);
    if (best) out.set(prefix, best);
  }
  return out;
}
