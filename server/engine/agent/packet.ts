// The packet the pipeline moves: a 5-tuple, nothing more (the sim data plane carries no payload).

export interface Tuple {
  protocol: number; // IANA number: 1 icmp, 6 tcp, 17 udp
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
}

export const PROTOCOLS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, icmp6: 58 };

/** "tcp" | "udp" | "icmp" | "6" → protocol number; null for anything else ("any" is not a packet protocol). */
export function protocolNumber(p: string | number): number | null {
  if (typeof p === "number") return Number.isInteger(p) && p >= 0 && p <= 255 ? p : null;
  const s = p.trim().toLowerCase();
  if (s in PROTOCOLS) return PROTOCOLS[s];
  if (/^\d{1,3}$/.test(s) && Number(s) <= 255) return Number(s);
  return null;
}

export function protocolName(n: number): string {
  for (const [k, v] of Object.entries(PROTOCOLS)) if (v === n) return k;
  return String(n);
}

export function reverseTuple(t: Tuple): Tuple {
  return { protocol: t.protocol, src: t.dst, dst: t.src, srcPort: t.dstPort, dstPort: t.srcPort };
}

export function tupleText(t: Tuple): string {
  return t.protocol === 1 || t.protocol === 58
    ? `${protocolName(t.protocol)} ${t.src} → ${t.dst}`
    : `${protocolName(t.protocol)} ${t.src}:${t.srcPort} → ${t.dst}:${t.dstPort}`;
}
