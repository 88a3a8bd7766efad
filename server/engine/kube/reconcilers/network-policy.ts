// NetworkPolicy → a security group k8s-np-<name> in the namespace's project (contrail-kube-manager's
// vnc_network_policy.py), its ingress/egress rules with peers resolved to pod addresses, ipBlocks
// (minus their except) and ports; the pods the policy selects carry it (securityGroupsFor).
import type { Actor } from "../../config/api";
import { WeftError } from "../../model/errors";
import { type Cidr, parseCidr, subtractCidrs } from "../../model/net";
import type { PolicyRule } from "../../model/schemas";
import type { ConfigObject } from "../../model/types";
import { type Entry, type KubeContext, type Reconciler, deleteProduced, prod, stable } from "../common";
import { type KubeObject, type LabelSelector, selects } from "../resources";

type Peer = { podSelector?: LabelSelector; namespaceSelector?: LabelSelector; ipBlock?: { cidr: string; except?: string[] } };
type PolicyPort = { protocol?: string; port?: number | string; endPort?: number };

export class NetworkPolicyReconciler implements Reconciler {
  readonly kinds = ["NetworkPolicy"] as const;
  constructor(private readonly ctx: KubeContext) {}

  /** A NetworkPolicy's security group: its ingress and/or egress rules with peers resolved to addresses. */
  async reconcile(_key: string, e: Entry, actor: Actor, warnings: string[]) {
    const { config, names, store } = this.ctx;
    const o = e.object;
    const ns = o.metadata.namespace!;
    await this.ctx.networks.waitProject(ns);
    const types = policyTypes(o);
    const rules: PolicyRule[] = [];
    const local = { security_group: "local" };
    const peersOf = (peers: Peer[] | undefined, ruleIndex: string): { subnet: { ip_prefix: string; ip_prefix_len: number } }[] | null => {
      if (!peers || peers.length === 0) return null; // every source / destination
      const out: Cidr[] = [];
      for (const p of peers) {
        if (p.ipBlock) {
          const base = parseCidr(p.ipBlock.cidr);
          if (!base.ok) {
            warnings.push(`${ruleIndex} ipBlock.cidr: ${base.error}`);
            continue;
          }
          const except = (p.ipBlock.except ?? []).map((x) => parseCidr(x)).filter((x): x is { ok: true; cidr: Cidr } => x.ok).map((x) => x.cidr);
          out.push(...subtractCidrs(base.cidr, except));
          continue;
        }
        for (const pod of store.values()) {
          // a hostNetwork pod's address is its node's: not a pod-network peer (no overlay port)
          if (pod.object.kind !== "Pod" || !pod.details.podIP || pod.details.hostNetwork) continue;
          const pns = pod.object.metadata.namespace!;
          if (p.namespaceSelector) {
            const nsLabels = { "kubernetes.io/metadata.name": pns, ...(store.namespace(pns)?.object.metadata.labels ?? {}) };
            if (!selects(p.namespaceSelector, nsLabels)) continue;
          } else if (pns !== ns) continue;
          if (p.podSelector && !selects(p.podSelector, pod.object.metadata.labels)) continue;
          const c = parseCidr(`${pod.details.podIP}/32`);
          if (c.ok) out.push(c.cidr);
        }
      }
      return out.map((c) => ({ subnet: { ip_prefix: c.prefix, ip_prefix_len: c.prefixLen } }));
    };
    const portRules = (ports: PolicyPort[] | undefined, where: string) => {
      if (!ports || ports.length === 0) return [{ protocol: "any", range: { start_port: 0, end_port: 65535 } }];
      const out: { protocol: string; range: { start_port: number; end_port: number } }[] = [];
      ports.forEach((p, i) => {
        const protocol = (p.protocol ?? "TCP").toLowerCase();
        if (typeof p.port === "string") {
          const n = namedPort(this.ctx, ns, p.port);
          if (n === null) {
            warnings.push(`${where}.ports.${i}: named port ${p.port} is not a containerPort of any pod in ${ns}`);
            return;
          }
          out.push({ protocol, range: { start_port: n, end_port: n } });
        } else if (p.port === undefined) out.push({ protocol, range: { start_port: 0, end_port: 65535 } });
        else out.push({ protocol, range: { start_port: p.port, end_port: p.endPort ?? p.port } });
      });
      return out;
    };
    const rule = (src: unknown, dst: unknown, protocol: string, range: { start_port: number; end_port: number }): PolicyRule =>
      ({ direction: ">", protocol, ethertype: "IPv4", src_addresses: [src], dst_addresses: [dst], src_ports: [{ start_port: 0, end_port: 65535 }], dst_ports: [range] }) as PolicyRule;
    if (types.ingress) {
      (o.spec.ingress ?? []).forEach((r: { from?: Peer[]; ports?: PolicyPort[] }, i: number) => {
        const peers = peersOf(r.from, `spec.ingress.${i}`);
        const srcs = peers === null ? [{ subnet: { ip_prefix: "0.0.0.0", ip_prefix_len: 0 } }] : peers;
        for (const pr of portRules(r.ports, `spec.ingress.${i}`)) for (const s of srcs) rules.push(rule(s, local, pr.protocol, pr.range));
      });
    }
    if (types.egress) {
      (o.spec.egress ?? []).forEach((r: { to?: Peer[]; ports?: PolicyPort[] }, i: number) => {
        const peers = peersOf(r.to, `spec.egress.${i}`);
        const dsts = peers === null ? [{ subnet: { ip_prefix: "0.0.0.0", ip_prefix_len: 0 } }] : peers;
        for (const pr of portRules(r.ports, `spec.egress.${i}`)) for (const d of dsts) rules.push(rule(local, d, pr.protocol, pr.range));
      });
    }
    const fq = names.policySgFq(ns, o.metadata.name);
    const body = { security_group_entries: { policy_rule: rules } };
    let sg = config.getByFqName("security-group", fq);
    if (!sg) sg = await config.create("security-group", { fq_name: fq, parent_type: "project", annotations: names.annotations("NetworkPolicy", ns, o.metadata.name), ...body }, actor);
    else if (stable(stripRuleIds(sg.security_group_entries)) !== stable(stripRuleIds(body.security_group_entries))) sg = await config.update("security-group", sg.uuid, body, actor);
    e.produced = [prod(sg, "security group")];
    const selected = store.ofKind("Pod", ns).filter(([, p]) => selects(o.spec.podSelector, p.object.metadata.labels));
    e.details = { policyTypes: [types.ingress && "Ingress", types.egress && "Egress"].filter(Boolean), rules: rules.length, selectedPods: selected.map(([, p]) => p.object.metadata.name) };
    // pods whose selection changed pick the SG up (or drop it) in their own reconcile
    const sig = stable({ sel: o.spec.podSelector, types });
    if (sig !== e.signature) {
      e.signature = sig;
      for (const [k] of store.ofKind("Pod", ns)) this.ctx.enqueue(k);
    }
  }

