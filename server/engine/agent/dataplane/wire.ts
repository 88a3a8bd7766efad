// The sim data plane's UDP payload, version 1 (documented in ../README.md). Big-endian.
//
//   common header (8 bytes)
//     0  u8   magic 0x57 ('W')
//     1  u8   version = 1
//     2  u8   type: 1 DATA (a tunnelled packet), 2 REPLY (the receiver's verdict)
//     3  u8   flags: bit 0 WANT_REPLY, bit 1 TRACE (reply carries the receiver's hops)
//     4  u32  id: sender's sequence number, echoed in the REPLY
//   DATA
//     8  u8   encapsulation: 1 MPLSoGRE, 2 MPLSoUDP, 3 VXLAN
//     9  u8   IP protocol
//    10  u16  source port
//    12  u16  destination port
//    14  u32  MPLS label (20 bits used) or VXLAN VNI (24 bits used)
//    18  u8   address family: 4 or 6
//    19  u8   length n of the sender's node name
//    20  src address (4 or 16 bytes), dst address (same), node name (n bytes UTF-8)
//    then, optionally, u16 inner packet length in bytes (flow byte counts; receivers ignore what they do not read)
//   REPLY
//     8  u8   verdict: 1 delivered, 2 dropped
//     9  u8   reserved (0)
//    10  u16  length m of the body
//    12  body: m bytes of UTF-8 JSON {reason, delivered_to, node, hops: [{node, step, detail}]}
// Anything else (wrong magic/version, short buffer) is a decode error value, never an exception.
import type { Hop } from "../../protocol/index.ts";
import { formatIPv4, parseIPv4, parseIPv6 } from "../ip.ts";
import type { Tuple } from "../packet.ts";

export const MAGIC = 0x57;
export const WIRE_VERSION = 1;
export const TYPE_DATA = 1;
export const TYPE_REPLY = 2;
export const FLAG_WANT_REPLY = 1;
export const FLAG_TRACE = 2;

export const ENCAP_CODES: Record<string, number> = { MPLSoGRE: 1, MPLSoUDP: 2, VXLAN: 3 };
export const ENCAP_NAMES: Record<number, string> = { 1: "MPLSoGRE", 2: "MPLSoUDP", 3: "VXLAN" };

export interface DataPacket {
  type: typeof TYPE_DATA;
  flags: number;
  id: number;
  encap: string;
  key: number; // label or vni
  tuple: Tuple;
  node: string;
  /** Optional trailer (u16 after the node name): the inner packet's length in bytes, for flow byte counts. */
  size?: number;
}

export interface ReplyPacket {
  type: typeof TYPE_REPLY;
  flags: number;
  id: number;
  verdict: "delivered" | "dropped";
  reason: string;
  delivered_to: string;
  node: string;
  hops: Hop[];
}

export type WirePacket = DataPacket | ReplyPacket;
export type Decoded = { ok: true; value: WirePacket } | { ok: false; error: string };

