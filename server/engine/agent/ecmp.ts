// ECMP: a stable hash of the 5-tuple picks one next hop of a set, so every packet of a flow
// takes the same path (no reordering) while different flows spread over the set. Stable means
// the same across processes and restarts: no random seed, only the tuple's bytes.
import type { Tuple } from "./packet.ts";

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

function fnvString(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, FNV_PRIME);
  }
  return h;
}

function fnvU16(h: number, v: number): number {
  h ^= v & 0xff;
  h = Math.imul(h, FNV_PRIME);
  h ^= (v >>> 8) & 0xff;
  return Math.imul(h, FNV_PRIME);
}

/** FNV-1a over the tuple, then murmur3's fmix32 so nearby ports still land far apart. */
export function flowHash(t: Tuple): number {
  let h = FNV_OFFSET;
  h = fnvString(h, t.src);
  h = fnvString(h ^ 0x2f, t.dst);
  h = fnvU16(h, t.protocol);
  h = fnvU16(h, t.srcPort);
  h = fnvU16(h, t.dstPort);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Index of the next hop a flow takes among `n` (0 when there is one or none). */
export function ecmpIndex(t: Tuple, n: number): number {
  return n <= 1 ? 0 : flowHash(t) % n;
}

export function pickNextHop<T>(t: Tuple, nextHops: readonly T[]): T | undefined {
  return nextHops[ecmpIndex(t, nextHops.length)];
}
