// Address math the agent needs on its fast path. The agent imports only protocol/ (it ships to
// other machines), so it carries its own small IPv4/IPv6 helpers instead of model/net.ts.
// IPv4 addresses are unsigned 32-bit numbers (cheap Map keys); IPv6 addresses are bigints.

export type Family = 4 | 6;

/** "10.0.0.1" → 167772161, or null when it is not a dotted quad. */
export function parseIPv4(s: string): number | null {
  let n = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || octet > 255) return null;
      n = n * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      octet = octet * 10 + (c - 48);
      if (++digits > 3) return null;
    } else return null;
  }
  if (dots !== 3 || digits === 0 || octet > 255) return null;
  return n * 256 + octet;
}

export function formatIPv4(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

/** Full or "::"-compressed IPv6 (an embedded dotted quad at the end is accepted) → bigint. */
export function parseIPv6(s: string): bigint | null {
  if (!s.includes(":")) return null;
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const groups = (part: string): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    const items = part.split(":");
    for (let i = 0; i < items.length; i++) {
      const it = items[i];
      if (i === items.length - 1 && it.includes(".")) {
        const v4 = parseIPv4(it);
        if (v4 === null) return null;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return null;
        out.push(parseInt(it, 16));
      }
    }
    return out;
  };
  const head = groups(halves[0]);
  const tail = halves.length === 2 ? groups(halves[1]) : [];
  if (!head || !tail) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  let v = 0n;
  for (const g of all) v = (v << 16n) | BigInt(g);
  return v;
}

export interface Cidr4 {
  family: 4;
  net: number; // already masked
  mask: number;
  len: number;
}
export interface Cidr6 {
  family: 6;
  net: bigint;
  len: number;
}
export type Cidr = Cidr4 | Cidr6;

export function mask4(len: number): number {
  return len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
}
export function mask6(len: number): bigint {
  return len === 0 ? 0n : ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - len)) - 1n);
}

/** "10.0.0.0/24", "10.0.0.5" (host) or IPv6 equivalents → a masked CIDR, null when malformed. */
export function parseCidr(s: string): Cidr | null {
  const slash = s.indexOf("/");
  const addr = slash < 0 ? s : s.slice(0, slash);
  const lenText = slash < 0 ? null : s.slice(slash + 1);
  if (lenText !== null && !/^\d{1,3}$/.test(lenText)) return null;
  const v4 = parseIPv4(addr);
  if (v4 !== null) {
    const len = lenText === null ? 32 : Number(lenText);
    if (len > 32) return null;
    const mask = mask4(len);
    return { family: 4, net: (v4 & mask) >>> 0, mask, len };
  }
  const v6 = parseIPv6(addr);
  if (v6 !== null) {
    const len = lenText === null ? 128 : Number(lenText);
    if (len > 128) return null;
    return { family: 6, net: v6 & mask6(len), len };
  }
  return null;
}

export function isLoopback(address: string): boolean {
  const v4 = parseIPv4(address);
  if (v4 !== null) return v4 >>> 24 === 127;
  return parseIPv6(address) === 1n;
}

/** Host prefix of an address: "10.0.0.5" → "10.0.0.5/32", "fd00::5" → "fd00::5/128". */
export function hostPrefix(address: string): string {
  return address.includes(":") ? `${address}/128` : `${address}/32`;
}
