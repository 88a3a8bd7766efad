// Address arithmetic for IPv4 and IPv6 on bigint, so one code path serves both families.
import ipaddr from "ipaddr.js";

export type Family = 4 | 6;

export interface Cidr {
  family: Family;
  /** network address as an integer */
  network: bigint;
  prefixLen: number;
  /** canonical text of the network address */
  prefix: string;
}

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

export function bitsOf(family: Family): number {
  return BITS[family];
}

/** Parses an address; returns null when it is not a valid IPv4/IPv6 address. IPv4 must be dotted quad. */
export function parseAddress(text: string): { family: Family; value: bigint } | null {
  if (typeof text !== "string" || text.length === 0 || text.length > 45) return null;
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) {
    const bytes = ipaddr.IPv4.parse(text).toByteArray();
    return { family: 4, value: BigInt(((bytes[0] << 24) >>> 0) + (bytes[1] << 16) + (bytes[2] << 8) + bytes[3]) };
  }
  if (ipaddr.IPv6.isValid(text) && text.includes(":")) {
    const parts = ipaddr.IPv6.parse(text).parts;
    let v = 0n;
    for (const p of parts) v = (v << 16n) | BigInt(p);
    return { family: 6, value: v };
  }
  return null;
}

export function formatAddress(family: Family, value: bigint): string {
  if (family === 4) {
    const n = Number(value);
    return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
  }
  const parts: number[] = [];
  let v = value;
  for (let i = 0; i < 8; i++) {
    parts.unshift(Number(v & 0xffffn));
    v >>= 16n;
  }
  return ipaddr.fromByteArray(parts.flatMap((p) => [p >> 8, p & 255])).toString();
}

export function hostMask(family: Family, prefixLen: number): bigint {
  return (1n << BigInt(BITS[family] - prefixLen)) - 1n;
}

/** Result of parsing `prefix` + `len`: a Cidr, or a human sentence saying what is wrong. */
export function parseCidrParts(prefix: string, len: number): { ok: true; cidr: Cidr } | { ok: false; error: string } {
  const a = parseAddress(prefix);
  if (!a) return { ok: false, error: `"${prefix}" is not a valid IPv4 or IPv6 address` };
  const max = BITS[a.family];
  if (!Number.isInteger(len) || len < 0 || len > max) {
    return { ok: false, error: `prefix length ${len} is out of range: must be 0–${max} for IPv${a.family}` };
  }
  const host = a.value & hostMask(a.family, len);
  if (host !== 0n) {
    const net = a.value & ~hostMask(a.family, len);
    return {
      ok: false,
      error: `${prefix}/${len} has host bits set: did you mean ${formatAddress(a.family, net)}/${len}?`,
    };
  }
  return { ok: true, cidr: { family: a.family, network: a.value, prefixLen: len, prefix: formatAddress(a.family, a.value) } };
}

/** Parses "10.0.0.0/24". */
export function parseCidr(text: string): { ok: true; cidr: Cidr } | { ok: false; error: string } {
  const m = /^([^/\s]+)\/(\d{1,3})$/.exec(text ?? "");
  if (!m) return { ok: false, error: `"${text}" is not a CIDR: expected <address>/<length>, e.g. 10.0.0.0/24` };
  return parseCidrParts(m[1], Number(m[2]));
}

export function lastAddress(c: Cidr): bigint {
  return c.network | hostMask(c.family, c.prefixLen);
}

export function contains(c: Cidr, family: Family, value: bigint): boolean {
  return family === c.family && value >= c.network && value <= lastAddress(c);
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  if (a.family !== b.family) return false;
  return a.network <= lastAddress(b) && b.network <= lastAddress(a);
}

export function cidrText(c: Cidr): string {
  return `${c.prefix}/${c.prefixLen}`;
}

function cidrOf(family: Family, network: bigint, prefixLen: number): Cidr {
  return { family, network, prefixLen, prefix: formatAddress(family, network) };
}

/** `base` minus the `except` blocks, as the fewest CIDRs (a NetworkPolicy ipBlock with except). */
export function subtractCidrs(base: Cidr, except: Cidr[]): Cidr[] {
  const hits = except.filter((e) => overlaps(base, e));
  if (!hits.length) return [base];
  if (hits.some((e) => e.prefixLen <= base.prefixLen)) return []; // an except covering the whole block
  const bits = bitsOf(base.family);
  const half = 1n << BigInt(bits - base.prefixLen - 1);
  const lo = cidrOf(base.family, base.network, base.prefixLen + 1);
  const hi = cidrOf(base.family, base.network + half, base.prefixLen + 1);
  return [...subtractCidrs(lo, hits), ...subtractCidrs(hi, hits)];
}

/** The `index`-th block of length `prefixLen` inside `base` (carving per-namespace subnets), or null past the end. */
export function nthSubnet(base: Cidr, prefixLen: number, index: number): Cidr | null {
  if (prefixLen < base.prefixLen) return null;
  const count = 1n << BigInt(prefixLen - base.prefixLen);
  if (BigInt(index) >= count) return null;
  const size = 1n << BigInt(bitsOf(base.family) - prefixLen);
  return cidrOf(base.family, base.network + size * BigInt(index), prefixLen);
}
