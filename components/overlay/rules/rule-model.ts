// Policy and security-group rules as editable rows, and back to Contrail's PolicyRuleType JSON.
import { parseCidr } from "../../../server/engine/model/net";
import { PolicyRuleSchema } from "../../../server/engine/model/schemas";
import { zodIssues, type FieldIssue } from "../../../lib/errors";

export type AddrKind = "any" | "network" | "cidr" | "security-group" | "local";

interface AddressJson {
  virtual_network?: string | null;
  subnet?: { ip_prefix: string; ip_prefix_len: number } | null;
  security_group?: string | null;
  network_policy?: string | null;
}
interface PortJson {
  start_port: number;
  end_port: number;
}
export interface RuleJson {
  rule_uuid?: string;
  direction?: string;
  protocol?: string;
  ethertype?: string;
  src_addresses?: AddressJson[];
  dst_addresses?: AddressJson[];
  src_ports?: PortJson[];
  dst_ports?: PortJson[];
  action_list?: { simple_action?: string } & Record<string, unknown>;
  [k: string]: unknown;
}

export interface Endpoint {
  kind: AddrKind;
  /** VN / SG fq name (':'-joined) or CIDR text */
  value: string;
}

export interface RuleRow {
  key: string;
  direction: "<>" | ">";
  protocol: string;
  ethertype: "IPv4" | "IPv6";
  src: Endpoint;
  srcPorts: string;
  dst: Endpoint;
  dstPorts: string;
  action: "pass" | "deny";
  /** the stored rule (keeps rule_uuid and fields the form does not edit) */
  orig?: RuleJson;
}

let seq = 0;
export function newRule(partial: Partial<RuleRow> = {}): RuleRow {
  seq += 1;
  return {
    key: `r${seq}`,
    direction: "<>",
    protocol: "any",
    ethertype: "IPv4",
    src: { kind: "any", value: "" },
    srcPorts: "any",
    dst: { kind: "any", value: "" },
    dstPorts: "any",
    action: "pass",
    ...partial,
  };
}

// ---- addresses ----

export function endpointOf(a: AddressJson | undefined): Endpoint {
  if (!a) return { kind: "any", value: "" };
  if (a.security_group) return a.security_group === "local" ? { kind: "local", value: "" } : { kind: "security-group", value: a.security_group };
  if (a.subnet) {
    if (a.subnet.ip_prefix_len === 0) return { kind: "any", value: "" };
    return { kind: "cidr", value: `${a.subnet.ip_prefix}/${a.subnet.ip_prefix_len}` };
  }
  if (a.virtual_network && a.virtual_network !== "any") return { kind: "network", value: a.virtual_network };
  return { kind: "any", value: "" };
}

export function endpointText(e: Endpoint): string {
  switch (e.kind) {
    case "any":
      return "any";
    case "local":
      return "this group";
    case "cidr":
      return e.value;
    case "network":
      return `network ${e.value}`;
    case "security-group":
      return `group ${e.value}`;
  }
}

function addressOf(e: Endpoint, ethertype: string, anyAs: "network" | "subnet", path: string, issues: FieldIssue[]): AddressJson {
  switch (e.kind) {
    case "any":
      return anyAs === "network" ? { virtual_network: "any" } : { subnet: { ip_prefix: ethertype === "IPv6" ? "::" : "0.0.0.0", ip_prefix_len: 0 } };
    case "local":
      return { security_group: "local" };
    case "network":
      if (!e.value) issues.push({ field: path, message: "choose a network" });
      return { virtual_network: e.value };
    case "security-group":
      if (!e.value) issues.push({ field: path, message: "choose a security group" });
      return { security_group: e.value };
    case "cidr": {
      const c = parseCidr(e.value.trim());
      if (!c.ok) {
        issues.push({ field: path, message: c.error });
        return { subnet: null };
      }
      return { subnet: { ip_prefix: c.cidr.prefix, ip_prefix_len: c.cidr.prefixLen } };
    }
  }
}

// ---- ports ----

export function portsText(ports: PortJson[] | undefined): string {
  if (!ports || ports.length === 0) return "any";
  return ports
    .map((p) => (p.start_port === -1 || (p.start_port === 0 && p.end_port === 65535) ? "any" : p.start_port === p.end_port ? `${p.start_port}` : `${p.start_port}-${p.end_port}`))
    .join(", ");
}

