// The topology model as it travels to the console: what the canvas draws (ids, kind, label, group,
// state, the one-line detail, FQ name) and nothing the side panel alone needs (fields, links: the
// panel asks for them when something is selected). Nodes and edges go as arrays, edges name their
// ends by node index and carry only the part of their id that is not their kind and ends — a
// 5,000-node / 10,000-edge graph is ~2 MB of JSON instead of ~9 MB. Pure and dependency-free: the
// server encodes, the browser decodes, tests round-trip.
import type { TopologyEdge, TopologyModel, TopologyNode, TopologyView } from "./model";

/** what a node is drawn with (no `fields`, `href`, `project`) */
export type SlimNode = Omit<TopologyNode, "fields" | "href" | "project">;
/** what an edge is drawn with (no `fields`, `href`) */
export type SlimEdge = Omit<TopologyEdge, "fields" | "href">;

export interface SlimModel extends Omit<TopologyModel, "nodes" | "edges"> {
  nodes: SlimNode[];
  edges: SlimEdge[];
  /** version of the server's model this was cut from; live diffs continue from it */
  version: number;
  /** true when this is the whole view (no project filter, nothing folded): live diffs apply to it */
  whole: boolean;
}

// [id, kind, label, parent index (-1), state, tone, detail, fqName, flags (1 external), count, fields (aggregates only),
//  labels (ports with labels only; absent otherwise)]
type WireNode = [string, string, string, number, string, string, string, string, number, number, Record<string, string | number> | 0, Record<string, string>?];
// [kind, source index, target index, id mode (0: full id in `id`, 1: `${kind}:${id}:${source}:${target}`, 2: `${kind}:${source}:${target}`),
//  id, label, state, tone, action, direction, attached (1, 0 false, -1 unset), routes (-1 unset)]
type WireEdge = [string, number, number, 0 | 1 | 2, string, string, string, string, string, string, number, number];

export interface WireModel extends Omit<SlimModel, "nodes" | "edges"> {
  n: WireNode[];
  e: WireEdge[];
}

export function slimNode(n: TopologyNode): SlimNode {
  const { fields: _f, href: _h, project: _p, ...rest } = n;
  // folded ports: the panel shows their counts, and there is no object to fetch them from
  return n.kind === "aggregate" && n.fields ? { ...rest, fields: n.fields } as SlimNode : rest;
}

export function slimEdge(e: TopologyEdge): SlimEdge {
  const { fields: _f, href: _h, ...rest } = e;
  return rest;
}

export function encodeModel(m: TopologyModel, version: number, whole: boolean): WireModel {
  const index = new Map<string, number>();
  m.nodes.forEach((n, i) => index.set(n.id, i));
  const n: WireNode[] = m.nodes.map((x) => {
    const w: WireNode = [
      x.id,
      x.kind,
      x.label,
      x.parent !== undefined && index.has(x.parent) ? index.get(x.parent)! : -1,
      x.state ?? "",
      x.tone ?? "",
      x.detail ?? "",
      x.fqName ?? "",
      x.external ? 1 : 0,
      x.count ?? -1,
      x.kind === "aggregate" && x.fields ? x.fields : 0,
    ];
    if (x.labels) w.push(x.labels);
    return w;
  });
  const e: WireEdge[] = [];
  for (const x of m.edges) {
    const s = index.get(x.source);
    const t = index.get(x.target);
    if (s === undefined || t === undefined) continue;
    const head = `${x.kind}:`;
    const tail = `:${x.source}:${x.target}`;
    let mode: 0 | 1 | 2 = 0;
    let id = x.id;
    if (x.id === `${x.kind}:${x.source}:${x.target}`) {
      mode = 2;
      id = "";
    } else if (x.id.startsWith(head) && x.id.endsWith(tail) && x.id.length > head.length + tail.length) {
      mode = 1;
      id = x.id.slice(head.length, x.id.length - tail.length);
    }
    e.push([x.kind, s, t, mode, id, x.label ?? "", x.state ?? "", x.tone ?? "", x.action ?? "", x.direction ?? "", x.attached === undefined ? -1 : x.attached ? 1 : 0, x.routes ?? -1]);
  }
  const { nodes: _n, edges: _e, ...rest } = m;
  return { ...rest, version, whole, n, e };
}

