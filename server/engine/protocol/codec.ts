// Hand-written protobuf codecs for the messages that carry volume — RouteUpdate (field 4 of both
// ControlMessage and AgentMessage), PortUpdate (field 2 of ControlMessage) and the agents' flow
// records (FlowRecords, field 9 of AgentMessage; at the end of this file) — byte-compatible
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
import type { FloatingIp, FlowRecord, FlowRecords, NextHop, Port, Route, RouteKey } from "./index.ts";

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
  return s ? putStr(buf, pos, field, s, byteLen(s)) : pos;
}

/** A string field whose UTF-8 length is known (`len`); any field number; empty strings are left out. */
function putStr(buf: Buffer, pos: number, field: number, s: string, len: number): number {
  if (!s) return pos;
  pos = writeVarint(buf, pos, (field << 3) | 2);
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
  /** the same bytes, for four-byte reads */
  readonly view: DataView;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
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

/**
 * `read` over the body of a message that is exactly one length-delimited field `tag` (a oneof
 * member), or null when the bytes are another message, have more fields after it, or are
 * malformed: the caller then uses the general decoder.
 */
function onlyField<T>(buf: Buffer, tag: number, read: (r: Reader, end: number) => T): T | null {
  if (buf.length < 2 || buf[0] !== tag) return null;
  try {
    const r = new Reader(buf, 1, buf.length);
    const end = r.delimited();
    if (end !== buf.length) return null; // more fields after the oneof: not ours to interpret
    return read(r, end);
  } catch (e) {
    if (e instanceof DecodeError) return null;
    throw e;
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
    return onlyField(buf, ROUTES_TAG, (r, end) => this.routeUpdate(r, end));
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

// ------------------------------------------------------------------ flow records (agent → control)
//
// Flow export is the agents' volume message: proto-loader spends ~7 µs per record encoding it in the
// agent and ~4–6 µs decoding it in the control node (the collector's own work is ~2 µs). Here the
// agent writes the bytes directly and the control node reads them into plain records; strings that
// repeat (VRFs, addresses, port uuids, names, reasons) come back as the same string object, which
// the collector and the flow store then compare by identity instead of by content.

/** Field 9 (flow_records) of AgentMessage, wire type 2. */
export const FLOW_RECORDS_TAG = (9 << 3) | 2;

const tagSize = (field: number) => (field < 16 ? 1 : 2);

function varint64Size(n: number): number {
  if (n < 0x10000000) return varintSize(n);
  let k = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    k++;
  }
  return k;
}

function writeVarint64(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80000000) {
    buf[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  return writeVarint(buf, pos, n);
}

function writeTag(buf: Buffer, pos: number, field: number, wire: number): number {
  return writeVarint(buf, pos, (field << 3) | wire);
}


function putU64(buf: Buffer, pos: number, field: number, n: number): number {
  if (!n) return pos;
  pos = writeTag(buf, pos, field, 0);
  return writeVarint64(buf, pos, n);
}

const isU64 = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const isU32 = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;

/**
 * How many string fields FlowRecord has — in field order flow_id (1), vrf (4), src_ip (6), dst_ip (7),
 * direction … rule_origin (10–15), src_vmi … encap (16–24), status (29), src_vmi_name (30),
 * dst_vmi_name (31): the encoder keeps each one's UTF-8 length between its two passes.
 */
const FLOW_STR_FIELDS = 22;

/**
 * `{msg: "flow_records", flow_records}` as AgentMessage bytes, or null when a value is not what this
 * fast path writes (a 64-bit field given as a string, a negative number…): the caller then uses the
 * general encoder.
 */
export function encodeFlowRecordsMessage(m: Partial<FlowRecords>): Buffer | null {
  const recs = m.records ?? [];
  const head = [m.seq, m.exported_records, m.dropped_batches, m.dropped_records];
  if (!head.every((v) => v === undefined || isU64(v)) || !(m.interval_ms === undefined || isU32(m.interval_ms))) return null;
  // size pass: each record's string lengths are kept for the write pass
  const N = FLOW_STR_FIELDS;
  const lens = new Int32Array(recs.length * N);
  const sizes = new Int32Array(recs.length);
  let bad = false;
  let base = 0;
  /** size of the k-th string field (in the order above) of the record at `base` */
  const sz = (k: number, s: string) => {
    if (!s) return 0;
    if (typeof s !== "string") {
      bad = true;
      return 0;
    }
    const len = (lens[base + k] = byteLen(s));
    return (k < 10 ? 1 : 2) + varintSize(len) + len; // fields 16 and up (k ≥ 10) take two tag bytes
  };
  const sz64 = (f: number, v: number) => {
    if (!v) return 0;
    if (!isU64(v)) bad = true;
    return tagSize(f) + varint64Size(v);
  };
  const sz32 = (v: number) => {
    if (!v) return 0;
    if (!isU32(v)) bad = true;
    return 1 + varintSize(v);
  };
  let body = strSize(m.node) + (m.seq ? 1 + varint64Size(m.seq as number) : 0) + (m.exported_records ? 1 + varint64Size(m.exported_records as number) : 0);
  body += (m.dropped_batches ? 1 + varint64Size(m.dropped_batches as number) : 0) + (m.dropped_records ? 1 + varint64Size(m.dropped_records as number) : 0) + uintSize(m.interval_ms);
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i];
    base = i * N;
    let n = sz(0, r.flow_id) + sz(1, r.vrf) + sz(2, r.src_ip) + sz(3, r.dst_ip) + sz(4, r.direction) + sz(5, r.action) + sz(6, r.reason) + sz(7, r.rule_acl) + sz(8, r.rule_uuid) + sz(9, r.rule_origin);
    n += sz(10, r.src_vmi) + sz(11, r.dst_vmi) + sz(12, r.src_vn) + sz(13, r.dst_vn) + sz(14, r.nat_src_ip) + sz(15, r.nat_dst_ip) + sz(16, r.nh_node) + sz(17, r.nh_address) + sz(18, r.encap);
    n += sz(19, r.status) + sz(20, r.src_vmi_name) + sz(21, r.dst_vmi_name);
    n += sz64(2, r.start_ms as number) + sz64(3, r.end_ms as number) + sz64(25, r.packets as number) + sz64(26, r.bytes as number);
    n += sz32(r.protocol) + sz32(r.src_port) + sz32(r.dst_port) + (r.reverse ? 3 : 0) + (r.first ? 3 : 0);
    if (bad) return null;
    sizes[i] = n;
    body += fieldSize(n);
  }
  const total = 1 + varintSize(body) + body;
  const buf = Buffer.allocUnsafe(total);
  let pos = 0;
  buf[pos++] = FLOW_RECORDS_TAG;
  pos = writeVarint(buf, pos, body);
  pos = writeStr(buf, pos, 1, m.node);
  pos = putU64(buf, pos, 2, m.seq as number);
  for (let i = 0; i < recs.length; i++) {
    const r = recs[i];
    pos = writeHeader(buf, pos, 3, sizes[i]);
    const start = pos;
    const l = i * N;
    pos = putStr(buf, pos, 1, r.flow_id, lens[l]);
    pos = putU64(buf, pos, 2, r.start_ms as number);
    pos = putU64(buf, pos, 3, r.end_ms as number);
    pos = putStr(buf, pos, 4, r.vrf, lens[l + 1]);
    pos = putU64(buf, pos, 5, r.protocol);
    pos = putStr(buf, pos, 6, r.src_ip, lens[l + 2]);
    pos = putStr(buf, pos, 7, r.dst_ip, lens[l + 3]);
    pos = putU64(buf, pos, 8, r.src_port);
    pos = putU64(buf, pos, 9, r.dst_port);
    pos = putStr(buf, pos, 10, r.direction, lens[l + 4]);
    pos = putStr(buf, pos, 11, r.action, lens[l + 5]);
    pos = putStr(buf, pos, 12, r.reason, lens[l + 6]);
    pos = putStr(buf, pos, 13, r.rule_acl, lens[l + 7]);
    pos = putStr(buf, pos, 14, r.rule_uuid, lens[l + 8]);
    pos = putStr(buf, pos, 15, r.rule_origin, lens[l + 9]);
    pos = putStr(buf, pos, 16, r.src_vmi, lens[l + 10]);
    pos = putStr(buf, pos, 17, r.dst_vmi, lens[l + 11]);
    pos = putStr(buf, pos, 18, r.src_vn, lens[l + 12]);
    pos = putStr(buf, pos, 19, r.dst_vn, lens[l + 13]);
    pos = putStr(buf, pos, 20, r.nat_src_ip, lens[l + 14]);
    pos = putStr(buf, pos, 21, r.nat_dst_ip, lens[l + 15]);
    pos = putStr(buf, pos, 22, r.nh_node, lens[l + 16]);
    pos = putStr(buf, pos, 23, r.nh_address, lens[l + 17]);
    pos = putStr(buf, pos, 24, r.encap, lens[l + 18]);
    pos = putU64(buf, pos, 25, r.packets as number);
    pos = putU64(buf, pos, 26, r.bytes as number);
    if (r.reverse) pos = putU64(buf, pos, 27, 1);
    if (r.first) pos = putU64(buf, pos, 28, 1);
    pos = putStr(buf, pos, 29, r.status, lens[l + 19]);
    pos = putStr(buf, pos, 30, r.src_vmi_name, lens[l + 20]);
    pos = putStr(buf, pos, 31, r.dst_vmi_name, lens[l + 21]);
    if (pos - start !== sizes[i]) throw new Error(`codec: wrote ${pos - start} bytes of a flow record, expected ${sizes[i]}`);
  }
  pos = putU64(buf, pos, 4, m.exported_records as number);
  pos = putU64(buf, pos, 5, m.dropped_batches as number);
  pos = putU64(buf, pos, 6, m.dropped_records as number);
  pos = writeUint(buf, pos, 7, m.interval_ms);
  if (pos !== total) throw new Error(`codec: wrote ${pos} bytes of flow records, expected ${total}`);
  return buf;
}

/**
 * Strings by their bytes, direct-mapped (slot from a hash of the bytes; 32,768 slots of
 * up to 64 bytes, 2 MiB): a value seen before comes back as the same string object. Values longer
 * than 64 bytes are decoded each time.
 */
class StringTable {
  private readonly bytes = new Uint8Array(TABLE_SLOTS * 64);
  private readonly view = new DataView(this.bytes.buffer);
  private readonly lens = new Uint8Array(TABLE_SLOTS);
  private readonly texts: string[] = new Array(TABLE_SLOTS).fill("");

  /** The string of buf[start, end); `v` is a DataView of buf (words are read four bytes at a time). */
  read(buf: Buffer, v: DataView, start: number, end: number): string {
    const len = end - start;
    if (len === 0) return "";
    if (len > 64) return buf.toString("utf8", start, end);
    // all bytes of a short value (addresses differ anywhere), the first and last eight of a longer one
    let h = len * 0x9e37;
    if (len >= 8) {
      h = Math.imul(h ^ v.getUint32(start, true), 0x01000193);
      h = Math.imul(h ^ v.getUint32(start + 4, true), 0x01000193);
      if (len > 8) {
        h = Math.imul(h ^ v.getUint32(end - 8, true), 0x01000193);
        h = Math.imul(h ^ v.getUint32(end - 4, true), 0x01000193);
      }
    } else for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 0x01000193);
    const slot = (h ^ (h >>> 15)) & (TABLE_SLOTS - 1);
    const at = slot * 64;
    if (this.lens[slot] === len && this.same(v, start, at, len)) return this.texts[slot];
    const text = buf.toString("utf8", start, end);
    const b = this.bytes;
    for (let i = 0; i < len; i++) b[at + i] = buf[start + i];
    this.lens[slot] = len;
    this.texts[slot] = text;
    return text;
  }

  private same(v: DataView, start: number, at: number, len: number): boolean {
    const t = this.view;
    let i = 0;
    for (; i + 4 <= len; i += 4) if (t.getUint32(at + i, true) !== v.getUint32(start + i, true)) return false;
    for (; i < len; i++) if (t.getUint8(at + i) !== v.getUint8(start + i)) return false;
    return true;
  }
}
const TABLE_SLOTS = 1 << 15;

