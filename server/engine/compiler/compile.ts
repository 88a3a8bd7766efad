// Pure compile functions: config (read-only) → routing instances, ACLs, port config.
// Same config in, same output out: the incremental compiler and a rebuild from scratch share them.
import { createHash } from "node:crypto";
import type { Acl, AclEntry, FloatingIp, PortRange } from "../protocol";
import type { PolicyRule } from "../model/schemas";
import { AUTO_RT_BASE } from "../model/route-target";
import { type ConfigObject, type Ref, bindingHost, fqString } from "../model/types";
import { subnetsOfNetwork } from "../config/store";
import type { BgpRouterParameters } from "../model/schemas";
import { type BgpPeer, type CompiledBgp, type CompiledPort, type ImportReason, type RoutingInstance, sgAclName, vnAclName } from "./types";

/** What the compiler reads from config. ConfigService satisfies it. */
export interface ConfigView {
  list(type: "virtual-network" | "network-policy" | "security-group" | "virtual-machine-interface" | "instance-ip" | "floating-ip" | "bgp-router"): ConfigObject[];
  find(uuid: string): ConfigObject | undefined;
  backRefs(uuid: string): { type: string; uuid: string; field: string }[];
}

/** A uuid derived from a name, so compiled objects keep their ids across rebuilds. */
export function derivedUuid(kind: string, key: string): string {
  const h = createHash("sha1").update(`${kind}:${key}`).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${h.slice(18, 20)}-${h.slice(20, 32)}`;
}

export const autoRouteTarget = (asn: number, networkId: number) => `target:${asn}:${AUTO_RT_BASE + networkId}`;
export const instanceName = (vn: ConfigObject) => fqString([...vn.fq_name, vn.name]);

const rtList = (o: ConfigObject, field: string) => ((o[field] as { route_target?: string[] } | undefined)?.route_target ?? []);
const rulesOf = (o: ConfigObject, field: string) => ((o[field] as { policy_rule?: PolicyRule[] } | undefined)?.policy_rule ?? []);

/** Policies attached to a VN, in Contrail's order (sequence major.minor, then name). */
function attachedPolicies(cfg: ConfigView, vn: ConfigObject): ConfigObject[] {
  const refs = (vn.network_policy_refs as Ref[] | undefined) ?? [];
  const seq = (r: Ref) => {
    const s = (r.attr as { sequence?: { major: number; minor: number } } | undefined)?.sequence;
    return s ? s.major * 1e6 + s.minor : Number.MAX_SAFE_INTEGER;
  };
  return [...refs]
    .sort((a, b) => seq(a) - seq(b) || fqString(a.to).localeCompare(fqString(b.to)))
    .map((r) => cfg.find(r.uuid))
    .filter((p): p is ConfigObject => !!p);
}

/** A policy address → the VN FQ name it names ("local" is the VN the policy is attached to), "any", or null (a subnet or a group). */
function vnOfAddress(a: PolicyRule["src_addresses"][number], attachedTo: ConfigObject): string | null {
  if (!a.virtual_network) return null;
  return a.virtual_network === "local" ? fqString(attachedTo.fq_name) : a.virtual_network;
}

/**
 * The networks a VN's own policies connect it to, as Contrail's schema transformer computes them
 * (VirtualNetworkST.evaluate): for each pass rule of a policy attached to the VN, when the VN is
 * (or "any" covers) one end, the other end is a connection — whatever the rule's direction, which
 * only the ACL enforces. "any" on the other end is "*". Rules that name neither end as this VN
 * connect nothing. Value: why (the first rule that made the connection).
 */
function connectionsOf(cfg: ConfigView, vn: ConfigObject): Map<string, string> {
  const me = fqString(vn.fq_name);
  const isMe = (x: string | null) => x === me || x === "any";
  const out = new Map<string, string>();
  for (const pol of attachedPolicies(cfg, vn)) {
    rulesOf(pol, "network_policy_entries").forEach((rule, i) => {
      if (rule.action_list?.simple_action !== "pass") return;
      const why = `network-policy ${fqString(pol.fq_name)} rule ${i + 1} (pass ${rule.direction}) attached to ${me}`;
      const add = (other: string | null) => {
        if (other === null || other === me) return;
        const key = other === "any" ? "*" : other;
        if (!out.has(key)) out.set(key, why);
      };
      for (const s of rule.src_addresses) {
        for (const d of rule.dst_addresses) {
          const sv = vnOfAddress(s, vn);
          const dv = vnOfAddress(d, vn);
          if (isMe(dv)) add(sv);
          if (isMe(sv)) add(dv);
        }
      }
    });
  }
  return out;
}

/**
 * Route leaking by policy, with Contrail's rule: two networks exchange routes only when each one's
 * own policies connect it to the other (VirtualNetworkST.add_ri_connection connects the routing
 * instances only if `self.name in vn2.expand_connections()`; RoutingInstanceST.add_connection is
 * symmetric). A policy attached on one side only leaks nothing, so a project cannot pull another
 * project's routes by naming its network in a policy of its own. "*" (a rule with "any") expands,
 * as expand_connections does, to the networks of the same project and to every network whose own
 * policies name this one.
 */
function leakedImports(cfg: ConfigView, vns: ConfigObject[], rtOf: Map<string, string>): Map<string, ImportReason[]> {
  const conns = new Map<string, Map<string, string>>();
  const byFq = new Map<string, ConfigObject>();
  for (const vn of vns) {
    byFq.set(fqString(vn.fq_name), vn);
    const c = connectionsOf(cfg, vn);
    if (c.size) conns.set(fqString(vn.fq_name), c);
  }
  // networks naming each network in their own connections (for "*")
  const namedBy = new Map<string, Set<string>>();
  for (const [from, c] of conns) for (const to of c.keys()) if (to !== "*") (namedBy.get(to) ?? namedBy.set(to, new Set()).get(to)!).add(from);
  const expanded = new Map<string, Map<string, string>>();
  const expand = (fq: string): Map<string, string> => {
    let e = expanded.get(fq);
    if (e) return e;
    const c = conns.get(fq) ?? new Map<string, string>();
    e = new Map([...c].filter(([k]) => k !== "*"));
    const any = c.get("*");
    if (any !== undefined) {
      const vn = byFq.get(fq)!;
      for (const other of vns) {
        const o = fqString(other.fq_name);
        if (o !== fq && other.parent_uuid === vn.parent_uuid && !e.has(o)) e.set(o, `${any} ("any": same project)`);
      }
      for (const o of namedBy.get(fq) ?? []) if (!e.has(o)) e.set(o, `${any} ("any": ${o} names it)`);
    }
    expanded.set(fq, e);
    return e;
  };
  const out = new Map<string, ImportReason[]>();
  for (const a of conns.keys()) {
    for (const [b, whyA] of expand(a)) {
      const whyB = expand(b).get(a);
      const rt = rtOf.get(b);
      if (whyB === undefined || !rt || !rtOf.has(a)) continue;
      const list = out.get(a) ?? [];
      list.push({ rt, why: `${whyA}; and ${whyB}` });
      out.set(a, list);
    }
  }
  return out;
}

export function compileInstances(cfg: ConfigView, asn: number): Map<string, RoutingInstance> {
  const vns = cfg.list("virtual-network");
  const rtOf = new Map<string, string>();
  for (const vn of vns) rtOf.set(fqString(vn.fq_name), autoRouteTarget(asn, vn.virtual_network_network_id as number));
  const leaks = leakedImports(cfg, vns, rtOf);
  const out = new Map<string, RoutingInstance>();
  for (const vn of vns) {
    const vnFq = fqString(vn.fq_name);
    const own = rtOf.get(vnFq)!;
    const both = rtList(vn, "route_target_list");
    const imports: ImportReason[] = [{ rt: own, why: `automatic route target of ${vnFq}` }];
    for (const rt of both) imports.push({ rt, why: `route_target_list of ${vnFq}` });
    for (const rt of rtList(vn, "import_route_target_list")) imports.push({ rt, why: `import_route_target_list of ${vnFq}` });
    imports.push(...(leaks.get(vnFq) ?? []));
    const exportTargets = [...new Set([own, ...both, ...rtList(vn, "export_route_target_list")])];
    const props = (vn.virtual_network_properties as { vxlan_network_identifier?: number | null } | undefined) ?? {};
    const networkId = vn.virtual_network_network_id as number;
    out.set(vn.uuid, {
      uuid: derivedUuid("routing-instance", vn.uuid),
      fq_name: [...vn.fq_name, vn.name],
      name: instanceName(vn),
      networkUuid: vn.uuid,
      networkFqName: vn.fq_name,
      networkId,
      vxlanId: props.vxlan_network_identifier ?? networkId,
      routeTarget: own,
      importTargets: [...new Set(imports.map((i) => i.rt))],
      exportTargets,
      imports,
      why: [`virtual-network ${vnFq}`],
    });
  }
  return out;
}

const ANY4 = "0.0.0.0/0";
const ANY6 = "::/0";
const portRanges = (ps: { start_port: number; end_port: number }[]): PortRange[] => ps.map((p) => ({ start: p.start_port, end: p.end_port }));

function cidrsOfVn(vn: ConfigObject | undefined): string[] {
  return vn ? subnetsOfNetwork(vn).map((s) => `${s.subnet.ip_prefix}/${s.subnet.ip_prefix_len}`) : [];
}

/** The VN ACL: same-network traffic passes, then the attached policies' rules, in order. */
export function compileNetworkAcl(cfg: ConfigView, vn: ConfigObject, vnByFq: Map<string, ConfigObject>): Acl {
  const vnFq = fqString(vn.fq_name);
  const own = cidrsOfVn(vn);
  const entries: AclEntry[] = [];
  if (own.length) {
    entries.push({
      rule_uuid: derivedUuid("implicit-rule", vn.uuid),
      action: "pass",
      protocol: "any",
      src: own,
      dst: own,
      src_ports: [{ start: -1, end: -1 }],
      dst_ports: [{ start: -1, end: -1 }],
      direction: "",
      origin: `implicit: traffic inside ${vnFq}`,
    });
  }
  const policies = attachedPolicies(cfg, vn);
  const resolve = (a: PolicyRule["src_addresses"][number], ethertype: string): string[] => {
    if (a.subnet) return [`${a.subnet.ip_prefix}/${a.subnet.ip_prefix_len}`];
    if (a.virtual_network === "any" || (!a.virtual_network && !a.security_group)) return [ethertype === "IPv6" ? ANY6 : ANY4];
    if (a.virtual_network === "local") return own;
    if (a.virtual_network) return cidrsOfVn(vnByFq.get(a.virtual_network));
    return [];
  };
  for (const pol of policies) {
    rulesOf(pol, "network_policy_entries").forEach((rule, i) => {
      const origin = `network-policy ${fqString(pol.fq_name)} rule ${i + 1}`;
      const src = rule.src_addresses.flatMap((a) => resolve(a, rule.ethertype));
      const dst = rule.dst_addresses.flatMap((a) => resolve(a, rule.ethertype));
      const action = rule.action_list?.simple_action ?? "deny";
      const base = { rule_uuid: rule.rule_uuid ?? derivedUuid("rule", `${pol.uuid}:${i}`), action, protocol: rule.protocol, direction: "", origin };
      entries.push({ ...base, src, dst, src_ports: portRanges(rule.src_ports), dst_ports: portRanges(rule.dst_ports) });
      if (rule.direction === "<>") {
        entries.push({ ...base, src: dst, dst: src, src_ports: portRanges(rule.dst_ports), dst_ports: portRanges(rule.src_ports), origin: `${origin} (reverse)` });
      }
    });
  }
  return {
    name: vnAclName(vnFq),
    entries,
    // Contrail: without policies a network is reachable only by its own routes; with policies,
    // what no rule passes is denied.
    default_action: policies.length ? "deny" : "pass",
    why: [`virtual-network ${vnFq}`, ...policies.map((p) => `network-policy ${fqString(p.fq_name)}`)],
  };
}

/** Addresses of the ports that are members of each security group. */
export function securityGroupMembers(cfg: ConfigView): Map<string, string[]> {
  const members = new Map<string, string[]>();
  const addressesOf = addressesByPort(cfg);
  for (const vmi of cfg.list("virtual-machine-interface")) {
    for (const r of (vmi.security_group_refs as Ref[] | undefined) ?? []) {
      const list = members.get(r.uuid) ?? [];
      for (const a of addressesOf.get(vmi.uuid) ?? []) list.push(a.includes(":") ? `${a}/128` : `${a}/32`);
      members.set(r.uuid, list);
    }
  }
  for (const l of members.values()) l.sort();
  return members;
}

export function addressesByPort(cfg: ConfigView): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const iip of cfg.list("instance-ip")) {
    for (const r of (iip.virtual_machine_interface_refs as Ref[] | undefined) ?? []) {
      const list = out.get(r.uuid) ?? [];
      list.push(iip.instance_ip_address as string);
      out.set(r.uuid, list);
    }
  }
  for (const l of out.values()) l.sort();
  return out;
}

/**
 * A security group's ACL. Rules whose destination is `local` are ingress (the remote side is
 * the source); rules whose source is `local` are egress. Remote security groups resolve to the
 * addresses of their member ports. What no rule allows is dropped.
 */
export function compileSecurityGroupAcl(sg: ConfigObject, sgByFq: Map<string, ConfigObject>, members: Map<string, string[]>): Acl {
  const sgFq = fqString(sg.fq_name);
  const entries: AclEntry[] = [];
  rulesOf(sg, "security_group_entries").forEach((rule, i) => {
    const isLocal = (a: PolicyRule["src_addresses"][number]) => a.security_group === "local";
    const ingress = rule.dst_addresses.some(isLocal);
    const remote = ingress ? rule.src_addresses : rule.dst_addresses;
    const any = rule.ethertype === "IPv6" ? ANY6 : ANY4;
    const cidrs = remote.flatMap((a) => {
      if (a.subnet) return [`${a.subnet.ip_prefix}/${a.subnet.ip_prefix_len}`];
      if (a.security_group && a.security_group !== "local" && a.security_group !== "any") {
        const other = sgByFq.get(a.security_group);
        return other ? (members.get(other.uuid) ?? []).filter((c) => (rule.ethertype === "IPv6") === c.includes(":")) : [];
      }
      return [any];
    });
    entries.push({
      rule_uuid: rule.rule_uuid ?? derivedUuid("rule", `${sg.uuid}:${i}`),
      action: "pass",
      protocol: rule.protocol,
      src: ingress ? cidrs : [any],
      dst: ingress ? [any] : cidrs,
      src_ports: portRanges(rule.src_ports),
      dst_ports: portRanges(rule.dst_ports),
      direction: ingress ? "ingress" : "egress",
      origin: `security-group ${sgFq} rule ${i + 1} (${ingress ? "ingress" : "egress"} ${rule.ethertype} ${rule.protocol})`,
    });
  });
  return { name: sgAclName(sgFq), entries, default_action: "deny", why: [`security-group ${sgFq}`] };
}

export function compilePort(cfg: ConfigView, vmi: ConfigObject, addresses: string[]): CompiledPort | null {
  const vnRef = (vmi.virtual_network_refs as Ref[] | undefined)?.[0];
  const vn = vnRef ? cfg.find(vnRef.uuid) : undefined;
  if (!vn) return null;
  const vnFq = fqString(vn.fq_name);
  const securityOn = vmi.port_security_enabled !== false;
  const sgs = securityOn ? ((vmi.security_group_refs as Ref[] | undefined) ?? []) : [];
  const floatingIps: FloatingIp[] = [];
  for (const b of cfg.backRefs(vmi.uuid)) {
    if (b.type !== "floating-ip") continue;
    const fip = cfg.find(b.uuid);
    const pool = fip?.parent_uuid ? cfg.find(fip.parent_uuid) : undefined;
    const fipVn = pool?.parent_uuid ? cfg.find(pool.parent_uuid) : undefined;
    if (!fip || !fipVn) continue;
    floatingIps.push({
      address: fip.floating_ip_address as string,
      fixed_address: (fip.floating_ip_fixed_ip_address as string | null) || addresses[0] || "",
      vrf: instanceName(fipVn),
      direction: (fip.floating_ip_direction as string) ?? "both",
    });
  }
  floatingIps.sort((a, b) => a.address.localeCompare(b.address));
  const macs = (vmi.virtual_machine_interface_mac_addresses as { mac_address?: string[] } | undefined)?.mac_address ?? [];
  return {
    uuid: vmi.uuid,
    fqName: fqString(vmi.fq_name),
    networkUuid: vn.uuid,
    networkFqName: vnFq,
    vrf: instanceName(vn),
    mac: macs[0] ?? "",
    addresses,
    acls: sgs.map((r) => sgAclName(fqString(r.to))),
    networkAcl: vnAclName(vnFq),
    host: bindingHost(vmi),
    floatingIps,
    why: [`virtual-machine-interface ${fqString(vmi.fq_name)}`, `virtual-network ${vnFq}`],
  };
}

/**
 * BGP: the local control node is the control-node bgp-router named like this control node; its
 * peers are the bgp-routers linked to it by bgp_router_refs in either direction (Contrail keeps
 * both), with the session attributes of the ref applied.
 */
export function compileBgp(cfg: ConfigView, localName: string, clusterAsn: number): CompiledBgp {
  const routers = cfg.list("bgp-router");
  const params = (o: ConfigObject) => (o.bgp_router_parameters ?? {}) as BgpRouterParameters;
  const local = routers.find((r) => r.name === localName && params(r).router_type === "control-node");
  if (!local) return { local: null, peers: [] };
  const lp = params(local);
  const sessionAttrs = new Map<string, Record<string, unknown>>();
  const linked = new Set<string>();
  const attrsOf = (ref: Ref) =>
    ((ref.attr as { session?: { attributes?: Record<string, unknown>[] }[] } | undefined)?.session ?? []).flatMap((s) => s.attributes ?? [])[0];
  for (const r of (local.bgp_router_refs as Ref[] | undefined) ?? []) {
    linked.add(r.uuid);
    const a = attrsOf(r);
    if (a) sessionAttrs.set(r.uuid, a);
  }
  for (const other of routers) {
    for (const r of (other.bgp_router_refs as Ref[] | undefined) ?? []) {
      if (r.uuid !== local.uuid) continue;
      linked.add(other.uuid);
      const a = attrsOf(r);
      if (a && !sessionAttrs.has(other.uuid)) sessionAttrs.set(other.uuid, a);
    }
  }
  const peers: BgpPeer[] = [];
  for (const r of routers) {
    if (r.uuid === local.uuid || !linked.has(r.uuid)) continue;
    const p = params(r);
    const a = (sessionAttrs.get(r.uuid) ?? {}) as {
      admin_down?: boolean;
      passive?: boolean;
      hold_time?: number;
      address_families?: { family?: string[] } | null;
      family_attributes?: { prefix_limit?: { maximum: number } | null }[];
    };
    const limit = a.family_attributes?.find((f) => f.prefix_limit)?.prefix_limit?.maximum ?? p.max_prefixes ?? 0;
    peers.push({
      uuid: r.uuid,
      name: r.name,
      fqName: fqString(r.fq_name),
      routerType: p.router_type ?? "router",
      vendor: p.vendor ?? "",
      address: p.address,
      routerId: p.identifier || p.address,
      asn: p.autonomous_system ?? clusterAsn,
      port: p.port ?? 179,
      sourcePort: p.source_port ?? null,
      holdTime: a.hold_time || p.hold_time || 90,
      families: a.address_families?.family?.length ? a.address_families.family : (p.address_families?.family ?? ["inet", "inet-vpn"]),
      adminDown: !!(p.admin_down || a.admin_down),
      passive: !!(p.passive || a.passive),
      maxPrefixes: limit,
    });
  }
  peers.sort((x, y) => x.fqName.localeCompare(y.fqName));
  return {
    local: {
      uuid: local.uuid,
      name: local.name,
      fqName: fqString(local.fq_name),
      asn: lp.autonomous_system ?? clusterAsn,
      routerId: lp.identifier || lp.address,
      address: lp.address,
      port: lp.port ?? 179,
      holdTime: lp.hold_time ?? 90,
      families: lp.address_families?.family ?? ["inet", "inet-vpn"],
    },
    peers,
  };
}
