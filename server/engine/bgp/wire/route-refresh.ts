// ROUTE-REFRESH message, RFC 2918 §3 (subtypes BoRR/EoRR: RFC 7313 §3.2).
import { type DecodeResult, ok, reset } from "./result";
import { ErrorCode } from "./notification-codes";

export interface RouteRefreshMessage {
  afi: number;
  safi: number;
  /** RFC 7313 §3.2: 0 normal request, 1 BoRR, 2 EoRR */
  subtype: number;
}

export function decodeRouteRefresh(b: Uint8Array, s: number, e: number): DecodeResult<RouteRefreshMessage> {
  // RFC 7313 §5: a ROUTE-REFRESH whose length is not 23 -> ROUTE-REFRESH Message Error / Invalid Message Length
  if (e - s !== 4) return reset(ErrorCode.ROUTE_REFRESH, 1, `ROUTE-REFRESH of length ${19 + e - s}`, b.slice(s - 19, e));
  return ok({ afi: (b[s] << 8) | b[s + 1], subtype: b[s + 2], safi: b[s + 3] });
}

export function encodeRouteRefresh(m: { afi: number; safi: number; subtype?: number }): Buffer {
  const out = Buffer.alloc(23, 0xff);
  out.writeUInt16BE(23, 16);
  out[18] = 5;
  out.writeUInt16BE(m.afi, 19);
  out[21] = m.subtype ?? 0;
  out[22] = m.safi;
  return out;
}
