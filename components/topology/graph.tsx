"use client";
// The cytoscape canvas. Loaded only in the browser (topology-page imports it with next/dynamic,
// ssr: false) and cytoscape is created in an effect. Every new element set is applied as a diff
// in one batch: nodes that stay keep their positions, new ones appear beside their group or a
// neighbour, positions are remembered per view in localStorage. Large graphs get the linear
// "grouped" layout, straight edges, viewport textures while panning and labels only when zoomed in.
import cytoscape from "cytoscape";
import fcose from "cytoscape-fcose";
import { useEffect, useRef } from "react";
import { type EdgeData, type ElementSet, type NodeData, diffElements, isEmptyDiff } from "./elements";
import { groupedLayout } from "./layout";
import { type Positions, clearPositions, loadPositions, savePositions } from "./positions";
import { readPalette, stylesheet } from "./style";

export type LayoutName = "fcose" | "concentric" | "grouped";

export interface GraphHandle {
  fit(): void;
  relayout(): void;
  pngBlob(): Promise<Blob>;
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
}

let registered = false;
/** above this, the graph is "large": grouped layout, straight edges, textures while panning */
export const LARGE_NODES = 1200;

declare global {
  interface Window {
    __weftTopology?: { cy: cytoscape.Core; applied: number; lastApplyMs: number; lastBatchMs: number; lastAppliedAt: number; layoutRuns: number };
  }
}

