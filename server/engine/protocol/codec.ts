// Hand-written protobuf codecs for the messages that carry volume — RouteUpdate (field 4 of both
// ControlMessage and AgentMessage) and PortUpdate (field 2 of ControlMessage) — byte-compatible
// with agent.proto: any protobuf decoder reads what this writes, and the route decoder reads what
// any encoder writes (unknown fields are skipped, fields may come in any order, last scalar wins,
// repeated fields append).
//
// Why: at 1,000 agents / 100,000 ports the control node delivers 1M routes and 100k ports.
// proto-loader copies every message twice per direction (fromObject + encode, decode + toObject)
// and allocates per field. Here the control node encodes a route once, when its best path changes,
// and every subscribed agent gets the same bytes; agents decode straight into plain objects,
// reusing strings that repeat from one route to the next (VRF, next-hop address, encapsulations,
// source) instead of allocating them again.
import type { FloatingIp, NextHop, Port, Route, RouteKey } from "./index.ts";

// ------------------------------------------------------------------ encoding

/** Field 4 (routes), wire type 2: the same tag in ControlMessage and AgentMessage. */
export const ROUTES_TAG = (4 << 3) | 2;

function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n > 0x7f) {
    buf[pos++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  buf[pos++] = n;
  return pos;
}

/** UTF-8 length; short ASCII strings (all of ours) are counted in JS, cheaper than a native call. */
function byteLen(s: string): number {
  const n = s.length;
  if (n > 64) return Buffer.byteLength(s);
  for (let i = 0; i < n; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s);
  return n;
}

/** Writes `s` (whose UTF-8 length is `len`) at `pos`. */
function writeText(buf: Buffer, pos: number, s: string, len: number): number {
  if (len === s.length && len <= 64) {
    for (let i = 0; i < len; i++) buf[pos + i] = s.charCodeAt(i);
    return pos + len;
  }
  return pos + buf.write(s, pos, len, "utf8");
}

/** Size of a length-delimited field (tag + length + body) whose body is `len` bytes; tags here are one byte. */
const fieldSize = (len: number) => 1 + varintSize(len) + len;
const strSize = (s: string | undefined) => (s ? fieldSize(byteLen(s)) : 0);
const strsSize = (l: readonly string[] | undefined) => {
  let n = 0;
  for (const s of l ?? []) n += fieldSize(byteLen(s));
  return n;
};
const uintSize = (n: number | undefined) => (n ? 1 + varintSize(n >>> 0) : 0);

/** A string field; proto3 leaves out empty strings. */
function writeStr(buf: Buffer, pos: number, field: number, s: string | undefined): number {
  if (!s) return pos;
  const len = byteLen(s);
  buf[pos++] = (field << 3) | 2;
  pos = writeVarint(buf, pos, len);
  return writeText(buf, pos, s, len);
}

/** A repeated string field: every element, empty ones too. */
function writeStrs(buf: Buffer, pos: number, field: number, l: readonly string[] | undefined): number {
  for (const s of l ?? []) {
    const len = byteLen(s);
    buf[pos++] = (field << 3) | 2;
    pos = writeVarint(buf, pos, len);
    pos = writeText(buf, pos, s, len);
  }
  return pos;
}

function writeUint(buf: Buffer, pos: number, field: number, n: number | undefined): number {
  if (!n) return pos;
  buf[pos++] = field << 3;
  return writeVarint(buf, pos, n >>> 0);
}

function writeHeader(buf: Buffer, pos: number, field: number, len: number): number {
  buf[pos++] = (field << 3) | 2;
  return writeVarint(buf, pos, len);
}

function nextHopSize(nh: Partial<NextHop>): number {
  return strSize(nh.address) + uintSize(nh.label) + uintSize(nh.vni) + strsSize(nh.encapsulations) + strSize(nh.node) + uintSize(nh.data_port);
}

/** One Route message body (no tag, no length): encode once, send to every subscriber. */
export function encodeRoute(r: Partial<Route>): Buffer {
  const nhs = r.next_hops ?? [];
  let size = strSize(r.vrf) + strSize(r.prefix) + strSize(r.source) + strsSize(r.why) + strSize(r.port_uuid);
  const nhSizes: number[] = [];
  for (const nh of nhs) {
    const n = nextHopSize(nh);
    nhSizes.push(n);
    size += fieldSize(n);
  }
  const buf = Buffer.allocUnsafe(size);
  let pos = writeStr(buf, 0, 1, r.vrf);
  pos = writeStr(buf, pos, 2, r.prefix);
  for (let i = 0; i < nhs.length; i++) {
    const nh = nhs[i];
    pos = writeHeader(buf, pos, 3, nhSizes[i]);
    pos = writeStr(buf, pos, 1, nh.address);
    pos = writeUint(buf, pos, 2, nh.label);
    pos = writeUint(buf, pos, 3, nh.vni);
    pos = writeStrs(buf, pos, 4, nh.encapsulations);
    pos = writeStr(buf, pos, 5, nh.node);
    pos = writeUint(buf, pos, 6, nh.data_port);
  }
  pos = writeStr(buf, pos, 4, r.source);
  pos = writeStrs(buf, pos, 5, r.why);
  pos = writeStr(buf, pos, 6, r.port_uuid);
  if (pos !== size) throw new Error(`codec: wrote ${pos} bytes of a route, expected ${size}`);
  return buf;
}

function encodeRouteKey(k: RouteKey): Buffer {
  const buf = Buffer.allocUnsafe(strSize(k.vrf) + strSize(k.prefix));
  writeStr(buf, writeStr(buf, 0, 1, k.vrf), 2, k.prefix);
  return buf;
}

/**
 * A whole ControlMessage / AgentMessage `{routes: {add, delete}}` from pre-encoded Route bodies
 * (encodeRoute) and keys to delete: the bytes gRPC sends as they are.
 */
export function encodeRoutesMessage(add: readonly Uint8Array[], del: readonly RouteKey[] = []): Buffer {
  const keys = del.map(encodeRouteKey);
  let body = 0;
  for (const r of add) body += fieldSize(r.length);
  for (const k of keys) body += fieldSize(k.length);
  const buf = Buffer.allocUnsafe(fieldSize(body));
  let pos = writeHeader(buf, 0, 4, body);
  for (const r of add) {
    pos = writeHeader(buf, pos, 1, r.length);
    buf.set(r, pos);
    pos += r.length;
  }
  for (const k of keys) {
    pos = writeHeader(buf, pos, 2, k.length);
    k.copy(buf, pos);
    pos += k.length;
  }
  return buf;
}

/** Encodes `{add, delete}` objects (the sending side of agents and tests). */
export function encodeRouteUpdate(u: { add?: Partial<Route>[]; delete?: RouteKey[] }): Buffer {
  return encodeRoutesMessage((u.add ?? []).map(encodeRoute), u.delete ?? []);
}

const fipSize = (f: Partial<FloatingIp>) => strSize(f.address) + strSize(f.fixed_address) + strSize(f.vrf) + strSize(f.direction);

function portSize(p: Partial<Port>): number {
  let n =
    strSize(p.uuid) + strSize(p.fq_name) + strSize(p.vrf) + strSize(p.network_uuid) + strSize(p.network_fq_name) + strSize(p.mac) + strsSize(p.addresses) + strsSize(p.acls) + strSize(p.network_acl);
  for (const f of p.floating_ips ?? []) n += fieldSize(fipSize(f));
  return n;
}

function writePort(buf: Buffer, pos: number, p: Partial<Port>): number {
  pos = writeStr(buf, pos, 1, p.uuid);
  pos = writeStr(buf, pos, 2, p.fq_name);
  pos = writeStr(buf, pos, 3, p.vrf);
  pos = writeStr(buf, pos, 4, p.network_uuid);
  pos = writeStr(buf, pos, 5, p.network_fq_name);
  pos = writeStr(buf, pos, 6, p.mac);
  pos = writeStrs(buf, pos, 7, p.addresses);
  pos = writeStrs(buf, pos, 8, p.acls);
  pos = writeStr(buf, pos, 9, p.network_acl);
  for (const f of p.floating_ips ?? []) {
    pos = writeHeader(buf, pos, 10, fipSize(f));
    pos = writeStr(buf, pos, 1, f.address);
    pos = writeStr(buf, pos, 2, f.fixed_address);
    pos = writeStr(buf, pos, 3, f.vrf);
    pos = writeStr(buf, pos, 4, f.direction);
  }
  return pos;
}

/** A whole ControlMessage `{ports: {add, delete}}` (a node's ports at every hello: 100 each at scale). */
export function encodePortsMessage(u: { add?: Partial<Port>[]; delete?: string[] }): Buffer {
  const add = u.add ?? [];
  const sizes = add.map(portSize);
  let body = strsSize(u.delete);
  for (const n of sizes) body += fieldSize(n);
  const total = fieldSize(body);
  const buf = Buffer.allocUnsafe(total);
  let pos = writeHeader(buf, 0, 2, body);
  for (let i = 0; i < add.length; i++) {
    pos = writeHeader(buf, pos, 1, sizes[i]);
    pos = writePort(buf, pos, add[i]);
  }
  pos = writeStrs(buf, pos, 2, u.delete);
  if (pos !== total) throw new Error(`codec: wrote ${pos} bytes of a ports update, expected ${total}`);
  return buf;
}

// ------------------------------------------------------------------ decoding

class DecodeError extends Error {}

/**
 * Strings that repeat from one route to the next come back as the same string object: a slot
 * remembers the bytes and text of its last value and reuses the text when the bytes match.
 */
class StringSlot {
  private bytes: Buffer = Buffer.alloc(0);
  private text = "";
  read(buf: Buffer, start: number, end: number): string {
    const len = end - start;
    if (len === 0) return "";
    if (len === this.bytes.length && this.same(buf, start, len)) return this.text;
    this.text = buf.toString("utf8", start, end);
    if (len <= 256) {
      if (this.bytes.length !== len) this.bytes = Buffer.allocUnsafe(len);
      buf.copy(this.bytes, 0, start, end);
    } else this.bytes = Buffer.alloc(0);
    return this.text;
  }

  /** Short values are compared in JS: cheaper than a native call per string. */
  private same(buf: Buffer, start: number, len: number): boolean {
    const b = this.bytes;
    if (len > 48) return buf.compare(b, 0, len, start, start + len) === 0;
    for (let i = len - 1; i >= 0; i--) if (buf[start + i] !== b[i]) return false;
    return true;
  }
}

class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  varint(): number {
    const buf = this.buf;
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.end) throw new DecodeError("truncated varint");
      const b = buf[this.pos++];
      if (shift < 28) result |= (b & 0x7f) << shift;
      else if (shift === 28) result |= (b & 0x0f) << 28; // uint32 fields keep the low 32 bits (as protobufjs does)
      if (b < 0x80) return result >>> 0;
      shift += 7;
      if (shift > 63) throw new DecodeError("varint too long");
    }
  }

  /** End offset of a length-delimited field whose length is next. */
  delimited(): number {
    const len = this.varint();
    const end = this.pos + len;
    if (end > this.end) throw new DecodeError("length past the end");
    return end;
  }

  skip(wireType: number) {
    switch (wireType) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.pos = this.delimited();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        throw new DecodeError(`wire type ${wireType}`);
    }
    if (this.pos > this.end) throw new DecodeError("truncated field");
  }
}