function portsOf(text: string, path: string, issues: FieldIssue[]): PortJson[] {
  const parts = text.split(",").map((s) => s.trim()).filter(Boolean);
  if (parts.length === 0 || parts.includes("any")) return [{ start_port: -1, end_port: -1 }];
  return parts.map((p) => {
    const m = /^(\d{1,5})(?:\s*-\s*(\d{1,5}))?$/.exec(p);
    const start = m ? Number(m[1]) : NaN;
    const end = m ? Number(m[2] ?? m[1]) : NaN;
    if (!m || start > 65535 || end > 65535) issues.push({ field: path, message: `"${p}" is not a port or range: write any, 80 or 1000-2000 (0–65535)` });
    else if (start > end) issues.push({ field: path, message: `port range ${p} starts after it ends` });
    return { start_port: start, end_port: end };
  });
}

// ---- network policy rules ----

export function policyRowOf(r: RuleJson): RuleRow {
  return newRule({
    direction: r.direction === ">" ? ">" : "<>",
    protocol: r.protocol ?? "any",
    ethertype: r.ethertype === "IPv6" ? "IPv6" : "IPv4",
    src: endpointOf(r.src_addresses?.[0]),
    srcPorts: portsText(r.src_ports),
    dst: endpointOf(r.dst_addresses?.[0]),
    dstPorts: portsText(r.dst_ports),
    action: r.action_list?.simple_action === "deny" ? "deny" : "pass",
    orig: r,
  });
}

function checked(rule: RuleJson, path: string, issues: FieldIssue[]) {
  const z = PolicyRuleSchema.safeParse(rule);
  if (!z.success) issues.push(...zodIssues(z.error, path));
}

export function policyRulesOf(rows: RuleRow[], entriesField: string): { rules: RuleJson[]; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const rules = rows.map((row, i) => {
    const p = `${entriesField}.policy_rule.${i}`;
    const rule: RuleJson = {
      ...(row.orig ?? {}),
      direction: row.direction,
      protocol: row.protocol.trim() || "any",
      ethertype: row.ethertype,
      src_addresses: [addressOf(row.src, row.ethertype, "network", `${p}.src_addresses`, issues)],
      dst_addresses: [addressOf(row.dst, row.ethertype, "network", `${p}.dst_addresses`, issues)],
      src_ports: portsOf(row.srcPorts, `${p}.src_ports`, issues),
      dst_ports: portsOf(row.dstPorts, `${p}.dst_ports`, issues),
      action_list: { ...(row.orig?.action_list ?? {}), simple_action: row.action },
    };
    checked(rule, p, issues);
    return rule;
  });
  return { rules, issues };
}

// ---- security group rules: direction is ingress/egress relative to the group ----

export interface SgRuleRow {
  key: string;
  traffic: "ingress" | "egress";
  ethertype: "IPv4" | "IPv6";
  protocol: string;
  remote: Endpoint;
  ports: string;
  orig?: RuleJson;
}

export function newSgRule(partial: Partial<SgRuleRow> = {}): SgRuleRow {
  seq += 1;
  return { key: `g${seq}`, traffic: "ingress", ethertype: "IPv4", protocol: "any", remote: { kind: "any", value: "" }, ports: "any", ...partial };
}

export function sgRowOf(r: RuleJson): SgRuleRow {
  const dst = endpointOf(r.dst_addresses?.[0]);
  const ingress = dst.kind === "local";
  return newSgRule({
    traffic: ingress ? "ingress" : "egress",
    ethertype: r.ethertype === "IPv6" ? "IPv6" : "IPv4",
    protocol: r.protocol ?? "any",
    remote: ingress ? endpointOf(r.src_addresses?.[0]) : dst,
    ports: portsText(r.dst_ports),
    orig: r,
  });
}

export function sgRulesOf(rows: SgRuleRow[], entriesField: string): { rules: RuleJson[]; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const rules = rows.map((row, i) => {
    const p = `${entriesField}.policy_rule.${i}`;
    const remotePath = `${p}.${row.traffic === "ingress" ? "src" : "dst"}_addresses`;
    const remote = addressOf(row.remote, row.ethertype, "subnet", remotePath, issues);
    const local: AddressJson = { security_group: "local" };
    const rule: RuleJson = {
      ...(row.orig ?? {}),
      direction: ">",
      protocol: row.protocol.trim() || "any",
      ethertype: row.ethertype,
      src_addresses: [row.traffic === "ingress" ? remote : local],
      dst_addresses: [row.traffic === "ingress" ? local : remote],
      src_ports: [{ start_port: 0, end_port: 65535 }],
      dst_ports: portsOf(row.ports, `${p}.dst_ports`, issues),
    };
    checked(rule, p, issues);
    return rule;
  });
  return { rules, issues };
}

export function rulesOf(obj: Record<string, unknown>, entriesField: string): RuleJson[] {
  return ((obj[entriesField] as { policy_rule?: RuleJson[] } | undefined)?.policy_rule ?? []) as RuleJson[];
}
