// Network-policy and security-group ACLs → one nftables table `inet weft` per compute node.
// The stages are the sim data plane's (policy.ts): leaving a port, its security groups' egress
// rules then its VN's ACL; entering a port, its security groups' ingress rules then its VN's
// ACL — first match per stage, a pass goes on to the next stage, a deny drops. Stateful: the
// answer of an allowed connection (ct state established,related) passes without policy. Every
// rule has a named counter, and a rule that decides writes its id into the connection's
// conntrack mark (the last stage that matched a rule wins, as in the flow table), so flow
// records from conntrack name the rule. A change is one nft transaction: flush the table's
// rules, drop unused chains/counters, add the new rules — named counters keep their values.
import type { Port } from "../../../protocol/index.ts";
import { normalizeAction } from "../../acl.ts";
import { formatIPv4, parseCidr } from "../../ip.ts";
import type { AgentState } from "../../state.ts";
import { hashHex, vethName } from "./model.ts";

export const NFT_TABLE = "weft";

export interface RuleInfo {
  acl: string;
  rule_uuid: string;
  origin: string;
  action: "pass" | "deny";
}

export interface Ruleset {
  /** rules only (chains and counters are declared from `chains` and `counters`) */
  chains: Map<string, string[]>;
  counters: Set<string>;
  /** conntrack mark → the rule it names */
  marks: Map<number, RuleInfo>;
  hash: string;
}

/** The id a rule writes into ct mark (28 bits, never 0: 0 is "no rule decided"). */
export function ruleId(acl: string, ruleUuid: string, origin: string): number {
  return (parseInt(hashHex(`${acl}|${ruleUuid}|${origin}`, 7), 16) || 1) >>> 0;
}

const counterName = (id: number) => `c${id.toString(16)}`;

interface Entry {
  action: string;
  protocol: string;
  src: string[];
  dst: string[];
  src_ports: { start: number; end: number }[];
  dst_ports: { start: number; end: number }[];
  direction: string;
  rule_uuid: string;
  origin: string;
}

function split(cidrs: string[]): { any: boolean; v4: string[]; v6: string[] } {
  const out = { any: cidrs.length === 0, v4: [] as string[], v6: [] as string[] };
  for (const s of cidrs) {
    if (s === "any" || s === "0.0.0.0/0" || s === "::/0") {
      out.any = true;
      continue;
    }
    const c = parseCidr(s);
    if (!c) continue;
    if (c.family === 4) out.v4.push(c.len === 32 ? formatIPv4(c.net) : `${formatIPv4(c.net)}/${c.len}`);
    else out.v6.push(s);
  }
  return out;
}

function ports(list: { start: number; end: number }[]): string | null {
  const out: string[] = [];
  for (const r of list ?? []) {
    const s = r.start ?? -1;
    const e = r.end ?? -1;
    if (s < 0 || (s === 0 && e >= 65535)) return null;
    out.push(e < 0 || e === s ? `${s}` : `${s}-${e}`);
  }
  return out.length ? `{ ${out.join(", ")} }` : null;
}

const PROTOCOLS: Record<string, number> = { icmp: 1, tcp: 6, udp: 17, icmp6: 58, "ipv6-icmp": 58, sctp: 132 };

/** nft match expressions of one ACL entry: one per address family it can match ([] = it matches nothing). */
function matches(e: Entry): string[] {
  const p = (e.protocol ?? "").trim().toLowerCase();
  let proto = "";
  if (p && p !== "any") {
    const n = PROTOCOLS[p] ?? (/^\d+$/.test(p) ? Number(p) : NaN);
    if (!Number.isInteger(n)) return [];
    proto = `meta l4proto ${n}`;
  }
  const sp = ports(e.src_ports);
  const dp = ports(e.dst_ports);
  const l4 = [proto, sp ? `th sport ${sp}` : "", dp ? `th dport ${dp}` : ""].filter(Boolean).join(" ");
  const s = split(e.src);
  const d = split(e.dst);
  const out: string[] = [];
  if (s.any && d.any) return [l4];
  for (const [fam, key] of [
    ["ipv4", "ip"],
    ["ipv6", "ip6"],
  ] as const) {
    const sl = fam === "ipv4" ? s.v4 : s.v6;
    const dl = fam === "ipv4" ? d.v4 : d.v6;
    if ((!s.any && sl.length === 0) || (!d.any && dl.length === 0)) continue;
    const parts = [`meta nfproto ${fam}`];
    if (!s.any) parts.push(`${key} saddr { ${sl.join(", ")} }`);
    if (!d.any) parts.push(`${key} daddr { ${dl.join(", ")} }`);
    if (l4) parts.push(l4);
    out.push(parts.join(" "));
  }
  return out;
}

