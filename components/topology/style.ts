// The graph's look, from the console's theme tokens (light and dark): shapes per kind, state as a
// colour *and* a word in the caption, policy edges green (pass) or red dashed (deny) with arrows
// for their direction, traffic edges weighted by bytes. Labels vanish when zoomed out
// (min-zoomed-font-size), which keeps large graphs fast and legible.
import type cytoscape from "cytoscape";

export interface Palette {
  bg: string;
  surface: string;
  surface2: string;
  fg: string;
  muted: string;
  faint: string;
  line: string;
  lineStrong: string;
  accent: string;
  accentSoft: string;
  ok: string;
  okSoft: string;
  warn: string;
  warnSoft: string;
  danger: string;
  dangerSoft: string;
}

export function readPalette(): Palette {
  const cs = getComputedStyle(document.documentElement);
  const v = (name: string, dflt: string) => cs.getPropertyValue(name).trim() || dflt;
  return {
    bg: v("--bg", "#f6f7f9"),
    surface: v("--surface", "#ffffff"),
    surface2: v("--surface-2", "#f0f2f5"),
    fg: v("--fg", "#161a20"),
    muted: v("--muted", "#5b6472"),
    faint: v("--faint", "#8a93a1"),
    line: v("--line", "#dde1e7"),
    lineStrong: v("--line-strong", "#c5cbd4"),
    accent: v("--accent", "#1f5fbf"),
    accentSoft: v("--accent-soft", "#e6eefa"),
    ok: v("--ok", "#18794e"),
    okSoft: v("--ok-soft", "#e5f4ec"),
    warn: v("--warn", "#9a5b00"),
    warnSoft: v("--warn-soft", "#fdf2dc"),
    danger: v("--danger", "#b42318"),
    dangerSoft: v("--danger-soft", "#fdecea"),
  };
}

const FONT = "Inter, ui-sans-serif, system-ui, sans-serif";

export interface StyleOptions {
  /** thousands of elements: haystack edges without labels, arrows or dashes; labels only when zoomed in */
  large: boolean;
  /** groups are frames (plain nodes behind their members, class "frame") or tree nodes, not compound nodes */
  flat?: boolean;
}

