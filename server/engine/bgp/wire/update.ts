// UPDATE message, RFC 4271 §4.3, with MP_REACH_NLRI / MP_UNREACH_NLRI (RFC 4760) and the
// revised error handling of RFC 7606. Decoding reads the received buffer in place: the only
// allocations are the route objects themselves, their key strings and one attribute object
// per UPDATE that every route of the UPDATE shares.
import { AttrFlag, AttrType, type Family, afiSafiName, afiSafiOf, familyOf, HEADER_LENGTH, MAX_MESSAGE_LENGTH } from "./constants";
import { ipv4ToString, ipv6ToString, parseIpv4, parseIpv6 } from "./address";
import {
  type AttrContext,
  type AttrScratch,
  type PathAttributes,
  attrHeader,
  decodeAttribute,
  EXPECTED_FLAGS,
  encodeAttributes,
  finishAs4,
} from "./attributes";
import { type EncodableNlri, type Nlri, decodeNlri, nlriSize, parseNlri, writeNlri } from "./nlri";
import { type DecodeResult, EMPTY, type Rfc7606Action, type WithdrawnByFamily, reset } from "./result";
import { ErrorCode, UpdateSubcode } from "./notification-codes";
import { ByteWriter } from "./byte-writer";

/** A received route: its destination plus the attributes of the UPDATE that carried it. */
export interface Path extends Nlri {
  readonly attrs: PathAttributes;
}

export interface UpdateMessage {
  /** reachable routes per family (IPv4 NLRI field and/or MP_REACH_NLRI) */
  reach: { family: Family; paths: Path[] }[];
  /** unreachable routes per family (Withdrawn Routes field and/or MP_UNREACH_NLRI) */
  unreach: { family: Family; nlri: Nlri[] }[];
  /** the attributes, next hop of the IPv4 NLRI field included; null if the UPDATE has none */
  attrs: PathAttributes | null;
  /** RFC 4724 §2: this UPDATE is the End-of-RIB marker of the family */
  endOfRib: Family | null;
  /** RFC 7606 "attribute discard" actions taken and MP attributes of unknown families skipped */
  notes: string[];
}

export interface UpdateContext extends AttrContext {
  /**
   * Per-session cache of decoded attributes keyed by their octets (MP_REACH_NLRI counted
   * without its NLRI): a peer that sends one route per UPDATE with equal attributes (gobgpd
   * does) then costs one attribute object for all of them, and the attributes are decoded once.
   */
  attrCache?: Map<string, PathAttributes>;
  /**
   * Families for which we advertised the Extended Next Hop capability (RFC 8950 §3): only for
   * these is an IPv6 next hop for IPv4 NLRI acceptable. Default: none.
   */
  extendedNextHop?: readonly Family[];
}

/** Entries kept in an attribute cache before it is emptied (bounds memory on churn). */
export const ATTR_CACHE_LIMIT = 20_000;

/** The cache key of an UPDATE's attributes, or null when the list is not plain enough to cache. */
function attrCacheKey(b: Uint8Array, aStart: number, aEnd: number): string | null {
  if (!Buffer.isBuffer(b)) return null;
  let key = "";
  let p = aStart;
  while (p < aEnd) {
    if (p + 3 > aEnd) return null;
    const flags = b[p];
    const type = b[p + 1];
    const ext = (flags & AttrFlag.EXTENDED_LENGTH) !== 0;
    if (ext && p + 4 > aEnd) return null;
    const hdr = ext ? 4 : 3;
    const len = ext ? (b[p + 2] << 8) | b[p + 3] : b[p + 2];
    const end = p + hdr + len;
    if (end > aEnd) return null;
    if (type === AttrType.MP_UNREACH_NLRI) return null;
    if (type === AttrType.MP_REACH_NLRI) {
      const vs = p + hdr;
      if (len < 5) return null;
      const nlriStart = vs + 4 + b[vs + 3] + 1;
      if (nlriStart > end) return null;
      key += `\u0100${b.toString("latin1", vs, nlriStart)}`;
    } else key += b.toString("latin1", p, end);
    p = end;
  }
  return key;
}

type MutablePath = { key: string; prefix: string; rd: string | undefined; labels: number[] | undefined; attrs: PathAttributes };

