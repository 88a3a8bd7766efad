// From the server's graph model to cytoscape element data, and the difference between two sets of
// elements. Pure functions (no cytoscape, no DOM) so they are testable alone:
// - groups the user collapsed hide their members; edges to a hidden member are drawn to the
//   collapsed group instead (merged per kind and pair), edges inside it disappear;
// - the flow overlay adds traffic edges between the same nodes;
// - diffElements tells what to add, remove, update and re-parent, so a live update never resets
//   the positions of the nodes that stay.
import type { FlowEdge, TopologyEdge, TopologyNode } from "../../server/engine/topology/model";
import type { SlimEdge, SlimNode } from "../../server/engine/topology/wire";

/** what toElements needs of a model: the server's whole model or its slim wire form */
export interface ModelLike {
  nodes: SlimNode[];
  edges: SlimEdge[];
}

export interface NodeData {
  id: string;
  parent?: string;
  kind: TopologyNode["kind"];
  label: string;
  /** the text drawn: name, then the state word or the detail line */
  caption: string;
  state?: string;
  tone?: string;
  detail?: string;
  fqName?: string;
  external?: boolean;
  /** a group that has members in the model */
  group?: boolean;
  collapsed?: boolean;
  /** members hidden in a collapsed group */
  hidden?: number;
  count?: number;
}

export interface EdgeData {
  id: string;
  source: string;
  target: string;
  kind: TopologyEdge["kind"] | "flow" | "member";
  label?: string;
  state?: string;
  tone?: string;
  action?: string;
  direction?: string;
  attached?: boolean;
  /** edges merged into this one (collapsed groups) */
  merged?: number;
  /** flow overlay */
  bytes?: number;
  flows?: number;
  width?: number;
  denied?: boolean;
  filter?: string;
}

