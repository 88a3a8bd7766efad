"use client";
// The cytoscape canvas. Loaded only in the browser (topology-page imports it with next/dynamic,
// ssr: false) and cytoscape is created in an effect. Every new element set is applied as a diff
// in one batch: nodes that stay keep their positions, new ones appear beside their group or a
// neighbour, positions are remembered per view in localStorage.
// Two ways of drawing groups: small graphs use cytoscape compound nodes (fCoSE lays them out);
// large graphs and the hierarchical layout draw "flat" — no compound nodes, whose bookkeeping costs
// seconds at 5,000 nodes: a group is a frame (a plain node sized around its members, behind them,
// dragging it drags them) or, in the hierarchical layout, a node linked to its members. A large
// graph is drawn in one batch at positions computed before it is added (remembered ones, or the
// linear grouped / hierarchical layouts), the viewport is fitted from those numbers rather than by
// measuring every element, the style is lean and class-based, edges are haystack lines, captions
// are given only to the nodes in view once zoomed in far enough to read them.
// Level of detail (large flat graphs): the first picture is the whole graph's overview — every
// group and network at its final place, frames sized for all their members, edges merged per pair
// of top-level groups (elements.ts levelOfDetail), a few hundred elements; once zoomed in
// (DETAIL_ZOOM), the top-level groups in view get their ports, routing instances and every edge of
// theirs, and fold back when zoomed out. Search, focus and selection draw the group of what they
// reach first (reveal). Nodes not drawn keep their laid-out place in memo (remembered with the rest).
import cytoscape from "cytoscape";
import fcose from "cytoscape-fcose";
import { useEffect, useRef } from "react";
import { type EdgeData, type ElementSet, type NodeData, diffElements, isEmptyDiff, levelOfDetail, topGroups } from "./elements";
import { type LayoutNode, type Rect, fitViewport, frameBoxes, groupedLayout, hierarchicalLayout } from "./layout";
import { type Positions, clearPositions, loadPositions, savePositions } from "./positions";
import { lookClasses, readPalette, stylesheet } from "./style";
import { graphSvg } from "./svg";

export type LayoutName = "fcose" | "concentric" | "grouped" | "hierarchical";

export interface GraphHandle {
  fit(): void;
  relayout(): void;
  pngBlob(): Promise<Blob>;
  /** the whole graph as an SVG document (shapes, lines and captions as drawn now) */
  svg(): string;
  focus(id: string): boolean;
  /** current position of every drawn node, for the test hook and the bench */
  cy(): cytoscape.Core;
}

export interface GraphProps {
  storageKey: string;
  elements: ElementSet;
  layout: LayoutName;
  search: string;
  selected: string | null;
  onSelect(sel: { group: "nodes" | "edges"; id: string } | null): void;
  onToggle(id: string): void;
  onReady(h: GraphHandle): void;
  /** draw groups as frames / tree nodes instead of compound nodes (large graphs, hierarchical layout) */
  flat: boolean;
}

let registered = false;
/** above this, the graph is "large": drawn flat, grouped layout, haystack edges, textures while panning */
export const LARGE_NODES = 1200;
/** large graphs: from this zoom on, the top-level groups in view are drawn in detail (ports, port-level edges) */
export const DETAIL_ZOOM = 0.25;

declare global {
  interface Window {
    __weftTopology?: {
      cy: cytoscape.Core;
      applied: number;
      lastApplyMs: number;
      lastBatchMs: number;
      lastAppliedAt: number;
      layoutRuns: number;
      firstFrameAt?: number;
      /** level of detail (large graphs): the whole model's size and the top-level groups drawn in detail */
      lod?: { on: boolean; nodes: number; edges: number; open: string[] };
      /** draws the element's group in detail (as search and selection do; an edge: by its id or the start of it); true when it is drawn */
      reveal?: (id: string) => boolean;
    };
    /** performance.now() of the first load's steps (model received, decoded, elements built), for the bench */
    __weftTopologyMarks?: Record<string, number>;
  }
}

function depthSorted(nodes: NodeData[]): NodeData[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const depth = (n: NodeData): number => {
    let d = 0;
    let p = n.parent;
    while (p && byId.has(p) && d < 8) {
      d++;
      p = byId.get(p)!.parent;
    }
    return d;
  };
  return nodes.map((n) => [depth(n), n] as const).sort((a, b) => a[0] - b[0]).map(([, n]) => n);
}

const memberEdgeId = (parent: string, id: string) => `member~${parent}~${id}`;

/** cytoscape's definition of a node: compound (data.parent) or flat (data.owner; groups are frames unless hierarchical) */
function nodeDef(n: NodeData, flat: boolean, hier: boolean, large: boolean, position?: { x: number; y: number }): cytoscape.ElementDefinition {
  if (!flat) return { group: "nodes", data: n as unknown as cytoscape.NodeDataDefinition, ...(position ? { position } : {}) };
  const { parent, ...rest } = n;
  const data = { ...rest, ...(parent ? { owner: parent } : {}) } as unknown as cytoscape.NodeDataDefinition;
  const frame = !hier && n.group && !n.collapsed;
  const classes = [frame ? "frame" : "", large ? lookClasses(n) : ""].filter(Boolean).join(" ");
  return { group: "nodes", data, classes, ...(position ? { position } : {}) };
}