const REACH_TAW = (reason: string, code: number, subcode: number, withdrawn: WithdrawnByFamily[]): { ok: false; error: Rfc7606Action } => ({
  ok: false,
  error: { action: "treat-as-withdraw", reason, code, subcode, withdrawn },
});

function nextHopOf(family: Family, b: Uint8Array, s: number, len: number): string | null {
  // RFC 4364 §4.3.2: VPN-IPv4 next hop = 8-octet RD (zero) + IPv4; RFC 8950 §3: IPv6 forms
  if (family === "ipv4-unicast") {
    if (len === 4) return ipv4ToString(b, s);
    if (len === 16 || len === 32) return ipv6ToString(b, s);
    return null;
  }
  if (len === 12) return ipv4ToString(b, s + 8);
  if (len === 24 || len === 48) return ipv6ToString(b, s + 8);
  return null;
}

/**
 * Decodes the UPDATE body b[s, e). Returns the routes, or the RFC 7606 action to take:
 * session-reset (with the NOTIFICATION to send) or treat-as-withdraw (with every key to withdraw).
 */
export function decodeUpdate(b: Uint8Array, s: number, e: number, ctx: UpdateContext): DecodeResult<UpdateMessage, Rfc7606Action> {
  if (e - s < 4) return reset(ErrorCode.MESSAGE_HEADER, 2, "UPDATE shorter than 23 octets", Uint8Array.of(0, HEADER_LENGTH + e - s));
  const wlen = (b[s] << 8) | b[s + 1];
  const wEnd = s + 2 + wlen;
  // RFC 7606 §4 / RFC 4271 §6.3: inconsistent Withdrawn Routes Length or Total Path Attribute Length
  if (wEnd + 2 > e) return reset(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, "Withdrawn Routes Length overruns the message");
  const alen = (b[wEnd] << 8) | b[wEnd + 1];
  const aStart = wEnd + 2;
  const aEnd = aStart + alen;
  if (aEnd > e) return reset(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, "Total Path Attribute Length overruns the message");

  const notes: string[] = [];
  const withdrawnV4: MutablePath[] = [];
  // RFC 7606 §5.3: a syntactically incorrect NLRI / withdrawn field cannot be located -> session reset
  let err = decodeNlri("ipv4-unicast", b, s + 2, wEnd, true, withdrawnV4);
  if (err) return reset(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.INVALID_NETWORK_FIELD, `Withdrawn Routes: ${err}`);
  const nlriV4: MutablePath[] = [];
  err = decodeNlri("ipv4-unicast", b, aEnd, e, false, nlriV4);
  if (err) return reset(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.INVALID_NETWORK_FIELD, `NLRI: ${err}`);

  // RFC 4724 §2: End-of-RIB for IPv4 unicast is an UPDATE with nothing in it
  if (wlen === 0 && alen === 0 && aEnd === e) {
    return { ok: true, value: { reach: [], unreach: [], attrs: null, endOfRib: "ipv4-unicast", notes } };
  }

  const cache = ctx.attrCache;
  const attrKey = cache && alen > 0 ? attrCacheKey(b, aStart, aEnd) : null;
  const cacheKey = attrKey === null ? null : (nlriV4.length > 0 ? "v" : "m") + attrKey;
  const hit = cacheKey !== null ? cache!.get(cacheKey) : undefined;
  const attrs: PathAttributes = {};
  const scratch: AttrScratch = {};
  let seenLo = 0; // types 0..31
  let seenHi: Set<number> | null = null;
  let taw: { reason: string; subcode: number } | null = null;
  let mpReach: { family: Family; nextHop: string; paths: MutablePath[] } | null = null;
  let mpUnreach: { family: Family; nlri: MutablePath[] } | null = null;
  let sawMpReach = false;
  let sawMpUnreach = false;
  let attrCount = 0;
  let structural: string | null = null;

  let p = aStart;
  while (p < aEnd) {
    if (p + 3 > aEnd) {
      structural = "truncated attribute header";
      break;
    }
    const flags = b[p];
    const type = b[p + 1];
    let len: number;
    let hdr: number;
    if (flags & AttrFlag.EXTENDED_LENGTH) {
      if (p + 4 > aEnd) {
        structural = "truncated attribute header";
        break;
      }
      len = (b[p + 2] << 8) | b[p + 3];
      hdr = 4;
    } else {
      len = b[p + 2];
      hdr = 3;
    }
    const vs = p + hdr;
    if (vs + len > aEnd) {
      structural = `attribute ${type} overruns the attribute list`;
      break;
    }
    p = vs + len;
    attrCount++;
    // cached: the same octets decoded fine before; only the MP attributes (the NLRI) are read
    if (hit && type !== AttrType.MP_REACH_NLRI && type !== AttrType.MP_UNREACH_NLRI) continue;

    // RFC 7606 §3 g: repeated MP_REACH/MP_UNREACH -> session reset; other repeats: keep the first
    const bit = type < 32 ? 1 << type : 0;
    const seen = bit ? (seenLo & bit) !== 0 : (seenHi?.has(type) ?? false);
    if (seen) {
      if (type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI) {
        return reset(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.MALFORMED_ATTRIBUTE_LIST, `repeated attribute ${type}`);
      }
      notes.push(`repeated attribute ${type} discarded`);
      continue;
    }
    if (bit) seenLo |= bit;
    else (seenHi ??= new Set()).add(type);

    const expected = EXPECTED_FLAGS[type];
    if (expected === undefined && !(flags & AttrFlag.OPTIONAL)) {
      // RFC 4271 §6.3: an unrecognized well-known attribute
      return reset(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.UNRECOGNIZED_WELL_KNOWN_ATTRIBUTE, `unrecognized well-known attribute ${type}`, b.slice(vs - hdr, vs + len));
    }
    if (expected !== undefined && (flags & (AttrFlag.OPTIONAL | AttrFlag.TRANSITIVE)) !== expected) {
      // RFC 7606 §3 c: flags in conflict -> malformed: treat-as-withdraw unless the attribute says otherwise
      const reason = `attribute ${type} with flags 0x${flags.toString(16)}`;
      if (type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI) {
        return reset(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.ATTRIBUTE_FLAGS_ERROR, reason, b.slice(vs - hdr, vs + len));
      }
      if (type === AttrType.ATOMIC_AGGREGATE || type === AttrType.AGGREGATOR || type === AttrType.AS4_PATH || type === AttrType.AS4_AGGREGATOR) {
        notes.push(`${reason} discarded`);
        continue;
      }
      taw ??= { reason, subcode: UpdateSubcode.ATTRIBUTE_FLAGS_ERROR };
      continue;
    }

    if (type === AttrType.MP_REACH_NLRI || type === AttrType.MP_UNREACH_NLRI) {
      const reach = type === AttrType.MP_REACH_NLRI;
      if (reach) sawMpReach = true;
      else sawMpUnreach = true;
      // RFC 4760 §3/§4 layout; RFC 7606 §7.11: malformed -> session reset (we do not do AFI/SAFI disable)
      if (len < 3 || (reach && len < 5)) return reset(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, `MP_${reach ? "" : "UN"}REACH_NLRI of length ${len}`);
      const afi = (b[vs] << 8) | b[vs + 1];
      const safi = b[vs + 2];
      const family = familyOf(afi, safi);
      if (!family) {
        notes.push(`MP_${reach ? "" : "UN"}REACH_NLRI of ${afiSafiName(afi, safi)} ignored`);
        continue;
      }
      if (reach) {
        const nhLen = b[vs + 3];
        const nlriStart = vs + 4 + nhLen + 1; // + reserved octet (RFC 4760 §3)
        if (nlriStart > p) return reset(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, "MP_REACH_NLRI next hop overruns the attribute");
        const nextHop = nextHopOf(family, b, vs + 4, nhLen);
        if (nextHop === null) return reset(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, `MP_REACH_NLRI next hop of length ${nhLen} for ${family}`);
        if (nhLen !== 4 && nhLen !== 12 && !ctx.extendedNextHop?.includes(family)) {
          // RFC 8950 §4: an IPv6 next hop for IPv4 NLRI may only be sent to a speaker that
          // advertised the Extended Next Hop capability; we did not. The length is one RFC 8950
          // defines, so the NLRI that follows is located reliably and RFC 7606 §2 / §5 let us
          // treat-as-withdraw instead of resetting the session (the routes are unusable here:
          // nothing behind us can reach an IPv6 next hop).
          taw ??= { reason: `IPv6 next hop ${nextHop} for ${family} without the Extended Next Hop capability (RFC 8950)`, subcode: UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR };
        }
        const paths: MutablePath[] = [];
        const e2 = decodeNlri(family, b, nlriStart, p, false, paths);
        if (e2) return reset(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, `MP_REACH_NLRI: ${e2}`);
        mpReach = { family, nextHop, paths };
      } else {
        const nlri: MutablePath[] = [];
        const e2 = decodeNlri(family, b, vs + 3, p, true, nlri);
        if (e2) return reset(ErrorCode.UPDATE_MESSAGE, UpdateSubcode.OPTIONAL_ATTRIBUTE_ERROR, `MP_UNREACH_NLRI: ${e2}`);
        mpUnreach = { family, nlri };
      }
      continue;
    }

    const v = decodeAttribute(type, flags, b, vs, len, ctx, attrs, scratch);
    if (v) {
      if (v.action === "discard") notes.push(`${v.reason}: discarded`);
      else if (v.action === "withdraw") taw ??= { reason: v.reason, subcode: v.subcode };
      else return reset(ErrorCode.UPDATE_MESSAGE, v.subcode, v.reason);
    }
  }

  if (structural) {
    // RFC 7606 §4: an attribute overrunning the Total Attribute Length (or a header cut short)
    // -> treat-as-withdraw, relying on the Total Attribute Length to find the NLRI field; the
    // MP attributes come first (RFC 7606 §5.1) so what they carry has been located already.
    taw ??= { reason: structural, subcode: UpdateSubcode.MALFORMED_ATTRIBUTE_LIST };
  }

  // RFC 4724 §2: End-of-RIB for other families is an UPDATE with only an empty MP_UNREACH_NLRI
  if (attrCount === 1 && mpUnreach && mpUnreach.nlri.length === 0 && wlen === 0 && nlriV4.length === 0) {
    return { ok: true, value: { reach: [], unreach: [], attrs: null, endOfRib: mpUnreach.family, notes } };
  }

  if (hit && !taw) {
    // rare: IPv4 NLRI field and MP_REACH_NLRI routes in one UPDATE need two attribute objects
    if (nlriV4.length > 0 && mpReach && mpReach.paths.length > 0) return decodeUpdate(b, s, e, { ...ctx, attrCache: undefined });
    const list = nlriV4.length > 0 || !mpReach ? nlriV4 : mpReach.paths;
    for (let i = 0; i < list.length; i++) list[i].attrs = hit;
    const reach: UpdateMessage["reach"] = list.length > 0 ? [{ family: list === nlriV4 ? "ipv4-unicast" : mpReach!.family, paths: list }] : [];
    const unreach: UpdateMessage["unreach"] = withdrawnV4.length > 0 ? [{ family: "ipv4-unicast", nlri: withdrawnV4 }] : [];
    return { ok: true, value: { reach, unreach, attrs: hit, endOfRib: null, notes } };
  }

  const hasReach = nlriV4.length > 0 || (mpReach !== null && mpReach.paths.length > 0);
  if (!taw && hasReach) {
    // RFC 7606 §3 d: missing well-known mandatory attributes -> treat-as-withdraw
    // (NEXT_HOP only when the IPv4 NLRI field is used, RFC 4760 §3)
    if (attrs.origin === undefined) taw = { reason: "missing ORIGIN", subcode: UpdateSubcode.MISSING_WELL_KNOWN_ATTRIBUTE };
    else if (attrs.asPath === undefined) taw = { reason: "missing AS_PATH", subcode: UpdateSubcode.MISSING_WELL_KNOWN_ATTRIBUTE };
    else if (nlriV4.length > 0 && attrs.nextHop === undefined) taw = { reason: "missing NEXT_HOP", subcode: UpdateSubcode.MISSING_WELL_KNOWN_ATTRIBUTE };
  }

  if (taw) {
    const byFamily = new Map<Family, string[]>();
    const add = (f: Family, list: MutablePath[]) => {
      if (list.length === 0) return;
      let keys = byFamily.get(f);
      if (!keys) byFamily.set(f, (keys = []));
      for (const n of list) keys.push(n.key);
    };
    add("ipv4-unicast", withdrawnV4);
    add("ipv4-unicast", nlriV4);
    if (mpReach) add(mpReach.family, mpReach.paths);
    if (mpUnreach) add(mpUnreach.family, mpUnreach.nlri);
    return REACH_TAW(taw.reason, ErrorCode.UPDATE_MESSAGE, taw.subcode, [...byFamily].map(([family, keys]) => ({ family, keys })));
  }

  if (!ctx.asn4 && (scratch.as4Path || scratch.as4Aggregator)) finishAs4(attrs, scratch);

  const reach: UpdateMessage["reach"] = [];
  const unreach: UpdateMessage["unreach"] = [];
  if (withdrawnV4.length > 0) unreach.push({ family: "ipv4-unicast", nlri: withdrawnV4 });
  if (mpUnreach && mpUnreach.nlri.length > 0) {
    if (mpUnreach.family === "ipv4-unicast" && unreach.length > 0) unreach[0].nlri.push(...mpUnreach.nlri);
    else unreach.push(mpUnreach);
  }
  if (nlriV4.length > 0) {
    for (let i = 0; i < nlriV4.length; i++) nlriV4[i].attrs = attrs;
    reach.push({ family: "ipv4-unicast", paths: nlriV4 });
  }
  if (mpReach && mpReach.paths.length > 0) {
    // the MP next hop replaces NEXT_HOP for the MP family (RFC 4760 §3)
    const mpAttrs: PathAttributes = nlriV4.length > 0 || attrs.nextHop !== undefined ? { ...attrs, nextHop: mpReach.nextHop } : attrs;
    if (mpAttrs === attrs) attrs.nextHop = mpReach.nextHop;
    const list = mpReach.paths;
    for (let i = 0; i < list.length; i++) list[i].attrs = mpAttrs;
    if (mpReach.family === "ipv4-unicast" && reach.length > 0) reach[0].paths.push(...list);
    else reach.push({ family: mpReach.family, paths: list });
  }
  const hasAttrs = alen > 0 && (attrCount > (sawMpUnreach ? 1 : 0) || sawMpReach);
  // cache the attributes when one object serves every route of the UPDATE
  if (cacheKey !== null && notes.length === 0 && !(nlriV4.length > 0 && mpReach) && reach.length === 1) {
    if (cache!.size >= ATTR_CACHE_LIMIT) cache!.clear();
    cache!.set(cacheKey, reach[0].paths[0].attrs);
  }
  return { ok: true, value: { reach, unreach, attrs: hasAttrs ? attrs : null, endOfRib: null, notes } };
}

