// OPEN message, RFC 4271 §4.2, with optional parameters (RFC 5492) incl. RFC 9072 extended length.
import { AS_TRANS, OPT_PARAM_CAPABILITIES, OPT_PARAM_EXTENDED_LENGTH } from "./constants";
import { type Capability, decodeCapability, encodeCapability } from "./capabilities";
import { ipv4ToString, parseIpv4 } from "./address";
import { type DecodeResult, ok, reset } from "./result";
import { ErrorCode, OpenSubcode } from "./notification-codes";
import { ByteWriter } from "./byte-writer";

export interface OpenMessage {
  version: number;
  /** the 2-octet "My Autonomous System" field (AS_TRANS when the real ASN needs 4 octets) */
  myAsn: number;
  holdTime: number;
  routerId: string;
  capabilities: Capability[];
}

/** The speaker's ASN: the 4-octet AS capability if present (RFC 6793 §3), else the 2-octet field. */
export function openAsn(o: OpenMessage): number {
  for (const c of o.capabilities) if (c.kind === "four-octet-as") return c.asn;
  return o.myAsn;
}

/** Decodes the OPEN body b[s, e) (after the 19-octet header). RFC 4271 §6.2 checks. */
export function decodeOpen(b: Uint8Array, s: number, e: number): DecodeResult<OpenMessage> {
  if (e - s < 10) return reset(ErrorCode.MESSAGE_HEADER, 2, "OPEN shorter than 29 octets", u16bytes(19 + e - s));
  const version = b[s];
  if (version !== 4) return reset(ErrorCode.OPEN_MESSAGE, OpenSubcode.UNSUPPORTED_VERSION, `BGP version ${version}`, u16bytes(4));
  const myAsn = (b[s + 1] << 8) | b[s + 2];
  const holdTime = (b[s + 3] << 8) | b[s + 4];
  // RFC 4271 §6.2: hold time 1 or 2 is unacceptable
  if (holdTime === 1 || holdTime === 2) return reset(ErrorCode.OPEN_MESSAGE, OpenSubcode.UNACCEPTABLE_HOLD_TIME, `hold time ${holdTime}`);
  const routerId = ipv4ToString(b, s + 5);
  // RFC 6286 §2.2: any non-zero 4-octet value
  if (b[s + 5] === 0 && b[s + 6] === 0 && b[s + 7] === 0 && b[s + 8] === 0) return reset(ErrorCode.OPEN_MESSAGE, OpenSubcode.BAD_BGP_IDENTIFIER, "BGP identifier 0.0.0.0");
  let optLen = b[s + 9];
  let p = s + 10;
  let extended = false;
  // RFC 9072 §2: Non-Ext OP Len 255 + Non-Ext OP Type 255 -> 2-octet lengths follow
  if (optLen === 255 && p < e && b[p] === OPT_PARAM_EXTENDED_LENGTH) {
    if (p + 3 > e) return reset(ErrorCode.OPEN_MESSAGE, 0, "truncated extended optional parameters length");
    optLen = (b[p + 1] << 8) | b[p + 2];
    p += 3;
    extended = true;
  }
  if (p + optLen !== e) return reset(ErrorCode.OPEN_MESSAGE, 0, "optional parameters length does not match the message length");
  const capabilities: Capability[] = [];
  while (p < e) {
    const hdr = extended ? 3 : 2;
    if (p + hdr > e) return reset(ErrorCode.OPEN_MESSAGE, 0, "truncated optional parameter");
    const type = b[p];
    const len = extended ? (b[p + 1] << 8) | b[p + 2] : b[p + 1];
    p += hdr;
    if (p + len > e) return reset(ErrorCode.OPEN_MESSAGE, 0, "optional parameter overruns the message");
    if (type !== OPT_PARAM_CAPABILITIES) {
      return reset(ErrorCode.OPEN_MESSAGE, OpenSubcode.UNSUPPORTED_OPTIONAL_PARAMETER, `optional parameter type ${type}`);
    }
    let q = p;
    const end = p + len;
    while (q < end) {
      if (q + 2 > end) return reset(ErrorCode.OPEN_MESSAGE, 0, "truncated capability");
      const code = b[q];
      const clen = b[q + 1];
      if (q + 2 + clen > end) return reset(ErrorCode.OPEN_MESSAGE, 0, "capability overruns its parameter");
      const c = decodeCapability(code, b, q + 2, clen);
      if (!c.ok) return c;
      capabilities.push(c.value);
      q += 2 + clen;
    }
    p = end;
  }
  return ok({ version, myAsn, holdTime, routerId, capabilities });
}

/** OPEN body + header. ASNs above 65535 go in the 4-octet AS capability with AS_TRANS in the field (RFC 6793 §4.1). */
export function encodeOpen(o: { asn: number; holdTime: number; routerId: string; capabilities: Capability[] }): Buffer {
  const w = new ByteWriter(128);
  for (let i = 0; i < 16; i++) w.u8(0xff);
  w.u16(0).u8(1);
  w.u8(4)
    .u16(o.asn > 0xffff ? AS_TRANS : o.asn)
    .u16(o.holdTime)
    .u32(parseIpv4(o.routerId));
  const optLenAt = w.reserve(1);
  // one optional parameter per capability is what most speakers send; one parameter for all is
  // equally valid (RFC 5492 §4). We use one parameter holding every capability.
  if (o.capabilities.length > 0) {
    w.u8(OPT_PARAM_CAPABILITIES);
    const at = w.reserve(1);
    for (const c of o.capabilities) encodeCapability(c, w);
    w.buf[at] = w.pos - at - 1;
  }
  w.buf[optLenAt] = w.pos - optLenAt - 1;
  w.patchU16(16, w.pos);
  return w.finish();
}

function u16bytes(v: number): Uint8Array {
  return Uint8Array.of(v >> 8, v & 255);
}