/** Reads AgentMessage flow-record batches (one per control node process: it holds only the string table). */
export class FlowRecordsDecoder {
  private readonly strings = new StringTable();

  /** Decodes `{flow_records}` exactly, or returns null when the bytes are something else (the caller then uses the general decoder). */
  decode(buf: Buffer): FlowRecords | null {
    return onlyField(buf, FLOW_RECORDS_TAG, (r, end) => {
      const out: FlowRecords = { node: "", seq: 0, records: [], exported_records: 0, dropped_batches: 0, dropped_records: 0, interval_ms: 0 };
      while (r.pos < end) {
        const tag = r.varint();
        switch (tag) {
          case (1 << 3) | 2:
            out.node = this.str(r);
            break;
          case 2 << 3:
            out.seq = varint64(r);
            break;
          case (3 << 3) | 2:
            out.records.push(this.record(r, r.delimited()));
            break;
          case 4 << 3:
            out.exported_records = varint64(r);
            break;
          case 5 << 3:
            out.dropped_batches = varint64(r);
            break;
          case 6 << 3:
            out.dropped_records = varint64(r);
            break;
          case 7 << 3:
            out.interval_ms = r.varint();
            break;
          default:
            r.skip(tag & 7);
        }
      }
      if (r.pos !== end) throw new DecodeError("flow records overrun their length");
      return out;
    });
  }

