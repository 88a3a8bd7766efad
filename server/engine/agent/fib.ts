// Per-VRF forwarding information base: longest-prefix match over IPv4 (numbers) and IPv6
// (bigints). One table per prefix length, probed from the longest length present down, so a
// lookup costs at most one Map probe per distinct prefix length in the VRF (usually 2–4).
//
// Each prefix has two slots: `local` (routes the agent derives from its own ports, so local
// delivery works before — and without — the control node) and `control` (what the control node
// sent for the VRF). The control node's route wins when both exist: it is the best path and may
// carry ECMP next hops the agent cannot know about.
import type { NextHop, Route } from "../protocol/index.ts";
import { type Cidr, formatIPv4, mask4, mask6, parseCidr, parseIPv4, parseIPv6 } from "./ip.ts";

export interface FibRoute {
  vrf: string;
  prefix: string; // canonical: masked network / length
  cidr: Cidr;
  /** Sorted by (address, data_port, label) so the ECMP hash → next hop mapping does not depend on the order the control node sent. */
  nextHops: NextHop[];
  source: string;
  portUuid: string;
  why: string[];
  /** Kept from a previous control session, not yet refreshed (graceful restart). */
  stale: boolean;
}

export interface FibEntry {
  local?: FibRoute;
  control?: FibRoute;
}

export type RouteSlot = "local" | "control";

export function canonicalPrefix(prefix: string): { key: string; cidr: Cidr } | null {
  const cidr = parseCidr(prefix);
  if (!cidr) return null;
  if (cidr.family === 4) return { key: `${formatIPv4(cidr.net)}/${cidr.len}`, cidr };
  return { key: `${v6Text(cidr.net)}/${cidr.len}`, cidr };
}

function v6Text(v: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i--) groups.push(((v >> BigInt(i * 16)) & 0xffffn).toString(16));
  return groups.join(":");
}

export function sortNextHops(nhs: NextHop[]): NextHop[] {
  if (nhs.length <= 1) return nhs; // nothing to order (and decoded messages are not mutated afterwards)
  return [...nhs].sort((a, b) =>
    a.address < b.address ? -1 : a.address > b.address ? 1 : a.data_port - b.data_port || a.label - b.label || a.vni - b.vni,
  );
}

export function effective(e: FibEntry): FibRoute | undefined {
  return e.control ?? e.local;
}

export class VrfFib {
  private readonly v4 = new Map<number, Map<number, FibEntry>>();
  private v4Lens: number[] = [];
  private readonly v6 = new Map<number, Map<bigint, FibEntry>>();
  private v6Lens: number[] = [];
  private readonly byKey = new Map<string, FibEntry>();
  /** control routes marked stale (kept in step by set/delete/markStale/sweepStale) */
  private stale = 0;

  constructor(readonly name: string) {}

  get size(): number {
    return this.byKey.size;
  }

  /** Control routes kept from a previous session and not refreshed yet. */
  get staleCount(): number {
    return this.stale;
  }

  /** Add or replace the route of one slot; returns false when the prefix does not parse. */
  set(slot: RouteSlot, route: Route, stale = false): boolean {
    // A prefix already here under the same (canonical) text — every refresh after a reconnect —
    // needs no parsing: the entry knows its CIDR.
    let entry = this.byKey.get(route.prefix);
    const known = entry && (entry.control ?? entry.local);
    const c = known ? { key: known.prefix, cidr: known.cidr } : canonicalPrefix(route.prefix);
    if (!c) return false;
    entry ??= this.byKey.get(c.key);
    if (!entry) {
      entry = {};
      this.byKey.set(c.key, entry);
      this.index(c.cidr, entry);
    }
    if (slot === "control") this.stale += (stale ? 1 : 0) - (entry.control?.stale ? 1 : 0);
    entry[slot] = {
      vrf: this.name,
      prefix: c.key,
      cidr: c.cidr,
      nextHops: sortNextHops(route.next_hops ?? []),
      source: route.source ?? "",
      portUuid: route.port_uuid ?? "",
      why: route.why ?? [],
      stale,
    };
    return true;
  }

