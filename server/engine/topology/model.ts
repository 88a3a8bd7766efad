// Topology graph models for Monitor › Topology, built from the engine's real state: a logical view
// (projects as groups, virtual networks, their routing instances and ports, policies as edges
// between networks, floating IP pools) and an infrastructure view (control node, compute nodes with
// their agent sessions and ports, BGP peers with their sessions). Framework-free: the console draws
// the model with cytoscape, tests assert on it. Ids are stable (uuids and names), so a client can
// diff two models and keep the layout the user arranged.
import type { Engine } from "../engine";
import { type TopologyEdge, type TopologyModel, type TopologyNode, type TopologyOptions, type TopologyView, DEFAULT_MAX_NODES, nodeIds, pushTo } from "./types";
import { logical } from "./logical";
import { infrastructure } from "./infrastructure";

export * from "./types";
export { type FlowEdge, type FlowLevel, flowOverlay } from "./flows";

export function buildTopology(e: Engine, view: TopologyView, opts: TopologyOptions = {}): TopologyModel {
  const t0 = performance.now();
  const m = shapeTopology(buildWholeTopology(e, view), opts);
  m.stats = { nodes: m.nodes.length, edges: m.edges.length, buildMs: Math.round((performance.now() - t0) * 10) / 10 };
  return m;
}

/** The whole view from the engine's state: no project filter, nothing folded (what the live feed caches and diffs). */
export function buildWholeTopology(e: Engine, view: TopologyView): TopologyModel {
  const t0 = performance.now();
  const m = view === "infrastructure" ? infrastructure(e) : logical(e);
  m.stats = { nodes: m.nodes.length, edges: m.edges.length, buildMs: Math.round((performance.now() - t0) * 10) / 10 };
  return m;
}

/** A whole model cut to what was asked: one project's part (logical view), large groups folded. */
export function shapeTopology(whole: TopologyModel, opts: TopologyOptions = {}): TopologyModel {
  let m = whole;
  if (m.view === "logical" && opts.project) m = onlyProject(m, nodeIds.project(opts.project.replace(/^project:/, "")));
  m = aggregate(m, opts);
  return m === whole ? { ...whole } : { ...m, stats: { ...whole.stats, nodes: m.nodes.length, edges: m.edges.length } };
}

/** Keeps one project's nodes, and the outside networks its edges reach (drawn as external). */
function onlyProject(m: TopologyModel, project: string): TopologyModel {
  const keep = new Map<string, TopologyNode>();
  for (const n of m.nodes) if (n.id === project || n.project === project) keep.set(n.id, n);
  const all = new Map(m.nodes.map((n) => [n.id, n]));
  const edges: TopologyEdge[] = [];
  for (const ed of m.edges) {
    const s = keep.has(ed.source);
    const t = keep.has(ed.target);
    if (!s && !t) continue;
    for (const end of [ed.source, ed.target]) {
      if (keep.has(end)) continue;
      const n = all.get(end);
      if (!n || (n.kind !== "virtual-network" && n.kind !== "any-network")) continue;
      keep.set(end, { ...n, parent: undefined, external: n.kind === "virtual-network", label: n.fqName ?? n.label });
    }
    if (keep.has(ed.source) && keep.has(ed.target)) edges.push(ed);
  }
  return { ...m, nodes: [...keep.values()], edges };
}

/**
 * Large graphs: fold the ports of the networks with the most ports into one aggregate node per
 * network until the graph is under maxNodes (networks named in `expand` stay open). Edges to a
 * folded port move to its aggregate.
 */
function aggregate(m: TopologyModel, opts: TopologyOptions): TopologyModel {
  const max = opts.maxNodes ?? DEFAULT_MAX_NODES;
  if (m.nodes.length <= max) return m;
  const expand = new Set(opts.expand ?? []);
  const byId = new Map(m.nodes.map((n) => [n.id, n]));
  const members = new Map<string, TopologyNode[]>();
  for (const n of m.nodes) if (n.kind === "port" && n.parent) pushTo(members, n.parent, n);
  const order = [...members.entries()].filter(([g, ns]) => !expand.has(g) && ns.length > 1).sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
  let count = m.nodes.length;
  const folded = new Map<string, string>(); // member id → aggregate id
  const aggregates: TopologyNode[] = [];
  const aggregated: string[] = [];
  for (const [group, ns] of order) {
    if (count <= max) break;
    const id = nodeIds.aggregate(group);
    const g = byId.get(group);
    for (const n of ns) folded.set(n.id, id);
    const down = ns.filter((n) => n.tone === "danger").length;
    aggregates.push({
      id,
      kind: "aggregate",
      label: `${ns.length} ports`,
      parent: group,
      project: g?.project,
      count: ns.length,
      state: down ? `${down} down` : undefined,
      tone: down ? "danger" : "neutral",
      detail: "folded: expand to see each port",
      fields: { Ports: ns.length, ...(down ? { "Host down": down } : {}) },
    });
    aggregated.push(group);
    count -= ns.length - 1;
  }
  const nodes = [...m.nodes.filter((n) => !folded.has(n.id)), ...aggregates];
  const edges = new Map<string, TopologyEdge>();
  for (const ed of m.edges) {
    const source = folded.get(ed.source) ?? ed.source;
    const target = folded.get(ed.target) ?? ed.target;
    const id = source === ed.source && target === ed.target ? ed.id : `${ed.kind}:${source}:${target}`;
    if (!edges.has(id)) edges.set(id, { ...ed, id, source, target });
  }
  return { ...m, nodes, edges: [...edges.values()], aggregated };
}
