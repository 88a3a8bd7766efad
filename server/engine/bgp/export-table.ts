// What the speaker advertises: routes handed to announce(), grouped by equal attributes so they
// pack many to an UPDATE, and how a group's attributes look toward an iBGP or an eBGP peer.
import {
  type AsPathSegment,
  type EncodableNlri,
  type Family,
  type Origin,
  type PathAttributes,
  encodeAttributes,
  nlriKey,
  normalizeExtendedCommunity,
  normalizeRd,
  parseIpv4,
  parseIpv6,
  parseNlri,
} from "./wire";

/** Attributes a caller may set on a route it announces (the speaker adds AS_PATH / LOCAL_PREF per peer). */
export interface RouteAttributes {
  origin?: Origin;
  /** the path before our AS: segments, or plain ASNs for one AS_SEQUENCE */
  asPath?: AsPathSegment[] | number[];
  med?: number;
  /** sent to iBGP peers only (RFC 4271 §5.1.5); default 100 */
  localPref?: number;
  communities?: string[];
  /** e.g. "target:64512:8000001", "encapsulation:gre" (MPLSoGRE), "encapsulation:udp", "encapsulation:vxlan" */
  extendedCommunities?: string[];
  largeCommunities?: string[];
  atomicAggregate?: boolean;
  aggregator?: { asn: number; address: string };
  /** RFC 4456, toward iBGP peers only */
  originatorId?: string;
  clusterList?: string[];
}

/** A route to announce. l3vpn-ipv4-unicast routes need `rd` and `labels`. */
export interface Route {
  prefix: string;
  rd?: string;
  labels?: number[];
  /** IPv4 (or IPv6, RFC 8950) next hop, sent as given */
  nextHop: string;
  attrs?: RouteAttributes;
}

export interface AttrGroup {
  readonly sig: string;
  readonly nextHop: string;
  readonly attrs: RouteAttributes;
  refs: number;
  ibgp?: PathAttributes;
  ebgp?: PathAttributes;
}

export interface ExportEntry {
  readonly key: string;
  readonly prefix: string;
  readonly rd: string | undefined;
  readonly labels: readonly number[] | undefined;
  readonly nlri: EncodableNlri;
  readonly group: AttrGroup;
}

function segments(p: AsPathSegment[] | number[] | undefined): AsPathSegment[] {
  if (!p || p.length === 0) return [];
  if (typeof p[0] === "number") return [{ type: "sequence", asns: [...(p as number[])] }];
  return p as AsPathSegment[];
}

/** Attributes toward a peer: RFC 4271 §5.1.2 (prepend our AS toward eBGP), §5.1.5 (LOCAL_PREF only iBGP). */
export function outbound(g: AttrGroup, ibgp: boolean, localAsn: number): PathAttributes {
  const cached = ibgp ? g.ibgp : g.ebgp;
  if (cached) return cached;
  const a = g.attrs;
  const path = segments(a.asPath);
  let asPath: AsPathSegment[];
  if (ibgp) asPath = path;
  else if (path.length > 0 && path[0].type === "sequence" && path[0].asns.length < 255) asPath = [{ type: "sequence", asns: [localAsn, ...path[0].asns] }, ...path.slice(1)];
  else asPath = [{ type: "sequence", asns: [localAsn] }, ...path];
  const out: PathAttributes = { origin: a.origin ?? "igp", asPath, nextHop: g.nextHop };
  if (a.med !== undefined) out.med = a.med;
  if (ibgp) out.localPref = a.localPref ?? 100;
  if (a.atomicAggregate) out.atomicAggregate = true;
  if (a.aggregator) out.aggregator = a.aggregator;
  if (a.communities?.length) out.communities = a.communities;
  if (ibgp && a.originatorId) out.originatorId = a.originatorId;
  if (ibgp && a.clusterList?.length) out.clusterList = a.clusterList;
  if (a.extendedCommunities?.length) out.extendedCommunities = a.extendedCommunities;
  if (a.largeCommunities?.length) out.largeCommunities = a.largeCommunities;
  if (ibgp) g.ibgp = out;
  else g.ebgp = out;
  return out;
}

