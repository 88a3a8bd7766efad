// Path attributes, RFC 4271 §4.3 / §5 and the extensions named per type in constants.ts.
// Decoding applies the per-attribute error handling of RFC 7606 §7; update.ts runs the list.
import { AS_TRANS, AsPathSegmentType, AttrFlag, AttrType } from "./constants";
import { ipv4ToString, parseIpv4 } from "./address";
import { communityToString, largeCommunityToString, parseCommunity, parseLargeCommunity, readU32 } from "./community";
import { extendedCommunityToString, writeExtendedCommunity } from "./extended-community";
import { UpdateSubcode } from "./notification-codes";
import { ByteWriter } from "./byte-writer";

export type Origin = "igp" | "egp" | "incomplete";
export type AsSegmentKind = "sequence" | "set" | "confed-sequence" | "confed-set";
export interface AsPathSegment {
  type: AsSegmentKind;
  asns: number[];
}

/** The decoded attributes of one UPDATE, shared by every route it carried. */
export interface PathAttributes {
  origin?: Origin;
  asPath?: AsPathSegment[];
  /** NEXT_HOP (RFC 4271 §5.1.3) or the MP_REACH_NLRI next hop (RFC 4760 §3) for the family */
  nextHop?: string;
  med?: number;
  localPref?: number;
  atomicAggregate?: boolean;
  aggregator?: { asn: number; address: string };
  communities?: string[];
  extendedCommunities?: string[];
  largeCommunities?: string[];
  originatorId?: string;
  clusterList?: string[];
  /** unrecognized optional transitive attributes, passed on with the Partial bit (RFC 4271 §5) */
  unknown?: { flags: number; type: number; value: Uint8Array }[];
}

const ORIGINS: Origin[] = ["igp", "egp", "incomplete"];
const SEGMENT_KINDS: AsSegmentKind[] = ["set", "sequence", "confed-sequence", "confed-set"];

/** RFC 4271 §5 / RFC 4760 / etc.: the Optional and Transitive bits each known attribute must have. */
export const EXPECTED_FLAGS: Record<number, number> = {
  [AttrType.ORIGIN]: AttrFlag.TRANSITIVE,
  [AttrType.AS_PATH]: AttrFlag.TRANSITIVE,
  [AttrType.NEXT_HOP]: AttrFlag.TRANSITIVE,
  [AttrType.MULTI_EXIT_DISC]: AttrFlag.OPTIONAL,
  [AttrType.LOCAL_PREF]: AttrFlag.TRANSITIVE,
  [AttrType.ATOMIC_AGGREGATE]: AttrFlag.TRANSITIVE,
  [AttrType.AGGREGATOR]: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE,
  [AttrType.COMMUNITIES]: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE,
  [AttrType.ORIGINATOR_ID]: AttrFlag.OPTIONAL,
  [AttrType.CLUSTER_LIST]: AttrFlag.OPTIONAL,
  [AttrType.MP_REACH_NLRI]: AttrFlag.OPTIONAL,
  [AttrType.MP_UNREACH_NLRI]: AttrFlag.OPTIONAL,
  [AttrType.EXTENDED_COMMUNITIES]: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE,
  [AttrType.AS4_PATH]: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE,
  [AttrType.AS4_AGGREGATOR]: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE,
  [AttrType.LARGE_COMMUNITY]: AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE,
};

/** What a malformed attribute calls for (RFC 7606 §2). */
export type AttrVerdict = null | { action: "discard" | "withdraw" | "reset"; subcode: number; reason: string };

const withdraw = (subcode: number, reason: string): AttrVerdict => ({ action: "withdraw", subcode, reason });
const discard = (reason: string): AttrVerdict => ({ action: "discard", subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, reason });