  async teardown(_key: string, e: Entry, actor: Actor) {
    await deleteProduced(this.ctx.config, e, actor);
    for (const [k] of this.ctx.store.ofKind("Pod", e.object.metadata.namespace)) this.ctx.enqueue(k);
  }

  /** the namespace's pods: their security groups follow the policies selecting them */
  dependents(o: KubeObject): string[] {
    return this.ctx.store.ofKind("Pod", o.metadata.namespace).map(([k]) => k);
  }

  ready() {
    return "reconciled";
  }
}

function namedPort(ctx: KubeContext, ns: string, name: string): number | null {
  for (const [, e] of ctx.store.ofKind("Pod", ns)) {
    for (const c of e.object.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.name === name) return p.containerPort;
  }
  return null;
}

/**
 * A pod's security groups: those of the NetworkPolicies selecting it, plus an allow-all group for
 * a direction no policy isolates (Kubernetes: a pod is isolated only in the directions a selecting
 * policy names). No selecting policy: no security group, the port is open.
 */
export async function securityGroupsFor(ctx: KubeContext, pod: Entry, project: ConfigObject, actor: Actor): Promise<ConfigObject[]> {
  const ns = pod.object.metadata.namespace!;
  const policies = ctx.store
    .ofKind("NetworkPolicy", ns)
    .map(([, p]) => p)
    .filter((p) => selects(p.object.spec.podSelector, pod.object.metadata.labels));
  if (!policies.length) return [];
  let ingress = false;
  let egress = false;
  const out: ConfigObject[] = [];
  for (const p of policies) {
    const t = policyTypes(p.object);
    ingress ||= t.ingress;
    egress ||= t.egress;
    const sg = ctx.config.getByFqName("security-group", ctx.names.policySgFq(ns, p.object.metadata.name));
    if (!sg) throw new WeftError("conflict", `network policy ${p.object.metadata.name} is not reconciled yet`);
    out.push(sg);
  }
  if (!ingress) out.push(await allowAll(ctx, project, "ingress", actor));
  if (!egress) out.push(await allowAll(ctx, project, "egress", actor));
  return out;
}

async function allowAll(ctx: KubeContext, project: ConfigObject, dir: "ingress" | "egress", actor: Actor): Promise<ConfigObject> {
  const fq = [...project.fq_name, `${ctx.names.cluster}-allow-all-${dir}`];
  const had = ctx.config.getByFqName("security-group", fq);
  if (had) return had;
  const any = { subnet: { ip_prefix: "0.0.0.0", ip_prefix_len: 0 } };
  const local = { security_group: "local" };
  const rule = { direction: ">", protocol: "any", ethertype: "IPv4", src_addresses: [dir === "ingress" ? any : local], dst_addresses: [dir === "ingress" ? local : any], src_ports: [{ start_port: 0, end_port: 65535 }], dst_ports: [{ start_port: 0, end_port: 65535 }] };
  try {
    return await ctx.config.create("security-group", { fq_name: fq, parent_type: "project", id_perms: { description: `Kubernetes: ${dir} a NetworkPolicy does not isolate` }, security_group_entries: { policy_rule: [rule] } }, actor);
  } catch (e) {
    const again = ctx.config.getByFqName("security-group", fq);
    if (again) return again; // created by a concurrent reconcile
    throw e;
  }
}

/** Kubernetes: policyTypes absent → Ingress, plus Egress when the policy has egress rules. */
export function policyTypes(o: KubeObject): { ingress: boolean; egress: boolean } {
  const t: string[] | undefined = o.spec?.policyTypes;
  if (t?.length) return { ingress: t.includes("Ingress"), egress: t.includes("Egress") };
  return { ingress: true, egress: (o.spec?.egress ?? []).length > 0 };
}

function stripRuleIds(entries: unknown) {
  const rules = (entries as { policy_rule?: Record<string, unknown>[] } | undefined)?.policy_rule ?? [];
  return rules.map(({ rule_uuid: _r, ...rest }) => ({ ...rest, action_list: undefined, application: undefined }));
}