export interface ElementSet {
  nodes: NodeData[];
  edges: EdgeData[];
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let i = -1;
  do {
    v /= 1024;
    i++;
  } while (v >= 1024 && i < units.length - 1);
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[i]}`;
}

/** Members of each group (direct children) in a model. */
export function childrenOf<N extends Pick<TopologyNode, "id" | "parent">>(model: { nodes: N[] }): Map<string, N[]> {
  const out = new Map<string, N[]>();
  for (const n of model.nodes) {
    if (!n.parent) continue;
    const list = out.get(n.parent);
    if (list) list.push(n);
    else out.set(n.parent, [n]);
  }
  return out;
}

export function toElements(model: ModelLike, collapsed: ReadonlySet<string> = new Set(), overlay: FlowEdge[] = []): ElementSet {
  const byId = new Map(model.nodes.map((n) => [n.id, n]));
  const kids = childrenOf(model);
  // the node an id is drawn as: itself, or its outermost collapsed ancestor
  const shownAs = new Map<string, string>();
  const visibleOf = (id: string): string => {
    const known = shownAs.get(id);
    if (known) return known;
    let shown = id;
    let cur = byId.get(id)?.parent;
    for (let depth = 0; cur && depth < 8; depth++) {
      if (collapsed.has(cur) && byId.has(cur)) shown = cur;
      cur = byId.get(cur)?.parent;
    }
    shownAs.set(id, shown);
    return shown;
  };
  const countHidden = (id: string): number => (kids.get(id) ?? []).reduce((n, c) => n + 1 + countHidden(c.id), 0);

  const nodes: NodeData[] = [];
  for (const n of model.nodes) {
    if (visibleOf(n.id) !== n.id) continue;
    const group = kids.has(n.id);
    const isCollapsed = group && collapsed.has(n.id);
    const hidden = isCollapsed ? countHidden(n.id) : undefined;
    const second = n.state ?? (isCollapsed ? `${hidden} hidden` : n.detail);
    const caption = group && !isCollapsed ? n.label + (n.state ? ` · ${n.state}` : "") : second ? `${n.label}\n${second}` : n.label;
    const d: NodeData = { id: n.id, kind: n.kind, label: n.label, caption };
    if (n.parent && byId.has(n.parent)) d.parent = n.parent;
    if (n.state) d.state = n.state;
    if (n.tone) d.tone = n.tone;
    if (n.detail) d.detail = n.detail;
    if (n.fqName) d.fqName = n.fqName;
    if (n.external) d.external = true;
    if (n.count !== undefined) d.count = n.count;
    if (group) d.group = true;
    if (isCollapsed) {
      d.collapsed = true;
      d.hidden = hidden;
    }
    nodes.push(d);
  }

  const edges = new Map<string, EdgeData>();
  const addEdge = (e: EdgeData) => {
    const source = visibleOf(e.source);
    const target = visibleOf(e.target);
    if (source === target && (source !== e.source || target !== e.target)) return; // inside a collapsed group
    if (source === e.source && target === e.target) {
      edges.set(e.id, e);
      return;
    }
    const id = `${e.kind}~${source}~${target}${e.action ? `~${e.action}` : ""}`;
    const cur = edges.get(id);
    if (cur) {
      cur.merged = (cur.merged ?? 1) + 1;
      if (cur.bytes !== undefined) {
        cur.bytes += e.bytes ?? 0;
        cur.flows = (cur.flows ?? 0) + (e.flows ?? 0);
        cur.label = formatBytes(cur.bytes);
        cur.width = widthOf(cur.bytes);
      }
      return;
    }
    edges.set(id, { ...e, id, source, target, merged: 1 });
  };
  for (const e of model.edges) {
    if (!byId.has(e.source) || !byId.has(e.target)) continue;
    const d: EdgeData = { id: e.id, source: e.source, target: e.target, kind: e.kind };
    if (e.label) d.label = e.label;
    if (e.state) d.state = e.state;
    if (e.tone) d.tone = e.tone;
    if (e.action) d.action = e.action;
    if (e.direction) d.direction = e.direction;
    if (e.attached !== undefined) d.attached = e.attached;
    addEdge(d);
  }
  for (const f of overlay) {
    if (!byId.has(f.source) || !byId.has(f.target)) continue;
    addEdge({ id: f.id, source: f.source, target: f.target, kind: "flow", bytes: f.bytes, flows: f.flows, label: formatBytes(f.bytes), width: widthOf(f.bytes), denied: f.denied, filter: f.filter });
  }
  return { nodes, edges: [...edges.values()] };
}

/** Edge width for traffic: logarithmic, 1.5–10 px. */
export function widthOf(bytes: number): number {
  return Math.round(Math.min(10, Math.max(1.5, Math.log10(Math.max(bytes, 1)) * 1.3)) * 10) / 10;
}

export interface ElementDiff {
  addNodes: NodeData[];
  addEdges: EdgeData[];
  remove: string[];
  update: (NodeData | EdgeData)[];
  /** nodes whose group changed: cytoscape re-parents them with move() */
  reparent: { id: string; parent: string | null }[];
}

/** the same element data: element data holds only primitives (no allocation, unlike comparing JSON) */
function same(a: object, b: object, skip?: string): boolean {
  let n = 0;
  for (const k in a) {
    if (k === skip) continue;
    n++;
    if ((a as Record<string, unknown>)[k] !== (b as Record<string, unknown>)[k]) return false;
  }
  for (const k in b) if (k !== skip) n--;
  return n === 0;
}

/** What changes from `prev` (what is drawn) to `next`; edges whose ends changed are replaced. */
export function diffElements(prev: ElementSet, next: ElementSet): ElementDiff {
  const pn = new Map(prev.nodes.map((n) => [n.id, n]));
  const pe = new Map(prev.edges.map((e) => [e.id, e]));
  const nn = new Set(next.nodes.map((n) => n.id));
  const out: ElementDiff = { addNodes: [], addEdges: [], remove: [], update: [], reparent: [] };
  const nextEdges = new Map(next.edges.map((e) => [e.id, e]));
  for (const [id, e] of pe) {
    const n = nextEdges.get(id);
    if (!n || n.source !== e.source || n.target !== e.target) out.remove.push(id);
  }
  for (const id of pn.keys()) if (!nn.has(id)) out.remove.push(id);
  for (const n of next.nodes) {
    const p = pn.get(n.id);
    if (!p) {
      out.addNodes.push(n);
      continue;
    }
    if ((p.parent ?? null) !== (n.parent ?? null)) out.reparent.push({ id: n.id, parent: n.parent ?? null });
    if (!same(p, n, "parent")) out.update.push(n);
  }
  for (const e of next.edges) {
    const p = pe.get(e.id);
    if (!p || p.source !== e.source || p.target !== e.target) out.addEdges.push(e);
    else if (!same(p, e)) out.update.push(e);
  }
  return out;
}

export const isEmptyDiff = (d: ElementDiff) => !d.addNodes.length && !d.addEdges.length && !d.remove.length && !d.update.length && !d.reparent.length;

/**
 * Level of detail for large graphs. At overview zoom the 10,000 port-level edges and thousands of
 * ports of a large model are a few pixels each and illegible; drawing them costs seconds. So a large
 * graph is drawn in two levels:
 * - overview: every node except the detail nodes (ports and routing instances inside a group), and the edges between
 *   top-level groups (projects, or top-level nodes) merged per kind, pair and action, with a count;
 * - detail, per top-level group that is "open" (the canvas opens the groups in view once the user
 *   zooms in, and the group of a node that is searched or selected): its ports are drawn, and every
 *   edge with an end in it is drawn as itself (an end that is a port of a closed group is drawn to
 *   the nearest drawn group, merged).
 * Pure: same open set, same elements (ids of merged edges are stable, so diffs stay small).
 */
export const isDetailNode = (n: Pick<NodeData, "kind" | "parent" | "group">) => (n.kind === "port" || n.kind === "routing-instance") && !!n.parent && !n.group;

/** the outermost group of each node (itself when it has none) */
export function topGroups(nodes: Pick<NodeData, "id" | "parent">[]): Map<string, string> {
  const parentOf = new Map<string, string | undefined>(nodes.map((n) => [n.id, n.parent]));
  const out = new Map<string, string>();
  for (const n of nodes) {
    let top = n.id;
    for (let p = parentOf.get(n.id), d = 0; p && parentOf.has(p) && d < 8; p = parentOf.get(p), d++) top = p;
    out.set(n.id, top);
  }
  return out;
}

export function levelOfDetail(els: ElementSet, open: ReadonlySet<string>, tops: Map<string, string> = topGroups(els.nodes)): ElementSet {
  const byId = new Map(els.nodes.map((n) => [n.id, n]));
  const drawnNode = (n: NodeData) => !isDetailNode(n) || open.has(tops.get(n.id) ?? n.id);
  const nodes = els.nodes.filter(drawnNode);
  const drawnIds = new Set(nodes.map((n) => n.id));
  /** the node an end is drawn as: itself or its nearest drawn ancestor */
  const endOf = (id: string): string | undefined => {
    let cur: string | undefined = id;
    for (let d = 0; cur && d < 9; d++, cur = byId.get(cur)?.parent) if (drawnIds.has(cur)) return cur;
    return undefined;
  };
  const edges = new Map<string, EdgeData>();
  const merge = (e: EdgeData, source: string, target: string, tag: string) => {
    const id = `${tag}~${e.kind}~${source}~${target}${e.action ? `~${e.action}` : ""}`;
    const cur = edges.get(id);
    if (cur) {
      cur.merged = (cur.merged ?? 1) + (e.merged ?? 1);
      cur.label = `${cur.merged} × ${e.kind}`;
      return;
    }
    const d: EdgeData = { id, source, target, kind: e.kind, merged: e.merged ?? 1, label: `${e.merged ?? 1} × ${e.kind}` };
    if (e.action) d.action = e.action;
    if (e.tone) d.tone = e.tone;
    if (e.attached !== undefined) d.attached = e.attached;
    if (e.denied) d.denied = e.denied;
    edges.set(id, d);
  };
  for (const e of els.edges) {
    const ts = tops.get(e.source) ?? e.source;
    const tt = tops.get(e.target) ?? e.target;
    if (open.has(ts) || open.has(tt)) {
      const s = endOf(e.source);
      const t = endOf(e.target);
      if (!s || !t) continue;
      if (s === e.source && t === e.target) edges.set(e.id, e);
      else if (s !== t) merge(e, s, t, "lod");
      continue;
    }
    // both ends in closed groups: one edge per pair of top-level groups (none inside one group)
    if (ts === tt) {
      // top-level nodes that are not groups keep their own edges (nothing to fold)
      if (byId.get(ts)?.group) continue;
    }
    if (ts === e.source && tt === e.target) edges.set(e.id, e);
    else merge(e, ts, tt, "lod");
  }
  return { nodes, edges: [...edges.values()] };
}
