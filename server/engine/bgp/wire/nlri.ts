// NLRI encodings: IPv4 prefixes (RFC 4271 §4.3) and labeled VPN-IPv4 prefixes
// (RFC 4364 §4.3.4 + RFC 8277 §2: label stack, then 8-octet RD, then the prefix).
import type { Family } from "./constants";
import { WITHDRAW_LABEL } from "./constants";
import { parseIpv4Prefix, writeIpv4 } from "./address";
import { RD_LENGTH, rdToString, writeRd } from "./route-distinguisher";

/**
 * One destination. `key` identifies it within its family (the prefix for ipv4-unicast,
 * "<rd>:<prefix>" for l3vpn-ipv4-unicast) and is what withdraw() and the RIB maps use.
 */
export interface Nlri {
  readonly key: string;
  readonly prefix: string;
  /** l3vpn only: RFC 4364 route distinguisher, text form */
  readonly rd?: string;
  /** l3vpn only: MPLS label values (20 bits each), top of stack first */
  readonly labels?: readonly number[];
}

/**
 * The object the decoder creates per route: one shape for every family (so property access
 * stays monomorphic); `attrs` is filled in once the UPDATE's attribute list is complete and the
 * same object then serves as the received path in the Adj-RIB-In and in events.
 */
export interface DecodedNlri {
  key: string;
  prefix: string;
  rd: string | undefined;
  labels: number[] | undefined;
  attrs: unknown;
}

export function nlriKey(family: Family, prefix: string, rd?: string): string {
  return family === "ipv4-unicast" ? prefix : `${rd}:${prefix}`;
}

/** Max labels in one stack we accept (RFC 8277 §2.1 allows more with the Multiple Labels capability). */
const MAX_LABELS = 8;

function prefixText(b: Uint8Array, off: number, len: number): string {
  // only the significant octets are on the wire (RFC 4271 §4.3)
  const n = (len + 7) >> 3;
  const a0 = n > 0 ? b[off] : 0;
  const a1 = n > 1 ? b[off + 1] : 0;
  const a2 = n > 2 ? b[off + 2] : 0;
  const a3 = n > 3 ? b[off + 3] : 0;
  return `${a0}.${a1}.${a2}.${a3}/${len}`;
}

/**
 * Decodes the NLRI list b[start, end) of a family into `out`. Returns null on success or the
 * reason the list is malformed (RFC 7606 §5.3: the caller must reset the session then).
 * `withdraw`: labels in MP_UNREACH_NLRI may be the 0x800000 compatibility value (RFC 8277 §2.4),
 * which has no bottom-of-stack bit.
 */
export function decodeNlri(family: Family, b: Uint8Array, start: number, end: number, withdraw: boolean, out: DecodedNlri[]): string | null {
  let i = start;
  if (family === "ipv4-unicast") {
    while (i < end) {
      const len = b[i];
      if (len > 32) return `prefix length ${len} > 32`;
      const n = (len + 7) >> 3;
      if (i + 1 + n > end) return "prefix overruns the NLRI field";
      const prefix = prefixText(b, i + 1, len);
      out.push({ key: prefix, prefix, rd: undefined, labels: undefined, attrs: null });
      i += 1 + n;
    }
    return null;
  }
  while (i < end) {
    let bits = b[i];
    const n = (bits + 7) >> 3;
    if (i + 1 + n > end) return "labeled VPN prefix overruns the NLRI field";
    let p = i + 1;
    const labels: number[] = [];
    for (;;) {
      if (bits < 24) return "label stack without bottom of stack";
      const v = (b[p] << 16) | (b[p + 1] << 8) | b[p + 2];
      p += 3;
      bits -= 24;
      if (withdraw && (v === WITHDRAW_LABEL || v === 0)) {
        labels.push(v >>> 4);
        break;
      }
      labels.push(v >>> 4);
      if (v & 1) break; // RFC 3032 §2.1: S bit
      if (labels.length >= MAX_LABELS) return "label stack too deep";
    }
    if (bits < RD_LENGTH * 8) return "labeled VPN prefix shorter than its route distinguisher";
    bits -= RD_LENGTH * 8;
    if (bits > 32) return `VPN prefix length ${bits} > 32`;
    const rd = rdToString(b, p);
    p += RD_LENGTH;
    const prefix = prefixText(b, p, bits);
    out.push({ key: `${rd}:${prefix}`, prefix, rd, labels, attrs: null });
    i += 1 + n;
  }
  return null;
}

