// NOTIFICATION message, RFC 4271 §4.5; Cease shutdown communication, RFC 9003.
import { CeaseSubcode, ErrorCode, describeError } from "./notification-codes";
import { type DecodeResult, ok, reset } from "./result";

export interface NotificationMessage {
  code: number;
  subcode: number;
  data: Uint8Array;
  /** RFC 9003 §2: the operator's message in a Cease / Administrative Shutdown or Reset */
  communication?: string;
}

export function decodeNotification(b: Uint8Array, s: number, e: number): DecodeResult<NotificationMessage> {
  if (e - s < 2) return reset(ErrorCode.MESSAGE_HEADER, 2, "NOTIFICATION shorter than 21 octets", Uint8Array.of(0, 19 + e - s));
  const code = b[s];
  const subcode = b[s + 1];
  const data = b.slice(s + 2, e);
  const n: NotificationMessage = { code, subcode, data };
  if (code === ErrorCode.CEASE && (subcode === CeaseSubcode.ADMIN_SHUTDOWN || subcode === CeaseSubcode.ADMIN_RESET) && data.length >= 1) {
    const len = data[0];
    if (len > 0 && len + 1 <= data.length && len <= 255) {
      const text = Buffer.from(data.buffer, data.byteOffset + 1, len).toString("utf8");
      if (!text.includes("\uFFFD")) n.communication = text;
    }
  }
  return ok(n);
}

export function encodeNotification(n: { code: number; subcode: number; data?: Uint8Array; communication?: string }): Buffer {
  let data = n.data ?? new Uint8Array(0);
  if (n.communication !== undefined && !n.data) {
    const t = Buffer.from(n.communication, "utf8").subarray(0, 255); // RFC 9003 §2: at most 255 octets
    data = Buffer.concat([Uint8Array.of(t.length), t]);
  }
  const out = Buffer.alloc(21 + data.length, 0xff);
  out.writeUInt16BE(out.length, 16);
  out[18] = 3;
  out[19] = n.code;
  out[20] = n.subcode;
  out.set(data, 21);
  return out;
}

/** "Cease / Administrative Shutdown: maintenance" */
export function describeNotification(n: NotificationMessage): string {
  const base = describeError(n.code, n.subcode);
  return n.communication ? `${base}: ${n.communication}` : base;
}
