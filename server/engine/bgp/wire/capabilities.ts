// Capabilities advertisement, RFC 5492 §4: code (1), length (1), value.
import { CapabilityCode } from "./constants";
import { type DecodeResult, ok } from "./result";
import { ByteWriter } from "./byte-writer";
import { ErrorCode } from "./notification-codes";

export type Capability =
  /** RFC 4760 §8 */
  | { kind: "multiprotocol"; afi: number; safi: number }
  /** RFC 2918 §2 (code 2) and the pre-standard code 128 */
  | { kind: "route-refresh"; code?: 2 | 128 }
  /** RFC 7313 §3 */
  | { kind: "enhanced-route-refresh" }
  /** RFC 6793 §3 */
  | { kind: "four-octet-as"; asn: number }
  /** RFC 4724 §3 (N bit: RFC 8538 §2) */
  | {
      kind: "graceful-restart";
      restarting: boolean;
      notification: boolean;
      restartTime: number;
      families: { afi: number; safi: number; forwardingState: boolean }[];
    }
  /** RFC 8950 §3: accepted and reported, never advertised by us */
  | { kind: "extended-next-hop"; entries: { afi: number; safi: number; nextHopAfi: number }[] }
  /** RFC 7911 §4 */
  | { kind: "add-path"; entries: { afi: number; safi: number; sendReceive: number }[] }
  /** draft-walton-bgp-hostname-capability (gobgpd and FRR send it) */
  | { kind: "fqdn"; hostname: string; domain: string }
  /** anything else: kept verbatim, ignored (RFC 5492 §5: unknown capabilities are ignored) */
  | { kind: "unknown"; code: number; value: Uint8Array };

function latin(b: Uint8Array, s: number, e: number): string {
  return Buffer.from(b.buffer, b.byteOffset + s, e - s).toString("utf8");
}

/**
 * Decodes one capability value. Malformed values of capabilities we rely on (multiprotocol,
 * 4-octet AS) reset the session with OPEN Message Error (RFC 5492 §5 leaves the subcode open,
 * we use 0 "unspecific"); malformed values of others are kept as unknown and ignored.
 */
export function decodeCapability(code: number, b: Uint8Array, s: number, len: number): DecodeResult<Capability> {
  const e = s + len;
  const u16 = (o: number) => (b[o] << 8) | b[o + 1];
  const unknown = (): DecodeResult<Capability> => ok({ kind: "unknown", code, value: b.slice(s, e) });
  switch (code) {
    case CapabilityCode.MULTIPROTOCOL:
      if (len !== 4) return { ok: false, error: { action: "session-reset", code: ErrorCode.OPEN_MESSAGE, subcode: 0, data: b.slice(s, e), reason: `multiprotocol capability of length ${len}` } };
      return ok({ kind: "multiprotocol", afi: u16(s), safi: b[s + 3] });
    case CapabilityCode.ROUTE_REFRESH:
    case CapabilityCode.ROUTE_REFRESH_CISCO:
      return ok({ kind: "route-refresh", code: code as 2 | 128 });
    case CapabilityCode.ENHANCED_ROUTE_REFRESH:
      return ok({ kind: "enhanced-route-refresh" });
    case CapabilityCode.FOUR_OCTET_AS:
      if (len !== 4) return { ok: false, error: { action: "session-reset", code: ErrorCode.OPEN_MESSAGE, subcode: 0, data: b.slice(s, e), reason: `4-octet AS capability of length ${len}` } };
      return ok({ kind: "four-octet-as", asn: ((b[s] << 24) >>> 0) + ((b[s + 1] << 16) | (b[s + 2] << 8) | b[s + 3]) });
    case CapabilityCode.GRACEFUL_RESTART: {
      if (len < 2 || (len - 2) % 4 !== 0) return unknown();
      const w = u16(s);
      const families: { afi: number; safi: number; forwardingState: boolean }[] = [];
      for (let o = s + 2; o < e; o += 4) families.push({ afi: u16(o), safi: b[o + 2], forwardingState: (b[o + 3] & 0x80) !== 0 });
      return ok({ kind: "graceful-restart", restarting: (w & 0x8000) !== 0, notification: (w & 0x4000) !== 0, restartTime: w & 0x0fff, families });
    }
    case CapabilityCode.EXTENDED_NEXT_HOP: {
      if (len % 6 !== 0) return unknown();
      const entries: { afi: number; safi: number; nextHopAfi: number }[] = [];
      for (let o = s; o < e; o += 6) entries.push({ afi: u16(o), safi: u16(o + 2), nextHopAfi: u16(o + 4) });
      return ok({ kind: "extended-next-hop", entries });
    }
    case CapabilityCode.ADD_PATH: {
      if (len % 4 !== 0) return unknown();
      const entries: { afi: number; safi: number; sendReceive: number }[] = [];
      for (let o = s; o < e; o += 4) entries.push({ afi: u16(o), safi: b[o + 2], sendReceive: b[o + 3] });
      return ok({ kind: "add-path", entries });
    }
    case CapabilityCode.FQDN: {
      if (len < 1) return unknown();
      const hl = b[s];
      if (s + 1 + hl + 1 > e) return unknown();
      const dl = b[s + 1 + hl];
      if (s + 2 + hl + dl > e) return unknown();
      return ok({ kind: "fqdn", hostname: latin(b, s + 1, s + 1 + hl), domain: latin(b, s + 2 + hl, s + 2 + hl + dl) });
    }
    default:
      return unknown();
  }
}

export function encodeCapability(c: Capability, w: ByteWriter): void {
  const start = (code: number) => {
    w.u8(code);
    return w.reserve(1);
  };
  let at: number;
  switch (c.kind) {
    case "multiprotocol":
      at = start(CapabilityCode.MULTIPROTOCOL);
      w.u16(c.afi).u8(0).u8(c.safi);
      break;
    case "route-refresh":
      at = start(c.code ?? CapabilityCode.ROUTE_REFRESH);
      break;
    case "enhanced-route-refresh":
      at = start(CapabilityCode.ENHANCED_ROUTE_REFRESH);
      break;
    case "four-octet-as":
      at = start(CapabilityCode.FOUR_OCTET_AS);
      w.u32(c.asn);
      break;
    case "graceful-restart":
      at = start(CapabilityCode.GRACEFUL_RESTART);
      w.u16((c.restarting ? 0x8000 : 0) | (c.notification ? 0x4000 : 0) | (c.restartTime & 0x0fff));
      for (const f of c.families) w.u16(f.afi).u8(f.safi).u8(f.forwardingState ? 0x80 : 0);
      break;
    case "extended-next-hop":
      at = start(CapabilityCode.EXTENDED_NEXT_HOP);
      for (const e of c.entries) w.u16(e.afi).u16(e.safi).u16(e.nextHopAfi);
      break;
    case "add-path":
      at = start(CapabilityCode.ADD_PATH);
      for (const e of c.entries) w.u16(e.afi).u8(e.safi).u8(e.sendReceive);
      break;
    case "fqdn": {
      at = start(CapabilityCode.FQDN);
      const h = Buffer.from(c.hostname, "utf8");
      const d = Buffer.from(c.domain, "utf8");
      w.u8(h.length).bytes(h).u8(d.length).bytes(d);
      break;
    }
    case "unknown":
      at = start(c.code);
      w.bytes(c.value);
      break;
  }
  w.buf[at] = w.pos - at - 1;
}
