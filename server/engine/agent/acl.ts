// ACL evaluation: first match wins over the ordered entries of the ACLs applied to a port (its
// security groups) or to its network (the VN's compiled policy ACL). ACLs are compiled once
// when the control node sends them, so only the first packet of a flow pays for matching — the
// flow table remembers the decision (seed: "applies forwarding policy for the first packet of
// each new flow then programs the action to the flow entry").
import type { Acl, AclEntry } from "../protocol/index.ts";
import { type Cidr, parseCidr, parseIPv4, parseIPv6 } from "./ip.ts";
import { protocolNumber, type Tuple } from "./packet.ts";

export type Action = "pass" | "deny";

interface CompiledEntry {
  entry: AclEntry;
  action: Action;
  protocol: number | null; // null = any
  src: Cidr[] | null; // null = any
  dst: Cidr[] | null;
  srcPorts: [number, number][] | null; // null = any
  dstPorts: [number, number][] | null;
  /** A CIDR or protocol we could not parse: the entry matches nothing rather than everything. */
  invalid: boolean;
}

export interface CompiledAcl {
  name: string;
  acl: Acl;
  entries: CompiledEntry[];
  defaultAction: Action;
}

export interface Decision {
  action: Action;
  /** The ACL that decided ("" when no ACL applied). */
  acl: string;
  /** The entry that matched; null when the default action decided. */
  entry: AclEntry | null;
}

/** Anything but an explicit pass denies: an unknown or empty action must fail closed. */
export function normalizeAction(a: string | undefined): Action {
  const s = (a ?? "").toLowerCase();
  return s === "pass" || s === "allow" || s === "accept" ? "pass" : "deny";
}

function compileCidrs(list: string[] | undefined): { cidrs: Cidr[] | null; invalid: boolean } {
  if (!list || list.length === 0) return { cidrs: null, invalid: false };
  const out: Cidr[] = [];
  let invalid = false;
  for (const s of list) {
    if (s === "any" || s === "0.0.0.0/0" || s === "::/0") return { cidrs: null, invalid: false };
    const c = parseCidr(s);
    if (c) out.push(c);
    else invalid = true;
  }
  // Some CIDRs parsed: the entry matches those; none parsed: it matches nothing.
  return { cidrs: out, invalid: invalid && out.length === 0 };
}

function compilePorts(list: { start: number; end: number }[] | undefined): [number, number][] | null {
  if (!list || list.length === 0) return null;
  const out: [number, number][] = [];
  for (const r of list) {
    const start = r.start ?? -1;
    const end = r.end ?? -1;
    // -1 (or a 0..65535 range) means any port.
    if (start < 0 || (start === 0 && end >= 65535)) return null;
    out.push([start, end < 0 ? 65535 : end]);
  }
  return out;
}

export function compileAcl(acl: Acl): CompiledAcl {
  const entries = (acl.entries ?? []).map((entry): CompiledEntry => {
    const p = (entry.protocol ?? "").trim().toLowerCase();
    const protocol = p === "" || p === "any" ? null : protocolNumber(p);
    const src = compileCidrs(entry.src);
    const dst = compileCidrs(entry.dst);
    return {
      entry,
      action: normalizeAction(entry.action),
      protocol,
      src: src.cidrs,
      dst: dst.cidrs,
      srcPorts: compilePorts(entry.src_ports),
      dstPorts: compilePorts(entry.dst_ports),
      invalid: src.invalid || dst.invalid || (protocol === null && p !== "" && p !== "any"),
    };
  });
  return { name: acl.name, acl, entries, defaultAction: normalizeAction(acl.default_action) };
}

interface ParsedAddr {
  v4: number | null;
  v6: bigint | null;
}

function parseAddr(s: string): ParsedAddr {
  const v4 = parseIPv4(s);
  return { v4, v6: v4 === null ? parseIPv6(s) : null };
}

function inCidrs(a: ParsedAddr, cidrs: Cidr[] | null): boolean {
  if (cidrs === null) return true;
  for (const c of cidrs) {
    if (c.family === 4) {
      if (a.v4 !== null && ((a.v4 & c.mask) >>> 0) === c.net) return true;
    } else if (a.v6 !== null) {
      const shift = BigInt(128 - c.len);
      if (a.v6 >> shift === c.net >> shift) return true;
    }
  }
  return false;
}

function inPorts(p: number, ranges: [number, number][] | null): boolean {
  if (ranges === null) return true;
  for (const [s, e] of ranges) if (p >= s && p <= e) return true;
  return false;
}

/**
 * First match over the entries of `acls` in order. `direction` filters port ACL entries
 * (security groups carry ingress and egress rules); entries with an empty direction apply both ways.
 * No match: the default action, and deny wins if any of the ACLs defaults to deny (security
 * groups are allow-lists with an implicit deny). No ACL at all: pass.
 */
export function evaluate(acls: CompiledAcl[], direction: "ingress" | "egress" | null, t: Tuple): Decision {
  if (acls.length === 0) return { action: "pass", acl: "", entry: null };
  const src = parseAddr(t.src);
  const dst = parseAddr(t.dst);
  for (const acl of acls) {
    for (const e of acl.entries) {
      if (e.invalid) continue;
      if (direction !== null && e.entry.direction && e.entry.direction !== direction) continue;
      if (e.protocol !== null && e.protocol !== t.protocol) continue;
      if (!inCidrs(src, e.src) || !inCidrs(dst, e.dst)) continue;
      if (!inPorts(t.srcPort, e.srcPorts) || !inPorts(t.dstPort, e.dstPorts)) continue;
      return { action: e.action, acl: acl.name, entry: e.entry };
    }
  }
  const denying = acls.find((a) => a.defaultAction === "deny");
  return denying ? { action: "deny", acl: denying.name, entry: null } : { action: "pass", acl: acls[0].name, entry: null };
}

// Every flow carries its decision's text: compute it once per rule, not once per flow.
const described = new WeakMap<AclEntry, Map<string, string>>();

/** Human text for a decision, as traces and drop reasons show it. */
export function describeDecision(d: Decision, kind: string): string {
  if (!d.entry) return describeUncached(d, kind);
  let byKind = described.get(d.entry);
  if (!byKind) described.set(d.entry, (byKind = new Map()));
  // An entry object belongs to one ACL, so the kind alone completes the key.
  let text = byKind.get(kind);
  if (text === undefined) byKind.set(kind, (text = describeUncached(d, kind)));
  return text;
}

function describeUncached(d: Decision, kind: string): string {
  const verb = d.action === "pass" ? "allowed" : "denied";
  if (!d.acl) return `${verb}: no ${kind}`;
  if (!d.entry) return `${verb} by ${kind} ${d.acl} default action`;
  const origin = d.entry.origin || `${kind} ${d.acl}`;
  const rule = d.entry.rule_uuid ? ` rule ${d.entry.rule_uuid}` : "";
  return /\brule\b/.test(origin) ? `${verb} by ${origin}${rule ? ` (${rule.trim()})` : ""}` : `${verb} by ${origin}${rule}`;
}
