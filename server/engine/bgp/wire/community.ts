// Standard communities (RFC 1997) and large communities (RFC 8092) as text.

/** RFC 1997 §4, RFC 3765, RFC 8326, RFC 7999: well-known communities by name. */
const WELL_KNOWN: Record<number, string> = {
  0xffff0000: "graceful-shutdown",
  0xffff029a: "blackhole",
  0xffffff01: "no-export",
  0xffffff02: "no-advertise",
  0xffffff03: "no-export-subconfed",
  0xffffff04: "no-peer",
};
const BY_NAME: Record<string, number> = Object.fromEntries(Object.entries(WELL_KNOWN).map(([v, n]) => [n, Number(v)]));

export function communityToString(v: number): string {
  return WELL_KNOWN[v] ?? `${v >>> 16}:${v & 0xffff}`;
}

/** "65000:100" or a well-known name -> 32-bit value, or -1. */
export function parseCommunity(s: string): number {
  const named = BY_NAME[s];
  if (named !== undefined) return named;
  const m = /^(\d{1,5}):(\d{1,5})$/.exec(s);
  if (!m) return -1;
  const hi = Number(m[1]);
  const lo = Number(m[2]);
  if (hi > 0xffff || lo > 0xffff) return -1;
  return hi * 0x10000 + lo;
}

export function readU32(b: Uint8Array, off: number): number {
  return ((b[off] << 24) >>> 0) + ((b[off + 1] << 16) | (b[off + 2] << 8) | b[off + 3]);
}

/** RFC 8092 §3: global administrator : local data 1 : local data 2, each 4 octets. */
export function largeCommunityToString(b: Uint8Array, off: number): string {
  return `${readU32(b, off)}:${readU32(b, off + 4)}:${readU32(b, off + 8)}`;
}

export function parseLargeCommunity(s: string): [number, number, number] | null {
  const m = /^(\d{1,10}):(\d{1,10}):(\d{1,10})$/.exec(s);
  if (!m) return null;
  const v: [number, number, number] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return v.every((x) => x <= 0xffffffff) ? v : null;
}
