// "What change would make it pass": one fix for the step that stopped the packet, in the config's
// own terms (a rule added to a security group, a pass rule before the deny rule of a policy, a
// policy joining the two networks attached on both). The analysis applies it to a draft and asks
// again; the next step that stops it gets the next fix (analyze.ts).
import type { ConfigView } from "../compiler/compile";
import type { CompiledPort } from "../compiler/types";
import { type ConfigObject, type Ref, fqString } from "../model/types";
import type { Answer, Decision, Probe } from "./analyze";
import type { DraftChange } from "./draft";
import type { World } from "./world";

interface FixInput {
  probe: Probe;
  answer: Answer;
  world: World;
  config: ConfigView;
  /** changes decided so far (a later fix may extend an object an earlier one created) */
  changes: DraftChange[];
  /** every compiled port (to find the network owning the destination address) */
  allPorts: () => Iterable<CompiledPort>;
}

const host = (a: string) => ({ ip_prefix: a, ip_prefix_len: a.includes(":") ? 128 : 32 });
const ANY_PORTS = [{ start_port: -1, end_port: -1 }];

function ports(p: Probe) {
  return p.protocol !== "icmp" && p.dstPort > 0 ? [{ start_port: p.dstPort, end_port: p.dstPort }] : ANY_PORTS;
}

/** The current version of an object: as an earlier change left it, else as configured. */
function current(input: FixInput, uuid: string): ConfigObject | undefined {
  return input.changes.find((c) => c.uuid === uuid)?.object ?? input.config.find(uuid);
}

function findByFq(input: FixInput, type: string, fq: string[]): ConfigObject | undefined {
  const key = fq.join(":");
  const drafted = input.changes.find((c) => c.type === type && c.fq_name.join(":") === key);
  if (drafted) return drafted.object;
  return input.config.list(type as Parameters<ConfigView["list"]>[0]).find((o) => fqString(o.fq_name) === key);
}

function update(obj: ConfigObject, patch: Record<string, unknown>, summary: string): DraftChange {
  const object = { ...obj, ...patch } as ConfigObject;
  return { action: obj.uuid.startsWith("draft-") ? "create" : "update", type: obj.type, uuid: obj.uuid, fq_name: obj.fq_name, object, summary };
}

function rulesOf(o: ConfigObject, field: string): Record<string, unknown>[] {
  return [...((o[field] as { policy_rule?: Record<string, unknown>[] } | undefined)?.policy_rule ?? [])];
}

/** The network a destination address belongs to: a port's fixed address or floating IP. */
function networkOwning(world: World, ports: Iterable<CompiledPort>, address: string): string | null {
  for (const p of ports) {
    if (p.addresses.includes(address)) return p.networkFqName;
    const f = p.floatingIps.find((x) => x.address === address);
    if (f) {
      const ri = world.instanceByName(f.vrf);
      if (ri) return ri.networkFqName.join(":");
    }
  }
  return null;
}

export function nextFix(input: FixInput): DraftChange[] | null {
  const { answer, probe } = input;
  const deny = answer.deciding && answer.deciding.action === "deny" ? answer.deciding : null;
  if (deny?.stage.startsWith("security-group") && deny.object) return securityGroupFix(input, deny);
  if (deny?.object?.type === "network-policy" && deny.rule_index) return passBeforeDeny(input, deny);
  const src = probe.portUuid ? input.world.port(probe.portUuid) : undefined;
  if (!src) return null;
  if (deny?.stage === "network-acl" || /^no route to /.test(answer.reason)) {
    const dstVn = networkOwning(input.world, input.allPorts(), probe.dst);
    if (!dstVn || dstVn === src.networkFqName) return null;
    return joinNetworks(input, src.networkFqName, dstVn);
  }
  return null;
}

/** A security group that denied by default (it admits only what its rules allow): allow exactly this. */
function securityGroupFix(input: FixInput, d: Decision): DraftChange[] | null {
  const sg = findByFq(input, "security-group", d.object!.fq_name);
  if (!sg) return null;
  const ingress = d.stage.includes("ingress");
  const { probe } = input;
  const peer = ingress ? (d.src ?? probe.src ?? "") : (d.dst ?? probe.dst);
  if (!peer) return null;
  const rule = {
    direction: ">",
    protocol: probe.protocol,
    ethertype: peer.includes(":") ? "IPv6" : "IPv4",
    src_addresses: ingress ? [{ subnet: host(peer) }] : [{ security_group: "local" }],
    dst_addresses: ingress ? [{ security_group: "local" }] : [{ subnet: host(peer) }],
    src_ports: ANY_PORTS,
    dst_ports: ports(probe),
  };
  const entries = [...rulesOf(sg, "security_group_entries"), rule];
  const what = `${probe.protocol}${probe.dstPort ? `/${probe.dstPort}` : ""}`;
  return [update(sg, { security_group_entries: { policy_rule: entries } }, `security-group ${fqString(sg.fq_name)}: allow ${ingress ? "ingress" : "egress"} ${what} ${ingress ? "from" : "to"} ${peer}`)];
}