export function stylesheet(p: Palette, opts: StyleOptions): cytoscape.StylesheetJson {
  if (opts.large) return leanStylesheet(p);
  const tone = (t: string) => ({ ok: p.ok, warn: p.warn, danger: p.danger, accent: p.accent })[t] ?? p.faint;
  const toneSoft = (t: string) => ({ ok: p.okSoft, warn: p.warnSoft, danger: p.dangerSoft, accent: p.accentSoft })[t] ?? p.surface2;
  return [
    {
      selector: "node",
      style: {
        "font-family": FONT,
        "font-size": 11,
        color: p.fg,
        label: "data(caption)",
        "text-wrap": "wrap",
        "text-max-width": "150px",
        "text-valign": "bottom",
        "text-halign": "center",
        "text-margin-y": 4,
        "min-zoomed-font-size": opts.large ? 9 : 6,
        "background-color": p.surface,
        "border-width": 1.5,
        "border-color": p.lineStrong,
        width: 28,
        height: 28,
      },
    },
    // ------------------------------------------------------------------------- groups
    {
      selector: "node:parent",
      style: {
        shape: "round-rectangle",
        "text-valign": "top",
        "text-halign": "center",
        "text-margin-y": -4,
        "font-weight": 600,
        "font-size": 12,
        padding: "14px",
        "background-opacity": 1,
        "corner-radius": 10,
      },
    },
    {
      selector: 'node[kind = "project"]',
      style: { "background-color": p.surface2, "border-color": p.lineStrong, "border-style": "solid", "border-width": 1, color: p.muted, "font-size": 13, "text-transform": "none" },
    },
    {
      selector: 'node[kind = "project"][?collapsed]',
      style: { shape: "round-rectangle", width: 150, height: 56, "text-valign": "center", "text-margin-y": 0, "border-width": 2, "border-style": "double", color: p.fg, "font-weight": 600 },
    },
    // ------------------------------------------------------------------------- logical
    {
      selector: 'node[kind = "virtual-network"]',
      style: { shape: "round-rectangle", width: 140, height: 46, "background-color": p.accentSoft, "border-color": p.accent, "border-width": 1.5, "text-valign": "center", "text-margin-y": 0, "font-weight": 600, color: p.fg },
    },
    { selector: 'node[kind = "virtual-network"]:parent', style: { "text-valign": "top", "text-margin-y": -4, "background-opacity": 0.55, color: p.accent } },
    { selector: 'node[kind = "virtual-network"][?collapsed]', style: { "border-style": "double", "border-width": 3 } },
    { selector: "node[?external]", style: { "border-style": "dashed", "background-color": p.surface, color: p.muted } },
    {
      selector: 'node[kind = "routing-instance"]',
      style: { shape: "tag", width: 24, height: 18, "background-color": p.surface, "border-color": p.accent, "font-size": 9, color: p.muted },
    },
    { selector: 'node[kind = "port"]', style: { shape: "ellipse", width: 22, height: 22, "font-size": 10 } },
    {
      selector: 'node[kind = "aggregate"]',
      style: { shape: "round-rectangle", width: 70, height: 30, "border-style": "double", "border-width": 3, "text-valign": "center", "text-margin-y": 0, "font-size": 10 },
    },
    { selector: 'node[kind = "floating-ip-pool"]', style: { shape: "hexagon", width: 30, height: 26, "background-color": p.warnSoft, "border-color": p.warn } },
    { selector: 'node[kind = "service"]', style: { shape: "diamond", width: 34, height: 34, "background-color": p.accentSoft, "border-color": p.accent } },
    { selector: 'node[kind = "any-network"]', style: { shape: "octagon", width: 34, height: 34, "border-style": "dashed", "border-color": p.muted, "background-color": p.surface } },
    // ------------------------------------------------------------------------- infrastructure
    {
      selector: 'node[kind = "control-node"]',
      style: { shape: "round-rectangle", width: 150, height: 52, "background-color": p.accent, "border-color": p.accent, color: p.surface, "text-valign": "center", "text-margin-y": 0, "font-weight": 600 },
    },
    {
      selector: 'node[kind = "compute-node"]',
      style: { shape: "round-rectangle", width: 140, height: 48, "border-width": 2.5, "text-valign": "center", "text-margin-y": 0, "font-weight": 600 },
    },
    { selector: 'node[kind = "compute-node"]:parent', style: { "text-valign": "top", "text-margin-y": -4, "background-opacity": 0.5 } },
    { selector: 'node[kind = "bgp-router"]', style: { shape: "barrel", width: 130, height: 46, "border-width": 2.5, "text-valign": "center", "text-margin-y": 0, "font-weight": 600 } },
    // ------------------------------------------------------------------------- state (colour + the word in the caption)
    ...(["ok", "warn", "danger"] as const).flatMap((t) => [
      { selector: `node[tone = "${t}"]`, style: { "border-color": tone(t) } },
      { selector: `node[kind = "port"][tone = "${t}"]`, style: { "background-color": tone(t), "border-color": tone(t) } },
      { selector: `node[kind = "compute-node"][tone = "${t}"], node[kind = "bgp-router"][tone = "${t}"], node[kind = "aggregate"][tone = "${t}"]`, style: { "background-color": toneSoft(t) } },
    ]),
    { selector: 'node[kind = "port"][tone = "neutral"]', style: { "background-color": p.surface, "border-color": p.faint } },
    // ------------------------------------------------------------------------- edges
    {
      selector: "edge",
      style: {
        width: 1.5,
        "line-color": p.lineStrong,
        "curve-style": opts.large ? "straight" : "bezier",
        "target-arrow-color": p.lineStrong,
        "source-arrow-color": p.lineStrong,
        "arrow-scale": 0.9,
        "font-family": FONT,
        "font-size": 9,
        color: p.muted,
        "text-background-color": p.surface,
        "text-background-opacity": 0.9,
        "text-background-padding": "2px",
        "text-background-shape": "round-rectangle",
        "min-zoomed-font-size": opts.large ? 10 : 7,
        "text-rotation": "none",
      },
    },
    { selector: 'edge[kind = "policy"]', style: { label: "data(label)", width: 2 } },
    { selector: 'edge[kind = "policy"][action = "pass"]', style: { "line-color": p.ok, "target-arrow-color": p.ok, "source-arrow-color": p.ok, color: p.ok } },
    { selector: 'edge[kind = "policy"][action = "deny"]', style: { "line-color": p.danger, "target-arrow-color": p.danger, "source-arrow-color": p.danger, "line-style": "dashed", color: p.danger } },
    { selector: 'edge[kind = "policy"][direction = ">"]', style: { "target-arrow-shape": "triangle" } },
    { selector: 'edge[kind = "policy"][direction = "<>"]', style: { "target-arrow-shape": "triangle", "source-arrow-shape": "triangle" } },
    { selector: 'edge[kind = "policy"][action = "deny"][direction = ">"]', style: { "target-arrow-shape": "tee" } },
    { selector: 'edge[kind = "policy"][action = "deny"][direction = "<>"]', style: { "target-arrow-shape": "tee", "source-arrow-shape": "tee" } },
    { selector: 'edge[kind = "policy"][!attached]', style: { "line-color": p.faint, "target-arrow-color": p.faint, "source-arrow-color": p.faint, "line-style": "dotted", color: p.faint, opacity: 0.8 } },
    { selector: 'edge[kind = "rt-import"]', style: { "line-style": "dotted", "line-color": p.accent, "target-arrow-color": p.accent, "target-arrow-shape": "vee", width: 1.2, label: "data(label)", color: p.accent } },
    { selector: 'edge[kind = "fip-pool"]', style: { "line-color": p.warn, width: 1.5, "target-arrow-shape": "none" } },
    { selector: 'edge[kind = "floating-ip"]', style: { "line-color": p.warn, "line-style": "dashed", width: 1.2, "target-arrow-color": p.warn, "target-arrow-shape": "triangle", label: "data(label)", color: p.warn } },
    { selector: 'edge[kind = "agent-session"], edge[kind = "bgp-session"]', style: { width: 2.5, label: "data(label)" } },
    { selector: 'edge[kind = "bgp-session"]', style: { width: 3, "line-style": "solid" } },
    ...(["ok", "warn", "danger"] as const).map((t) => ({
      selector: `edge[kind = "agent-session"][tone = "${t}"], edge[kind = "bgp-session"][tone = "${t}"]`,
      style: { "line-color": tone(t), color: tone(t), ...(t !== "ok" ? { "line-style": "dashed" as const } : {}) },
    })),
    // traffic overlay: weighted by bytes, denied drawn red and dashed
    {
      selector: 'edge[kind = "flow"]',
      style: {
        width: "data(width)",
        "line-color": p.accent,
        opacity: 0.75,
        "curve-style": "bezier",
        "control-point-step-size": 28,
        "target-arrow-shape": "triangle",
        "target-arrow-color": p.accent,
        label: "data(label)",
        color: p.accent,
        "font-weight": 600,
        "z-index": 20,
      },
    },
    { selector: 'edge[kind = "flow"][?denied]', style: { "line-color": p.danger, "target-arrow-color": p.danger, "line-style": "dashed", color: p.danger } },
    { selector: "edge[merged > 1]", style: { width: 3 } },
    // large graphs: the per-element drawing cost decides the first frame and panning. Edges drop
    // their labels, arrows and dashes (the panel says pass/deny and the direction, the colour
    // stays); a selected edge or the search's neighbourhood gets them back
    ...(opts.large
      ? [
          { selector: "edge", style: { label: "", "target-arrow-shape": "none", "source-arrow-shape": "none", "line-style": "solid" } },
          { selector: "edge:selected, edge.near", style: { label: "data(label)", "target-arrow-shape": "triangle" } },
          { selector: 'edge[kind = "flow"]', style: { label: "data(label)" } },
        ]
      : []),
    // flat drawing: frames behind edges behind nodes (cytoscape orders plain nodes above edges)
    ...(opts.flat
      ? [
          { selector: "node", style: { "z-index-compare": "manual", "z-index": 3 } },
          { selector: "edge", style: { "z-index-compare": "manual", "z-index": 2 } },
          {
            selector: "node.frame",
            style: {
              shape: "round-rectangle",
              width: "data(w)",
              height: "data(h)",
              "z-index": 0,
              "text-valign": "top",
              "text-margin-y": 18,
              "font-weight": 600,
              "font-size": 12,
              "background-opacity": 0.55,
              "border-width": 1,
              label: "data(label)",
            },
          },
          { selector: "node.frame[owner]", style: { "z-index": 1 } },
          { selector: 'node.frame[kind = "project"]', style: { "background-opacity": 1 } },
          { selector: 'edge[kind = "member"]', style: { width: 1, "line-color": p.line, "target-arrow-shape": "none", "source-arrow-shape": "none", label: "", "curve-style": opts.large ? "haystack" : "straight" } },
        ]
      : []),
    ...(opts.large ? [{ selector: "edge", style: { "curve-style": "haystack", "haystack-radius": 0 } }, { selector: 'edge[kind = "flow"]', style: { "curve-style": "bezier" } }] : []),
    // ------------------------------------------------------------------------- interaction
    { selector: "node:selected", style: { "border-color": p.accent, "border-width": 3, "underlay-color": p.accent, "underlay-opacity": 0.18, "underlay-padding": 6 } },
    { selector: "edge:selected", style: { width: 4, "underlay-color": p.accent, "underlay-opacity": 0.2, "underlay-padding": 4 } },
    { selector: ".match", style: { "underlay-color": p.warn, "underlay-opacity": 0.22, "underlay-padding": 7, "border-color": p.warn, "border-width": 3, "z-index": 30 } },
    { selector: "node:parent.match", style: { "underlay-opacity": 0, "border-width": 3 } },
    { selector: ".faded", style: { opacity: 0.18 } },
    { selector: "node.faded:parent, node.faded.frame", style: { opacity: 0.45 } },
  ] as cytoscape.StylesheetJson;
}

