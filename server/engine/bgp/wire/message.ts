// Message header and framing, RFC 4271 §4.1 / §6.1, and the one decode entry point.
import { HEADER_LENGTH, MAX_MESSAGE_LENGTH, MessageType } from "./constants";
import { type OpenMessage, decodeOpen } from "./open";
import { type UpdateContext, type UpdateMessage, decodeUpdate } from "./update";
import { type NotificationMessage, decodeNotification } from "./notification";
import { type RouteRefreshMessage, decodeRouteRefresh } from "./route-refresh";
import { type DecodeResult, type Rfc7606Action, ok, reset } from "./result";
import { ErrorCode, HeaderSubcode } from "./notification-codes";

export type Message =
  | { type: "open"; open: OpenMessage }
  | { type: "update"; update: UpdateMessage }
  | { type: "notification"; notification: NotificationMessage }
  | { type: "keepalive" }
  | { type: "route-refresh"; routeRefresh: RouteRefreshMessage };

/** RFC 4271 §6.1: per-type minimum lengths (KEEPALIVE exactly 19). */
const MIN_LENGTH: Record<number, number> = { 1: 29, 2: 23, 3: 21, 4: 19, 5: 23 };

/**
 * Checks the header at b[off] given `avail` octets from there. Returns the message length when
 * a whole message is present, 0 when more octets are needed, or the session reset to do.
 */
export function checkHeader(b: Uint8Array, off: number, avail: number): number | { ok: false; error: Rfc7606Action } {
  if (avail < HEADER_LENGTH) return 0;
  for (let i = 0; i < 16; i++) {
    if (b[off + i] !== 0xff) return reset(ErrorCode.MESSAGE_HEADER, HeaderSubcode.CONNECTION_NOT_SYNCHRONIZED, "marker is not all ones");
  }
  const len = (b[off + 16] << 8) | b[off + 17];
  const type = b[off + 18];
  const min = MIN_LENGTH[type];
  if (min === undefined) return reset(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_TYPE, `message type ${type}`, Uint8Array.of(type));
  if (len < HEADER_LENGTH || len > MAX_MESSAGE_LENGTH || len < min || (type === MessageType.KEEPALIVE && len !== HEADER_LENGTH)) {
    return reset(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_LENGTH, `${len}-octet message of type ${type}`, Uint8Array.of(len >> 8, len & 255));
  }
  return avail >= len ? len : 0;
}

export interface DecodeOptions extends UpdateContext {}

export const DEFAULT_DECODE_OPTIONS: DecodeOptions = { asn4: true, ibgp: false };

/** Decodes one whole message b[off, off+len) (header included) without copying it. */
export function decodeMessageAt(b: Uint8Array, off: number, len: number, opts: DecodeOptions): DecodeResult<Message, Rfc7606Action> {
  const s = off + HEADER_LENGTH;
  const e = off + len;
  switch (b[off + 18]) {
    case MessageType.OPEN: {
      const r = decodeOpen(b, s, e);
      return r.ok ? ok({ type: "open", open: r.value }) : r;
    }
    case MessageType.UPDATE: {
      const r = decodeUpdate(b, s, e, opts);
      return r.ok ? ok({ type: "update", update: r.value }) : r;
    }
    case MessageType.NOTIFICATION: {
      const r = decodeNotification(b, s, e);
      return r.ok ? ok({ type: "notification", notification: r.value }) : r;
    }
    case MessageType.KEEPALIVE:
      return ok({ type: "keepalive" });
    case MessageType.ROUTE_REFRESH: {
      const r = decodeRouteRefresh(b, s, e);
      return r.ok ? ok({ type: "route-refresh", routeRefresh: r.value }) : r;
    }
    default:
      return reset(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_TYPE, `message type ${b[off + 18]}`, Uint8Array.of(b[off + 18]));
  }
}

/**
 * Decodes exactly one message held in `buf` (header included). Trailing or missing octets are
 * a Bad Message Length. Never throws.
 */
export function decodeMessage(buf: Uint8Array, opts: DecodeOptions = DEFAULT_DECODE_OPTIONS): DecodeResult<Message, Rfc7606Action> {
  const h = checkHeader(buf, 0, buf.length);
  if (typeof h !== "number") return h;
  const declared = buf.length >= 18 ? (buf[16] << 8) | buf[17] : 0;
  if (h === 0 || h !== buf.length) {
    return reset(ErrorCode.MESSAGE_HEADER, HeaderSubcode.BAD_MESSAGE_LENGTH, `declared length ${declared}, have ${buf.length} octets`, Uint8Array.of(declared >> 8, declared & 255));
  }
  return decodeMessageAt(buf, 0, h, opts);
}

/**
 * Splits a TCP byte stream into messages. Whole messages inside a received chunk are handed
 * out as views of the chunk (no copy); only a message split across chunks is reassembled.
 */
export class MessageFramer {
  private pending: Buffer | null = null;

  /**
   * Feeds a chunk; calls `onMessage(buf, off, len)` per whole message. Returns null, or the
   * reset to do when a header is bad (the stream cannot be resynchronized then).
   */
  push(chunk: Buffer, onMessage: (buf: Buffer, off: number, len: number) => boolean | void): Rfc7606Action | null {
    let buf = chunk;
    if (this.pending) {
      buf = Buffer.concat([this.pending, chunk]);
      this.pending = null;
    }
    let off = 0;
    while (off < buf.length) {
      const h = checkHeader(buf, off, buf.length - off);
      if (typeof h !== "number") return h.error;
      if (h === 0) break;
      const stop = onMessage(buf, off, h);
      off += h;
      if (stop === false) return null; // the consumer closed the session
    }
    if (off < buf.length) this.pending = Buffer.from(buf.subarray(off));
    return null;
  }

  reset(): void {
    this.pending = null;
  }
}

export const KEEPALIVE: Buffer = (() => {
  const b = Buffer.alloc(HEADER_LENGTH, 0xff);
  b.writeUInt16BE(HEADER_LENGTH, 16);
  b[18] = MessageType.KEEPALIVE;
  return b;
})();

export function encodeKeepalive(): Buffer {
  return Buffer.from(KEEPALIVE);
}