/** Writes an IPv4 prefix; returns the offset after it. */
export function writeIpv4Prefix(out: Uint8Array, off: number, addr: number, len: number): number {
  out[off] = len;
  const n = (len + 7) >> 3;
  if (n > 0) out[off + 1] = addr >>> 24;
  if (n > 1) out[off + 2] = (addr >>> 16) & 255;
  if (n > 2) out[off + 3] = (addr >>> 8) & 255;
  if (n > 3) out[off + 4] = addr & 255;
  return off + 1 + n;
}

export function ipv4PrefixSize(len: number): number {
  return 1 + ((len + 7) >> 3);
}

/** A destination parsed once from its text form, ready to be written many times. */
export interface EncodableNlri {
  addr: number;
  len: number;
  rd?: Uint8Array;
  labels?: readonly number[];
}

/** Parses the text form of a route's destination; a string is the reason it is invalid. */
export function parseNlri(family: Family, prefix: string, rd?: string, labels?: readonly number[]): EncodableNlri | string {
  const p = parseIpv4Prefix(prefix);
  if (!p) return `invalid IPv4 prefix "${prefix}"`;
  if (family === "ipv4-unicast") return p;
  if (rd === undefined) return "l3vpn route without rd";
  const rdb = new Uint8Array(RD_LENGTH);
  if (!writeRd(rd, rdb, 0)) return `invalid route distinguisher "${rd}"`;
  const ls = labels && labels.length > 0 ? labels : [0];
  if (ls.length > MAX_LABELS) return "label stack too deep";
  for (const l of ls) if (!Number.isInteger(l) || l < 0 || l > 0xfffff) return `invalid MPLS label ${l}`;
  return { addr: p.addr, len: p.len, rd: rdb, labels: ls };
}

export function nlriSize(family: Family, n: EncodableNlri, withdraw: boolean): number {
  if (family === "ipv4-unicast") return ipv4PrefixSize(n.len);
  const labels = withdraw ? 1 : (n.labels?.length ?? 1);
  return 1 + 3 * labels + RD_LENGTH + ((n.len + 7) >> 3);
}

/**
 * Writes one NLRI; returns the offset after it. In a withdraw the label field is the
 * compatibility value 0x800000 (RFC 8277 §2.4).
 */
export function writeNlri(family: Family, out: Uint8Array, off: number, n: EncodableNlri, withdraw: boolean): number {
  if (family === "ipv4-unicast") return writeIpv4Prefix(out, off, n.addr, n.len);
  const labels = withdraw ? null : (n.labels ?? [0]);
  const nLabels = labels ? labels.length : 1;
  out[off] = 24 * nLabels + 64 + n.len;
  let p = off + 1;
  if (!labels) {
    out[p] = 0x80;
    out[p + 1] = 0;
    out[p + 2] = 0;
    p += 3;
  } else {
    for (let i = 0; i < labels.length; i++) {
      const v = ((labels[i] << 4) | (i === labels.length - 1 ? 1 : 0)) >>> 0; // S bit on the last
      out[p] = (v >>> 16) & 255;
      out[p + 1] = (v >>> 8) & 255;
      out[p + 2] = v & 255;
      p += 3;
    }
  }
  out.set(n.rd!, p);
  p += RD_LENGTH;
  const bytes = (n.len + 7) >> 3;
  const tmp = [n.addr >>> 24, (n.addr >>> 16) & 255, (n.addr >>> 8) & 255, n.addr & 255];
  for (let i = 0; i < bytes; i++) out[p + i] = tmp[i];
  return p + bytes;
}

export { writeIpv4 };
