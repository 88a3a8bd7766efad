// "Grouped" layout: nested shelf packing of groups (projects, networks, compute nodes) and their
// members, in model order. Linear in the number of nodes, so it places thousands of nodes in a few
// milliseconds where a force-directed layout would take seconds: the default for large graphs, and
// the fallback when no positions are remembered. Pure: positions of the leaves (cytoscape sizes
// groups around their members).
export interface LayoutNode {
  id: string;
  parent?: string;
  kind?: string;
  collapsed?: boolean;
}

interface Box {
  w: number;
  h: number;
  /** child id → offset of its box's top-left inside this box */
  at?: Map<string, { x: number; y: number }>;
}

const GAP = 18;
const PAD = 22;
const LABEL = 22;

function leafSize(n: LayoutNode): { w: number; h: number } {
  switch (n.kind) {
    case "port":
    case "aggregate":
      return { w: 96, h: 64 };
    case "routing-instance":
      return { w: 110, h: 64 };
    case "virtual-network":
    case "compute-node":
    case "control-node":
    case "bgp-router":
      return { w: 160, h: 74 };
    default:
      return { w: 130, h: 70 };
  }
}

export function groupedLayout(nodes: LayoutNode[]): Map<string, { x: number; y: number }> {
  const ids = new Set(nodes.map((n) => n.id));
  const kids = new Map<string, LayoutNode[]>();
  const roots: LayoutNode[] = [];
  for (const n of nodes) {
    if (n.parent && ids.has(n.parent)) kids.set(n.parent, [...(kids.get(n.parent) ?? []), n]);
    else roots.push(n);
  }
  const boxes = new Map<string, Box>();

  const pack = (members: LayoutNode[]): Box => {
    const sized = members.map((m) => ({ m, b: boxOf(m) }));
    // groups first (bigger), then single nodes in a tidy grid
    sized.sort((a, b) => Number(!!kids.get(b.m.id)?.length) - Number(!!kids.get(a.m.id)?.length));
    const area = sized.reduce((s, x) => s + (x.b.w + GAP) * (x.b.h + GAP), 0);
    const widest = Math.max(0, ...sized.map((x) => x.b.w));
    const rowMax = Math.max(widest, Math.sqrt(area) * 1.6);
    const at = new Map<string, { x: number; y: number }>();
    let x = 0;
    let y = 0;
    let rowH = 0;
    let w = 0;
    for (const { m, b } of sized) {
      if (x > 0 && x + b.w > rowMax) {
        y += rowH + GAP;
        x = 0;
        rowH = 0;
      }
      at.set(m.id, { x, y });
      x += b.w + GAP;
      rowH = Math.max(rowH, b.h);
      w = Math.max(w, x - GAP);
    }
    return { w, h: y + rowH, at };
  };

  function boxOf(n: LayoutNode): Box {
    const cached = boxes.get(n.id);
    if (cached) return cached;
    const members = kids.get(n.id);
    let b: Box;
    if (!members?.length) b = leafSize(n);
    else {
      const inner = pack(members);
      b = { w: inner.w + 2 * PAD, h: inner.h + 2 * PAD + LABEL, at: inner.at };
    }
    boxes.set(n.id, b);
    return b;
  }

  const out = new Map<string, { x: number; y: number }>();
  const place = (n: LayoutNode, x: number, y: number) => {
    const b = boxOf(n);
    const members = kids.get(n.id);
    if (!members?.length) {
      out.set(n.id, { x: x + b.w / 2, y: y + b.h / 2 });
      return;
    }
    for (const m of members) {
      const o = b.at!.get(m.id)!;
      place(m, x + PAD + o.x, y + PAD + LABEL + o.y);
    }
  };
  const top = pack(roots);
  for (const r of roots) {
    const o = top.at!.get(r.id)!;
    place(r, o.x, o.y);
  }
  return out;
}

// --------------------------------------------------------------------------- hierarchical

/** layer of a kind in the hierarchical layout: projects → networks → ports (logical), control → compute / peers → ports (infrastructure) */
const LAYER: Record<string, number> = {
  project: 0,
  "control-node": 0,
  "virtual-network": 1,
  "floating-ip-pool": 1,
  "any-network": 1,
  service: 1,
  "compute-node": 1,
  "bgp-router": 1,
  "routing-instance": 2,
  port: 2,
  aggregate: 2,
};
const LAYER_H = 150;
const ROW_H = 56;
const COLS = 4;

/**
 * "Hierarchical" layout: the containment tree drawn top-down in layers by kind (projects, then
 * their networks, then each network's routing instance and ports in a small grid under it), each
 * parent centred over its members; the trees are packed in bands so the picture stays roughly
 * screen-shaped. Linear in the number of nodes. Pure: a position for every node (groups are drawn
 * as ordinary nodes in this layout, linked to their members).
 */