  /** Remove one slot of a prefix; returns whether something was removed. */
  delete(slot: RouteSlot, prefix: string): boolean {
    const c = canonicalPrefix(prefix);
    if (!c) return false;
    const entry = this.byKey.get(c.key);
    if (!entry?.[slot]) return false;
    if (slot === "control" && entry.control?.stale) this.stale--;
    delete entry[slot];
    if (!entry.local && !entry.control) {
      this.byKey.delete(c.key);
      this.unindex(c.cidr);
    }
    return true;
  }

  get(prefix: string): FibEntry | undefined {
    const c = canonicalPrefix(prefix);
    return c ? this.byKey.get(c.key) : undefined;
  }

  entries(): IterableIterator<[string, FibEntry]> {
    return this.byKey.entries();
  }

  /** Longest-prefix match of an address given as text. */
  lookup(address: string): FibRoute | undefined {
    const v4 = parseIPv4(address);
    if (v4 !== null) return this.lookup4(v4);
    const v6 = parseIPv6(address);
    return v6 === null ? undefined : this.lookup6(v6);
  }

  lookup4(addr: number): FibRoute | undefined {
    for (const len of this.v4Lens) {
      const e = this.v4.get(len)!.get((addr & mask4(len)) >>> 0);
      if (e) return effective(e);
    }
    return undefined;
  }

  lookup6(addr: bigint): FibRoute | undefined {
    for (const len of this.v6Lens) {
      const e = this.v6.get(len)!.get(addr & mask6(len));
      if (e) return effective(e);
    }
    return undefined;
  }

  /** Mark every control route stale (the session to the control node went down). */
  markStale(): number {
    let n = 0;
    for (const e of this.byKey.values())
      if (e.control && !e.control.stale) {
        e.control.stale = true;
        n++;
      }
    this.stale += n;
    return n;
  }

  /** Delete control routes still stale after the control node's end-of-RIB; returns their prefixes. */
  sweepStale(): string[] {
    const gone: string[] = [];
    if (this.stale === 0) return gone;
    for (const [key, e] of this.byKey) if (e.control?.stale) gone.push(key);
    for (const key of gone) this.delete("control", key);
    return gone;
  }

  private index(cidr: Cidr, entry: FibEntry) {
    if (cidr.family === 4) {
      let t = this.v4.get(cidr.len);
      if (!t) {
        t = new Map();
        this.v4.set(cidr.len, t);
        this.v4Lens = [...this.v4.keys()].sort((a, b) => b - a);
      }
      t.set(cidr.net, entry);
    } else {
      let t = this.v6.get(cidr.len);
      if (!t) {
        t = new Map();
        this.v6.set(cidr.len, t);
        this.v6Lens = [...this.v6.keys()].sort((a, b) => b - a);
      }
      t.set(cidr.net, entry);
    }
  }

  private unindex(cidr: Cidr) {
    if (cidr.family === 4) {
      const t = this.v4.get(cidr.len);
      t?.delete(cidr.net);
      if (t && t.size === 0) {
        this.v4.delete(cidr.len);
        this.v4Lens = [...this.v4.keys()].sort((a, b) => b - a);
      }
    } else {
      const t = this.v6.get(cidr.len);
      t?.delete(cidr.net);
      if (t && t.size === 0) {
        this.v6.delete(cidr.len);
        this.v6Lens = [...this.v6.keys()].sort((a, b) => b - a);
      }
    }
  }
}

/** All VRF tables of one agent. */
export class Fib {
  private readonly vrfs = new Map<string, VrfFib>();

  vrf(name: string): VrfFib | undefined {
    return this.vrfs.get(name);
  }

  ensure(name: string): VrfFib {
    let t = this.vrfs.get(name);
    if (!t) {
      t = new VrfFib(name);
      this.vrfs.set(name, t);
    }
    return t;
  }

  drop(name: string) {
    this.vrfs.delete(name);
  }

  names(): string[] {
    return [...this.vrfs.keys()];
  }

  get routeCount(): number {
    let n = 0;
    for (const t of this.vrfs.values()) n += t.size;
    return n;
  }

  get staleCount(): number {
    let n = 0;
    for (const t of this.vrfs.values()) n += t.staleCount;
    return n;
  }

  lookup(vrf: string, address: string): FibRoute | undefined {
    return this.vrfs.get(vrf)?.lookup(address);
  }
}