export function decodeModel(w: WireModel): SlimModel {
  const nodes: SlimNode[] = w.n.map(([id, kind, label, parent, state, tone, detail, fqName, flags, count, fields, labels]) => {
    const n: SlimNode = { id, kind: kind as SlimNode["kind"], label };
    if (parent >= 0) n.parent = w.n[parent][0];
    if (state) n.state = state;
    if (tone) n.tone = tone as SlimNode["tone"];
    if (detail) n.detail = detail;
    if (fqName) n.fqName = fqName;
    if (flags & 1) n.external = true;
    if (count >= 0) n.count = count;
    if (fields) (n as TopologyNode).fields = fields;
    if (labels) n.labels = labels;
    return n;
  });
  const edges: SlimEdge[] = w.e.map(([kind, s, t, mode, idPart, label, state, tone, action, direction, attached, routes]) => {
    const source = w.n[s][0];
    const target = w.n[t][0];
    const id = mode === 0 ? idPart : mode === 1 ? `${kind}:${idPart}:${source}:${target}` : `${kind}:${source}:${target}`;
    const e: SlimEdge = { id, kind: kind as SlimEdge["kind"], source, target };
    if (label) e.label = label;
    if (state) e.state = state;
    if (tone) e.tone = tone as SlimEdge["tone"];
    if (action) e.action = action as SlimEdge["action"];
    if (direction) e.direction = direction as SlimEdge["direction"];
    if (attached >= 0) e.attached = attached === 1;
    if (routes >= 0) e.routes = routes;
    return e;
  });
  const { n: _n, e: _e, ...rest } = w;
  return { ...rest, nodes, edges };
}

/** What changed in one view between two versions of the server's model (live channel). */
export interface TopologyDiff {
  view: TopologyView;
  from: number;
  to: number;
  /** nodes and edges that are new or changed, whole (a changed element replaces the old one) */
  nodes: SlimNode[];
  edges: SlimEdge[];
  removeNodes: string[];
  removeEdges: string[];
}

export const isEmptyTopologyDiff = (d: Pick<TopologyDiff, "nodes" | "edges" | "removeNodes" | "removeEdges">) => !d.nodes.length && !d.edges.length && !d.removeNodes.length && !d.removeEdges.length;

/**
 * Applies a diff to a whole model of version `from`: changed elements keep their place in the
 * order, new ones are appended (after their parent, which the server sends first). Returns null when
 * the model is not the diff's starting point (the caller refetches).
 */
export function applyTopologyDiff(m: SlimModel, d: TopologyDiff): SlimModel | null {
  if (m.view !== d.view || m.version !== d.from || !m.whole) return null;
  const goneN = new Set(d.removeNodes);
  const goneE = new Set(d.removeEdges);
  const nextN = new Map(d.nodes.map((n) => [n.id, n]));
  const nextE = new Map(d.edges.map((e) => [e.id, e]));
  const nodes: SlimNode[] = [];
  for (const n of m.nodes) {
    if (goneN.has(n.id)) continue;
    const u = nextN.get(n.id);
    if (u) nextN.delete(n.id);
    nodes.push(u ?? n);
  }
  nodes.push(...nextN.values());
  const ids = new Set(nodes.map((n) => n.id));
  const edges: SlimEdge[] = [];
  for (const e of m.edges) {
    if (goneE.has(e.id)) continue;
    const u = nextE.get(e.id);
    if (u) nextE.delete(e.id);
    const x = u ?? e;
    if (ids.has(x.source) && ids.has(x.target)) edges.push(x);
  }
  for (const e of nextE.values()) if (ids.has(e.source) && ids.has(e.target)) edges.push(e);
  return { ...m, nodes, edges, version: d.to, stats: { ...m.stats, nodes: nodes.length, edges: edges.length } };
}

/** A label filter as typed: `key=value` (or `key==value`, `key:value`), or `key` alone (the label is set). */
export function parseLabelFilter(expr: string): { key: string; value?: string } | null {
  const s = expr.trim();
  if (!s) return null;
  const m = /^([^=:\s]+)\s*(?:==?|:)\s*(.*)$/.exec(s);
  if (!m) return { key: s };
  return { key: m[1], value: m[2].trim() };
}

/**
 * The part of a model a label filter keeps: the ports whose labels match, their ancestors (network,
 * project; compute node in the infrastructure view), the service nodes with an edge to one of them,
 * and the edges between what is kept. An empty filter keeps the model as it is.
 */
export function filterByLabel<N extends { id: string; kind: string; parent?: string; labels?: Record<string, string> }, E extends { source: string; target: string }, M extends { nodes: N[]; edges: E[] }>(m: M, expr: string): M {
  const f = parseLabelFilter(expr);
  if (!f) return m;
  const byId = new Map(m.nodes.map((n) => [n.id, n]));
  const keep = new Set<string>();
  const keepWithAncestors = (id: string) => {
    for (let cur: string | undefined = id, d = 0; cur && !keep.has(cur) && d < 16; cur = byId.get(cur)?.parent, d++) keep.add(cur);
  };
  for (const n of m.nodes) {
    if (n.kind !== "port" || !n.labels || !(f.key in n.labels)) continue;
    if (f.value !== undefined && n.labels[f.key] !== f.value) continue;
    keepWithAncestors(n.id);
  }
  const ports = new Set([...keep].filter((id) => byId.get(id)?.kind === "port"));
  for (const e of m.edges) {
    for (const [a, b] of [[e.source, e.target], [e.target, e.source]]) {
      if (ports.has(a) && byId.get(b)?.kind === "service") keepWithAncestors(b);
    }
  }
  return { ...m, nodes: m.nodes.filter((n) => keep.has(n.id)), edges: m.edges.filter((e) => keep.has(e.source) && keep.has(e.target)) };
}
