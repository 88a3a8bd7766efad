// The control node's routing tables: every path (from agents, later from BGP peers) is kept once,
// indexed by prefix, origin routing instance and route target; each routing instance's table is
// the set of paths it imports (its own, plus any whose route targets meet its import list),
// reduced to a best route per prefix with ECMP over equal paths from different next hops.
import { contains, parseAddress, parseCidr } from "../model/net";
import type { NextHop } from "../protocol";

export interface Path {
  /** unique per (source, origin instance, prefix) */
  key: string;
  prefix: string;
  /** routing instance the path was originated in ("" for BGP paths, which carry only RTs) */
  origin: string;
  /** "agent:compute-1", "bgp:192.0.2.1" */
  source: string;
  nextHop: NextHop;
  /** route targets the path is exported with */
  rts: string[];
  localPref: number;
  portUuid?: string;
  why: string[];
  stale: boolean;
  learnedAt: number;
}

export interface InstanceTargets {
  name: string;
  importTargets: string[];
  exportTargets: string[];
}

export interface BestRoute {
  prefix: string;
  nextHops: NextHop[];
  paths: Path[];
}

export interface RouteChange {
  vrf: string;
  prefix: string;
  route: BestRoute | null;
}

function addTo<K, V>(m: Map<K, Set<V>>, k: K, v: V) {
  let s = m.get(k);
  if (!s) m.set(k, (s = new Set()));
  s.add(v);
}
function delFrom<K, V>(m: Map<K, Set<V>>, k: K, v: V) {
  const s = m.get(k);
  if (!s) return;
  s.delete(v);
  if (s.size === 0) m.delete(k);
}

const nhKey = (n: NextHop) => `${n.address}|${n.label}|${n.vni}`;

export class Rib {
  private paths = new Map<string, Path>();
  private byPrefix = new Map<string, Set<Path>>();
  private byOrigin = new Map<string, Set<Path>>();
  private byRt = new Map<string, Set<Path>>();
  private bySource = new Map<string, Set<Path>>();
  private instances = new Map<string, { imports: Set<string>; exports: string[] }>();
  private importers = new Map<string, Set<string>>(); // rt → instances importing it
  /** per instance: prefix → best route */
  readonly tables = new Map<string, Map<string, BestRoute>>();
  private pending = new Map<string, Set<string>>(); // instance → prefixes to recompute

  constructor(private readonly onChange: (changes: RouteChange[]) => void) {}

  get pathCount() {
    return this.paths.size;
  }

  // ------------------------------------------------------------ instances

  upsertInstance(ri: InstanceTargets) {
    const prev = this.instances.get(ri.name);
    const imports = new Set(ri.importTargets);
    const exportsChanged = !prev || prev.exports.join() !== ri.exportTargets.join();
    const importsChanged = !prev || [...imports].sort().join() !== [...prev.imports].sort().join();
    if (prev) for (const rt of prev.imports) delFrom(this.importers, rt, ri.name);
    for (const rt of imports) addTo(this.importers, rt, ri.name);
    this.instances.set(ri.name, { imports, exports: [...ri.exportTargets] });
    if (!this.tables.has(ri.name)) this.tables.set(ri.name, new Map());
    if (exportsChanged) {
      // paths originated here now travel with other route targets
      for (const p of [...(this.byOrigin.get(ri.name) ?? [])]) {
        this.markTargets(p);
        this.unindexRts(p);
        p.rts = [...ri.exportTargets];
        this.indexRts(p);
        this.markTargets(p);
      }
    }
    if (importsChanged) {
      // recompute every prefix this instance has or could now import
      for (const prefix of this.tables.get(ri.name)!.keys()) this.mark(ri.name, prefix);
      for (const p of this.candidatesFor(ri.name)) this.mark(ri.name, p.prefix);
    }
    this.commit();
  }

  removeInstance(name: string) {
    const prev = this.instances.get(name);
    if (!prev) return;
    for (const rt of prev.imports) delFrom(this.importers, rt, name);
    this.instances.delete(name);
    const table = this.tables.get(name);
    this.tables.delete(name);
    const changes: RouteChange[] = [...(table?.keys() ?? [])].map((prefix) => ({ vrf: name, prefix, route: null }));
    this.pending.delete(name);
    if (changes.length) this.onChange(changes);
  }

  hasInstance(name: string) {
    return this.instances.has(name);
  }

  // ------------------------------------------------------------ paths

  /** Adds or replaces a path (same key). */
  add(p: Omit<Path, "rts" | "stale" | "learnedAt"> & { rts?: string[] }) {
    const old = this.paths.get(p.key);
    if (old) this.removePath(old);
    // fields spelled out (not spread): this runs once per path, 100,000 times in a resync
    const path: Path = {
      key: p.key,
      prefix: p.prefix,
      origin: p.origin,
      source: p.source,
      nextHop: p.nextHop,
      rts: p.rts ?? (p.origin ? [...(this.instances.get(p.origin)?.exports ?? [])] : []),
      localPref: p.localPref,
      portUuid: p.portUuid,
      why: p.why,
      stale: false,
      learnedAt: Date.now(),
    };
    this.paths.set(path.key, path);
    addTo(this.byPrefix, path.prefix, path);
    if (path.origin) addTo(this.byOrigin, path.origin, path);
    addTo(this.bySource, path.source, path);
    this.indexRts(path);
    this.markTargets(path);
  }

  remove(key: string) {
    const p = this.paths.get(key);
    if (p) this.removePath(p);
  }