/** Decodes AS_PATH / AS4_PATH segments from b[s, e) with `w`-octet ASNs; a string is the error. */
export function decodeAsPath(b: Uint8Array, s: number, e: number, w: 2 | 4): AsPathSegment[] | string {
  const out: AsPathSegment[] = [];
  let p = s;
  while (p < e) {
    if (p + 2 > e) return "truncated AS_PATH segment header";
    const t = b[p];
    const n = b[p + 1];
    if (t < 1 || t > 4) return `AS_PATH segment type ${t}`;
    if (n === 0) return "empty AS_PATH segment"; // RFC 7606 §7.2
    p += 2;
    if (p + n * w > e) return "AS_PATH segment overruns the attribute";
    const asns = new Array<number>(n);
    if (w === 4) for (let i = 0; i < n; i++, p += 4) asns[i] = readU32(b, p);
    else for (let i = 0; i < n; i++, p += 2) asns[i] = (b[p] << 8) | b[p + 1];
    out.push({ type: SEGMENT_KINDS[t - 1], asns });
  }
  return out;
}

/** RFC 4271 §9.1.2.2 a): path length; an AS_SET counts 1, confederation segments 0 (RFC 5065 §5.3). */
export function asPathLength(path: readonly AsPathSegment[]): number {
  let n = 0;
  for (const s of path) n += s.type === "sequence" ? s.asns.length : s.type === "set" ? 1 : 0;
  return n;
}

/**
 * RFC 6793 §4.2.3: rebuild the real path from AS_PATH (with AS_TRANS) and AS4_PATH received from
 * a 2-octet-AS speaker: keep the leading AS_PATH ASNs the AS4_PATH lacks, then the AS4_PATH.
 */
export function mergeAs4Path(asPath: AsPathSegment[], as4: AsPathSegment[]): AsPathSegment[] {
  const n = asPathLength(asPath);
  const m = asPathLength(as4);
  if (n < m) return asPath; // RFC 6793 §4.2.3: AS4_PATH is ignored
  let keep = n - m;
  const out: AsPathSegment[] = [];
  for (const seg of asPath) {
    if (keep <= 0 && seg.type !== "confed-sequence" && seg.type !== "confed-set") break;
    if (seg.type === "sequence") {
      if (seg.asns.length <= keep) {
        out.push(seg);
        keep -= seg.asns.length;
      } else {
        out.push({ type: "sequence", asns: seg.asns.slice(0, keep) });
        keep = 0;
      }
    } else if (seg.type === "set") {
      out.push(seg);
      keep -= 1;
    } else out.push(seg);
  }
  // join adjacent sequences
  const merged = [...out];
  for (const seg of as4) {
    const last = merged[merged.length - 1];
    if (last && last.type === "sequence" && seg.type === "sequence" && last.asns.length + seg.asns.length <= 255) {
      merged[merged.length - 1] = { type: "sequence", asns: [...last.asns, ...seg.asns] };
    } else merged.push(seg);
  }
  return merged;
}

export interface AttrContext {
  /** both sides sent the 4-octet AS capability (RFC 6793 §4.1) */
  asn4: boolean;
  /** the session is iBGP (RFC 7606 §7.5: LOCAL_PREF from an eBGP peer is discarded) */
  ibgp: boolean;
}

/** Scratch of an UPDATE being decoded: AS4_* are kept aside until the list is complete. */
export interface AttrScratch {
  as4Path?: AsPathSegment[];
  as4Aggregator?: { asn: number; address: string };
}

/**
 * Decodes one attribute (other than MP_REACH/MP_UNREACH) of length `len` at b[s] into `a`.
 * Returns null when fine, else the RFC 7606 verdict.
 */
