"use client";
// Monitor › Topology: the logical view (projects, networks, routing instances, ports, pools,
// policies between networks) and the infrastructure view (control node, compute nodes and their
// agents, BGP peers and their sessions), drawn with cytoscape from the engine's graph model.
// Search focuses and highlights a node; groups collapse and expand (double-click, or the panel);
// the traffic overlay weights edges by bytes from flow analytics and links to the flows explorer.
// Live: the page listens to the live channel's topology stream (/events?topology=<view>), which
// carries the graph's diffs themselves; the canvas applies them without moving what the user
// arranged. A filtered or folded model (or a missed version) is refetched instead. The model
// arrives in a compact wire form (what the canvas draws); the side panel fetches a selected
// element's fields. View, search, filter, layout, overlay and selection live in the URL.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { ChevronsDownUp, ChevronsUpDown, Download, Maximize2, RefreshCw, Search } from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { TopologyView } from "../../server/engine/topology/model";
import { type SlimModel, type SlimNode, type TopologyDiff, applyTopologyDiff, decodeModel, filterByLabel } from "../../server/engine/topology/wire";
import { useTRPC } from "../../lib/trpc";
import { useProject } from "../project-context";
import { PageHeader } from "../objects/page-header";
import { Badge, type Tone } from "../ui/badge";
import { Button } from "../ui/button";
import { Input } from "../ui/input";
import { Select } from "../ui/select";
import { Spinner } from "../ui/spinner";
import { Tabs } from "../ui/tabs";
import { type EdgeData, type NodeData, childrenOf, formatBytes, toElements, topGroups } from "./elements";
import type { GraphHandle, LayoutName } from "./graph";

/** above this many nodes the canvas draws groups as frames (graph.tsx LARGE_NODES; not imported: graph.tsx loads cytoscape) */
const LARGE_NODES = 1200;
const LAYOUTS: LayoutName[] = ["fcose", "concentric", "grouped", "hierarchical"];
import { adoptPositions, positionsAt, positionsKey, setPositionsSink } from "./positions";

// a static import: cytoscape comes with the page's own code, loaded while the model is fetched (it
// is created only in an effect, so the server render never runs it)
import Graph from "./graph";

const KIND_LABEL: Record<string, string> = {
  project: "Project",
  "virtual-network": "Virtual network",
  "routing-instance": "Routing instance",
  port: "Port",
  "floating-ip-pool": "Floating IP pool",
  "any-network": "Any network",
  aggregate: "Ports (folded)",
  "control-node": "Control node",
  "compute-node": "Compute node",
  "bgp-router": "BGP router",
  policy: "Policy rule",
  "rt-import": "Route-target import",
  "fip-pool": "Floating IP pool",
  "floating-ip": "Floating IP",
  "agent-session": "Agent session (XMPP-like)",
  "bgp-session": "BGP session",
  flow: "Traffic",
  service: "Service",
  "service-backend": "Service backend",
  member: "Member",
};

const RANGES = ["off", "5m", "15m", "1h", "24h"];

function useUrlState() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const get = (k: string, d: string) => params.get(k) ?? d;
  const set = useCallback(
    (patch: Record<string, string | null>) => {
      const p = new URLSearchParams(window.location.search);
      for (const [k, v] of Object.entries(patch)) (v === null || v === "" ? p.delete(k) : p.set(k, v));
      router.replace(`${pathname}?${p.toString()}`, { scroll: false });
    },
    [router, pathname],
  );
  return { get, set };
}

const toneOf = (t?: string): Tone => (t === "ok" || t === "warn" || t === "danger" || t === "accent" ? t : "neutral");

function loadCollapsed(key: string): Set<string> {
  try {
    return new Set(JSON.parse(localStorage.getItem(`weft.topology.collapsed.v1:${key}`) ?? "[]") as string[]);
  } catch {
    return new Set();
  }
}