// ---- encoding ----------------------------------------------------------------------------

/** Route given in text form, as the speaker's API and the tests write it. */
export interface RouteSpec {
  prefix: string;
  rd?: string;
  labels?: readonly number[];
}

function writeHeader(w: ByteWriter, type: number): void {
  for (let i = 0; i < 16; i++) w.u8(0xff);
  w.u16(0).u8(type);
}

function writeMpNextHop(w: ByteWriter, family: Family, nextHop: string): void {
  const v4 = parseIpv4(nextHop);
  const vpn = family !== "ipv4-unicast";
  if (v4 >= 0) {
    w.u8(vpn ? 12 : 4);
    if (vpn) w.u32(0).u32(0); // RFC 4364 §4.3.2: RD of the next hop is 0
    w.u32(v4);
    return;
  }
  const v6 = parseIpv6(nextHop);
  if (!v6) throw new TypeError(`next hop "${nextHop}" is not an address`);
  // RFC 8950 §3 / RFC 4659 §3.2.1.1
  w.u8(vpn ? 24 : 16);
  if (vpn) w.u32(0).u32(0);
  w.bytes(v6);
}

function mustParse(family: Family, r: RouteSpec): EncodableNlri {
  const n = parseNlri(family, r.prefix, r.rd, r.labels);
  if (typeof n === "string") throw new TypeError(n);
  return n;
}