/** large graphs style by class (style.ts leanStylesheet) */
const edgeDef = (e: EdgeData, large: boolean): cytoscape.ElementDefinition => ({ group: "edges", data: e as unknown as cytoscape.EdgeDataDefinition, ...(large ? { classes: lookClasses(e) } : {}) });
const memberEdge = (parent: string, id: string): cytoscape.ElementDefinition => ({ group: "edges", data: { id: memberEdgeId(parent, id), source: parent, target: id, kind: "member" }, classes: "k-member" });

/** a flat node's data as NodeData again (owner → parent), for the layouts */
const layoutNodeOf = (n: cytoscape.NodeSingular, flat: boolean): LayoutNode => ({ id: n.id(), parent: (flat ? n.data("owner") : n.data("parent")) as string | undefined, kind: n.data("kind") as string, collapsed: n.data("collapsed") as boolean | undefined });

export default function Graph(props: GraphProps) {
  const box = useRef<HTMLDivElement>(null);
  const cyRef = useRef<cytoscape.Core | null>(null);
  const drawn = useRef<ElementSet>({ nodes: [], edges: [] });
  const memo = useRef<Map<string, { x: number; y: number }>>(new Map());
  const collapsedAt = useRef<Map<string, { x: number; y: number }>>(new Map());
  const latest = useRef(props);
  latest.current = props;
  const stats = useRef({ applied: 0, lastApplyMs: 0, lastBatchMs: 0, lastAppliedAt: 0, layoutRuns: 0 });
  const saveTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  // fixed for the life of the canvas (the page re-creates it when this changes)
  const flat = props.flat;
  const largeRef = useRef(false);
  const hier = () => latest.current.layout === "hierarchical";

  const isLarge = () => largeRef.current || (cyRef.current?.nodes().length ?? 0) > LARGE_NODES;
  // level of detail (large flat graphs, not the hierarchical tree): what is drawn is
  // levelOfDetail(model, open); `full` is the whole element set, `hidden` its nodes not drawn now
  // (their positions stay in memo, and frames are sized around them too)
  const lodOn = () => largeRef.current && flat && !hier();
  const open = useRef<Set<string>>(new Set());
  const pinned = useRef<Set<string>>(new Set());
  const full = useRef<{ els: ElementSet; tops: Map<string, string>; ids: Set<string> }>({ els: { nodes: [], edges: [] }, tops: new Map(), ids: new Set() });
  const hidden = useRef<NodeData[]>([]);
  const fullOf = (els: ElementSet) => {
    if (full.current.els !== els) full.current = { els, tops: topGroups(els.nodes), ids: new Set([...els.nodes.map((n) => n.id), ...els.edges.map((e) => e.id)]) };
    return full.current;
  };
  /** what to draw of a whole element set */
  const toDraw = (els: ElementSet): ElementSet => {
    if (!lodOn()) {
      hidden.current = [];
      return els;
    }
    const f = fullOf(els);
    const out = levelOfDetail(els, new Set([...open.current, ...pinned.current]), f.tops);
    const drawnIds = new Set(out.nodes.map((n) => n.id));
    hidden.current = els.nodes.filter((n) => !drawnIds.has(n.id));
    return out;
  };
  const isGroupNode = (n: cytoscape.NodeSingular) => n.isParent() || n.hasClass("frame");

  const remember = () => {
    const cy = cyRef.current;
    if (!cy) return;
    const out: Positions = {};
    cy.nodes().forEach((n) => {
      const p = n.position();
      memo.current.set(n.id(), { x: p.x, y: p.y });
      if (!isGroupNode(n)) out[n.id()] = [Math.round(p.x), Math.round(p.y)];
    });
    // nodes not drawn at this level of detail: where they were laid out
    for (const n of hidden.current) {
      const p = memo.current.get(n.id);
      if (p) out[n.id] = [Math.round(p.x), Math.round(p.y)];
    }
    // keep what is remembered for nodes hidden in collapsed groups
    const prev = loadPositions(latest.current.storageKey);
    for (const [id, p] of Object.entries(prev)) if (!cy.$id(id).nonempty() && !(id in out)) out[id] = p;
    savePositions(latest.current.storageKey, out);
  };
  const rememberSoon = (ms = 400) => {
    if (saveTimer.current) clearTimeout(saveTimer.current);
    saveTimer.current = setTimeout(remember, ms);
  };

  /** flat drawing: size and place every frame around its members (innermost first); returns the drawing's extent */
  const updateFrames = (): Rect | null => {
    const cy = cyRef.current;
    if (!cy || !flat) return null;
    const nodes: LayoutNode[] = cy.nodes().map((n) => layoutNodeOf(n, true));
    for (const n of hidden.current) nodes.push({ id: n.id, parent: n.parent, kind: n.kind, collapsed: n.collapsed });
    const at = (id: string) => {
      const el = cy.$id(id);
      return el.nonempty() ? el.position() : memo.current.get(id);
    };
    const frames = hier() ? new Map<string, Rect>() : frameBoxes(nodes, at);
    let extent: Rect | null = null;
    const grow = (r: Rect) => {
      extent = extent ? { x1: Math.min(extent.x1, r.x1), y1: Math.min(extent.y1, r.y1), x2: Math.max(extent.x2, r.x2), y2: Math.max(extent.y2, r.y2) } : { ...r };
    };
    cy.batch(() => {
      cy.nodes().forEach((n) => {
        const f = frames.get(n.id());
        if (f) {
          // only frames that changed: every change redraws the canvas layer the frame is on
          const w = Math.round(f.x2 - f.x1);
          const h = Math.round(f.y2 - f.y1);
          if (n.data("w") !== w || n.data("h") !== h) n.data({ w, h });
          const c = { x: (f.x1 + f.x2) / 2, y: (f.y1 + f.y2) / 2 };
          const p = n.position();
          if (Math.abs(p.x - c.x) > 0.5 || Math.abs(p.y - c.y) > 0.5) n.position(c);
          grow(f);
        } else if (!n.hasClass("frame")) {
          const p = n.position();
          grow({ x1: p.x - 80, y1: p.y - 40, x2: p.x + 80, y2: p.y + 40 });
        }
      });
    });
    return extent;
  };

  /** the viewport that shows everything: from the frames and positions (no measuring of each element) */
  const fitAll = (extent: Rect | null) => {
    const cy = cyRef.current;
    if (!cy) return;
    if (!extent || !box.current || !box.current.clientWidth || !box.current.clientHeight) {
      cy.fit(undefined, 30);
      return;
    }
    cy.viewport(fitViewport(extent, box.current.clientWidth, box.current.clientHeight, 30, { min: cy.minZoom(), max: Math.min(cy.maxZoom(), 1.5) }));
  };

  /** positions of a pure layout, for the flat drawing or the compound one */
  const pureLayout = (name: "grouped" | "hierarchical") => {
    const cy = cyRef.current!;
    const nodes = cy.nodes().map((n) => layoutNodeOf(n, flat));
    // nodes not drawn at this level of detail are laid out too (they keep their place in memo)
    for (const n of hidden.current) nodes.push({ id: n.id, parent: n.parent, kind: n.kind, collapsed: n.collapsed });
    const pos = name === "hierarchical" ? hierarchicalLayout(nodes) : groupedLayout(nodes);
    for (const n of hidden.current) {
      const p = pos.get(n.id);
      if (p) memo.current.set(n.id, p);
    }
    return pos;
  };

  const runLayout = (name: LayoutName, opts: { fit?: boolean } = {}) => {
    const cy = cyRef.current;
    if (!cy || cy.nodes().empty()) return;
    stats.current.layoutRuns++;
    box.current?.setAttribute("data-layout-running", "true");
    const done = () => {
      const extent = updateFrames();
      if (opts.fit !== false) fitAll(flat ? extent : null);
      box.current?.setAttribute("data-layout-running", "false");
      box.current?.setAttribute("data-layout", name);
      rememberSoon();
    };
    const large = isLarge();
    // fCoSE lays out compound graphs; flat and large ones get the linear grouped layout instead
    const layoutName = name === "fcose" && (large || flat) ? "grouped" : name;
    if (layoutName === "grouped" || layoutName === "hierarchical") {
      const pos = pureLayout(layoutName);
      cy.batch(() => {
        cy.nodes().forEach((n) => {
          if (isGroupNode(n)) return;
          const p = pos.get(n.id());
          if (p) n.position(p);
        });
      });
      done();
      return;
    }
    const common = { fit: false, padding: 30, animate: false } as const;
    const eles = flat ? cy.elements().not(".frame") : cy.elements();
    const l =
      layoutName === "fcose"
        ? eles.layout({
            name: "fcose",
            ...common,
            quality: "default",
            randomize: true,
            nodeDimensionsIncludeLabels: true,
            packComponents: true,
            nodeRepulsion: () => 9000,
            idealEdgeLength: () => 110,
            edgeElasticity: () => 0.3,
            nestingFactor: 0.15,
            gravity: 0.3,
            gravityCompound: 1.2,
            tile: true,
            tilingPaddingVertical: 14,
            tilingPaddingHorizontal: 14,
          } as cytoscape.LayoutOptions)
        : eles.layout({
            name: "concentric",
            ...common,
            minNodeSpacing: 26,
            concentric: (n: cytoscape.NodeSingular) => ({ "control-node": 6, "bgp-router": 5, "compute-node": 4, "virtual-network": 4, "floating-ip-pool": 3, "any-network": 3, "routing-instance": 2 })[n.data("kind") as string] ?? 1,
            levelWidth: () => 1,
          } as cytoscape.LayoutOptions);
    l.one("layoutstop", () => {
      done();
      if (opts.fit !== false && !flat) cy.fit(undefined, 30);
    });
    l.run();
  };

  /** the model's sizes and what is drawn in detail, for the bench and the tests */
  const publishLod = () => {
    if (!window.__weftTopology) return;
    const els = latest.current.elements;
    window.__weftTopology.lod = { on: lodOn(), nodes: els.nodes.length, edges: els.edges.length, open: [...open.current, ...pinned.current] };
    box.current?.setAttribute("data-lod", lodOn() ? String(open.current.size + pinned.current.size) : "off");
  };
  /** large graphs: draws the group of an element of the model that is not drawn now (search, selection, a link) */
  const reveal = (id: string): boolean => {
    const cy = cyRef.current;
    if (!cy) return false;
    if (cy.$id(id).nonempty()) return true;
    if (!lodOn()) return false;
    const f = fullOf(latest.current.elements);
    // an edge by its id or (the bench's hook) the start of its id
    const edge = f.ids.has(id) ? f.els.edges.find((e) => e.id === id) : f.els.edges.find((e) => e.id.startsWith(id));
    const node = edge ? edge.source : id;
    const top = f.tops.get(node);
    if (!top || pinned.current.has(top) || open.current.has(top)) return false;
    // only what was reached last stays drawn in detail besides the groups in view
    pinned.current = new Set([top]);
    if (edge) {
      const other = f.tops.get(edge.target);
      if (other) pinned.current.add(other);
    }
    applyRef.current(latest.current.elements);
    publishLod();
    return cy.$id(edge ? edge.id : id).nonempty();
  };

  // ------------------------------------------------------------------------------ create
  useEffect(() => {
    if (!box.current) return;
    if (!registered) {
      cytoscape.use(fcose);
      registered = true;
    }
    const initial = latest.current.elements;
    // the lean, class-based look is for flat drawings (large graphs are always drawn flat)
    const large = flat && (initial.nodes.length > LARGE_NODES || initial.edges.length > 2 * LARGE_NODES);
    largeRef.current = large;
    const cy = cytoscape({
      container: box.current,
      style: stylesheet(readPalette(), { large, flat }),
      elements: [],
      minZoom: 0.02,
      maxZoom: 4,
      boxSelectionEnabled: false,
      textureOnViewport: large,
      motionBlur: false,
      pixelRatio: large ? 1 : "auto",
      // cytoscape's WebGL renderer (preview in 3.3x): ?renderer=webgl
      ...(new URLSearchParams(window.location.search).get("renderer") === "webgl" ? { webgl: true } : {}),
    } as cytoscape.CytoscapeOptions);
    cyRef.current = cy;
    window.__weftTopology = { cy, ...stats.current, reveal };
    // the first frame with the graph in it (the bench's breakdown)
    const onRender = () => {
      if (!cy.elements().length || !window.__weftTopology) return;
      window.__weftTopology.firstFrameAt = Math.round(performance.now());
      cy.off("render", onRender);
    };
    cy.on("render", onRender);
    cy.on("tap", (e) => {
      if (e.target === cy) latest.current.onSelect(null);
      else latest.current.onSelect({ group: e.target.isNode() ? "nodes" : "edges", id: e.target.id() });
    });
    cy.on("dbltap", "node", (e) => {
      const n = e.target as cytoscape.NodeSingular;
      if (n.data("group")) latest.current.onToggle(n.id());
    });
    if (large) {
      // level of detail: captions only on the nodes in view, once they are big enough to read
      let labelled = cy.collection();
      let t: ReturnType<typeof setTimeout> | null = null;
      const relabel = () => {
        t = null;
        if (cy.destroyed()) return;
        const readable = cy.zoom() * 11 >= 7;
        const ext = cy.extent();
        const mx = (ext.x2 - ext.x1) * 0.15;
        const my = (ext.y2 - ext.y1) * 0.15;
        const inView = readable
          ? cy.nodes().filter((n) => {
              const p = n.position();
              return p.x >= ext.x1 - mx && p.x <= ext.x2 + mx && p.y >= ext.y1 - my && p.y <= ext.y2 + my;
            })
          : cy.collection();
        const off = labelled.difference(inView);
        const on = inView.difference(labelled);
        if (off.nonempty() || on.nonempty())
          cy.batch(() => {
            off.removeClass("lbl");
            on.addClass("lbl");
          });
        labelled = inView;
        box.current?.setAttribute("data-labelled", String(inView.length));
      };
      cy.on("viewport", () => {
        if (t) clearTimeout(t);
        t = setTimeout(relabel, 120);
      });
      cy.on("add", () => {
        t ??= setTimeout(relabel, 120);
      });
      // level of detail: once zoomed in, the top-level groups in view (and a margin) are drawn in
      // detail; zoomed out again, they fold back into the overview
      let lt: ReturnType<typeof setTimeout> | null = null;
      const rematerialise = () => {
        lt = null;
        if (cy.destroyed() || !lodOn()) return;
        const next = new Set<string>();
        if (cy.zoom() >= DETAIL_ZOOM) {
          const ext = cy.extent();
          const mx = (ext.x2 - ext.x1) * 0.25;
          const my = (ext.y2 - ext.y1) * 0.25;
          const tops = new Set(full.current.tops.values());
          for (const id of tops) {
            const n = cy.$id(id);
            if (n.empty() || !n.data("group")) continue;
            const p = n.position();
            const w = (Number(n.data("w")) || 0) / 2;
            const h = (Number(n.data("h")) || 0) / 2;
            if (p.x + w >= ext.x1 - mx && p.x - w <= ext.x2 + mx && p.y + h >= ext.y1 - my && p.y - h <= ext.y2 + my) next.add(id);
          }
        } else pinned.current.clear();
        if (next.size === open.current.size && [...next].every((id) => open.current.has(id))) return;
        open.current = next;
        applyRef.current(latest.current.elements);
        publishLod();
      };
      cy.on("viewport", () => {
        if (lt) clearTimeout(lt);
        lt = setTimeout(rematerialise, 150);
      });
    }
    cy.on("dragfree", "node", () => {
      if (flat) updateFrames();
      rememberSoon();
    });
    if (flat) {
      // a frame carries its members along
      let dragging: { frame: string; at: { x: number; y: number }; members: cytoscape.NodeCollection; away: NodeData[] } | null = null;
      cy.on("grab", "node.frame", (e) => {
        const f = e.target as cytoscape.NodeSingular;
        const inside = new Set([f.id()]);
        const members = cy.nodes().filter((n) => {
          for (let o = n.data("owner") as string | undefined, d = 0; o && d < 8; o = cy.$id(o).data("owner") as string | undefined, d++) if (inside.has(o)) return true;
          return false;
        });
        // members not drawn at this level of detail move along too (in memo)
        const tops = full.current.tops;
        const parentOf = new Map(full.current.els.nodes.map((n) => [n.id, n.parent]));
        const away = hidden.current.filter((n) => {
          if (tops.get(n.id) !== tops.get(f.id())) return false;
          for (let o = n.parent, d = 0; o && d < 8; o = parentOf.get(o), d++) if (o === f.id()) return true;
          return false;
        });
        dragging = { frame: f.id(), at: { ...f.position() }, members, away };
      });
      cy.on("drag", "node.frame", (e) => {
        const f = e.target as cytoscape.NodeSingular;
        if (!dragging || dragging.frame !== f.id()) return;
        const p = f.position();
        const dx = p.x - dragging.at.x;
        const dy = p.y - dragging.at.y;
        dragging.at = { ...p };
        cy.batch(() => dragging!.members.shift({ x: dx, y: dy }));
        for (const n of dragging.away) {
          const q = memo.current.get(n.id);
          if (q) memo.current.set(n.id, { x: q.x + dx, y: q.y + dy });
        }
      });
      cy.on("free", "node.frame", () => {
        dragging = null;
      });
    }
    // theme switch: restyle from the new tokens
    let palette = JSON.stringify(readPalette());
    const mo = new MutationObserver(() => {
      const next = readPalette();
      if (JSON.stringify(next) === palette) return; // a class change that is not the theme
      palette = JSON.stringify(next);
      cy.style(stylesheet(next, { large, flat }));
    });
    mo.observe(document.documentElement, { attributes: true, attributeFilter: ["class"] });
    latest.current.onReady({
      fit: () => cy.fit(undefined, 30),
      relayout: () => {
        clearPositions(latest.current.storageKey);
        runLayout(latest.current.layout);
      },
      pngBlob: () => cy.png({ output: "blob-promise", bg: readPalette().surface, full: true, scale: large ? 1 : 2, maxWidth: 8000, maxHeight: 8000 }),
      svg: () => graphSvg(cy, readPalette()),
      focus: (id) => {
        reveal(id);
        const n = cy.$id(id);
        if (n.empty()) return false;
        cy.$(":selected").unselect();
        n.select();
        cy.stop();
        cy.animate({ center: { eles: n }, zoom: Math.min(2, Math.max(cy.zoom(), isGroupNode(n) ? 0.9 : 1.3)) }, { duration: large ? 0 : 250 });
        box.current?.setAttribute("data-focused", id);
        return true;
      },
      cy: () => cy,
    });
    return () => {
      mo.disconnect();
      if (saveTimer.current) clearTimeout(saveTimer.current);
      cy.destroy();
      cyRef.current = null;
      drawn.current = { nodes: [], edges: [] };
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.storageKey]);

  // ------------------------------------------------------------------------------ first draw
  /**
   * Everything at once, at known positions: remembered ones when most nodes have one, else the
   * linear grouped / hierarchical layout computed before adding (no layout pass over cytoscape).
   * Returns false when the graph is small and compound: the general path below draws it and runs
   * the chosen layout.
   */
  const firstDraw = (els: ElementSet): ElementSet | null => {
    const cy = cyRef.current!;
    if (!flat) return null;
    const h = hier();
    const saved = loadPositions(latest.current.storageKey);
    const leaves = els.nodes.filter((n) => h || !n.group || n.collapsed);
    const restorable = leaves.length > 0 && leaves.filter((n) => saved[n.id]).length / leaves.length >= 0.7;
    let pos: Map<string, { x: number; y: number }>;
    if (restorable) {
      pos = new Map();
      for (const n of leaves) if (saved[n.id]) pos.set(n.id, { x: saved[n.id][0], y: saved[n.id][1] });
      // the few without a remembered place: where the layout would put them
      if (pos.size < leaves.length) {
        const fill = h ? hierarchicalLayout(els.nodes) : groupedLayout(els.nodes);
        for (const n of leaves) if (!pos.has(n.id) && fill.get(n.id)) pos.set(n.id, fill.get(n.id)!);
      }
    } else {
      stats.current.layoutRuns++;
      pos = h ? hierarchicalLayout(els.nodes) : groupedLayout(els.nodes);
    }
    const frames = h ? new Map<string, Rect>() : frameBoxes(els.nodes, (id) => pos.get(id));
    // large graphs: the overview level of detail (frames and the extent are those of the whole graph;
    // the nodes not drawn keep their place in memo for when they are)
    const show = toDraw(els);
    for (const n of hidden.current) {
      const p = pos.get(n.id);
      if (p) memo.current.set(n.id, p);
    }
    const defs: cytoscape.ElementDefinition[] = [];
    let extent: Rect | null = null;
    const shown = show === els ? null : new Set(show.nodes.map((n) => n.id));
    for (const n of els.nodes) {
      const f = frames.get(n.id);
      const p = f ? { x: (f.x1 + f.x2) / 2, y: (f.y1 + f.y2) / 2 } : pos.get(n.id);
      const r = f ?? (p ? { x1: p.x - 80, y1: p.y - 40, x2: p.x + 80, y2: p.y + 40 } : null);
      if (r) extent = extent ? { x1: Math.min(extent.x1, r.x1), y1: Math.min(extent.y1, r.y1), x2: Math.max(extent.x2, r.x2), y2: Math.max(extent.y2, r.y2) } : { ...r };
      if (shown && !shown.has(n.id)) continue;
      const d = nodeDef(n, true, h, largeRef.current, p);
      if (f) (d.data as Record<string, unknown>).w = Math.round(f.x2 - f.x1);
      if (f) (d.data as Record<string, unknown>).h = Math.round(f.y2 - f.y1);
      defs.push(d);
    }
    for (const e of show.edges) defs.push(edgeDef(e, largeRef.current));
    if (h) for (const n of els.nodes) if (n.parent) defs.push(memberEdge(n.parent, n.id));
    cy.batch(() => {
      cy.add(defs);
    });
    fitAll(extent);
    box.current?.setAttribute("data-layout", h ? "hierarchical" : "grouped");
    // not while the first frames are drawn
    if (!restorable) rememberSoon(2500);
    return show;
  };

  // ------------------------------------------------------------------------------ apply diffs
  /** draws `all` (the whole element set; large graphs: at the current level of detail) as a diff from what is drawn */
  const apply = (all: ElementSet) => {
    const cy = cyRef.current;
    if (!cy) return;
    const t0 = performance.now();
    const first = drawn.current.nodes.length === 0;
    if (first) (window.__weftTopologyMarks ??= {}).drawStart = Math.round(t0);
    if (first && all.nodes.length) {
      const shown = firstDraw(all);
      if (shown) {
        finish(cy, t0, performance.now(), shown);
        return;
      }
    }
    const next = toDraw(all);
    const diff = diffElements(drawn.current, next);
    if (isEmptyDiff(diff)) return;
    const h = hier();
    cy.nodes().forEach((n) => {
      const p = n.position();
      memo.current.set(n.id(), { x: p.x, y: p.y });
    });
    const saved = first ? loadPositions(latest.current.storageKey) : {};
    const nextById = new Map(next.nodes.map((n) => [n.id, n]));
    const leaves = next.nodes.filter((n) => !n.group || n.collapsed);
    const restorable = first && leaves.length > 0 && leaves.filter((n) => saved[n.id]).length / leaves.length >= 0.7;
    let unplaced = 0;
    cy.batch(() => {
      // groups being collapsed: remember where their members were, to come back there
      for (const u of diff.update) {
        if ("source" in u) continue;
        const n = u as NodeData;
        const el = cy.$id(n.id);
        if (n.collapsed && el.nonempty() && isGroupNode(el)) {
          const c = el.boundingBox({ includeLabels: false });
          collapsedAt.current.set(n.id, { x: (c.x1 + c.x2) / 2, y: (c.y1 + c.y2) / 2 });
        }
      }
      if (diff.remove.length) {
        const gone = new Set(diff.remove);
        cy.remove(cy.elements().filter((e) => gone.has(e.id())));
      }
      for (const u of diff.update) {
        const el = cy.$id(u.id);
        if (el.empty()) continue;
        const { parent: _p, ...data } = u as NodeData;
        el.data(flat ? data : (u as unknown as Record<string, unknown>));
        // keys that went away (the state word of a group that is expanded again, …)
        for (const k of Object.keys(el.data())) if (!(k in u) && k !== "parent" && k !== "source" && k !== "target" && k !== "owner" && k !== "w" && k !== "h") el.removeData(k);
        if (flat && el.isNode()) el.toggleClass("frame", !h && !!(u as NodeData).group && !(u as NodeData).collapsed);
        if (largeRef.current) {
          // the look classes follow the data (keep frame / search / selection classes)
          const keep = el.classes().filter((c: string) => !/^(k-|t-|a-)/.test(c) && c !== "idle" && c !== "denied" && c !== "collapsed" && c !== "external");
          el.classes([...keep, lookClasses(u as NodeData & EdgeData)].join(" "));
        }
      }
      for (const r of diff.reparent) {
        const el = cy.$id(r.id);
        if (el.empty()) continue;
        if (!flat) {
          if (r.parent === null || cy.$id(r.parent).nonempty()) el.move({ parent: r.parent });
          continue;
        }
        const old = el.data("owner") as string | undefined;
        if (r.parent) el.data("owner", r.parent);
        else el.removeData("owner");
        if (h) {
          if (old) cy.remove(cy.$id(memberEdgeId(old, r.id)));
          if (r.parent && cy.$id(r.parent).nonempty()) cy.add(memberEdge(r.parent, r.id));
        }
      }
      const adds: cytoscape.ElementDefinition[] = [];
      for (const n of depthSorted(diff.addNodes)) {
        let pos: { x: number; y: number } | undefined;
        if (restorable && saved[n.id]) pos = { x: saved[n.id][0], y: saved[n.id][1] };
        else if (!first) pos = memo.current.get(n.id);
        if (pos && n.parent) {
          // the group was collapsed and moved meanwhile: its members follow
          const at = collapsedAt.current.get(n.parent);
          const now = memo.current.get(n.parent);
          if (at && now) pos = { x: pos.x + now.x - at.x, y: pos.y + now.y - at.y };
        }
        if (!pos && !first) pos = besideOf(cy, n, next.edges, nextById);
        if (!pos && n.collapsed) pos = collapsedAt.current.get(n.id);
        if (!pos) unplaced++;
        adds.push(nodeDef(n, flat, h, largeRef.current, pos));
        if (flat && h && n.parent) adds.push(memberEdge(n.parent, n.id));
      }
      for (const e of diff.addEdges) adds.push(edgeDef(e, largeRef.current));
      // member edges whose group arrived after the member (cytoscape refuses edges to missing nodes)
      const addedIds = new Set(adds.filter((d) => d.group === "nodes").map((d) => d.data.id as string));
      const there = (id: unknown) => addedIds.has(id as string) || cy.$id(id as string).nonempty();
      if (adds.length) cy.add(adds.filter((d) => d.group === "nodes" || (there(d.data.source) && there(d.data.target))));
    });
    const tBatch = performance.now();
    for (const u of diff.update) if (!("source" in u) && !(u as NodeData).collapsed) collapsedAt.current.delete(u.id);
    if (first) {
      if (restorable) cy.fit(undefined, 30);
      else runLayout(latest.current.layout);
    } else if (unplaced > Math.max(20, cy.nodes().length * 0.3)) {
      runLayout(latest.current.layout, { fit: false });
    } else {
      // frames follow their members: only node changes can move or resize them (a policy flip
      // touches edges alone)
      if (flat && (diff.addNodes.length || diff.remove.length || diff.reparent.length || diff.update.some((u) => !("source" in u)))) updateFrames();
      if (diff.addNodes.length || diff.remove.length) rememberSoon();
    }
    finish(cy, t0, tBatch, next);
  };
  const applyRef = useRef(apply);
  applyRef.current = apply;
  useEffect(() => {
    apply(props.elements);
    publishLod();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.elements]);

  function finish(cy: cytoscape.Core, t0: number, tBatch: number, els: ElementSet) {
    drawn.current = els;
    stats.current.applied++;
    stats.current.lastApplyMs = Math.round(performance.now() - t0);
    stats.current.lastBatchMs = Math.round(tBatch - t0);
    stats.current.lastAppliedAt = Math.round(performance.now());
    if (window.__weftTopology) Object.assign(window.__weftTopology, stats.current);
    box.current?.setAttribute("data-nodes", String(cy.nodes().length));
    box.current?.setAttribute("data-edges", String(cy.edges().length));
    box.current?.setAttribute("data-applied", String(stats.current.applied));
  }

  // ------------------------------------------------------------------------------ layout choice
  const firstLayout = useRef(true);
  useEffect(() => {
    if (firstLayout.current) {
      firstLayout.current = false;
      return;
    }
    runLayout(props.layout);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.layout]);

  // ------------------------------------------------------------------------------ search highlight
  const highlighted = useRef(false);
  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    const q = props.search.trim().toLowerCase();
    // no search and nothing highlighted: nothing to do (a live update of a large graph must not
    // scan every element)
    if (!q && !highlighted.current) return;
    highlighted.current = !!q;
    cy.batch(() => {
      cy.$(".match, .faded, .near").removeClass("match faded near");
      if (!q) return;
      const hits = cy.nodes().filter((n) => {
        const d = n.data() as NodeData;
        return d.label.toLowerCase().includes(q) || (d.fqName ?? "").toLowerCase().includes(q) || (d.detail ?? "").toLowerCase().includes(q);
      });
      if (hits.empty()) return;
      hits.addClass("match");
      hits.connectedEdges().addClass("near");
      const keep = hits.union(hits.ancestors()).union(hits.descendants()).union(hits.connectedEdges()).union(hits.connectedEdges().connectedNodes());
      // flat drawing: the frames around a hit stay too
      const ownerIds = new Set<string>();
      if (flat)
        keep.nodes().forEach((n) => {
          for (let o = n.data("owner") as string | undefined, d = 0; o && d < 8 && !ownerIds.has(o); o = cy.$id(o).data("owner") as string | undefined, d++) ownerIds.add(o);
        });
      const owners = cy.nodes().filter((n) => ownerIds.has(n.id()));
      cy.elements().not(keep).not(keep.ancestors()).not(owners).addClass("faded");
    });
    box.current?.setAttribute("data-matches", String(cy.$(".match").length));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.search, props.elements]);

  // ------------------------------------------------------------------------------ selection from the URL
  const selectedOnce = useRef(false);
  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    // already so: nothing to scan (live updates of a large graph come here too)
    if (props.selected ? cy.$id(props.selected).selected() : !selectedOnce.current) return;
    if (props.selected && cy.$id(props.selected).empty()) reveal(props.selected);
    cy.$(":selected").unselect();
    if (props.selected) cy.$id(props.selected).select();
    selectedOnce.current = !!props.selected;
  }, [props.selected, props.elements]);

  // cytoscape makes its container position: relative: the absolute box is a wrapper around it
  return (
    <div className="absolute inset-0">
      <div ref={box} data-testid="topology-canvas" data-flat={flat ? "true" : "false"} className="h-full w-full" />
    </div>
  );
}

