// Extended communities, RFC 4360 §3: 1-octet type (high), 1-octet sub-type, 6-octet value.
// Text forms:
//   target:<asn>:<n> / target:<ip>:<n>       route target (sub-type 0x02), RFC 4360 §4
//   origin:<asn>:<n> / origin:<ip>:<n>       route origin (sub-type 0x03), RFC 4360 §5
//   (type 0x00 = 2-octet AS, 0x01 = IPv4, 0x02 = 4-octet AS per RFC 5668; a 4-octet-AS value
//    whose ASN fits in 2 octets is written "<asn>L", like Junos)
//   encapsulation:<tunnel>                   RFC 9012 §4.1 (RFC 5512 §4.5): opaque type 0x03 sub-type 0x0c
//   raw:<16 hex digits>                      anything else, kept verbatim
import { ipv4ToString, parseIpv4, writeIpv4 } from "./address";
import { readU32 } from "./community";

/**
 * RFC 9012 §14.4 / IANA "BGP Tunnel Encapsulation Attribute Tunnel Types". Contrail's names
 * are the aliases: "gre" (MPLSoGRE, type 2), "udp" (MPLSoUDP, type 13), "vxlan" (8).
 */
export const TunnelType = {
  L2TPV3: 1,
  GRE: 2, // Contrail "gre" = MPLS over GRE
  IP_IN_IP: 7,
  VXLAN: 8,
  NVGRE: 9,
  MPLS: 10,
  MPLS_IN_GRE: 11,
  VXLAN_GPE: 12,
  MPLS_IN_UDP: 13, // Contrail "udp" = MPLS over UDP (RFC 7510)
  IPV6_TUNNEL: 14,
  SR_POLICY: 15,
  GENEVE: 19,
} as const;

const TUNNEL_NAMES: Record<number, string> = {
  1: "l2tpv3",
  2: "gre",
  7: "ip-in-ip",
  8: "vxlan",
  9: "nvgre",
  10: "mpls",
  11: "mpls-in-gre",
  12: "vxlan-gpe",
  13: "udp",
  14: "ipv6-tunnel",
  15: "sr-policy",
  19: "geneve",
};
const TUNNEL_BY_NAME: Record<string, number> = {
  ...Object.fromEntries(Object.entries(TUNNEL_NAMES).map(([v, n]) => [n, Number(v)])),
  mplsogre: 2,
  "mpls-in-udp": 13,
  mplsoudp: 13,
};

export function tunnelTypeName(t: number): string {
  return TUNNEL_NAMES[t] ?? String(t);
}

function hex(b: Uint8Array, off: number, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += (b[off + i] < 16 ? "0" : "") + b[off + i].toString(16);
  return s;
}

/** Text form of the 8 octets at b[off]. Never fails. */
export function extendedCommunityToString(b: Uint8Array, off: number): string {
  const type = b[off];
  const sub = b[off + 1];
  if ((sub === 0x02 || sub === 0x03) && (type === 0x00 || type === 0x01 || type === 0x02)) {
    const kind = sub === 0x02 ? "target" : "origin";
    if (type === 0x00) return `${kind}:${(b[off + 2] << 8) | b[off + 3]}:${readU32(b, off + 4)}`;
    if (type === 0x01) return `${kind}:${ipv4ToString(b, off + 2)}:${(b[off + 6] << 8) | b[off + 7]}`;
    const asn = readU32(b, off + 2);
    return `${kind}:${asn}${asn <= 0xffff ? "L" : ""}:${(b[off + 6] << 8) | b[off + 7]}`;
  }
  // RFC 9012 §4.1: value = 4 reserved octets + 2-octet tunnel type
  if (type === 0x03 && sub === 0x0c && b[off + 2] === 0 && b[off + 3] === 0 && b[off + 4] === 0 && b[off + 5] === 0) {
    return `encapsulation:${tunnelTypeName((b[off + 6] << 8) | b[off + 7])}`;
  }
  return `raw:${hex(b, off, 8)}`;
}

/** Writes the community named by `text` at out[off]; false if the text is not one. */
export function writeExtendedCommunity(text: string, out: Uint8Array, off: number): boolean {
  const c1 = text.indexOf(":");
  if (c1 < 0) return false;
  const kind = text.slice(0, c1);
  const rest = text.slice(c1 + 1);
  if (kind === "raw") {
    if (!/^[0-9a-fA-F]{16}$/.test(rest)) return false;
    for (let i = 0; i < 8; i++) out[off + i] = parseInt(rest.slice(2 * i, 2 * i + 2), 16);
    return true;
  }
  if (kind === "encapsulation") {
    const t = TUNNEL_BY_NAME[rest.toLowerCase()] ?? (/^\d{1,5}$/.test(rest) ? Number(rest) : -1);
    if (t < 0 || t > 0xffff) return false;
    out.fill(0, off, off + 8);
    out[off] = 0x03;
    out[off + 1] = 0x0c;
    out[off + 6] = t >> 8;
    out[off + 7] = t & 255;
    return true;
  }
  if (kind !== "target" && kind !== "origin") return false;
  const sub = kind === "target" ? 0x02 : 0x03;
  const c2 = rest.lastIndexOf(":");
  if (c2 <= 0) return false;
  const admin = rest.slice(0, c2);
  const nText = rest.slice(c2 + 1);
  if (!/^\d{1,10}$/.test(nText)) return false;
  const n = Number(nText);
  const ip = parseIpv4(admin);
  out[off + 1] = sub;
  if (ip >= 0) {
    if (n > 0xffff) return false;
    out[off] = 0x01;
    writeIpv4(out, off + 2, ip);
    out[off + 6] = n >> 8;
    out[off + 7] = n & 255;
    return true;
  }
  const forced4 = admin.endsWith("L");
  const asnText = forced4 ? admin.slice(0, -1) : admin;
  if (!/^\d{1,10}$/.test(asnText)) return false;
  const asn = Number(asnText);
  if (asn > 0xffffffff) return false;
  if (!forced4 && asn <= 0xffff && n <= 0xffffffff) {
    out[off] = 0x00;
    out[off + 2] = asn >> 8;
    out[off + 3] = asn & 255;
    writeIpv4(out, off + 4, n);
    return true;
  }
  if (n > 0xffff) return false;
  out[off] = 0x02; // RFC 5668 §2: 4-octet AS specific
  writeIpv4(out, off + 2, asn);
  out[off + 6] = n >> 8;
  out[off + 7] = n & 255;
  return true;
}

/** Canonical text, or null ("target:64512:08000001" -> "target:64512:8000001"). */
export function normalizeExtendedCommunity(text: string): string | null {
  const b = new Uint8Array(8);
  return writeExtendedCommunity(text, b, 0) ? extendedCommunityToString(b, 0) : null;
}

/** True for route-target communities (any of the three administrator types). */
export function isRouteTarget(text: string): boolean {
  return text.startsWith("target:");
}
