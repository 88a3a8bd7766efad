// Decode results are values, never exceptions (CONVENTIONS: "Decode errors are values").
import type { Family } from "./constants";

export type DecodeResult<T, E = DecodeError> = { ok: true; value: T } | { ok: false; error: E };

/**
 * What a receiver must do about a malformed message, RFC 7606 §2:
 * - session-reset: send the NOTIFICATION (code/subcode/data) and drop the session (RFC 4271 §6);
 * - treat-as-withdraw: every NLRI the UPDATE carried (reachable or not) is withdrawn, §2 / §5;
 * - attribute-discard: the attribute is dropped, the UPDATE is otherwise processed (reported
 *   as a note inside an ok value, since the message is still usable).
 */
export type Rfc7606Action = SessionReset | TreatAsWithdraw;

export interface SessionReset {
  action: "session-reset";
  code: number;
  subcode: number;
  /** NOTIFICATION data field (RFC 4271 §6: often the offending attribute) */
  data: Uint8Array;
  reason: string;
}

export interface WithdrawnByFamily {
  family: Family;
  keys: string[];
}

export interface TreatAsWithdraw {
  action: "treat-as-withdraw";
  reason: string;
  /** error code/subcode the RFC 4271 handling would have used, for logs */
  code: number;
  subcode: number;
  /** every route the UPDATE named, by family (RFC 7606 §2 "treat-as-withdraw") */
  withdrawn: WithdrawnByFamily[];
}

export type DecodeError = SessionReset;

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function reset(code: number, subcode: number, reason: string, data: Uint8Array = EMPTY): { ok: false; error: SessionReset } {
  return { ok: false, error: { action: "session-reset", code, subcode, data, reason } };
}

export const EMPTY: Uint8Array = new Uint8Array(0);