function writeAddr(buf: Buffer, off: number, addr: string, family: 4 | 6): number {
  if (family === 4) {
    buf.writeUInt32BE(parseIPv4(addr) ?? 0, off);
    return off + 4;
  }
  let v = parseIPv6(addr) ?? 0n;
  for (let i = 15; i >= 0; i--) {
    buf[off + i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return off + 16;
}

function readAddr(buf: Buffer, off: number, family: 4 | 6): string {
  if (family === 4) return formatIPv4(buf.readUInt32BE(off));
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(buf.readUInt16BE(off + i).toString(16));
  return groups.join(":");
}

export function encodeData(p: Omit<DataPacket, "type">): Buffer {
  const family: 4 | 6 = parseIPv4(p.tuple.src) !== null && parseIPv4(p.tuple.dst) !== null ? 4 : 6;
  const alen = family === 4 ? 4 : 16;
  const name = Buffer.from(p.node, "utf8").subarray(0, 255);
  const trailer = p.size !== undefined ? 2 : 0;
  const buf = Buffer.allocUnsafe(20 + 2 * alen + name.length + trailer);
  buf[0] = MAGIC;
  buf[1] = WIRE_VERSION;
  buf[2] = TYPE_DATA;
  buf[3] = p.flags;
  buf.writeUInt32BE(p.id >>> 0, 4);
  buf[8] = ENCAP_CODES[p.encap] ?? 0;
  buf[9] = p.tuple.protocol;
  buf.writeUInt16BE(p.tuple.srcPort & 0xffff, 10);
  buf.writeUInt16BE(p.tuple.dstPort & 0xffff, 12);
  buf.writeUInt32BE(p.key >>> 0, 14);
  buf[18] = family;
  buf[19] = name.length;
  let off = writeAddr(buf, 20, p.tuple.src, family);
  off = writeAddr(buf, off, p.tuple.dst, family);
  name.copy(buf, off);
  if (trailer) buf.writeUInt16BE(Math.max(0, Math.min(0xffff, p.size ?? 0)), off + name.length);
  return buf;
}

export function encodeReply(p: Omit<ReplyPacket, "type">): Buffer {
  const body = Buffer.from(JSON.stringify({ reason: p.reason, delivered_to: p.delivered_to, node: p.node, hops: p.hops }), "utf8");
  if (body.length > 0xffff) throw new Error("reply body too large");
  const buf = Buffer.allocUnsafe(12 + body.length);
  buf[0] = MAGIC;
  buf[1] = WIRE_VERSION;
  buf[2] = TYPE_REPLY;
  buf[3] = p.flags;
  buf.writeUInt32BE(p.id >>> 0, 4);
  buf[8] = p.verdict === "delivered" ? 1 : 2;
  buf[9] = 0;
  buf.writeUInt16BE(body.length, 10);
  body.copy(buf, 12);
  return buf;
}

export function decode(buf: Buffer): Decoded {
  if (buf.length < 8) return { ok: false, error: `short packet (${buf.length} bytes)` };
  if (buf[0] !== MAGIC) return { ok: false, error: `bad magic 0x${buf[0].toString(16)}` };
  if (buf[1] !== WIRE_VERSION) return { ok: false, error: `unsupported version ${buf[1]}` };
  const flags = buf[3];
  const id = buf.readUInt32BE(4);
  if (buf[2] === TYPE_DATA) {
    if (buf.length < 20) return { ok: false, error: "short DATA header" };
    const encap = ENCAP_NAMES[buf[8]];
    if (!encap) return { ok: false, error: `unknown encapsulation ${buf[8]}` };
    const family = buf[18];
    if (family !== 4 && family !== 6) return { ok: false, error: `bad address family ${family}` };
    const alen = family === 4 ? 4 : 16;
    const nameLen = buf[19];
    if (buf.length < 20 + 2 * alen + nameLen) return { ok: false, error: "truncated DATA" };
    const tuple: Tuple = {
      protocol: buf[9],
      srcPort: buf.readUInt16BE(10),
      dstPort: buf.readUInt16BE(12),
      src: readAddr(buf, 20, family),
      dst: readAddr(buf, 20 + alen, family),
    };
    const end = 20 + 2 * alen + nameLen;
    const node = buf.toString("utf8", 20 + 2 * alen, end);
    // Senders before the size trailer end the datagram here; older receivers ignore the trailer.
    const value: DataPacket = { type: TYPE_DATA, flags, id, encap, key: buf.readUInt32BE(14), tuple, node };
    if (buf.length >= end + 2) value.size = buf.readUInt16BE(end);
    return { ok: true, value };
  }
  if (buf[2] === TYPE_REPLY) {
    if (buf.length < 12) return { ok: false, error: "short REPLY header" };
    const len = buf.readUInt16BE(10);
    if (buf.length < 12 + len) return { ok: false, error: "truncated REPLY" };
    let body: { reason?: unknown; delivered_to?: unknown; node?: unknown; hops?: unknown };
    try {
      body = JSON.parse(buf.toString("utf8", 12, 12 + len));
    } catch {
      return { ok: false, error: "REPLY body is not JSON" };
    }
    const hops = Array.isArray(body.hops)
      ? body.hops.filter((h): h is Hop => !!h && typeof h === "object").map((h) => ({ node: String(h.node ?? ""), step: String(h.step ?? ""), detail: String(h.detail ?? "") }))
      : [];
    return {
      ok: true,
      value: {
        type: TYPE_REPLY,
        flags,
        id,
        verdict: buf[8] === 1 ? "delivered" : "dropped",
        reason: String(body.reason ?? ""),
        delivered_to: String(body.delivered_to ?? ""),
        node: String(body.node ?? ""),
        hops,
      },
    };
  }
  return { ok: false, error: `unknown type ${buf[2]}` };
}