/** End-of-RIB marker of a family, RFC 4724 §2. */
export function encodeEndOfRib(family: Family): Buffer {
  if (family === "ipv4-unicast") {
    const out = Buffer.alloc(23, 0xff);
    out.writeUInt16BE(23, 16);
    out[18] = 2;
    out.writeUInt32BE(0, 19);
    return out;
  }
  const { afi, safi } = afiSafiOf(family);
  const w = new ByteWriter(32);
  writeHeader(w, 2);
  w.u16(0).u16(6);
  attrHeader(w, AttrFlag.OPTIONAL, AttrType.MP_UNREACH_NLRI, 3);
  w.u16(afi).u8(safi);
  w.patchU16(16, w.pos);
  return w.finish();
}

/**
 * Packs reachable routes sharing attributes into as few UPDATEs (≤ 4096 octets) as possible:
 * the attributes are encoded once and each UPDATE repeats them with a slice of the NLRI.
 * IPv4 unicast with an IPv4 next hop uses the NLRI field + NEXT_HOP; the rest MP_REACH_NLRI.
 */
export function packReach(family: Family, attrs: PathAttributes, nlri: readonly EncodableNlri[], asn4: boolean, out: Buffer[] = []): Buffer[] {
  const nextHop = attrs.nextHop;
  if (nextHop === undefined) throw new TypeError("route without next hop");
  const plain = family === "ipv4-unicast" && parseIpv4(nextHop) >= 0;
  const attrBytes = encodeAttributes(attrs, { asn4, nextHopAttribute: plain }).finish();
  let mpHead: Buffer | null = null;
  if (!plain) {
    const { afi, safi } = afiSafiOf(family);
    const w = new ByteWriter(64);
    w.u16(afi).u8(safi);
    writeMpNextHop(w, family, nextHop);
    w.u8(0); // reserved (RFC 4760 §3)
    mpHead = w.finish();
  }
  // fixed part: header 19 + 2 + 2 + attrs + MP attr header (4, extended length) + MP head
  const fixed = HEADER_LENGTH + 4 + attrBytes.length + (mpHead ? 4 + mpHead.length : 0);
  let i = 0;
  while (i < nlri.length) {
    let room = MAX_MESSAGE_LENGTH - fixed;
    let j = i;
    let size = 0;
    while (j < nlri.length) {
      const s = nlriSize(family, nlri[j], false);
      if (size + s > room) break;
      size += s;
      j++;
    }
    if (j === i) throw new RangeError("attributes too large for one UPDATE");
    const msg = Buffer.allocUnsafe(fixed + size);
    msg.fill(0xff, 0, 16);
    msg.writeUInt16BE(msg.length, 16);
    msg[18] = 2;
    msg.writeUInt16BE(0, 19);
    let p = 23;
    if (mpHead) {
      msg.writeUInt16BE(attrBytes.length + 4 + mpHead.length + size, 21);
      // RFC 7606 §5.1: MP_REACH_NLRI first
      msg[p] = AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH;
      msg[p + 1] = AttrType.MP_REACH_NLRI;
      msg.writeUInt16BE(mpHead.length + size, p + 2);
      p += 4;
      msg.set(mpHead, p);
      p += mpHead.length;
      for (let k = i; k < j; k++) p = writeNlri(family, msg, p, nlri[k], false);
      msg.set(attrBytes, p);
      p += attrBytes.length;
    } else {
      msg.writeUInt16BE(attrBytes.length, 21);
      msg.set(attrBytes, p);
      p += attrBytes.length;
      for (let k = i; k < j; k++) p = writeNlri(family, msg, p, nlri[k], false);
    }
    out.push(msg);
    i = j;
    room = 0;
  }
  return out;
}