export function hierarchicalLayout(nodes: LayoutNode[]): Map<string, { x: number; y: number }> {
  const ids = new Set(nodes.map((n) => n.id));
  const kids = new Map<string, LayoutNode[]>();
  const roots: LayoutNode[] = [];
  for (const n of nodes) {
    if (n.parent && ids.has(n.parent)) {
      const l = kids.get(n.parent);
      if (l) l.push(n);
      else kids.set(n.parent, [n]);
    } else roots.push(n);
  }
  const layer = (n: LayoutNode) => LAYER[n.kind ?? ""] ?? 1;
  const ownW = (n: LayoutNode) => leafSize(n).w * 0.8;
  // members that have members of their own are subtrees side by side; the others (ports) a grid
  const widths = new Map<string, number>();
  const width = (n: LayoutNode): number => {
    const known = widths.get(n.id);
    if (known !== undefined) return known;
    const members = kids.get(n.id) ?? [];
    const trees = members.filter((m) => kids.get(m.id)?.length);
    const leaves = members.filter((m) => !kids.get(m.id)?.length);
    const cols = Math.min(COLS, leaves.length);
    const grid = cols ? cols * Math.max(...leaves.map(ownW)) : 0;
    const w = Math.max(ownW(n), trees.reduce((s, m) => s + width(m), 0) + (grid ? grid : 0));
    widths.set(n.id, w);
    return w;
  };
  const out = new Map<string, { x: number; y: number }>();
  let bottom = 0;
  const place = (n: LayoutNode, x0: number, top: number) => {
    const w = width(n);
    const y = top + layer(n) * LAYER_H;
    out.set(n.id, { x: x0 + w / 2, y });
    bottom = Math.max(bottom, y);
    const members = kids.get(n.id) ?? [];
    const trees = members.filter((m) => kids.get(m.id)?.length);
    const leaves = members.filter((m) => !kids.get(m.id)?.length);
    let x = x0;
    for (const m of trees) {
      place(m, x, top);
      x += width(m);
    }
    if (leaves.length) {
      const cellW = Math.max(...leaves.map(ownW));
      const cols = Math.min(COLS, leaves.length);
      const gridW = cols * cellW;
      // a grid of a network's ports sits under it; a project's loose members right of its networks
      const gx = trees.length ? x : x0 + (w - gridW) / 2;
      leaves.forEach((m, i) => {
        const ly = top + Math.max(layer(m), layer(n) + 1) * LAYER_H + Math.floor(i / COLS) * ROW_H;
        out.set(m.id, { x: gx + (i % COLS) * cellW + cellW / 2, y: ly });
        bottom = Math.max(bottom, ly);
      });
    }
  };
  // bands of trees, roughly 16:9 overall; roots of the same kind stay together in model order
  const total = roots.reduce((s, r) => s + width(r), 0);
  const bandW = Math.max(...roots.map(width), Math.sqrt(total * LAYER_H * 3 * 1.8));
  let x = 0;
  let top = 0;
  let bandBottom = 0;
  for (const r of roots) {
    const w = width(r);
    if (x > 0 && x + w > bandW) {
      top = bandBottom + LAYER_H;
      x = 0;
    }
    bottom = top;
    place(r, x, top);
    bandBottom = Math.max(bandBottom, bottom);
    x += w + GAP * 2;
  }
  return out;
}

// --------------------------------------------------------------------------- frames

export interface Rect {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/**
 * Large graphs draw groups as frames (plain nodes behind their members) instead of cytoscape
 * compound nodes, whose bookkeeping costs seconds at 5,000 nodes. A frame is the box around its
 * members' boxes plus padding and room for its title, computed innermost first. Pure.
 */
export function frameBoxes(nodes: LayoutNode[], pos: (id: string) => { x: number; y: number } | undefined): Map<string, Rect> {
  const ids = new Set(nodes.map((n) => n.id));
  const kids = new Map<string, LayoutNode[]>();
  for (const n of nodes) {
    if (!n.parent || !ids.has(n.parent)) continue;
    const l = kids.get(n.parent);
    if (l) l.push(n);
    else kids.set(n.parent, [n]);
  }
  const out = new Map<string, Rect>();
  const boxOf = (n: LayoutNode): Rect | undefined => {
    const members = kids.get(n.id);
    if (members?.length) {
      const known = out.get(n.id);
      if (known) return known;
      let r: Rect | undefined;
      for (const m of members) {
        const b = boxOf(m);
        if (!b) continue;
        r = r ? { x1: Math.min(r.x1, b.x1), y1: Math.min(r.y1, b.y1), x2: Math.max(r.x2, b.x2), y2: Math.max(r.y2, b.y2) } : { ...b };
      }
      if (!r) return undefined;
      const f = { x1: r.x1 - PAD / 2, y1: r.y1 - PAD / 2 - LABEL, x2: r.x2 + PAD / 2, y2: r.y2 + PAD / 2 };
      out.set(n.id, f);
      return f;
    }
    const p = pos(n.id);
    if (!p) return undefined;
    const s = leafSize(n);
    return { x1: p.x - s.w / 2 + GAP / 2, y1: p.y - s.h / 2 + GAP / 2, x2: p.x + s.w / 2 - GAP / 2, y2: p.y + s.h / 2 - GAP / 2 };
  };
  for (const n of nodes) if (kids.get(n.id)?.length) boxOf(n);
  return out;
}

/** zoom and pan that fit `r` in a w × h viewport with `padding` around (what cy.fit does, without measuring every element) */
export function fitViewport(r: Rect, w: number, h: number, padding = 30, limits = { min: 0.02, max: 4 }) {
  const bw = Math.max(1, r.x2 - r.x1);
  const bh = Math.max(1, r.y2 - r.y1);
  const zoom = Math.min(limits.max, Math.max(limits.min, Math.min((w - 2 * padding) / bw, (h - 2 * padding) / bh)));
  return { zoom, pan: { x: w / 2 - zoom * (r.x1 + r.x2) / 2, y: h / 2 - zoom * (r.y1 + r.y2) / 2 } };
}