export function decodeAttribute(type: number, flags: number, b: Uint8Array, s: number, len: number, ctx: AttrContext, a: PathAttributes, x: AttrScratch): AttrVerdict {
  const e = s + len;
  switch (type) {
    case AttrType.ORIGIN: // RFC 7606 §7.1
      if (len !== 1) return withdraw(UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, `ORIGIN of length ${len}`);
      if (b[s] > 2) return withdraw(UpdateSubcode.INVALID_ORIGIN, `ORIGIN value ${b[s]}`);
      a.origin = ORIGINS[b[s]];
      return null;
    case AttrType.AS_PATH: {
      // RFC 7606 §7.2
      const r = decodeAsPath(b, s, e, ctx.asn4 ? 4 : 2);
      if (typeof r === "string") return withdraw(UpdateSubcode.MALFORMED_AS_PATH, r);
      a.asPath = r;
      return null;
    }
    case AttrType.NEXT_HOP: {
      // RFC 7606 §7.3
      if (len !== 4) return withdraw(UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, `NEXT_HOP of length ${len}`);
      const first = b[s];
      // RFC 4271 §6.3: semantically incorrect next hops (0.0.0.0, multicast, broadcast)
      if ((first === 0 && b[s + 1] === 0 && b[s + 2] === 0 && b[s + 3] === 0) || first >= 224) {
        return withdraw(UpdateSubcode.INVALID_NEXT_HOP, `NEXT_HOP ${ipv4ToString(b, s)}`);
      }
      a.nextHop = ipv4ToString(b, s);
      return null;
    }
    case AttrType.MULTI_EXIT_DISC: // RFC 7606 §7.4
      if (len !== 4) return withdraw(UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, `MULTI_EXIT_DISC of length ${len}`);
      a.med = readU32(b, s);
      return null;
    case AttrType.LOCAL_PREF: // RFC 7606 §7.5
      if (!ctx.ibgp) return discard("LOCAL_PREF from an external peer");
      if (len !== 4) return withdraw(UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, `LOCAL_PREF of length ${len}`);
      a.localPref = readU32(b, s);
      return null;
    case AttrType.ATOMIC_AGGREGATE: // RFC 7606 §7.6
      if (len !== 0) return discard(`ATOMIC_AGGREGATE of length ${len}`);
      a.atomicAggregate = true;
      return null;
    case AttrType.AGGREGATOR: {
      // RFC 7606 §7.7
      const w = ctx.asn4 ? 4 : 2;
      if (len !== w + 4) return discard(`AGGREGATOR of length ${len}`);
      a.aggregator = { asn: w === 4 ? readU32(b, s) : (b[s] << 8) | b[s + 1], address: ipv4ToString(b, s + w) };
      return null;
    }
    case AttrType.COMMUNITIES: {
      // RFC 7606 §7.8
      if (len === 0 || len % 4 !== 0) return withdraw(UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, `COMMUNITIES of length ${len}`);
      const out = new Array<string>(len / 4);
      for (let i = 0, p = s; p < e; i++, p += 4) out[i] = communityToString(readU32(b, p));
      a.communities = out;
      return null;
    }
    case AttrType.ORIGINATOR_ID: // RFC 7606 §7.9
      if (len !== 4) return withdraw(UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, `ORIGINATOR_ID of length ${len}`);
      a.originatorId = ipv4ToString(b, s);
      return null;
    case AttrType.CLUSTER_LIST: {
      // RFC 7606 §7.10
      if (len === 0 || len % 4 !== 0) return withdraw(UpdateSubcode.ATTRIBUTE_LENGTH_ERROR, `CLUSTER_LIST of length ${len}`);
      const out: string[] = [];
      for (let p = s; p < e; p += 4) out.push(ipv4ToString(b, p));
      a.clusterList = out;
      return null;
    }
    case AttrType.EXTENDED_COMMUNITIES: {
      // RFC 7606 §7.14
      if (len === 0 || len % 8 !== 0) return withdraw(UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, `EXTENDED_COMMUNITIES of length ${len}`);
      const out = new Array<string>(len / 8);
      for (let i = 0, p = s; p < e; i++, p += 8) out[i] = extendedCommunityToString(b, p);
      a.extendedCommunities = out;
      return null;
    }
    case AttrType.AS4_PATH: {
      // RFC 6793 §6: malformed AS4_PATH -> attribute discard; RFC 6793 §4.1: ignored from 4-octet speakers
      if (ctx.asn4) return null;
      const r = decodeAsPath(b, s, e, 4);
      if (typeof r === "string") return discard(`AS4_PATH: ${r}`);
      if (r.some((seg) => seg.type === "confed-sequence" || seg.type === "confed-set")) return discard("AS4_PATH with confederation segments");
      x.as4Path = r;
      return null;
    }
    case AttrType.AS4_AGGREGATOR:
      if (ctx.asn4) return null;
      if (len !== 8) return discard(`AS4_AGGREGATOR of length ${len}`);
      x.as4Aggregator = { asn: readU32(b, s), address: ipv4ToString(b, s + 4) };
      return null;
    case AttrType.LARGE_COMMUNITY: {
      // RFC 8092 §6: a length that is not a non-zero multiple of 12 -> treat-as-withdraw
      if (len === 0 || len % 12 !== 0) return withdraw(UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, `LARGE_COMMUNITY of length ${len}`);
      const out: string[] = [];
      for (let p = s; p < e; p += 12) out.push(largeCommunityToString(b, p));
      a.largeCommunities = out;
      return null;
    }
    default:
      // RFC 4271 §5: unrecognized optional non-transitive -> ignore; optional transitive -> keep, set Partial
      if (flags & AttrFlag.TRANSITIVE) (a.unknown ??= []).push({ flags: flags | AttrFlag.PARTIAL, type, value: b.slice(s, e) });
      return null;
  }
}