/**
 * The classes a large graph's element carries for the lean stylesheet: its kind, tone, action and
 * whether a policy is attached, prefixed so they never clash with interaction classes.
 */
export function lookClasses(d: { kind: string; tone?: string; action?: string; attached?: boolean; denied?: boolean; collapsed?: boolean; external?: boolean }): string {
  const c = [`k-${d.kind}`];
  if (d.tone) c.push(`t-${d.tone}`);
  if (d.action) c.push(`a-${d.action}`);
  if (d.attached === false) c.push("idle");
  if (d.denied) c.push("denied");
  if (d.collapsed) c.push("collapsed");
  if (d.external) c.push("external");
  return c.join(" ");
}

/**
 * Large graphs (thousands of elements): cytoscape's cost per element grows with the number of
 * style properties that apply to it, so this sheet sets few, by class (lookClasses) instead of
 * data selectors: haystack edges in their colour only (label, arrow and dashes come back on the
 * selected edge and the search's neighbourhood), nodes with their shape, colour and a caption drawn
 * only when zoomed in. Groups are frames (flat drawing): behind edges, edges behind nodes.
 */
function leanStylesheet(p: Palette): cytoscape.StylesheetJson {
  const tone: Record<string, string> = { ok: p.ok, warn: p.warn, danger: p.danger, accent: p.accent };
  const soft: Record<string, string> = { ok: p.okSoft, warn: p.warnSoft, danger: p.dangerSoft, accent: p.accentSoft };
  return [
    {
      selector: "node",
      style: {
        // no caption until zoomed in: measuring 5,000 captions costs more than drawing the graph
        // (graph.tsx gives the nodes in view the class "lbl" once they are readable); the caption's
        // properties are set there too, not on every node
        "background-color": p.surface,
        "border-width": 1.5,
        "border-color": p.lineStrong,
        width: 22,
        height: 22,
      },
    },
    { selector: "node.lbl, node:selected, node.match", style: { label: "data(caption)", "font-size": 11, "min-zoomed-font-size": 9, "text-valign": "bottom", "text-wrap": "wrap", "text-max-width": "150px", color: p.fg } },
    { selector: "node.k-virtual-network, node.k-compute-node, node.k-control-node, node.k-bgp-router", style: { shape: "round-rectangle", width: 140, height: 46 } },
    { selector: "node.lbl.k-virtual-network, node.lbl.k-compute-node, node.lbl.k-control-node, node.lbl.k-bgp-router, node.lbl.k-project, node.lbl.k-aggregate", style: { "text-valign": "center", "font-weight": 600 } },
    { selector: "node.k-virtual-network", style: { "background-color": p.accentSoft, "border-color": p.accent } },
    { selector: "node.k-control-node", style: { "background-color": p.accent, "border-color": p.accent, color: p.surface } },
    { selector: "node.k-routing-instance", style: { shape: "tag", width: 24, height: 18, "border-color": p.accent } },
    { selector: "node.k-project", style: { shape: "round-rectangle", width: 150, height: 56, "background-color": p.surface2 } },
    { selector: "node.k-floating-ip-pool", style: { shape: "hexagon", "background-color": p.warnSoft, "border-color": p.warn } },
    { selector: "node.k-any-network", style: { shape: "octagon", width: 34, height: 34, "border-color": p.muted } },
    { selector: "node.k-service", style: { shape: "diamond", width: 34, height: 34, "background-color": p.accentSoft, "border-color": p.accent } },
    { selector: "node.k-aggregate", style: { shape: "round-rectangle", width: 70, height: 30 } },
    { selector: "node.collapsed, node.external", style: { "border-style": "double", "border-width": 3 } },
    ...Object.keys(tone).map((t) => ({ selector: `node.t-${t}`, style: { "border-color": tone[t] } })),
    ...Object.keys(tone).map((t) => ({ selector: `node.k-port.t-${t}`, style: { "background-color": tone[t] } })),
    ...Object.keys(tone).map((t) => ({ selector: `node.k-compute-node.t-${t}, node.k-bgp-router.t-${t}, node.k-aggregate.t-${t}`, style: { "background-color": soft[t] } })),
    {
      selector: "node.frame",
      // under everything else (any element can be put at the bottom, not only compound nodes)
      style: { shape: "round-rectangle", width: "data(w)", height: "data(h)", "z-compound-depth": "bottom", "background-color": p.surface2, "border-width": 1 },
    },
    { selector: "node.frame.lbl, node.frame:selected, node.frame.match", style: { label: "data(label)", "text-valign": "top", "text-margin-y": 18, "font-size": 12 } },
    { selector: "node.frame.k-virtual-network", style: { "background-color": p.accentSoft, "background-opacity": 0.55, "border-color": p.accent } },
    { selector: "node.frame.k-compute-node", style: { "background-opacity": 0.5 } },
    { selector: "node.frame[owner]", style: { "z-index": 1 } },
    { selector: "edge", style: { width: 1.5, "line-color": p.lineStrong, "curve-style": "haystack" } },
    { selector: "edge.a-pass", style: { "line-color": p.ok } },
    { selector: "edge.a-deny", style: { "line-color": p.danger } },
    { selector: "edge.idle", style: { "line-color": p.faint } },
    { selector: "edge.k-rt-import", style: { "line-color": p.accent } },
    { selector: "edge.k-fip-pool, edge.k-floating-ip", style: { "line-color": p.warn } },
    { selector: "edge.k-member", style: { width: 1, "line-color": p.line } },
    ...Object.keys(tone).map((t) => ({ selector: `edge.k-agent-session.t-${t}, edge.k-bgp-session.t-${t}`, style: { "line-color": tone[t], width: 2.5 } })),
    // the traffic overlay and what the user points at: labels, arrows and curves again
    {
      selector: "edge.k-flow",
      style: { "curve-style": "bezier", width: "data(width)", "line-color": p.accent, opacity: 0.75, "target-arrow-shape": "triangle", "target-arrow-color": p.accent, label: "data(label)", "font-size": 9, color: p.accent, "min-zoomed-font-size": 10, "z-index": 20 },
    },
    { selector: "edge.k-flow.denied", style: { "line-color": p.danger, "target-arrow-color": p.danger, "line-style": "dashed", color: p.danger } },
    { selector: "edge:selected, edge.near", style: { "curve-style": "straight", label: "data(label)", "font-size": 9, "target-arrow-shape": "triangle", "target-arrow-color": p.muted, "text-background-color": p.surface, "text-background-opacity": 0.9 } },
    { selector: "edge.a-deny:selected, edge.a-deny.near", style: { "line-style": "dashed", "target-arrow-shape": "tee" } },
    { selector: "node:selected", style: { "border-color": p.accent, "border-width": 3, "underlay-color": p.accent, "underlay-opacity": 0.18, "underlay-padding": 6 } },
    { selector: "edge:selected", style: { width: 4 } },
    { selector: ".match", style: { "underlay-color": p.warn, "underlay-opacity": 0.22, "underlay-padding": 7, "border-color": p.warn, "border-width": 3, "z-index": 30 } },
    { selector: ".faded", style: { opacity: 0.18 } },
    { selector: "node.faded.frame", style: { opacity: 0.45 } },
  ] as cytoscape.StylesheetJson;
}
