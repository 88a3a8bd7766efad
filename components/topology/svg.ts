// SVG export of the topology, written from what the canvas draws (no cytoscape-svg: it is not a
// dependency): every node's shape, fill and border at its position, every edge as a line in its
// colour (dashed for deny / down, with an arrow head where the canvas draws one), the captions.
// `toSvg` is pure (testable alone); `graphSvg` reads the shapes off a cytoscape instance.
import type cytoscape from "cytoscape";
import type { Palette } from "./style";

export interface SvgNode {
  id: string;
  x: number;
  y: number;
  w: number;
  h: number;
  shape: string;
  fill: string;
  fillOpacity: number;
  stroke: string;
  strokeWidth: number;
  dashed: boolean;
  label: string;
  /** where the caption sits: under the shape, centred in it, or at the top inside a group */
  labelAt: "bottom" | "center" | "top";
  color: string;
  fontSize: number;
  opacity: number;
}

export interface SvgEdge {
  id: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  color: string;
  width: number;
  dashed: boolean;
  arrow: boolean;
  label: string;
  opacity: number;
}

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const r1 = (n: number) => Math.round(n * 10) / 10;

function shapeOf(n: SvgNode): string {
  const common = `fill="${esc(n.fill)}" fill-opacity="${r1(n.fillOpacity)}" stroke="${esc(n.stroke)}" stroke-width="${r1(n.strokeWidth)}"${n.dashed ? ' stroke-dasharray="5 3"' : ""}${n.opacity < 1 ? ` opacity="${r1(n.opacity)}"` : ""}`;
  const x = n.x - n.w / 2;
  const y = n.y - n.h / 2;
  switch (n.shape) {
    case "ellipse":
      return `<ellipse cx="${r1(n.x)}" cy="${r1(n.y)}" rx="${r1(n.w / 2)}" ry="${r1(n.h / 2)}" ${common}/>`;
    case "diamond":
      return `<polygon points="${r1(n.x)},${r1(y)} ${r1(x + n.w)},${r1(n.y)} ${r1(n.x)},${r1(y + n.h)} ${r1(x)},${r1(n.y)}" ${common}/>`;
    case "hexagon":
    case "octagon": {
      const k = n.shape === "hexagon" ? 6 : 8;
      const pts = Array.from({ length: k }, (_, i) => {
        const a = (i / k) * 2 * Math.PI + (n.shape === "octagon" ? Math.PI / 8 : 0);
        return `${r1(n.x + (n.w / 2) * Math.cos(a))},${r1(n.y + (n.h / 2) * Math.sin(a))}`;
      });
      return `<polygon points="${pts.join(" ")}" ${common}/>`;
    }
    case "rectangle":
      return `<rect x="${r1(x)}" y="${r1(y)}" width="${r1(n.w)}" height="${r1(n.h)}" ${common}/>`;
    default: {
      // round-rectangle, barrel, tag and the rest: a rounded box
      const rr = Math.min(10, n.h / 4);
      return `<rect x="${r1(x)}" y="${r1(y)}" width="${r1(n.w)}" height="${r1(n.h)}" rx="${r1(rr)}" ${common}/>`;
    }
  }
}

function labelOf(n: SvgNode): string {
  if (!n.label) return "";
  const lines = n.label.split("\n");
  const lh = n.fontSize * 1.25;
  const y0 = n.labelAt === "bottom" ? n.y + n.h / 2 + 4 + n.fontSize : n.labelAt === "top" ? n.y - n.h / 2 + 6 + n.fontSize : n.y - ((lines.length - 1) * lh) / 2 + n.fontSize * 0.35;
  const tspans = lines.map((l, i) => `<tspan x="${r1(n.x)}" y="${r1(y0 + i * lh)}">${esc(l)}</tspan>`).join("");
  return `<text text-anchor="middle" font-size="${n.fontSize}" fill="${esc(n.color)}"${n.opacity < 1 ? ` opacity="${r1(n.opacity)}"` : ""}>${tspans}</text>`;
}