  private str(r: Reader): string {
    const end = r.delimited();
    const s = this.strings.read(r.buf, r.view, r.pos, end);
    r.pos = end;
    return s;
  }

  private record(r: Reader, end: number): FlowRecord {
    const o: FlowRecord = {
      flow_id: "", start_ms: 0, end_ms: 0, vrf: "", protocol: 0, src_ip: "", dst_ip: "", src_port: 0, dst_port: 0, direction: "", action: "", reason: "", rule_acl: "", rule_uuid: "", rule_origin: "",
      src_vmi: "", dst_vmi: "", src_vn: "", dst_vn: "", nat_src_ip: "", nat_dst_ip: "", nh_node: "", nh_address: "", encap: "", packets: 0, bytes: 0, reverse: false, first: false, status: "",
      src_vmi_name: "", dst_vmi_name: "",
    };
    while (r.pos < end) {
      const tag = r.varint();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (wire === 2) {
        const e = r.delimited();
        switch (field) {
          // the flow id is new in every record: decoded, not looked up
          case 1: o.flow_id = r.buf.toString("utf8", r.pos, e); break;
          case 4: o.vrf = this.strings.read(r.buf, r.view, r.pos, e); break;
          case 6: o.src_ip = this.strings.read(r.buf, r.view, r.pos, e); break;
          case 7: o.dst_ip = this.strings.read(r.buf, r.view, r.pos, e); break;
          case 10: o.direction = this.strings.read(r.buf, r.view, r.pos, e); break;
          case 11: o.action = this.strings.read(r.buf, r.view, r.pos, e); break;
          case 12: o.reason = this.strings.read(r.buf, r.view, r.pos, e); break;
          case 13: o.rule_acl = this.strings.read(r.buf, r.view, r.pos, e); break;
          case 14: o.rule_uuid = this.strings.read(r.buf, r.view, r.pos, e); break;
          case 15: o.rule_origin = this.strings.read(r.buf, r.view, r.pos, e); break;
          case 16: o.src_vmi = this.strings.read(r.buf, r.view, r.pos, e); break;
          case 17: o.dst_vmi = this.strings.read(r.buf, r.view, r.pos, e); break;
          case 18: o.src_vn = this.strings.read(r.buf, r.view, r.pos, e); break;
          case 19: o.dst_vn = this.strings.read(r.buf, r.view, r.pos, e); break;
          case 20: o.nat_src_ip = this.strings.read(r.buf, r.view, r.pos, e); break;
          case 21: o.nat_dst_ip = this.strings.read(r.buf, r.view, r.pos, e); break;
          case 22: o.nh_node = this.strings.read(r.buf, r.view, r.pos, e); break;
          case 23: o.nh_address = this.strings.read(r.buf, r.view, r.pos, e); break;
          case 24: o.encap = this.strings.read(r.buf, r.view, r.pos, e); break;
          case 29: o.status = this.strings.read(r.buf, r.view, r.pos, e); break;
          case 30: o.src_vmi_name = this.strings.read(r.buf, r.view, r.pos, e); break;
          case 31: o.dst_vmi_name = this.strings.read(r.buf, r.view, r.pos, e); break;
          default: // unknown or mistyped: skipped
        }
        r.pos = e;
      } else if (wire === 0) {
        switch (field) {
          case 2: o.start_ms = varint64(r); break;
          case 3: o.end_ms = varint64(r); break;
          case 5: o.protocol = r.varint(); break;
          case 8: o.src_port = r.varint(); break;
          case 9: o.dst_port = r.varint(); break;
          case 25: o.packets = varint64(r); break;
          case 26: o.bytes = varint64(r); break;
          case 27: o.reverse = varint64(r) !== 0; break;
          case 28: o.first = varint64(r) !== 0; break;
          default: r.varint();
        }
      } else r.skip(wire);
    }
    if (r.pos !== end) throw new DecodeError("flow record overruns its length");
    return o;
  }
}

/** A uint64 varint as a number (exact below 2^53: milliseconds, counters). */
function varint64(r: Reader): number {
  const buf = r.buf;
  let result = 0;
  let mul = 1;
  for (let k = 0; k < 10; k++) {
    if (r.pos >= r.end) throw new DecodeError("truncated varint");
    const b = buf[r.pos++];
    result += (b & 0x7f) * mul;
    if (b < 0x80) return result;
    mul *= 128;
  }
  throw new DecodeError("varint too long");
}