/** Packs withdrawals into as few UPDATEs as possible (Withdrawn Routes field or MP_UNREACH_NLRI). */
export function packWithdraw(family: Family, nlri: readonly EncodableNlri[], out: Buffer[] = []): Buffer[] {
  const plain = family === "ipv4-unicast";
  const fixed = HEADER_LENGTH + 4 + (plain ? 0 : 4 + 3);
  let i = 0;
  while (i < nlri.length) {
    let j = i;
    let size = 0;
    while (j < nlri.length) {
      const s = nlriSize(family, nlri[j], true);
      if (fixed + size + s > MAX_MESSAGE_LENGTH) break;
      size += s;
      j++;
    }
    const msg = Buffer.allocUnsafe(fixed + size);
    msg.fill(0xff, 0, 16);
    msg.writeUInt16BE(msg.length, 16);
    msg[18] = 2;
    let p: number;
    if (plain) {
      msg.writeUInt16BE(size, 19);
      p = 21;
      for (let k = i; k < j; k++) p = writeNlri(family, msg, p, nlri[k], true);
      msg.writeUInt16BE(0, p);
    } else {
      const { afi, safi } = afiSafiOf(family);
      msg.writeUInt16BE(0, 19);
      msg.writeUInt16BE(4 + 3 + size, 21);
      msg[23] = AttrFlag.OPTIONAL | AttrFlag.EXTENDED_LENGTH;
      msg[24] = AttrType.MP_UNREACH_NLRI;
      msg.writeUInt16BE(3 + size, 25);
      msg.writeUInt16BE(afi, 27);
      msg[29] = safi;
      p = 30;
      for (let k = i; k < j; k++) p = writeNlri(family, msg, p, nlri[k], true);
    }
    out.push(msg);
    i = j;
  }
  return out;
}