/** The best search hit: exact name, then prefix, then anywhere in name / FQ name / detail. */
function searchHits(nodes: SlimNode[], q: string): SlimNode[] {
  const s = q.trim().toLowerCase();
  if (!s) return [];
  const score = (n: SlimNode) => {
    const l = n.label.toLowerCase();
    if (l === s) return 0;
    if (l.startsWith(s)) return 1;
    if (l.includes(s)) return 2;
    if ((n.fqName ?? "").toLowerCase().includes(s)) return 3;
    if ((n.detail ?? "").toLowerCase().includes(s)) return 4;
    return -1;
  };
  return nodes
    .map((n) => [score(n), n] as const)
    .filter(([sc]) => sc >= 0)
    .sort((a, b) => a[0] - b[0] || (a[1].kind === "virtual-network" ? -1 : 0) - (b[1].kind === "virtual-network" ? -1 : 0))
    .map(([, n]) => n);
}

export function TopologyPage() {
  const trpc = useTRPC();
  const { get, set } = useUrlState();
  const view = (get("view", "logical") === "infrastructure" ? "infrastructure" : "logical") as TopologyView;
  // the top bar's project selector filters the logical view (?project=<uuid>|all)
  const { projectUuid } = useProject();
  const project = view === "logical" ? (projectUuid ?? "") : "";
  const layout = (LAYOUTS.includes(get("layout", "") as LayoutName) ? get("layout", "") : "fcose") as LayoutName;
  const overlay = RANGES.includes(get("traffic", "off")) ? get("traffic", "off") : "off";
  const level = get("tlevel", "") === "workload" ? "workload" : "group";
  const q = get("q", "");
  // ?label=key=value or ?label=key: only the ports with that label (and what holds / serves them)
  const labelFilter = get("label", "").trim();
  const sel = get("sel", "") || null;
  const expand = useMemo(() => get("expand", "").split(",").filter(Boolean), [get]);
  // the hierarchical layout draws another picture: its positions are remembered apart
  const baseKey = positionsKey(view, project);
  const storageKey = baseKey + (layout === "hierarchical" ? ":hierarchical" : "") + (labelFilter ? `:label:${labelFilter}` : "");

  // the positions this user arranged, from the server (another browser's too): adopted into the
  // browser's store when newer, before the graph draws; saved positions go back to the server
  const serverLayout = useQuery({ ...trpc.topology.layout.queryOptions({ key: storageKey }), staleTime: Infinity, retry: false });
  const [seeded, setSeeded] = useState<string | null>(null);
  useEffect(() => {
    if (serverLayout.isPending) return;
    const s = serverLayout.data;
    if (s && s.at > positionsAt(storageKey)) adoptPositions(storageKey, s.at, s.positions);
    setSeeded(storageKey);
  }, [serverLayout.isPending, serverLayout.data, storageKey]);
  const saveLayout = useMutation(trpc.topology.saveLayout.mutationOptions());
  const saveLayoutRef = useRef(saveLayout.mutate);
  saveLayoutRef.current = saveLayout.mutate;
  useEffect(() => {
    setPositionsSink((key, at, positions) => saveLayoutRef.current({ key, at, positions }));
    return () => setPositionsSink(null);
  }, []);

  const queryClient = useQueryClient();
  const graphInput = { view, project: project || null, expand };
  const graph = useQuery({
    // alone, not batched behind the shell's other calls
    ...trpc.topology.graph.queryOptions(graphInput, { trpc: { context: { skipBatch: true } } }),
    // keep the picture while an expanded group loads; never show another view's model
    placeholderData: (prev, prevQuery) => {
      const input = (prevQuery?.queryKey[1] as { input?: { view?: string; project?: string | null } } | undefined)?.input;
      return input?.view === view && (input?.project ?? "") === project ? prev : undefined;
    },
    // the live stream below keeps it fresh
    staleTime: Infinity,
  });
  const flows = useQuery({ ...trpc.topology.flows.queryOptions({ view, last: overlay === "off" ? "15m" : overlay, level }), enabled: overlay !== "off", refetchInterval: 10_000, placeholderData: keepPreviousData });

  // the model drawn: the last fetched one, moved forward by the live diffs
  const fetched = useMemo(() => {
    if (!graph.data || graph.data.view !== view) return null;
    const marks = typeof window !== "undefined" ? (window.__weftTopologyMarks ??= {}) : {};
    marks.received ??= Math.round(performance.now());
    const m = decodeModel(graph.data);
    marks.decoded ??= Math.round(performance.now());
    return m;
  }, [graph.data, view]);
  const [live, setLive] = useState<SlimModel | null>(null);
  const liveRef = useRef<SlimModel | null>(null);
  const setModel = useCallback((m: SlimModel | null) => {
    liveRef.current = m;
    setLive(m);
  }, []);
  useEffect(() => {
    const cur = liveRef.current;
    // a newer fetch (or another view / filter) replaces what diffs built
    if (!fetched) setModel(null);
    else if (!cur || cur.view !== fetched.view || !cur.whole || !fetched.whole || fetched.version >= cur.version) setModel(fetched);
  }, [fetched, setModel]);
  const model = useMemo(() => {
    const m = live && live.view === view ? live : null;
    if (!m || !labelFilter) return m;
    const f = filterByLabel(m, labelFilter);
    return { ...f, stats: { ...f.stats, nodes: f.nodes.length, edges: f.edges.length } };
  }, [live, view, labelFilter]);
  const [labelDraft, setLabelDraft] = useState(labelFilter);
  useEffect(() => setLabelDraft(labelFilter), [labelFilter]);
  useEffect(() => {
    const t = setTimeout(() => {
      if (labelDraft.trim() !== labelFilter) set({ label: labelDraft.trim() || null });
    }, 300);
    return () => clearTimeout(t);
  }, [labelDraft, labelFilter, set]);
  const refetchGraph = useCallback(() => void queryClient.invalidateQueries({ queryKey: trpc.topology.graph.pathKey() }), [queryClient, trpc]);
  useEffect(() => {
    if (typeof EventSource === "undefined") return;
    const es = new EventSource(`/events?topology=${view}`);
    es.addEventListener("topology", (ev) => {
      const d = JSON.parse((ev as MessageEvent<string>).data) as TopologyDiff;
      const cur = liveRef.current;
      if (!cur || cur.view !== d.view || cur.version >= d.to) return;
      const next = applyTopologyDiff(cur, d);
      if (next) setModel(next);
      else refetchGraph(); // filtered / folded model, or a version was missed
    });
    es.addEventListener("topology-version", (ev) => {
      const { version } = JSON.parse((ev as MessageEvent<string>).data) as { version: number };
      const cur = liveRef.current;
      if (cur && cur.version < version) refetchGraph();
    });
    return () => es.close();
  }, [view, setModel, refetchGraph]);

  const [collapsed, setCollapsed] = useState<Set<string>>(() => new Set());
  // what is collapsed is the same whatever the layout
  useEffect(() => setCollapsed(loadCollapsed(baseKey)), [baseKey]);
  const updateCollapsed = (next: Set<string>) => {
    setCollapsed(next);
    try {
      localStorage.setItem(`weft.topology.collapsed.v1:${baseKey}`, JSON.stringify([...next]));
    } catch {
      // not remembered
    }
  };
  const toggle = (id: string) => {
    const next = new Set(collapsed);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    updateCollapsed(next);
  };

  const overlayEdges = overlay !== "off" && flows.data ? flows.data : undefined;
  const elements = useMemo(() => {
    if (!model) return { nodes: [], edges: [] };
    const els = toElements(model, collapsed, overlayEdges);
    if (typeof window !== "undefined") (window.__weftTopologyMarks ??= {}).elements ??= Math.round(performance.now());
    return els;
  }, [model, collapsed, overlayEdges]);

  // --------------------------------------------------------------------------- search & focus
  const handle = useRef<GraphHandle | null>(null);
  const [pendingFocus, setPendingFocus] = useState<string | null>(null);
  const [draft, setDraft] = useState(q);
  useEffect(() => setDraft(q), [q]);
  const hits = useMemo(() => (model ? searchHits(model.nodes, q) : []), [model, q]);
  const [hitIndex, setHitIndex] = useState(0);
  const focusNode = useCallback(
    (id: string) => {
      if (!model) return;
      // open the collapsed groups that hide it
      const byId = new Map(model.nodes.map((n) => [n.id, n]));
      const next = new Set(collapsed);
      let changed = false;
      for (let p = byId.get(id)?.parent, d = 0; p && d < 8; p = byId.get(p)?.parent, d++) if (next.delete(p)) changed = true;
      if (changed) updateCollapsed(next);
      setPendingFocus(id);
      set({ sel: id });
    },
    // eslint-disable-next-line react-hooks/exhaustive-deps
    [model, collapsed, set],
  );
  useEffect(() => {
    if (!pendingFocus || !handle.current) return;
    if (handle.current.focus(pendingFocus)) setPendingFocus(null);
  }, [pendingFocus, elements]);
  const lastSearched = useRef("");
  useEffect(() => {
    // a new search (typed, or from the URL on load) focuses its best hit once the model is there
    if (!model || !q || lastSearched.current === `${view}:${q}`) return;
    const best = hits[0];
    if (!best) return;
    lastSearched.current = `${view}:${q}`;
    setHitIndex(0);
    focusNode(best.id);
  }, [model, q, hits, view, focusNode]);
  useEffect(() => {
    const t = setTimeout(() => {
      if (draft !== q) set({ q: draft || null });
    }, 250);
    return () => clearTimeout(t);
  }, [draft, q, set]);
  const nextHit = () => {
    if (!hits.length) return;
    const i = (hitIndex + 1) % hits.length;
    setHitIndex(i);
    focusNode(hits[i].id);
  };

  const download = (blob: Blob, name: string) => {
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 5000);
  };
  const exportPng = async () => {
    const blob = await handle.current?.pngBlob();
    if (blob) download(blob, `weft-topology-${view}.png`);
  };
  const exportSvg = () => {
    const svg = handle.current?.svg();
    if (svg) download(new Blob([svg], { type: "image/svg+xml" }), `weft-topology-${view}.svg`);
  };
  // large graphs and the hierarchical layout draw groups as frames / tree nodes (graph.tsx)
  const flat = layout === "hierarchical" || elements.nodes.length > LARGE_NODES;

  const groups = useMemo(() => {
    if (!model) return [];
    const kids = childrenOf(model);
    return model.nodes.filter((n) => n.kind === "project" || (n.kind === "virtual-network" && kids.has(n.id))).map((n) => n.id);
  }, [model]);

  return (
    <div className="flex min-h-0 flex-1 flex-col" data-testid="topology-page">
      <PageHeader
        title="Topology"
        description={view === "logical" ? "Projects, virtual networks, routing instances, ports and the policies between networks, as the controller has them now." : "The control node, compute nodes with their agent sessions and workloads, and BGP peers with their sessions."}
        actions={
          <div className="flex items-center gap-2">
            <label className="flex items-center gap-1.5 text-xs text-muted">
              Traffic
              <Select value={overlay} onChange={(e) => set({ traffic: e.target.value === "off" ? null : e.target.value })} options={RANGES.map((r) => ({ value: r, label: r === "off" ? "Off" : `last ${r}` }))} aria-label="traffic overlay" data-testid="traffic-overlay" className="w-28" />
            </label>
            {overlay !== "off" && (
              <Select value={level} onChange={(e) => set({ tlevel: e.target.value === "group" ? null : e.target.value })} options={[{ value: "group", label: view === "logical" ? "between networks" : "between nodes" }, { value: "workload", label: "between workloads" }]} aria-label="traffic between" data-testid="traffic-level" className="w-40" />
            )}
            <Button size="sm" onClick={exportPng} title="download the whole graph as a PNG" data-testid="export-png">
              <Download size={14} /> PNG
            </Button>
            <Button size="sm" onClick={exportSvg} title="download the whole graph as an SVG drawing" data-testid="export-svg">
              <Download size={14} /> SVG
            </Button>
          </div>
        }
      />
      <div className="flex flex-wrap items-center gap-2 border-b border-line bg-surface px-4 py-2">
        <div className="-mb-2 mr-2">
          <Tabs tabs={[{ id: "logical", label: "Logical" }, { id: "infrastructure", label: "Infrastructure" }]} value={view} onChange={(v) => set({ view: v === "logical" ? null : v, sel: null, expand: null })} />
        </div>
        <div className="relative w-72">
          <Search size={14} className="pointer-events-none absolute top-2 left-2 text-faint" />
          <Input
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            onKeyDown={(e) => {
              if (e.key === "Enter") {
                e.preventDefault();
                if (draft !== q) set({ q: draft || null });
                else nextHit();
              }
              if (e.key === "Escape") setDraft("");
            }}
            placeholder="Find a network, port, node, peer…"
            className="pl-7"
            aria-label="search the graph"
            data-testid="topology-search"
          />
        </div>
        <Input
          value={labelDraft}
          onChange={(e) => setLabelDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter") {
              e.preventDefault();
              set({ label: labelDraft.trim() || null });
            }
            if (e.key === "Escape") setLabelDraft("");
          }}
          placeholder="Label: app=web or app"
          className="w-44"
          aria-label="filter ports by label"
          title="only the ports with this label (key=value, or key alone), with their networks, projects and services"
          data-testid="topology-label-filter"
        />
        {q && (
          <span className="text-xs text-muted tabular-nums" data-testid="search-hits">
            {hits.length ? `${Math.min(hitIndex + 1, hits.length)} of ${hits.length}` : "no match"}
          </span>
        )}
        <Select value={layout} onChange={(e) => set({ layout: e.target.value === "fcose" ? null : e.target.value })} options={[{ value: "fcose", label: "Layout: fCoSE" }, { value: "concentric", label: "Layout: concentric" }, { value: "grouped", label: "Layout: grouped" }, { value: "hierarchical", label: "Layout: hierarchical" }]} aria-label="layout" data-testid="topology-layout" className="w-40" />
        <div className="ml-auto flex items-center gap-1">
          {view === "logical" && (
            <>
              <Button size="sm" variant="ghost" onClick={() => updateCollapsed(new Set(groups))} title="collapse every project and network" data-testid="collapse-all">
                <ChevronsDownUp size={14} /> Collapse
              </Button>
              <Button size="sm" variant="ghost" onClick={() => updateCollapsed(new Set())} title="expand everything" data-testid="expand-all">
                <ChevronsUpDown size={14} /> Expand
              </Button>
            </>
          )}
          <Button size="sm" variant="ghost" onClick={() => handle.current?.fit()} title="fit the graph in the window" data-testid="fit">
            <Maximize2 size={14} /> Fit
          </Button>
          <Button size="sm" variant="ghost" onClick={() => handle.current?.relayout()} title="forget the arranged positions and lay the graph out again" data-testid="relayout">
            <RefreshCw size={14} /> Re-layout
          </Button>
        </div>
      </div>
      <div className="relative flex min-h-0 flex-1">
        <div className="relative min-w-0 flex-1 bg-bg">
          {!model || seeded !== storageKey ? (
            <div className="flex h-full items-center justify-center gap-2 text-sm text-muted">{graph.error ? `Could not load the topology: ${graph.error.message}` : <><Spinner /> Building the graph…</>}</div>
          ) : model.nodes.length === 0 && labelFilter ? (
            <div className="p-6 text-sm text-muted" data-testid="topology-label-empty">No port has the label {labelFilter}.</div>
          ) : model.nodes.length === 0 ? (
            <div className="p-6 text-sm text-muted">Nothing to draw yet: create a virtual network (Overlay › Virtual Networks) or start compute nodes.</div>
          ) : (
            <Graph
              key={`${storageKey}${flat ? ":flat" : ""}`}
              flat={flat}
              storageKey={storageKey}
              elements={elements}
              layout={layout}
              search={q}
              selected={sel}
              onSelect={(s) => set({ sel: s?.id ?? null })}
              onToggle={toggle}
              onReady={(h) => {
                handle.current = h;
                if (pendingFocus) setPendingFocus(pendingFocus);
              }}
            />
          )}
          {model && <Legend view={view} overlay={overlay !== "off"} />}
          {model && (
            <div className="pointer-events-none absolute top-2 left-3 rounded bg-surface/85 px-2 py-1 text-[11px] text-muted tabular-nums shadow-sm" data-testid="topology-stats">
              {view === "logical" && project ? `${model.groups.find((g) => g.id === `project:${project}`)?.label ?? "one project"} · ` : ""}
              {labelFilter ? `label ${labelFilter} · ` : ""}
              {model.stats.nodes} nodes · {model.stats.edges} edges
              {model.aggregated.length ? ` · ${model.aggregated.length} groups folded` : ""}
              {overlay !== "off" && flows.data ? ` · ${flows.data.length} traffic edges (${overlay})` : ""}
              {graph.isFetching ? " · updating…" : ""}
            </div>
          )}
        </div>
        <aside className="w-80 shrink-0 overflow-y-auto border-l border-line bg-surface" data-testid="topology-panel">
          {model && sel ? (
            <Detail
              view={view}
              model={model}
              elements={elements}
              id={sel}
              collapsed={collapsed}
              overlay={overlay}
              onToggle={toggle}
              onFocus={focusNode}
              onExpandAggregate={(group) => set({ expand: [...new Set([...expand, group])].join(",") })}
            />
          ) : (
            <div className="p-4 text-xs leading-relaxed text-muted">
              <p className="mb-2 font-medium text-fg">Select a node or an edge to see its details.</p>
              <p>Double-click a project or a network to collapse or expand it. Drag nodes to arrange them: the positions are remembered for you, in this view, in any browser.</p>
              <p className="mt-2">Search by name, FQ name or address; Enter jumps to the next match.</p>
            </div>
          )}
        </aside>
      </div>
    </div>
  );
}