/** RFC 6793 §4.2.3: apply AS4_PATH / AS4_AGGREGATOR received from a 2-octet-AS speaker. */
export function finishAs4(a: PathAttributes, x: AttrScratch): void {
  if (x.as4Aggregator) {
    // if AGGREGATOR is not AS_TRANS, AS4_AGGREGATOR and AS4_PATH are ignored
    if (a.aggregator && a.aggregator.asn !== AS_TRANS) return;
    if (a.aggregator) a.aggregator = x.as4Aggregator;
  }
  if (x.as4Path && a.asPath) a.asPath = mergeAs4Path(a.asPath, x.as4Path);
}

// ---- encoding ----------------------------------------------------------------------------

function attrHeader(w: ByteWriter, flags: number, type: number, len: number): void {
  if (len > 255) w.u8(flags | AttrFlag.EXTENDED_LENGTH).u8(type).u16(len);
  else w.u8(flags & ~AttrFlag.EXTENDED_LENGTH).u8(type).u8(len);
}

function encodeAsPathValue(path: readonly AsPathSegment[], asLen: 2 | 4): Buffer {
  const w = new ByteWriter(64);
  for (const seg of path) {
    for (let i = 0; i < seg.asns.length || (i === 0 && seg.asns.length === 0); i += 255) {
      const chunk = seg.asns.slice(i, i + 255);
      if (chunk.length === 0) break;
      w.u8(SEGMENT_KINDS.indexOf(seg.type) + 1).u8(chunk.length);
      for (const asn of chunk) {
        if (asLen === 4) w.u32(asn);
        else w.u16(asn > 0xffff ? AS_TRANS : asn);
      }
    }
  }
  return w.finish();
}

export interface EncodeAttrOptions {
  asn4: boolean;
  /** write NEXT_HOP (type 3) from attrs.nextHop: for routes in the IPv4 NLRI field */
  nextHopAttribute: boolean;
}

/**
 * Encodes every attribute except MP_REACH_NLRI / MP_UNREACH_NLRI, in type-code order.
 * Throws a TypeError on text that is not a community/address (encoding is given our own values;
 * the speaker validates caller input before it gets here).
 */