/** Per-stream decoder state: the string slots that make repeated values cheap. */
export class RouteDecoder {
  private vrf = new StringSlot();
  private prefix = new StringSlot();
  private source = new StringSlot();
  private portUuid = new StringSlot();
  private why = new StringSlot();
  private nhAddress = new StringSlot();
  private nhNode = new StringSlot();
  private encaps = [new StringSlot(), new StringSlot(), new StringSlot(), new StringSlot()];
  /** The last next hop's encapsulation list, reused while the same strings come again. */
  private lastEncaps: string[] = [];

  /**
   * Decodes a complete `{routes: {add, delete}}` message, or returns null when the bytes are not
   * exactly that (another message, or a layout this fast path does not take): the caller then
   * uses the general decoder.
   */
  decodeRoutesMessage(buf: Buffer): { add: Route[]; delete: RouteKey[] } | null {
    if (buf.length < 2 || buf[0] !== ROUTES_TAG) return null;
    try {
      const r = new Reader(buf, 1, buf.length);
      const end = r.delimited();
      if (end !== buf.length) return null; // more fields after the oneof: not ours to interpret
      return this.routeUpdate(r, end);
    } catch (e) {
      if (e instanceof DecodeError) return null;
      throw e;
    }
  }

  private routeUpdate(r: Reader, end: number): { add: Route[]; delete: RouteKey[] } {
    const add: Route[] = [];
    const del: RouteKey[] = [];
    while (r.pos < end) {
      const tag = r.varint();
      if (tag === ((1 << 3) | 2)) add.push(this.route(r, r.delimited()));
      else if (tag === ((2 << 3) | 2)) del.push(this.routeKey(r, r.delimited()));
      else r.skip(tag & 7);
    }
    return { add, delete: del };
  }