/**
 * An edge the canvas drew at the overview level of detail (large graphs): the edges of one kind and
 * action between two groups (graph.tsx / elements.ts levelOfDetail), named lod~kind~source~target[~action].
 */
function lodEdge(elements: { nodes: NodeData[]; edges: EdgeData[] }, id: string): EdgeData | null {
  const [tag, kind, source, target, action] = id.split("~");
  if (tag !== "lod" || !kind || !source || !target) return null;
  const tops = topGroups(elements.nodes);
  const parentOf = new Map(elements.nodes.map((n) => [n.id, n.parent]));
  const within = (x: string, group: string) => {
    for (let c: string | undefined = x, d = 0; c && d < 9; c = parentOf.get(c), d++) if (c === group) return true;
    return tops.get(x) === group;
  };
  const merged = elements.edges.filter((e) => e.kind === kind && (e.action ?? "") === (action ?? "") && within(e.source, source) && within(e.target, target)).length;
  return { id, kind: kind as EdgeData["kind"], source, target, ...(action ? { action } : {}), merged };
}

function Detail({
  view,
  model,
  elements,
  id,
  collapsed,
  overlay,
  onToggle,
  onFocus,
  onExpandAggregate,
}: {
  view: TopologyView;
  model: SlimModel;
  elements: { nodes: NodeData[]; edges: EdgeData[] };
  id: string;
  collapsed: Set<string>;
  overlay: string;
  onToggle(id: string): void;
  onFocus(id: string): void;
  onExpandAggregate(group: string): void;
}) {
  const trpc = useTRPC();
  const node = model.nodes.find((n) => n.id === id);
  const kids = useMemo(() => childrenOf(model), [model]);
  const names = useMemo(() => new Map(model.nodes.map((n) => [n.id, n.fqName ?? n.label])), [model]);
  // fields and the page link come on demand (not in the graph model); again when the model moves on
  const isFlow = id.startsWith("flow:");
  const detail = useQuery({ ...trpc.topology.detail.queryOptions({ view, id }), enabled: !isFlow, placeholderData: keepPreviousData });
  const refetchDetail = detail.refetch;
  useEffect(() => {
    if (!isFlow) void refetchDetail();
  }, [model.version, isFlow, refetchDetail]);
  const info = detail.data && (detail.data.kind !== null || !detail.isPlaceholderData) ? detail.data : null;
  const fields = (node as { fields?: Record<string, string | number> } | undefined)?.fields ?? (info && !detail.isPlaceholderData ? info.fields : {});
  const href = info && !detail.isPlaceholderData ? info.href : null;
  if (node) {
    const members = kids.get(node.id) ?? [];
    return (
      <div className="space-y-3 p-4" data-testid="node-detail" data-kind={node.kind} data-id={node.id}>
        <div>
          <div className="text-[11px] font-medium tracking-wide text-faint uppercase">{KIND_LABEL[node.kind] ?? node.kind}</div>
          <div className="flex items-center gap-2">
            <h2 className="truncate text-sm font-semibold" data-testid="detail-name">
              {node.label}
            </h2>
            {node.state && (
              <span data-testid="detail-state" data-state={node.state}>
                <Badge tone={toneOf(node.tone)}>{node.state}</Badge>
              </span>
            )}
          </div>
          {node.fqName && node.fqName !== node.label && (
            <div className="mt-0.5 font-mono text-[11px] break-all text-muted" title={node.fqName}>
              {node.fqName}
            </div>
          )}
        </div>
        {Object.keys(fields).length > 0 && <Fields fields={fields} />}
        <div className="flex flex-wrap gap-2">
          {href && (
            <Link href={href} className="inline-flex h-7 items-center rounded-md border border-line-strong px-2.5 text-xs font-medium hover:bg-surface-2" data-testid="detail-link">
              Open {(KIND_LABEL[node.kind] ?? "object").toLowerCase()}
            </Link>
          )}
          {members.length > 0 && (
            <Button size="sm" onClick={() => onToggle(node.id)} data-testid="detail-toggle">
              {collapsed.has(node.id) ? "Expand" : "Collapse"}
            </Button>
          )}
          {node.kind === "aggregate" && node.parent && (
            <Button size="sm" onClick={() => onExpandAggregate(node.parent!)} data-testid="detail-unfold">
              Show each port
            </Button>
          )}
        </div>
        {members.length > 0 && (
          <div>
            <div className="mb-1 text-[11px] font-medium tracking-wide text-faint uppercase">
              Members ({members.length}){collapsed.has(node.id) ? " · collapsed" : ""}
            </div>
            <ul className="divide-y divide-line rounded border border-line" data-testid="detail-members">
              {members.slice(0, 200).map((m) => (
                <li key={m.id}>
                  <button type="button" onClick={() => onFocus(m.id)} className="flex w-full items-center justify-between gap-2 px-2 py-1 text-left text-xs hover:bg-row-hover" data-testid={`member-${m.label}`}>
                    <span className="min-w-0 truncate">
                      <span className="text-faint">{KIND_LABEL[m.kind] ?? m.kind}</span> {m.label}
                      {m.detail && <span className="ml-1 font-mono text-[11px] text-muted">{m.detail}</span>}
                    </span>
                    {m.state && <Badge tone={toneOf(m.tone)}>{m.state}</Badge>}
                  </button>
                </li>
              ))}
            </ul>
          </div>
        )}
        <Connections model={model} id={node.id} names={names} onFocus={onFocus} />
      </div>
    );
  }
  const edge = elements.edges.find((e) => e.id === id) ?? lodEdge(elements, id);
  if (!edge) return <div className="p-4 text-xs text-muted">The selected element is not in this view any more.</div>;
  const explorer =
    edge.kind === "flow" && edge.filter
      ? `/monitor/flows?tab=explorer&range=${overlay === "off" ? "15m" : overlay}&group=${model.view === "logical" ? "src_workload,dst_workload" : "src_vn,dst_vn"}&filter=${encodeURIComponent(edge.filter)}`
      : null;
  return (
    <div className="space-y-3 p-4" data-testid="edge-detail" data-kind={edge.kind} data-id={edge.id}>
      <div>
        <div className="text-[11px] font-medium tracking-wide text-faint uppercase">{KIND_LABEL[edge.kind] ?? edge.kind}</div>
        <div className="text-sm font-semibold">
          {names.get(edge.source) ?? edge.source} {edge.direction === "<>" ? "⇄" : "→"} {names.get(edge.target) ?? edge.target}
        </div>
        {edge.state && (
          <span data-testid="detail-state" data-state={edge.state}>
            <Badge tone={toneOf(edge.tone)}>{edge.state}</Badge>
          </span>
        )}
      </div>
      {edge.kind === "flow" && (
        <Fields fields={{ Bytes: formatBytes(edge.bytes ?? 0), Flows: edge.flows ?? 0, ...(edge.denied ? { Traffic: "mostly denied" } : {}), Filter: edge.filter ?? "" }} />
      )}
      {Object.keys(fields).length > 0 && <Fields fields={fields} />}
      {(edge.merged ?? 1) > 1 && <p className="text-xs text-muted">{edge.merged} edges drawn as one {edge.id.startsWith("lod~") ? "at this zoom: zoom in to draw each" : "while a group is collapsed"}.</p>}
      <div className="flex flex-wrap gap-2">
        {explorer && (
          <Link href={explorer} className="inline-flex h-7 items-center rounded-md border border-accent bg-accent px-2.5 text-xs font-medium text-accent-fg" data-testid="open-flows">
            Open in the flows explorer
          </Link>
        )}
        {href && (
          <Link href={href} className="inline-flex h-7 items-center rounded-md border border-line-strong px-2.5 text-xs font-medium hover:bg-surface-2" data-testid="detail-link">
            Open {(KIND_LABEL[edge.kind] ?? "object").toLowerCase()}
          </Link>
        )}
      </div>
    </div>
  );
}