export class ExportTable {
  readonly byFamily = new Map<Family, Map<string, ExportEntry>>();
  private groups = new Map<string, AttrGroup>();
  private sigCache = new WeakMap<object, string>();

  table(family: Family): Map<string, ExportEntry> {
    let t = this.byFamily.get(family);
    if (!t) this.byFamily.set(family, (t = new Map()));
    return t;
  }

  private sigOf(attrs: RouteAttributes): string {
    let s = this.sigCache.get(attrs);
    if (s === undefined) {
      s = JSON.stringify(attrs);
      this.sigCache.set(attrs, s);
    }
    return s;
  }

  private group(nextHop: string, attrs: RouteAttributes): AttrGroup | string {
    const sig = `${nextHop}|${this.sigOf(attrs)}`;
    let g = this.groups.get(sig);
    if (g) return g;
    if (parseIpv4(nextHop) < 0 && !parseIpv6(nextHop)) return `invalid next hop "${nextHop}"`;
    const norm: RouteAttributes = { ...attrs };
    if (attrs.extendedCommunities) {
      const ext: string[] = [];
      for (const c of attrs.extendedCommunities) {
        const n = normalizeExtendedCommunity(c);
        if (!n) return `invalid extended community "${c}"`;
        ext.push(n);
      }
      norm.extendedCommunities = ext;
    }
    g = { sig, nextHop, attrs: norm, refs: 0 };
    try {
      // validates every attribute value once per group
      encodeAttributes(outbound(g, true, 0), { asn4: true, nextHopAttribute: false });
      g.ibgp = undefined;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
    this.groups.set(sig, g);
    return g;
  }

  private unref(g: AttrGroup): void {
    if (--g.refs <= 0) this.groups.delete(g.sig);
  }

  /** Adds or replaces routes; returns the keys changed and the routes rejected with a reason. */
  put(family: Family, routes: readonly Route[]): { keys: string[]; rejected: { route: Route; reason: string }[] } {
    const t = this.table(family);
    const keys: string[] = [];
    const rejected: { route: Route; reason: string }[] = [];
    const empty: RouteAttributes = {};
    for (const r of routes) {
      let rd = r.rd;
      if (family !== "ipv4-unicast") {
        const n = rd === undefined ? null : normalizeRd(rd);
        if (!n) {
          rejected.push({ route: r, reason: `invalid route distinguisher "${rd}"` });
          continue;
        }
        rd = n;
      }
      const nlri = parseNlri(family, r.prefix, rd, r.labels);
      if (typeof nlri === "string") {
        rejected.push({ route: r, reason: nlri });
        continue;
      }
      const g = this.group(r.nextHop, r.attrs ?? empty);
      if (typeof g === "string") {
        rejected.push({ route: r, reason: g });
        continue;
      }
      const prefix = `${nlri.addr >>> 24}.${(nlri.addr >>> 16) & 255}.${(nlri.addr >>> 8) & 255}.${nlri.addr & 255}/${nlri.len}`;
      const key = nlriKey(family, prefix, rd);
      const old = t.get(key);
      if (old) this.unref(old.group);
      g.refs++;
      t.set(key, { key, prefix, rd, labels: family === "ipv4-unicast" ? undefined : nlri.labels, nlri, group: g });
      keys.push(key);
    }
    return { keys, rejected };
  }

  /** Removes routes by key; returns the keys that were present. */
  remove(family: Family, keys: Iterable<string>): string[] {
    const t = this.table(family);
    const out: string[] = [];
    for (const k of keys) {
      const e = t.get(k);
      if (!e) continue;
      t.delete(k);
      this.unref(e.group);
      out.push(k);
    }
    return out;
  }
}

/** The destination of a key, for withdrawing a route no longer in the table. */
export function nlriOfKey(family: Family, key: string): EncodableNlri | null {
  if (family === "ipv4-unicast") {
    const n = parseNlri(family, key);
    return typeof n === "string" ? null : n;
  }
  const i = key.lastIndexOf(":");
  const n = parseNlri(family, key.slice(i + 1), key.slice(0, i), [0]);
  return typeof n === "string" ? null : n;
}
