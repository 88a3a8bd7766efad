// From the server's graph model to cytoscape element data, and the difference between two sets of
// elements. Pure functions (no cytoscape, no DOM) so they are testable alone:
// - groups the user collapsed hide their members; edges to a hidden member are drawn to the
//   collapsed group instead (merged per kind and pair), edges inside it disappear;
// - the flow overlay adds traffic edges between the same nodes;
// - diffElements tells what to add, remove, update and re-parent, so a live update never resets
//   the positions of the nodes that stay.
import type { FlowEdge, TopologyEdge, TopologyNode } from "../../server/engine/topology";
import type { SlimEdge, SlimNode } from "../../server/engine/topology-wire";

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
