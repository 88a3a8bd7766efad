// The live topology: one cached whole model per view, rebuilt when the engine says something it
// draws changed (config change feed, route changes, agent sessions, BGP sessions), and the
// difference to the previous version handed to listeners (the console's live channel). Queries are
// answered from the cache (cut to a project / folded by shapeTopology), so a page load or a refetch
// never rebuilds the model, and every answer carries the version live diffs continue from.
//
// Rebuild + diff of the 5,000-node bench model costs ~150 ms. The first change after a quiet spell
// is rebuilt at once (in a microtask: after the change's other listeners, before the compiler's
// follow-up work, which can hold the event loop for a few hundred ms after a policy change);
// changes arriving after that are coalesced, at most one rebuild every REBUILD_GAP_MS.
import type { Engine } from "../engine";
import { bgpRouters } from "../control/views";
import { type TopologyEdge, type TopologyModel, type TopologyNode, type TopologyView, TOPOLOGY_VIEWS, buildWholeTopology } from "./model";
import { type TopologyDiff, isEmptyTopologyDiff, slimEdge, slimNode } from "./wire";

const REBUILD_GAP_MS = 100;
const POLL_MS = 1000;

interface Cached {
  model: TopologyModel;
  version: number;
  /** each node / edge by id, to tell what changed */
  nodeById: Map<string, TopologyNode>;
  edgeById: Map<string, TopologyEdge>;
  dirty: boolean;
}

/** Same element: the same keys with the same values, one level into plain objects (`fields`). */
export function sameElement(a: object, b: object): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) {
    const x = (a as Record<string, unknown>)[k];
    const y = (b as Record<string, unknown>)[k];
    if (x === y) continue;
    if (x && y && typeof x === "object" && typeof y === "object") {
      const kx = Object.keys(x);
      if (kx.length !== Object.keys(y).length) return false;
      for (const j of kx) if ((x as Record<string, unknown>)[j] !== (y as Record<string, unknown>)[j]) return false;
      continue;
    }
    return false;
  }
  return true;
}

export type TopologyListener = (d: TopologyDiff) => void;

export class TopologyFeed {
  private cache = new Map<TopologyView, Cached>();
  private listeners = new Map<TopologyListener, TopologyView | null>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private queued = false;
  private lastFlush = 0;
  private poll: ReturnType<typeof setInterval> | null = null;
  private watching = false;
  private fingerprint = "";
  // versions start from the clock, so a restarted server's versions are newer than any a page
  // still holds (it then refetches instead of ignoring the diffs as old)
  private version = Date.now();

  constructor(private readonly engine: Engine) {}

  /** The whole model of a view at its current version (rebuilt first if the engine changed since). */
  current(view: TopologyView): { model: TopologyModel; version: number } {
    this.watchEngine();
    // without listeners the sessions are not polled: look now
    if (this.listeners.size === 0) this.checkSessions();
    let c = this.cache.get(view);
    if (!c || c.dirty) c = this.rebuild(view).cached;
    return { model: c.model, version: c.version };
  }

  /** Diffs of one view (or of every view with `null`) as the engine changes; returns the unsubscribe. */
  subscribe(view: TopologyView | null, l: TopologyListener): () => void {
    this.listeners.set(l, view);
    if (this.listeners.size === 1) this.start();
    for (const v of view ? [view] : TOPOLOGY_VIEWS) this.current(v);
    return () => {
      this.listeners.delete(l);
      if (this.listeners.size === 0) this.stop();
    };
  }

  /** Something the views draw changed: rebuild the views that are looked at, soon. */
  markDirty(views: readonly TopologyView[] = TOPOLOGY_VIEWS) {
    for (const v of views) {
      const c = this.cache.get(v);
      if (c) c.dirty = true;
    }
    if (!this.listeners.size || this.timer || this.queued) return;
    const wait = this.lastFlush + REBUILD_GAP_MS - performance.now();
    if (wait > 0) {
      this.timer = setTimeout(() => this.flush(), wait);
      return;
    }
    this.queued = true;
    queueMicrotask(() => this.flush());
  }

