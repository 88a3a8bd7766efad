// Route target syntax (RFC 4360 §4, RFC 5668): `target:<asn>:<n>` or `target:<ipv4>:<n>`.
// A 2-octet ASN carries a 4-octet number; a 4-octet ASN or an IPv4 address carries a 2-octet one.
import { parseAddress } from "./net";

export const AUTO_RT_BASE = 8_000_000; // Contrail allocates target:<ASN>:<n> from here up

export type RouteTarget =
  | { kind: "as2"; asn: number; value: number }
  | { kind: "as4"; asn: number; value: number }
  | { kind: "ipv4"; ip: string; value: number };

export function parseRouteTarget(text: string): { ok: true; rt: RouteTarget } | { ok: false; error: string } {
  const bad = (why: string) => ({ ok: false as const, error: `"${text}" ${why}` });
  if (typeof text !== "string") return bad("is not a string");
  const m = /^target:(.+):(\d+)$/.exec(text);
  if (!m) return bad("is not a route target: expected target:<asn>:<number> or target:<ipv4>:<number>");
  const [, admin, num] = m;
  const value = Number(num);
  if (/^\d+$/.test(admin)) {
    const asn = Number(admin);
    if (asn < 1 || asn > 4294967295) return bad(`has ASN ${admin} out of range: must be 1–4294967295`);
    if (asn <= 65535) {
      if (value > 4294967295) return bad(`has number ${num} out of range: with a 2-octet ASN it must be 0–4294967295`);
      return { ok: true, rt: { kind: "as2", asn, value } };
    }
    if (value > 65535) return bad(`has number ${num} out of range: with a 4-octet ASN (> 65535) it must be 0–65535`);
    return { ok: true, rt: { kind: "as4", asn, value } };
  }
  const ip = parseAddress(admin);
  if (!ip || ip.family !== 4) return bad(`has "${admin}" as administrator: must be an ASN (1–4294967295) or an IPv4 address`);
  if (value > 65535) return bad(`has number ${num} out of range: with an IPv4 administrator it must be 0–65535`);
  return { ok: true, rt: { kind: "ipv4", ip: admin, value } };
}

/**
 * Contrail refuses user route targets inside the range the system allocates from
 * (`target:<cluster ASN>:<n>` with n ≥ 8000000), so a user RT never collides with a VN's own.
 */
export function checkUserRouteTarget(text: string, clusterAsn: number): string | null {
  const r = parseRouteTarget(text);
  if (!r.ok) return r.error;
  if (r.rt.kind !== "ipv4" && r.rt.asn === clusterAsn && r.rt.value >= AUTO_RT_BASE) {
    return `"${text}" is in the range Weft allocates automatically (target:${clusterAsn}:${AUTO_RT_BASE} and up): use a number below ${AUTO_RT_BASE}`;
  }
  return null;
}