function Fields({ fields }: { fields: Record<string, string | number> }) {
  return (
    <dl className="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-xs" data-testid="detail-fields">
      {Object.entries(fields).map(([k, v]) => (
        <div key={k} className="contents">
          <dt className="text-muted">{k}</dt>
          <dd className="min-w-0 font-mono text-[11px] break-words tabular-nums">{String(v)}</dd>
        </div>
      ))}
    </dl>
  );
}

function Connections({ model, id, names, onFocus }: { model: SlimModel; id: string; names: Map<string, string>; onFocus(id: string): void }) {
  const edges = model.edges.filter((e) => e.source === id || e.target === id).slice(0, 100);
  if (!edges.length) return null;
  return (
    <div>
      <div className="mb-1 text-[11px] font-medium tracking-wide text-faint uppercase">Connections ({edges.length})</div>
      <ul className="space-y-1 text-xs" data-testid="detail-connections">
        {edges.map((e) => {
          const other = e.source === id ? e.target : e.source;
          return (
            <li key={e.id} className="flex items-center gap-1.5">
              <span className="text-faint">{e.source === id ? "→" : "←"}</span>
              <button type="button" className="min-w-0 truncate text-left hover:underline" onClick={() => onFocus(other)}>
                {names.get(other) ?? other}
              </button>
              <span className="ml-auto shrink-0">{e.state ? <Badge tone={toneOf(e.tone)}>{e.state}</Badge> : <span className="text-muted">{KIND_LABEL[e.kind]}</span>}</span>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

function Legend({ view, overlay }: { view: TopologyView; overlay: boolean }) {
  const line = (color: string, dash = "") => (
    <svg width="26" height="8" aria-hidden>
      <line x1="1" y1="4" x2="25" y2="4" stroke={color} strokeWidth="2" strokeDasharray={dash} />
    </svg>
  );
  const dot = (cls: string) => <span className={`inline-block h-2.5 w-2.5 rounded-full ${cls}`} />;
  return (
    <div className="absolute bottom-3 left-3 rounded-md border border-line bg-surface/95 px-3 py-2 text-[11px] text-muted shadow-sm" data-testid="topology-legend">
      <div className="grid grid-cols-2 gap-x-4 gap-y-1">
        {view === "logical" ? (
          <>
            <span className="flex items-center gap-1.5">{line("var(--ok)")} Pass</span>
            <span className="flex items-center gap-1.5">{line("var(--danger)", "5 3")} Deny</span>
            <span className="flex items-center gap-1.5">{line("var(--faint)", "2 3")} Not attached</span>
            <span className="flex items-center gap-1.5">{line("var(--accent)", "2 3")} RT import</span>
            <span className="flex items-center gap-1.5">{line("var(--warn)", "5 3")} Floating IP</span>
            <span className="flex items-center gap-1.5">{dot("bg-ok")} Active</span>
            <span className="flex items-center gap-1.5">{dot("bg-danger")} Host down</span>
            <span className="flex items-center gap-1.5">{dot("border border-faint")} Unbound</span>
          </>
        ) : (
          <>
            <span className="flex items-center gap-1.5">{line("var(--ok)")} Up / Established</span>
            <span className="flex items-center gap-1.5">{line("var(--warn)", "5 3")} Connecting</span>
            <span className="flex items-center gap-1.5">{line("var(--danger)", "5 3")} Down / Idle</span>
            <span className="flex items-center gap-1.5">{dot("bg-ok")} Port active</span>
          </>
        )}
        {overlay && <span className="col-span-2 flex items-center gap-1.5">{line("var(--accent)")} Traffic (width = bytes; red dashed = denied)</span>}
      </div>
    </div>
  );
}