/** Input of encodeUpdate: the same shape decodeUpdate returns, with routes in text form. */
export interface UpdateSpec {
  reach?: { family: Family; attrs: PathAttributes; routes: RouteSpec[] }[];
  unreach?: { family: Family; routes: RouteSpec[] }[];
}

/**
 * Encodes one UPDATE holding everything in `u` (throws RangeError if it does not fit in 4096
 * octets; use packReach/packWithdraw to split). Attribute order: MP_REACH_NLRI, MP_UNREACH_NLRI
 * first (RFC 7606 §5.1), then by type code.
 */
export function encodeUpdate(u: UpdateSpec, ctx: { asn4: boolean }): Buffer {
  const w = new ByteWriter(512);
  writeHeader(w, 2);
  const plainWithdrawn = (u.unreach ?? []).filter((x) => x.family === "ipv4-unicast").flatMap((x) => x.routes);
  const wAt = w.reserve(2);
  for (const r of plainWithdrawn) {
    const n = mustParse("ipv4-unicast", r);
    const at = w.reserve(nlriSize("ipv4-unicast", n, true));
    writeNlri("ipv4-unicast", w.buf, at, n, true);
  }
  w.patchU16(wAt, w.pos - wAt - 2);
  const aAt = w.reserve(2);
  let plainReach: { attrs: PathAttributes; routes: RouteSpec[] } | null = null;
  for (const r of u.reach ?? []) {
    const nh = r.attrs.nextHop ?? "";
    if (r.family === "ipv4-unicast" && parseIpv4(nh) >= 0) {
      plainReach = r;
      continue;
    }
    const { afi, safi } = afiSafiOf(r.family);
    const body = new ByteWriter(256);
    body.u16(afi).u8(safi);
    writeMpNextHop(body, r.family, nh);
    body.u8(0);
    for (const route of r.routes) {
      const n = mustParse(r.family, route);
      const at = body.reserve(nlriSize(r.family, n, false));
      writeNlri(r.family, body.buf, at, n, false);
    }
    attrHeader(w, AttrFlag.OPTIONAL, AttrType.MP_REACH_NLRI, body.pos);
    w.bytes(body.buf.subarray(0, body.pos));
  }
  for (const x of (u.unreach ?? []).filter((x) => x.family !== "ipv4-unicast")) {
    const { afi, safi } = afiSafiOf(x.family);
    const body = new ByteWriter(256);
    body.u16(afi).u8(safi);
    for (const route of x.routes) {
      const n = mustParse(x.family, route);
      const at = body.reserve(nlriSize(x.family, n, true));
      writeNlri(x.family, body.buf, at, n, true);
    }
    attrHeader(w, AttrFlag.OPTIONAL, AttrType.MP_UNREACH_NLRI, body.pos);
    w.bytes(body.buf.subarray(0, body.pos));
  }
  const attrsOf = plainReach?.attrs ?? u.reach?.[0]?.attrs;
  if (attrsOf) encodeAttributes(attrsOf, { asn4: ctx.asn4, nextHopAttribute: plainReach !== null }, w);
  w.patchU16(aAt, w.pos - aAt - 2);
  for (const r of plainReach?.routes ?? []) {
    const n = mustParse("ipv4-unicast", r);
    const at = w.reserve(nlriSize("ipv4-unicast", n, false));
    writeNlri("ipv4-unicast", w.buf, at, n, false);
  }
  if (w.pos > MAX_MESSAGE_LENGTH) throw new RangeError(`UPDATE of ${w.pos} octets`);
  w.patchU16(16, w.pos);
  return w.finish();
}

export { EMPTY };