/** The SVG document: groups first (they are behind), then edges, then nodes and their captions. */
export function toSvg(nodes: SvgNode[], edges: SvgEdge[], opts: { background: string; font: string; padding?: number }): string {
  const pad = opts.padding ?? 30;
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (const n of nodes) {
    x1 = Math.min(x1, n.x - n.w / 2 - 80);
    x2 = Math.max(x2, n.x + n.w / 2 + 80);
    y1 = Math.min(y1, n.y - n.h / 2);
    y2 = Math.max(y2, n.y + n.h / 2 + (n.labelAt === "bottom" ? 36 : 0));
  }
  if (!nodes.length) x1 = y1 = x2 = y2 = 0;
  const w = x2 - x1 + 2 * pad;
  const h = y2 - y1 + 2 * pad;
  const colors = [...new Set(edges.filter((e) => e.arrow).map((e) => e.color))];
  const marker = (c: string) => `m${colors.indexOf(c)}`;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" viewBox="${r1(x1 - pad)} ${r1(y1 - pad)} ${r1(w)} ${r1(h)}" width="${Math.round(w)}" height="${Math.round(h)}" font-family="${esc(opts.font)}">`);
  out.push(`<defs>${colors.map((c) => `<marker id="${marker(c)}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" fill="${esc(c)}"/></marker>`).join("")}</defs>`);
  out.push(`<rect x="${r1(x1 - pad)}" y="${r1(y1 - pad)}" width="${r1(w)}" height="${r1(h)}" fill="${esc(opts.background)}"/>`);
  const groups = nodes.filter((n) => n.labelAt === "top");
  const plain = nodes.filter((n) => n.labelAt !== "top");
  out.push('<g class="groups">');
  for (const n of groups) out.push(`<g data-id="${esc(n.id)}">${shapeOf(n)}${labelOf(n)}</g>`);
  out.push('</g><g class="edges">');
  for (const e of edges) {
    const attrs = `stroke="${esc(e.color)}" stroke-width="${r1(e.width)}"${e.dashed ? ' stroke-dasharray="6 4"' : ""}${e.arrow ? ` marker-end="url(#${marker(e.color)})"` : ""}${e.opacity < 1 ? ` opacity="${r1(e.opacity)}"` : ""}`;
    out.push(`<line data-id="${esc(e.id)}" x1="${r1(e.x1)}" y1="${r1(e.y1)}" x2="${r1(e.x2)}" y2="${r1(e.y2)}" ${attrs}/>`);
    if (e.label) out.push(`<text x="${r1((e.x1 + e.x2) / 2)}" y="${r1((e.y1 + e.y2) / 2 - 3)}" text-anchor="middle" font-size="9" fill="${esc(e.color)}">${esc(e.label)}</text>`);
  }
  out.push('</g><g class="nodes">');
  for (const n of plain) out.push(`<g data-id="${esc(n.id)}">${shapeOf(n)}${labelOf(n)}</g>`);
  out.push("</g></svg>");
  return out.join("\n");
}

const num = (v: unknown, d = 0) => {
  const n = parseFloat(String(v));
  return Number.isFinite(n) ? n : d;
};

/** Reads what cytoscape draws (computed styles, positions, edge end points) into an SVG document. */
export function graphSvg(cy: cytoscape.Core, p: Palette): string {
  const nodes: SvgNode[] = [];
  // outer groups before inner ones, so inner ones are drawn on top
  const depth = (n: cytoscape.NodeSingular) => (n.isParent() ? n.ancestors().length : n.data("owner") ? 1 : 0);
  const all = cy.nodes().filter((n) => n.visible()).toArray().sort((a, b) => depth(a as cytoscape.NodeSingular) - depth(b as cytoscape.NodeSingular)) as cytoscape.NodeSingular[];
  all.forEach((n) => {
    const group = n.isParent() || n.hasClass("frame");
    const bb = n.isParent() ? n.boundingBox({ includeLabels: false, includeOverlays: false }) : null;
    const s = (k: string) => n.style(k) as unknown as string;
    nodes.push({
      id: n.id(),
      x: bb ? (bb.x1 + bb.x2) / 2 : n.position("x"),
      y: bb ? (bb.y1 + bb.y2) / 2 : n.position("y"),
      w: bb ? bb.w : n.width(),
      h: bb ? bb.h : n.height(),
      shape: s("shape"),
      fill: s("background-color"),
      fillOpacity: num(s("background-opacity"), 1),
      stroke: s("border-color"),
      strokeWidth: num(s("border-width"), 1),
      dashed: s("border-style") === "dashed",
      label: String(n.data(group ? "label" : "caption") ?? n.data("label") ?? ""),
      labelAt: group ? "top" : s("text-valign") === "center" ? "center" : "bottom",
      color: s("color"),
      fontSize: num(s("font-size"), 11),
      opacity: num(s("opacity"), 1),
    });
  });
  const edges: SvgEdge[] = [];
  cy.edges().forEach((e) => {
    if (!e.visible()) return;
    let a: { x: number; y: number };
    let b: { x: number; y: number };
    try {
      a = e.sourceEndpoint();
      b = e.targetEndpoint();
    } catch {
      a = e.source().position();
      b = e.target().position();
    }
    if (!Number.isFinite(a?.x) || !Number.isFinite(b?.x)) {
      a = e.source().position();
      b = e.target().position();
    }
    const s = (k: string) => e.style(k) as unknown as string;
    const arrowShape = s("target-arrow-shape");
    edges.push({
      id: e.id(),
      x1: a.x,
      y1: a.y,
      x2: b.x,
      y2: b.y,
      color: s("line-color"),
      width: num(s("width"), 1),
      dashed: s("line-style") !== "solid",
      arrow: !!arrowShape && arrowShape !== "none",
      label: s("label") ? String(e.data("label") ?? "") : "",
      opacity: num(s("opacity"), 1),
    });
  });
  return toSvg(nodes, edges, { background: p.surface, font: "Inter, ui-sans-serif, system-ui, sans-serif" });
}