export function encodeAttributes(a: PathAttributes, o: EncodeAttrOptions, w: ByteWriter = new ByteWriter(128)): ByteWriter {
  const T = AttrFlag.TRANSITIVE;
  const OT = AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE;
  const O = AttrFlag.OPTIONAL;
  if (a.origin !== undefined) {
    attrHeader(w, T, AttrType.ORIGIN, 1);
    w.u8(ORIGINS.indexOf(a.origin));
  }
  let as4: Buffer | null = null;
  if (a.asPath !== undefined) {
    const v = encodeAsPathValue(a.asPath, o.asn4 ? 4 : 2);
    attrHeader(w, T, AttrType.AS_PATH, v.length);
    w.bytes(v);
    // RFC 6793 §4.2.2: to a 2-octet speaker, send AS4_PATH when the path holds a 4-octet ASN
    if (!o.asn4 && a.asPath.some((s) => s.asns.some((x) => x > 0xffff))) {
      as4 = encodeAsPathValue(
        a.asPath.filter((s) => s.type === "sequence" || s.type === "set"),
        4,
      );
    }
  }
  if (o.nextHopAttribute && a.nextHop !== undefined) {
    const ip = parseIpv4(a.nextHop);
    if (ip < 0) throw new TypeError(`NEXT_HOP "${a.nextHop}" is not an IPv4 address`);
    attrHeader(w, T, AttrType.NEXT_HOP, 4);
    w.u32(ip);
  }
  if (a.med !== undefined) {
    attrHeader(w, O, AttrType.MULTI_EXIT_DISC, 4);
    w.u32(a.med);
  }
  if (a.localPref !== undefined) {
    attrHeader(w, T, AttrType.LOCAL_PREF, 4);
    w.u32(a.localPref);
  }
  if (a.atomicAggregate) attrHeader(w, T, AttrType.ATOMIC_AGGREGATE, 0);
  let as4Aggregator = false;
  if (a.aggregator) {
    const ip = parseIpv4(a.aggregator.address);
    if (ip < 0) throw new TypeError(`AGGREGATOR address "${a.aggregator.address}"`);
    attrHeader(w, OT, AttrType.AGGREGATOR, o.asn4 ? 8 : 6);
    if (o.asn4) w.u32(a.aggregator.asn);
    else {
      w.u16(a.aggregator.asn > 0xffff ? AS_TRANS : a.aggregator.asn);
      as4Aggregator = a.aggregator.asn > 0xffff;
    }
    w.u32(ip);
  }
  if (a.communities && a.communities.length > 0) {
    attrHeader(w, OT, AttrType.COMMUNITIES, 4 * a.communities.length);
    for (const c of a.communities) {
      const v = parseCommunity(c);
      if (v < 0) throw new TypeError(`community "${c}"`);
      w.u32(v);
    }
  }
  if (a.originatorId !== undefined) {
    attrHeader(w, O, AttrType.ORIGINATOR_ID, 4);
    w.u32(parseIpv4(a.originatorId));
  }
  if (a.clusterList && a.clusterList.length > 0) {
    attrHeader(w, O, AttrType.CLUSTER_LIST, 4 * a.clusterList.length);
    for (const c of a.clusterList) w.u32(parseIpv4(c));
  }
  if (a.extendedCommunities && a.extendedCommunities.length > 0) {
    attrHeader(w, OT, AttrType.EXTENDED_COMMUNITIES, 8 * a.extendedCommunities.length);
    for (const c of a.extendedCommunities) {
      const at = w.reserve(8);
      if (!writeExtendedCommunity(c, w.buf, at)) throw new TypeError(`extended community "${c}"`);
    }
  }
  if (as4) {
    attrHeader(w, OT, AttrType.AS4_PATH, as4.length);
    w.bytes(as4);
  }
  if (as4Aggregator && a.aggregator) {
    attrHeader(w, OT, AttrType.AS4_AGGREGATOR, 8);
    w.u32(a.aggregator.asn).u32(parseIpv4(a.aggregator.address));
  }
  if (a.largeCommunities && a.largeCommunities.length > 0) {
    attrHeader(w, OT, AttrType.LARGE_COMMUNITY, 12 * a.largeCommunities.length);
    for (const c of a.largeCommunities) {
      const v = parseLargeCommunity(c);
      if (!v) throw new TypeError(`large community "${c}"`);
      w.u32(v[0]).u32(v[1]).u32(v[2]);
    }
  }
  for (const u of a.unknown ?? []) {
    attrHeader(w, u.flags, u.type, u.value.length);
    w.bytes(u.value);
  }
  return w;
}

export { attrHeader };