  private flush() {
    this.timer = null;
    this.queued = false;
    this.lastFlush = performance.now();
    const watched = new Set<TopologyView>();
    for (const v of this.listeners.values()) for (const x of v ? [v] : TOPOLOGY_VIEWS) watched.add(x);
    for (const view of watched) {
      const c = this.cache.get(view);
      if (!c?.dirty) continue;
      const { diff } = this.rebuild(view);
      if (!diff) continue;
      for (const [l, v] of this.listeners) {
        if (v && v !== view) continue;
        try {
          l(diff);
        } catch {
          // a listener that throws (a closed socket) must not stop the others
        }
      }
    }
  }

  private rebuild(view: TopologyView): { cached: Cached; diff: TopologyDiff | null } {
    const prev = this.cache.get(view);
    const model = buildWholeTopology(this.engine, view);
    const nodeById = new Map<string, TopologyNode>();
    const edgeById = new Map<string, TopologyEdge>();
    for (const n of model.nodes) nodeById.set(n.id, n);
    for (const e of model.edges) edgeById.set(e.id, e);
    if (!prev) {
      const cached: Cached = { model, version: ++this.version, nodeById, edgeById, dirty: false };
      this.cache.set(view, cached);
      return { cached, diff: null };
    }
    const d: TopologyDiff = { view, from: prev.version, to: prev.version, nodes: [], edges: [], removeNodes: [], removeEdges: [] };
    // new and changed nodes in model order: a parent comes before its members
    for (const n of model.nodes) {
      const p = prev.nodeById.get(n.id);
      if (!p || !sameElement(p, n)) d.nodes.push(slimNode(n));
    }
    for (const id of prev.nodeById.keys()) if (!nodeById.has(id)) d.removeNodes.push(id);
    for (const e of model.edges) {
      const p = prev.edgeById.get(e.id);
      if (!p || !sameElement(p, e)) d.edges.push(slimEdge(e));
    }
    for (const id of prev.edgeById.keys()) if (!edgeById.has(id)) d.removeEdges.push(id);
    const changed = !isEmptyTopologyDiff(d);
    const cached: Cached = { model, version: changed ? ++this.version : prev.version, nodeById, edgeById, dirty: false };
    this.cache.set(view, cached);
    if (!changed) return { cached, diff: null };
    d.to = cached.version;
    return { cached, diff: d };
  }

  /**
   * From the first use on, config and route changes mark the cached models stale (cheap: nothing is
   * rebuilt until a listener or a query wants the model), so a page load after a quiet spell is
   * answered from the cache.
   */
  private watchEngine() {
    if (this.watching) return;
    this.watching = true;
    this.engine.config.subscribe(() => this.markDirty());
    this.engine.control.onRoutes(() => this.markDirty());
  }

  /** agent sessions and BGP sessions have no change events of their own: compare a fingerprint */
  private checkSessions() {
    const e = this.engine;
    const agents = [...e.control.agents.values()].map((a) => `${a.name}:${a.state}:${a.lastResync}:${a.announced}:${a.subscriptions.size}`).join("|");
    let peers = "";
    try {
      peers = bgpRouters(e).map((r) => `${r.uuid}:${(r.session as { state?: string; received?: number; advertised?: number }).state}:${(r.session as { received?: number }).received ?? ""}:${(r.session as { advertised?: number }).advertised ?? ""}`).join("|");
    } catch {
      // no BGP speaker
    }
    const now = `${agents}#${peers}`;
    if (now !== this.fingerprint) {
      this.fingerprint = now;
      this.markDirty();
    }
  }

  private start() {
    this.watchEngine();
    this.poll = setInterval(() => this.checkSessions(), POLL_MS);
    this.poll.unref?.();
  }

  private stop() {
    if (this.poll) clearInterval(this.poll);
    this.poll = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queued = false;
  }
}

// one feed per engine, kept on the engine object itself: the Next.js route handlers run their own
// bundled copy of this module (docs/stack.md), and they must share the feed the live channel uses
const KEY = Symbol.for("weft.topology.feed");

export function topologyFeed(e: Engine): TopologyFeed {
  const holder = e as unknown as Record<symbol, TopologyFeed | undefined>;
  holder[KEY] ??= new TopologyFeed(e);
  return holder[KEY]!;
}