/** The ruleset for the node's ports, from the ACLs the control node sent. */
export function buildRuleset(state: AgentState, ports: Port[] = [...state.ports.values()]): Ruleset {
  const chains = new Map<string, string[]>();
  const counters = new Set<string>();
  const marks = new Map<number, RuleInfo>();
  const decide = (info: RuleInfo, match: string) => {
    const id = ruleId(info.acl, info.rule_uuid, info.origin);
    marks.set(id, info);
    const c = counterName(id);
    counters.add(c);
    return `${match ? `${match} ` : ""}counter name ${c} ct mark set 0x${id.toString(16)} ${info.action === "pass" ? "return" : "drop"}`;
  };
  /** One stage: entries in order, then the default (a default pass names no rule: it just returns). */
  const stage = (name: string, acls: { name: string; entries: Entry[]; default_action: string }[], direction: "ingress" | "egress" | null, missing: string[]) => {
    if (chains.has(name)) return;
    const rules: string[] = [];
    if (missing.length) {
      rules.push(decide({ acl: missing[0], rule_uuid: "", origin: "missing ACL", action: "deny" }, ""));
    } else {
      for (const acl of acls) {
        for (const e of acl.entries) {
          if (direction !== null && e.direction && e.direction !== direction) continue;
          const action = normalizeAction(e.action);
          for (const m of matches(e)) rules.push(decide({ acl: acl.name, rule_uuid: e.rule_uuid, origin: e.origin, action }, m));
        }
      }
      const denying = acls.find((a) => normalizeAction(a.default_action) === "deny");
      if (denying) rules.push(decide({ acl: denying.name, rule_uuid: "", origin: "default action", action: "deny" }, ""));
    }
    chains.set(name, rules);
  };
  const ins: string[] = [];
  const outs: string[] = [];
  for (const p of [...ports].sort((a, b) => a.uuid.localeCompare(b.uuid))) {
    const h = hashHex(p.uuid);
    const veth = vethName(p.uuid);
    const body = { out: [] as string[], in: [] as string[] };
    if (p.acls.length) {
      const { acls, missing } = state.aclsNamed(p.acls);
      const list = acls.map((a) => ({ name: a.name, entries: a.acl.entries as Entry[], default_action: a.acl.default_action }));
      stage(`so_${h}`, list, "egress", missing);
      stage(`si_${h}`, list, "ingress", missing);
      body.out.push(`jump so_${h}`);
      body.in.push(`jump si_${h}`);
    }
    if (p.network_acl) {
      const n = `n_${hashHex(p.network_acl)}`;
      const acl = state.acls.get(p.network_acl);
      stage(n, acl ? [{ name: acl.name, entries: acl.acl.entries as Entry[], default_action: acl.acl.default_action }] : [], null, acl ? [] : [p.network_acl]);
      body.out.push(`jump ${n}`);
      body.in.push(`jump ${n}`);
    }
    if (body.out.length) {
      chains.set(`po_${h}`, body.out);
      chains.set(`pi_${h}`, body.in);
      outs.push(`"${veth}" : jump po_${h}`);
      ins.push(`"${veth}" : jump pi_${h}`);
    }
  }
  const forward = ["ct state established,related accept"];
  if (outs.length) forward.push(`iifname vmap { ${outs.join(", ")} }`);
  if (ins.length) forward.push(`oifname vmap { ${ins.join(", ")} }`);
  chains.set("forward", forward);
  const hash = hashHex(JSON.stringify([...chains].sort((a, b) => a[0].localeCompare(b[0]))), 16);
  // the hash rides on the first rule: a restarted agent that finds it leaves the table alone
  forward[0] = `ct state established,related accept comment "weft ${hash}"`;
  return { chains, counters, marks, hash };
}

/** The transaction that turns the table (with `existing` chains and counters) into `rs`. */
export function rulesetScript(rs: Ruleset, existing: { chains: string[]; counters: string[] } | null): string {
  const t = `inet ${NFT_TABLE}`;
  const lines = [`add table ${t}`, `flush table ${t}`];
  for (const c of existing?.chains ?? []) if (!rs.chains.has(c)) lines.push(`delete chain ${t} ${c}`);
  for (const c of rs.counters) lines.push(`add counter ${t} ${c}`);
  for (const name of rs.chains.keys()) {
    lines.push(name === "forward" ? `add chain ${t} forward { type filter hook forward priority filter; policy accept; }` : `add chain ${t} ${name}`);
  }
  for (const [name, rules] of rs.chains) for (const r of rules) lines.push(`add rule ${t} ${name} ${r}`);
  for (const c of existing?.counters ?? []) if (!rs.counters.has(c)) lines.push(`delete counter ${t} ${c}`);
  return `${lines.join("\n")}\n`;
}