/** A policy rule denied it: a pass rule for exactly this traffic just before it. */
function passBeforeDeny(input: FixInput, d: Decision): DraftChange[] | null {
  const pol = findByFq(input, "network-policy", d.object!.fq_name);
  const src = input.probe.portUuid ? input.world.port(input.probe.portUuid) : undefined;
  if (!pol || !src) return null;
  const dstVn = networkOwning(input.world, input.allPorts(), input.probe.dst);
  const rules = rulesOf(pol, "network_policy_entries");
  const rule = passRule(input.probe, src.networkFqName, dstVn, input.probe.src);
  rules.splice(Math.max(0, d.rule_index! - 1), 0, rule);
  return [update(pol, { network_policy_entries: { policy_rule: rules } }, `network-policy ${fqString(pol.fq_name)}: pass ${describe(input.probe)} before rule ${d.rule_index}`)];
}

function passRule(probe: Probe, srcVn: string, dstVn: string | null, srcAddress?: string) {
  return {
    direction: "<>",
    protocol: probe.protocol,
    ethertype: probe.dst.includes(":") ? "IPv6" : "IPv4",
    src_addresses: [srcAddress && !srcVn ? { subnet: host(srcAddress) } : { virtual_network: srcVn }],
    dst_addresses: [dstVn ? { virtual_network: dstVn } : { subnet: host(probe.dst) }],
    src_ports: ANY_PORTS,
    dst_ports: ports(probe),
    action_list: { simple_action: "pass" },
  };
}

const describe = (p: Probe) => `${p.protocol}${p.dstPort ? `/${p.dstPort}` : ""} to ${p.dst}`;

/**
 * Two networks not joined (no route) or a network ACL without a passing rule: a pass rule between
 * them in a policy attached to both (Contrail joins two networks only when both attach it) — an
 * existing policy both already share, else a new one in the source network's project.
 */
function joinNetworks(input: FixInput, srcVnFq: string, dstVnFq: string): DraftChange[] | null {
  const srcVn = findByFq(input, "virtual-network", srcVnFq.split(":"));
  const dstVn = findByFq(input, "virtual-network", dstVnFq.split(":"));
  if (!srcVn || !dstVn) return null;
  const refs = (vn: ConfigObject) => (current(input, vn.uuid)?.network_policy_refs as Ref[] | undefined) ?? [];
  const rule = passRule(input.probe, srcVnFq, dstVnFq);
  const shared = refs(srcVn).find((r) => refs(dstVn).some((x) => x.uuid === r.uuid));
  if (shared) {
    const pol = current(input, shared.uuid);
    if (!pol) return null;
    const rules = [rule, ...rulesOf(pol, "network_policy_entries")];
    return [update(pol, { network_policy_entries: { policy_rule: rules } }, `network-policy ${fqString(pol.fq_name)} (attached to both networks): pass ${describe(input.probe)} from ${srcVnFq} as its first rule`)];
  }
  const project = srcVn.fq_name.slice(0, -1);
  const name = `allow-${srcVn.name}-to-${dstVn.name}`.slice(0, 200);
  const fq = [...project, name];
  const existing = findByFq(input, "network-policy", fq);
  const out: DraftChange[] = [];
  let policyUuid: string;
  if (existing) {
    policyUuid = existing.uuid;
    out.push(update(existing, { network_policy_entries: { policy_rule: [rule, ...rulesOf(existing, "network_policy_entries")] } }, `network-policy ${fq.join(":")}: pass ${describe(input.probe)}`));
  } else {
    policyUuid = `draft-${input.changes.length + 1}`;
    const pol: ConfigObject = {
      uuid: policyUuid,
      type: "network-policy",
      name,
      fq_name: fq,
      parent_type: "project",
      display_name: name,
      id_perms: { enable: true } as ConfigObject["id_perms"],
      resource_version: 0,
      network_policy_entries: { policy_rule: [rule] },
    };
    out.push({ action: "create", type: "network-policy", uuid: policyUuid, fq_name: fq, object: pol, summary: `create network-policy ${fq.join(":")} passing ${describe(input.probe)} between ${srcVnFq} and ${dstVnFq}` });
  }
  for (const vn of [srcVn, dstVn]) {
    const have = refs(vn);
    if (have.some((r) => r.uuid === policyUuid)) continue;
    const cur = current(input, vn.uuid) ?? vn;
    out.push(update(cur, { network_policy_refs: [...have, { to: fq, uuid: policyUuid, attr: { sequence: { major: 0, minor: 0 } } }] }, `attach it to virtual-network ${fqString(vn.fq_name)}`));
  }
  return out;
}