function depthSorted(nodes: NodeData[], known: (id: string) => boolean): NodeData[] {
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
  void known;
  return nodes.map((n) => [depth(n), n] as const).sort((a, b) => a[0] - b[0]).map(([, n]) => n);
}

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

  const isLarge = () => (cyRef.current?.nodes().length ?? 0) > LARGE_NODES;

  const remember = () => {
    const cy = cyRef.current;
    if (!cy) return;
    const out: Positions = {};
    cy.nodes().forEach((n) => {
      const p = n.position();
      memo.current.set(n.id(), { x: p.x, y: p.y });
      if (!n.isParent()) out[n.id()] = [Math.round(p.x), Math.round(p.y)];
    });
    // keep what is remembered for nodes hidden in collapsed groups
    const prev = loadPositions(latest.current.storageKey);
    for (const [id, p] of Object.entries(prev)) if (!cy.$id(id).nonempty() && !(id in out)) out[id] = p;
    savePositions(latest.current.storageKey, out);
  };
  const rememberSoon = () => {
    if (saveTimer.current) clearTimeout(saveTimer.current);
    saveTimer.current = setTimeout(remember, 400);
  };

  const runLayout = (name: LayoutName, opts: { fit?: boolean } = {}) => {
    const cy = cyRef.current;
    if (!cy || cy.nodes().empty()) return;
    stats.current.layoutRuns++;
    box.current?.setAttribute("data-layout-running", "true");
    const done = () => {
      box.current?.setAttribute("data-layout-running", "false");
      rememberSoon();
    };
    const large = isLarge();
    const layoutName = name === "fcose" && large ? "grouped" : name;
    if (layoutName === "grouped") {
      const pos = groupedLayout(cy.nodes().map((n) => ({ id: n.id(), parent: n.data("parent") as string | undefined, kind: n.data("kind") as string })));
      cy.batch(() => {
        cy.nodes().forEach((n) => {
          if (n.isParent()) return;
          const p = pos.get(n.id());
          if (p) n.position(p);
        });
      });
      if (opts.fit !== false) cy.fit(undefined, 30);
      done();
      return;
    }
    const common = { fit: opts.fit !== false, padding: 30, animate: false } as const;
    const l =
      layoutName === "fcose"
        ? cy.layout({
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
        : cy.layout({
            name: "concentric",
            ...common,
            minNodeSpacing: 26,
            concentric: (n: cytoscape.NodeSingular) => ({ "control-node": 6, "bgp-router": 5, "compute-node": 4, "virtual-network": 4, "floating-ip-pool": 3, "any-network": 3, "routing-instance": 2 })[n.data("kind") as string] ?? 1,
            levelWidth: () => 1,
          } as cytoscape.LayoutOptions);
    l.one("layoutstop", done);
    l.run();
  };

  // ------------------------------------------------------------------------------ create
  useEffect(() => {
    if (!box.current) return;
    if (!registered) {
      cytoscape.use(fcose);
      registered = true;
    }
    const initial = latest.current.elements;
    const large = initial.nodes.length > LARGE_NODES || initial.edges.length > 2 * LARGE_NODES;
    const cy = cytoscape({
      container: box.current,
      style: stylesheet(readPalette(), { large }),
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
    const uninstall = large ? installCheapDirtying(cy) : null;
    window.__weftTopology = { cy, ...stats.current };
    cy.on("tap", (e) => {
      if (e.target === cy) latest.current.onSelect(null);
      else latest.current.onSelect({ group: e.target.isNode() ? "nodes" : "edges", id: e.target.id() });
    });
    cy.on("dbltap", "node", (e) => {
      const n = e.target as cytoscape.NodeSingular;
      if (n.data("group")) latest.current.onToggle(n.id());
    });
    cy.on("dragfree", "node", rememberSoon);
    // theme switch: restyle from the new tokens
    let palette = JSON.stringify(readPalette());
    const mo = new MutationObserver(() => {
      const next = readPalette();
      if (JSON.stringify(next) === palette) return; // a class change that is not the theme
      palette = JSON.stringify(next);
      const restore = large ? cheapStyleDirtying(cy) : null;
      cy.style(stylesheet(next, { large }));
      restore?.();
    });
    mo.observe(document.documentElement, { attributes: true, attributeFilter: ["class"] });
    latest.current.onReady({
      fit: () => cy.fit(undefined, 30),
      relayout: () => {
        clearPositions(latest.current.storageKey);
        runLayout(latest.current.layout);
      },
      pngBlob: () => cy.png({ output: "blob-promise", bg: readPalette().surface, full: true, scale: large ? 1 : 2, maxWidth: 8000, maxHeight: 8000 }),
      focus: (id) => {
        const n = cy.$id(id);
        if (n.empty()) return false;
        cy.$(":selected").unselect();
        n.select();
        cy.stop();
        cy.animate({ center: { eles: n }, zoom: Math.min(2, Math.max(cy.zoom(), n.isParent() ? 0.9 : 1.3)) }, { duration: large ? 0 : 250 });
        box.current?.setAttribute("data-focused", id);
        return true;
      },
      cy: () => cy,
    });
    return () => {
      mo.disconnect();
      uninstall?.();
      if (saveTimer.current) clearTimeout(saveTimer.current);
      cy.destroy();
      cyRef.current = null;
      drawn.current = { nodes: [], edges: [] };
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.storageKey]);

  // ------------------------------------------------------------------------------ apply diffs
  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    const t0 = performance.now();
    const first = drawn.current.nodes.length === 0;
    const diff = diffElements(drawn.current, props.elements);
    if (isEmptyDiff(diff)) return;
    cy.nodes().forEach((n) => {
      const p = n.position();
      memo.current.set(n.id(), { x: p.x, y: p.y });
    });
    const saved = first ? loadPositions(props.storageKey) : {};
    const nextById = new Map(props.elements.nodes.map((n) => [n.id, n]));
    const leaves = props.elements.nodes.filter((n) => !n.group || n.collapsed);
    const restorable = first && leaves.length > 0 && leaves.filter((n) => saved[n.id]).length / leaves.length >= 0.7;
    let unplaced = 0;
    // cytoscape dirties every ancestor, descendant and their edges for each style property it
    // applies when the graph has compound nodes: quadratic on a large first load (seconds at
    // 5,000 nodes). Everything added here is new and unstyled, so dirtying the element alone is
    // enough; the caches of all elements are cleared once afterwards.
    const bulk = diff.addNodes.length + diff.addEdges.length > 300;
    const restoreDirty = bulk ? cheapStyleDirtying(cy) : null;
    cy.batch(() => {
      // groups being collapsed: remember where their members were, to come back there
      for (const u of diff.update) {
        if ("source" in u) continue;
        const n = u as NodeData;
        const el = cy.$id(n.id);
        if (n.collapsed && el.nonempty() && el.isParent()) {
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
        el.data(u as unknown as Record<string, unknown>);
        // keys that went away (the state word of a group that is expanded again, …)
        for (const k of Object.keys(el.data())) if (!(k in u) && k !== "parent" && k !== "source" && k !== "target") el.removeData(k);
      }
      for (const r of diff.reparent) {
        const el = cy.$id(r.id);
        if (el.nonempty() && (r.parent === null || cy.$id(r.parent).nonempty())) el.move({ parent: r.parent });
      }
      const adds: cytoscape.ElementDefinition[] = [];
      for (const n of depthSorted(diff.addNodes, (id) => cy.$id(id).nonempty())) {
        let pos: { x: number; y: number } | undefined;
        if (restorable && saved[n.id]) pos = { x: saved[n.id][0], y: saved[n.id][1] };
        else if (!first) pos = memo.current.get(n.id);
        if (pos && n.parent) {
          // the group was collapsed and moved meanwhile: its members follow
          const at = collapsedAt.current.get(n.parent);
          const now = memo.current.get(n.parent);
          if (at && now) pos = { x: pos.x + now.x - at.x, y: pos.y + now.y - at.y };
        }
        if (!pos && !first) pos = besideOf(cy, n, props.elements.edges, nextById);
        if (!pos && n.collapsed) pos = collapsedAt.current.get(n.id);
        if (!pos) unplaced++;
        adds.push({ group: "nodes", data: n as unknown as cytoscape.NodeDataDefinition, ...(pos ? { position: pos } : {}) });
      }
      for (const e of diff.addEdges) adds.push({ group: "edges", data: e as unknown as cytoscape.EdgeDataDefinition });
      if (adds.length) cy.add(adds);
    });
    restoreDirty?.();
    const tBatch = performance.now();
    for (const u of diff.update) if (!("source" in u) && !(u as NodeData).collapsed) collapsedAt.current.delete(u.id);
    drawn.current = props.elements;
    if (first) {
      if (restorable) cy.fit(undefined, 30);
      else runLayout(props.layout);
    } else if (unplaced > Math.max(20, cy.nodes().length * 0.3)) {
      runLayout(props.layout, { fit: false });
    } else if (diff.addNodes.length || diff.remove.length) {
      rememberSoon();
    }
    stats.current.applied++;
    stats.current.lastApplyMs = Math.round(performance.now() - t0);
    stats.current.lastBatchMs = Math.round(tBatch - t0);
    stats.current.lastAppliedAt = Math.round(performance.now());
    if (window.__weftTopology) Object.assign(window.__weftTopology, stats.current);
    box.current?.setAttribute("data-nodes", String(cy.nodes().length));
    box.current?.setAttribute("data-edges", String(cy.edges().length));
    box.current?.setAttribute("data-applied", String(stats.current.applied));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.elements]);

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
  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    const q = props.search.trim().toLowerCase();
    const restore = cy.elements().length > 2000 ? cheapStyleDirtying(cy) : null;
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
      cy.elements().not(keep).not(keep.ancestors()).addClass("faded");
    });
    restore?.();
    box.current?.setAttribute("data-matches", String(cy.$(".match").length));
  }, [props.search, props.elements]);

  // ------------------------------------------------------------------------------ selection from the URL
  useEffect(() => {
    const cy = cyRef.current;
    if (!cy) return;
    const cur = cy.$(":selected");
    if (props.selected && cur.length === 1 && cur.id() === props.selected) return;
    cur.unselect();
    if (props.selected) cy.$id(props.selected).select();
  }, [props.selected, props.elements]);

  // cytoscape makes its container position: relative: the absolute box is a wrapper around it
  return (
    <div className="absolute inset-0">
      <div ref={box} data-testid="topology-canvas" className="h-full w-full" />
    </div>
  );
}