  private str(r: Reader, slot: StringSlot): string {
    const end = r.delimited();
    const s = slot.read(r.buf, r.pos, end);
    r.pos = end;
    return s;
  }

  private route(r: Reader, end: number): Route {
    const out: Route = { vrf: "", prefix: "", next_hops: [], source: "", why: [], port_uuid: "" };
    while (r.pos < end) {
      const tag = r.varint();
      switch (tag) {
        case (1 << 3) | 2:
          out.vrf = this.str(r, this.vrf);
          break;
        case (2 << 3) | 2:
          out.prefix = this.str(r, this.prefix);
          break;
        case (3 << 3) | 2:
          out.next_hops.push(this.nextHop(r, r.delimited()));
          break;
        case (4 << 3) | 2:
          out.source = this.str(r, this.source);
          break;
        case (5 << 3) | 2:
          out.why.push(this.str(r, this.why));
          break;
        case (6 << 3) | 2:
          out.port_uuid = this.str(r, this.portUuid);
          break;
        default:
          r.skip(tag & 7);
      }
    }
    if (r.pos !== end) throw new DecodeError("route overruns its length");
    return out;
  }

  private nextHop(r: Reader, end: number): NextHop {
    const out: NextHop = { address: "", label: 0, vni: 0, encapsulations: [], node: "", data_port: 0 };
    const encaps: string[] = [];
    while (r.pos < end) {
      const tag = r.varint();
      switch (tag) {
        case (1 << 3) | 2:
          out.address = this.str(r, this.nhAddress);
          break;
        case 2 << 3:
          out.label = r.varint();
          break;
        case 3 << 3:
          out.vni = r.varint();
          break;
        case (4 << 3) | 2:
          encaps.push(this.str(r, this.encaps[Math.min(encaps.length, this.encaps.length - 1)]));
          break;
        case (5 << 3) | 2:
          out.node = this.str(r, this.nhNode);
          break;
        case 6 << 3:
          out.data_port = r.varint();
          break;
        default:
          r.skip(tag & 7);
      }
    }
    if (r.pos !== end) throw new DecodeError("next hop overruns its length");
    // the same list as the previous next hop: share the array (nobody mutates decoded messages)
    const last = this.lastEncaps;
    if (encaps.length === last.length && encaps.every((e, i) => e === last[i])) out.encapsulations = last;
    else out.encapsulations = this.lastEncaps = encaps;
    return out;
  }

  private routeKey(r: Reader, end: number): RouteKey {
    const out: RouteKey = { vrf: "", prefix: "" };
    while (r.pos < end) {
      const tag = r.varint();
      if (tag === ((1 << 3) | 2)) out.vrf = this.str(r, this.vrf);
      else if (tag === ((2 << 3) | 2)) out.prefix = this.str(r, this.prefix);
      else r.skip(tag & 7);
    }
    if (r.pos !== end) throw new DecodeError("route key overruns its length");
    return out;
  }
}
