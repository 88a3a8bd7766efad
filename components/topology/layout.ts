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