/**
 * Swaps the collections' dirtyStyleCache (which, with compound nodes, clears the caches of every
 * ancestor, descendant and their edges for each property applied) for a per-element one. Our
 * stylesheet has no selector that depends on another element's data, so this is safe here.
 * Returns the restore function.
 */
function installCheapDirtying(cy: cytoscape.Core): () => void {
  const proto = Object.getPrototypeOf(cy.collection()) as { dirtyStyleCache: (this: cytoscape.Collection) => unknown };
  const orig = proto.dirtyStyleCache;
  proto.dirtyStyleCache = function (this: cytoscape.Collection) {
    for (let i = 0; i < this.length; i++) (this[i] as unknown as { _private: { styleCache: unknown } })._private.styleCache = null;
    return this;
  };
  return () => {
    proto.dirtyStyleCache = orig;
  };
}

/** installCheapDirtying for one bulk change: the returned function styles everything, restores and clears every cache. */
function cheapStyleDirtying(cy: cytoscape.Core): () => void {
  const proto = Object.getPrototypeOf(cy.collection()) as { dirtyStyleCache: (this: cytoscape.Collection) => unknown };
  const orig = proto.dirtyStyleCache;
  installCheapDirtying(cy);
  return () => {
    // cytoscape styles lazily: style everything now, while dirtying is still cheap
    cy.elements().forEach((e) => void (e as unknown as { pstyle(p: string): unknown }).pstyle("display"));
    proto.dirtyStyleCache = orig;
    cy.elements().forEach((e) => {
      (e as unknown as { _private: { styleCache: unknown } })._private.styleCache = null;
    });
  };
}

/** Free space for a new node near `at`: the first spot on growing rings that overlaps nothing drawn. */
function freeSpotNear(cy: cytoscape.Core, at: { x: number; y: number }, w = 170, h = 80): { x: number; y: number } {
  const boxes = cy.nodes().slice(0, 3000).map((n) => n.boundingBox({ includeLabels: true }));
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