/** Free space for a new node near `at`: the first spot on growing rings that overlaps nothing drawn. */
function freeSpotNear(cy: cytoscape.Core, at: { x: number; y: number }, w = 170, h = 80): { x: number; y: number } {
  const boxes = cy.nodes().not(".frame").slice(0, 3000).map((n) => n.boundingBox({ includeLabels: true }));
  const clear = (x: number, y: number) => boxes.every((b) => x + w / 2 < b.x1 || x - w / 2 > b.x2 || y + h / 2 < b.y1 || y - h / 2 > b.y2);
  for (let r = 140; r <= 1400; r += 90) {
    for (let k = 0; k < 16; k++) {
      const a = (k / 16) * 2 * Math.PI + r / 300;
      const x = at.x + r * Math.cos(a);
      const y = at.y + r * Math.sin(a);
      if (clear(x, y)) return { x, y };
    }
  }
  return { x: at.x + 160, y: at.y + 90 };
}

/** A place for a new node: beside its group's other members, else beside a neighbour, else to the right. */
function besideOf(cy: cytoscape.Core, n: NodeData, edges: EdgeData[], byId: Map<string, NodeData>): { x: number; y: number } | undefined {
  const jitter = () => (Math.random() - 0.5) * 20;
  if (n.parent) {
    const p = cy.$id(n.parent);
    if (p.nonempty()) {
      if (p.isParent()) {
        const b = p.boundingBox({ includeLabels: false });
        return { x: b.x2 + 10 + jitter(), y: (b.y1 + b.y2) / 2 + jitter() };
      }
      if (p.hasClass("frame")) {
        // inside the frame, right of its members (the frame grows around it)
        const w = Number(p.data("w")) || 100;
        const at = p.position();
        return { x: at.x + w / 2 + 40 + jitter(), y: at.y + jitter() };
      }
      const at = p.position();
      return { x: at.x + jitter(), y: at.y + 70 };
    }
  }
  for (const e of edges) {
    const other = e.source === n.id ? e.target : e.target === n.id ? e.source : null;
    if (!other || !byId.has(other)) continue;
    const o = cy.$id(other);
    if (o.nonempty()) return freeSpotNear(cy, o.position());
  }
  if (cy.nodes().empty()) return undefined;
  const b = cy.nodes().boundingBox({});
  return { x: b.x2 + 120, y: (b.y1 + b.y2) / 2 + jitter() };
}
