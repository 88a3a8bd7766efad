// Validation that needs more than a zod schema: subnets of a virtual network, route targets,
// policy rules. Pure functions over values; the service supplies what they need to look up.
import type { z } from "zod";
import { type FieldIssue, WeftError } from "../model/errors";
import { overlaps, parseCidrParts } from "../model/net";
import { checkUserRouteTarget } from "../model/route-target";
import type { IpamSubnet, PolicyRule } from "../model/schemas";
import { normalizeIpamSubnet, type SubnetPlan } from "../ipam/subnet";

/** zod issues → our field issues, under a path prefix. */
export function zodIssues(error: z.ZodError, prefix: string): FieldIssue[] {
  return error.issues.map((i) => {
    const field = [prefix, ...i.path.map(String)].filter(Boolean).join(".");
    let message = i.message;
    if (i.code === "invalid_type" && /received undefined/.test(message)) message = "is required";
    return { field: field || prefix, message };
  });
}

export function fail(issues: FieldIssue[]): never {
  const head = issues
    .slice(0, 5)
    .map((i) => `${i.field}: ${i.message}`)
    .join("; ");
  throw new WeftError("bad_request", issues.length > 5 ? `${head}; and ${issues.length - 5} more` : head, issues);
}

/**
 * Normalizes the ipam_subnets of every network_ipam_ref of a virtual network (Contrail defaults
 * for gateway/DNS/subnet_uuid) and checks they do not overlap one another.
 * `previous` maps CIDR text → subnet_uuid of the stored version, so an edit keeps subnet ids.
 */
export function normalizeNetworkSubnets(
  refs: { attr?: unknown }[],
  previous: Map<string, string>,
): { plans: SubnetPlan[]; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const plans: { plan: SubnetPlan; field: string }[] = [];
  refs.forEach((ref, i) => {
    const attr = (ref.attr ?? { ipam_subnets: [] }) as { ipam_subnets: IpamSubnet[] };
    attr.ipam_subnets = attr.ipam_subnets ?? [];
    attr.ipam_subnets.forEach((s, j) => {
      const field = `network_ipam_refs.${i}.attr.ipam_subnets.${j}`;
      const parsed = parseCidrParts(s.subnet.ip_prefix, s.subnet.ip_prefix_len);
      const key = parsed.ok ? `${parsed.cidr.prefix}/${parsed.cidr.prefixLen}` : "";
      const r = normalizeIpamSubnet({ ...s, subnet_uuid: s.subnet_uuid ?? previous.get(key) }, field);
      if (!r.ok) {
        issues.push(...r.issues);
        return;
      }
      for (const other of plans) {
        if (overlaps(other.plan.cidr, r.plan.cidr)) {
          issues.push({
            field: `${field}.subnet`,
            message: `${key} overlaps ${other.plan.cidr.prefix}/${other.plan.cidr.prefixLen} (${other.field}) in the same virtual network`,
          });
          return;
        }
        if (other.plan.subnetUuid === r.plan.subnetUuid) {
          issues.push({ field: `${field}.subnet_uuid`, message: `subnet_uuid ${r.plan.subnetUuid} is used twice` });
          return;
        }
      }
      attr.ipam_subnets[j] = r.subnet;
      plans.push({ plan: r.plan, field });
    });
  });
  return { plans: plans.map((p) => p.plan), issues };
}

export function checkRouteTargets(props: Record<string, unknown>, clusterAsn: number): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const f of ["route_target_list", "import_route_target_list", "export_route_target_list"]) {
    const list = (props[f] as { route_target?: string[] } | undefined)?.route_target ?? [];
    const seen = new Set<string>();
    list.forEach((rt, i) => {
      const err = checkUserRouteTarget(rt, clusterAsn);
      if (err) issues.push({ field: `${f}.route_target.${i}`, message: err });
      else if (seen.has(rt)) issues.push({ field: `${f}.route_target.${i}`, message: `${rt} is listed twice` });
      seen.add(rt);
    });
  }
  return issues;
}

const FQ3 = /^[^:]+:[^:]+:[^:]+$/;

/** Policy / security-group rules: address forms, port ranges, action. */
export function checkRules(rules: PolicyRule[], field: string, kind: "network-policy" | "security-group"): FieldIssue[] {
  const issues: FieldIssue[] = [];
  rules.forEach((r, i) => {
    const f = `${field}.${i}`;
    if (kind === "network-policy" && !r.action_list?.simple_action) {
      issues.push({ field: `${f}.action_list.simple_action`, message: "each policy rule needs an action: pass or deny" });
    }
    for (const side of ["src", "dst"] as const) {
      const addrs = r[`${side}_addresses`];
      if (addrs.length === 0) issues.push({ field: `${f}.${side}_addresses`, message: `at least one ${side === "src" ? "source" : "destination"} address is required` });
      addrs.forEach((a, j) => {
        const af = `${f}.${side}_addresses.${j}`;
        const set = (["virtual_network", "subnet", "security_group", "network_policy"] as const).filter((k) => a[k] !== undefined && a[k] !== null);
        if (set.length !== 1) {
          issues.push({ field: af, message: "an address is exactly one of virtual_network, subnet, security_group or network_policy" });
          return;
        }
        if (a.virtual_network && !["any", "local"].includes(a.virtual_network) && !FQ3.test(a.virtual_network)) {
          issues.push({ field: `${af}.virtual_network`, message: `"${a.virtual_network}" must be any, local or a network's FQ name (domain:project:network)` });
        }
        if (a.security_group && !["any", "local"].includes(a.security_group) && !FQ3.test(a.security_group)) {
          issues.push({ field: `${af}.security_group`, message: `"${a.security_group}" must be any, local or a security group's FQ name (domain:project:group)` });
        }
        if (a.subnet) {
          const c = parseCidrParts(a.subnet.ip_prefix, a.subnet.ip_prefix_len);
          if (!c.ok) issues.push({ field: `${af}.subnet`, message: c.error });
        }
      });
      r[`${side}_ports`].forEach((p, j) => {
        const pf = `${f}.${side}_ports.${j}`;
        const any = p.start_port === -1 && p.end_port === -1;
        if (!any && (p.start_port < 0 || p.end_port < 0)) issues.push({ field: pf, message: "use -1 for both start_port and end_port to mean any port" });
        else if (p.start_port > p.end_port) issues.push({ field: pf, message: `start_port ${p.start_port} is greater than end_port ${p.end_port}` });
      });
    }
  });
  return issues;
}