  private removePath(p: Path) {
    this.markTargets(p);
    this.paths.delete(p.key);
    delFrom(this.byPrefix, p.prefix, p);
    if (p.origin) delFrom(this.byOrigin, p.origin, p);
    delFrom(this.bySource, p.source, p);
    this.unindexRts(p);
  }

  /** How many paths a source has. */
  countOf(source: string): number {
    return this.bySource.get(source)?.size ?? 0;
  }

  /** All paths of a source (an agent or a BGP peer). */
  pathsOf(source: string): Path[] {
    return [...(this.bySource.get(source) ?? [])];
  }

  markStale(source: string) {
    for (const p of this.bySource.get(source) ?? []) {
      p.stale = true;
      this.markTargets(p);
    }
    this.commit();
  }

  /** Drops a source's paths still stale (after it re-announced and sent End-of-RIB). */
  sweepStale(source: string): number {
    let n = 0;
    for (const p of [...(this.bySource.get(source) ?? [])]) {
      if (p.stale) {
        this.removePath(p);
        n++;
      }
    }
    this.commit();
    return n;
  }

  removeSource(source: string): number {
    const ps = [...(this.bySource.get(source) ?? [])];
    for (const p of ps) this.removePath(p);
    this.commit();
    return ps.length;
  }

  private indexRts(p: Path) {
    for (const rt of p.rts) addTo(this.byRt, rt, p);
  }
  private unindexRts(p: Path) {
    for (const rt of p.rts) delFrom(this.byRt, rt, p);
  }

  /**
   * Paths an instance would consider with these import targets: its own and every path carrying
   * one of them (the reachability analysis recomputes a table for a draft change with it).
   */
  candidatePaths(instance: string, imports: Iterable<string>): Path[] {
    const out = new Set<Path>(this.byOrigin.get(instance) ?? []);
    for (const rt of imports) for (const p of this.byRt.get(rt) ?? []) out.add(p);
    return [...out];
  }

  private candidatesFor(instance: string): Set<Path> {
    const ri = this.instances.get(instance);
    const out = new Set<Path>(this.byOrigin.get(instance) ?? []);
    if (ri) for (const rt of ri.imports) for (const p of this.byRt.get(rt) ?? []) out.add(p);
    return out;
  }

  /** Marks the prefix in every instance that imports the path: its origin and every importer of one of its RTs. */
  private markTargets(p: Path) {
    if (p.origin && this.instances.has(p.origin)) this.mark(p.origin, p.prefix);
    for (const rt of p.rts) for (const i of this.importers.get(rt) ?? []) this.mark(i, p.prefix);
  }

  private mark(instance: string, prefix: string) {
    addTo(this.pending, instance, prefix);
  }

  /** Recomputes the best route of every marked (instance, prefix) and reports what changed. */
  commit() {
    if (this.pending.size === 0) return;
    const changes: RouteChange[] = [];
    for (const [instance, prefixes] of this.pending) {
      const table = this.tables.get(instance);
      const ri = this.instances.get(instance);
      if (!table || !ri) continue;
      for (const prefix of prefixes) {
        const candidates = [...(this.byPrefix.get(prefix) ?? [])].filter((p) => p.origin === instance || p.rts.some((rt) => ri.imports.has(rt)));
        const best = selectBest(prefix, candidates);
        const prev = table.get(prefix);
        if (!best) {
          if (prev) {
            table.delete(prefix);
            changes.push({ vrf: instance, prefix, route: null });
          }
          continue;
        }
        if (!prev || !sameRoute(prev, best)) {
          table.set(prefix, best);
          changes.push({ vrf: instance, prefix, route: best });
        } else table.set(prefix, best);
      }
    }
    this.pending.clear();
    if (changes.length) this.onChange(changes);
  }
}

/**
 * Best path: highest local preference, fresh before stale, then ECMP over every remaining path
 * with a distinct next hop (equal routes from several compute nodes make one ECMP next hop).
 */
export function selectBest(prefix: string, candidates: Path[]): BestRoute | null {
  if (candidates.length === 0) return null;
  const pref = Math.max(...candidates.map((p) => p.localPref));
  let pool = candidates.filter((p) => p.localPref === pref);
  if (pool.some((p) => !p.stale)) pool = pool.filter((p) => !p.stale);
  pool.sort((a, b) => nhKey(a.nextHop).localeCompare(nhKey(b.nextHop)) || a.key.localeCompare(b.key));
  const seen = new Set<string>();
  const nextHops: NextHop[] = [];
  for (const p of pool) {
    const k = nhKey(p.nextHop);
    if (seen.has(k)) continue;
    seen.add(k);
    nextHops.push(p.nextHop);
  }
  return { prefix, nextHops, paths: pool };
}

function sameRoute(a: BestRoute, b: BestRoute): boolean {
  // route targets are part of what BGP exports: a changed RT list is a changed route
  const sig = (r: BestRoute) => r.paths.map((p) => `${p.key}|${p.stale}|${p.rts.join(",")}|${p.nextHop.label}`).join();
  return JSON.stringify(a.nextHops) === JSON.stringify(b.nextHops) && sig(a) === sig(b);
}

/** Longest-prefix match over one instance's table (traffic "from outside", the reachability analysis; IPv4 and IPv6). */
export function longestMatch(table: Map<string, BestRoute>, address: string): BestRoute | undefined {
  const a = parseAddress(address);
  if (!a) return undefined;
  let best: BestRoute | undefined;
  let bestLen = -1;
  for (const r of table.values()) {
    const c = parseCidr(r.prefix);
    if (!c.ok || c.cidr.prefixLen <= bestLen || !contains(c.cidr, a.family, a.value)) continue;
    best = r;
    bestLen = c.cidr.prefixLen;
  }
  return best;
}
