// The virtual network form as values: rows the user edits, their checks (in words, at the
// field's dotted path, the same paths the server uses) and the Contrail JSON body they become.
import { parseAddress, parseCidr, contains } from "../../../server/engine/model/net";
import { parseRouteTarget } from "../../../server/engine/model/route-target";
import {
  NameSchema,
  VirtualNetworkPropsSchema,
  VnSubnetsSchema,
  type IpamSubnet,
} from "../../../server/engine/model/schemas";
import type { ConfigObject, Ref } from "../../../server/engine/model/types";
import { zodIssues, type FieldIssue } from "../../../lib/errors";

export const DEFAULT_IPAM_FQ = ["default-domain", "default-project", "default-network-ipam"];

export interface SubnetRow {
  key: string;
  cidr: string;
  gateway: string;
  dns: string;
  /** "10.0.0.10-10.0.0.50", several separated by commas or new lines */
  pools: string;
  addrFromStart: boolean;
  /** the stored subnet this row edits (kept when the prefix is unchanged) */
  orig?: IpamSubnet;
}

export type ForwardingMode = "" | "l2_l3" | "l2" | "l3";

export interface VnFormValues {
  name: string;
  /** fq_name of the IPAM the subnets come from, joined with ':' */
  ipamFq: string;
  subnets: SubnetRow[];
  routeTargets: string;
  importRouteTargets: string;
  exportRouteTargets: string;
  forwardingMode: ForwardingMode;
  shared: boolean;
  external: boolean;
  /** attached network policies, FQ names ':'-joined, in sequence order */
  policies: string[];
}

export const IPAM_REF = "network_ipam_refs.0";
export const subnetPath = (i: number) => `${IPAM_REF}.attr.ipam_subnets.${i}`;

let rowSeq = 0;
export function newSubnetRow(partial: Partial<SubnetRow> = {}): SubnetRow {
  rowSeq += 1;
  return { key: `s${rowSeq}`, cidr: "", gateway: "", dns: "", pools: "", addrFromStart: false, ...partial };
}

const splitList = (s: string) =>
  s
    .split(/[\s,]+/)
    .map((x) => x.trim())
    .filter(Boolean);

export function emptyValues(): VnFormValues {
  return {
    name: "",
    ipamFq: DEFAULT_IPAM_FQ.join(":"),
    subnets: [newSubnetRow()],
    routeTargets: "",
    importRouteTargets: "",
    exportRouteTargets: "",
    forwardingMode: "",
    shared: false,
    external: false,
    policies: [],
  };
}

interface VnShape {
  network_ipam_refs?: Ref[];
  network_policy_refs?: Ref[];
  route_target_list?: { route_target?: string[] };
  import_route_target_list?: { route_target?: string[] };
  export_route_target_list?: { route_target?: string[] };
  virtual_network_properties?: { forwarding_mode?: ForwardingMode };
  is_shared?: boolean;
  router_external?: boolean;
}

export function valuesFromObject(obj: ConfigObject): VnFormValues {
  const vn = obj as ConfigObject & VnShape;
  const ref = vn.network_ipam_refs?.[0];
  const subnets = ((ref?.attr as { ipam_subnets?: IpamSubnet[] } | undefined)?.ipam_subnets ?? []).map((s) =>
    newSubnetRow({
      cidr: `${s.subnet.ip_prefix}/${s.subnet.ip_prefix_len}`,
      gateway: s.default_gateway ?? "",
      dns: s.dns_server_address ?? "",
      pools: (s.allocation_pools ?? []).map((p) => `${p.start}-${p.end}`).join(", "),
      addrFromStart: !!s.addr_from_start,
      orig: s,
    }),
  );
  return {
    name: obj.name,
    ipamFq: (ref?.to ?? DEFAULT_IPAM_FQ).join(":"),
    subnets,
    routeTargets: (vn.route_target_list?.route_target ?? []).join(", "),
    importRouteTargets: (vn.import_route_target_list?.route_target ?? []).join(", "),
    exportRouteTargets: (vn.export_route_target_list?.route_target ?? []).join(", "),
    forwardingMode: vn.virtual_network_properties?.forwarding_mode ?? "",
    shared: !!vn.is_shared,
    external: !!vn.router_external,
    policies: policyRefsInOrder(vn.network_policy_refs).map((r) => r.to.join(":")),
  };
}

type PolicyAttr = { sequence?: { major?: number; minor?: number } } | undefined;

/** a VN's policy refs by sequence (major, minor), as the agent applies them */
export function policyRefsInOrder(refs: Ref[] | undefined): Ref[] {
  const seq = (r: Ref) => (r.attr as PolicyAttr)?.sequence;
  return [...(refs ?? [])].sort((a, b) => (seq(a)?.major ?? 0) - (seq(b)?.major ?? 0) || (seq(a)?.minor ?? 0) - (seq(b)?.minor ?? 0));
}

/** Contrail's network_policy_refs: each with a sequence, the first applied first */
export function policyRefsBody(policies: string[]) {
  return policies.map((fq, i) => ({ to: fq.split(":"), attr: { sequence: { major: i, minor: 0 } } }));
}

function subnetOf(row: SubnetRow, issues: FieldIssue[], i: number): IpamSubnet | null {
  const p = subnetPath(i);
  const parsed = parseCidr(row.cidr.trim());
  if (!parsed.ok) {
    issues.push({ field: `${p}.subnet`, message: row.cidr.trim() === "" ? "enter the subnet as <address>/<length>, e.g. 10.0.0.0/24" : parsed.error });
    return null;
  }
  const { cidr } = parsed;
  const inSubnet = (field: string, label: string, text: string) => {
    const a = parseAddress(text);
    if (!a) issues.push({ field: `${p}.${field}`, message: `"${text}" is not a valid IP address` });
    else if (!contains(cidr, a.family, a.value)) issues.push({ field: `${p}.${field}`, message: `${label} ${text} is outside ${row.cidr.trim()}` });
  };
  const gw = row.gateway.trim();
  const dns = row.dns.trim();
  if (gw) inSubnet("default_gateway", "gateway", gw);
  if (dns) inSubnet("dns_server_address", "DNS server", dns);
  const pools: { start: string; end: string }[] = [];
  splitList(row.pools).forEach((text, j) => {
    const m = /^([^-]+)-([^-]+)$/.exec(text);
    if (!m) {
      issues.push({ field: `${p}.allocation_pools.${j}`, message: `"${text}" is not a range: write start-end, e.g. 10.0.0.10-10.0.0.50` });
      return;
    }
    const [start, end] = [m[1].trim(), m[2].trim()];
    const a = parseAddress(start);
    const b = parseAddress(end);
    if (!a || !b) issues.push({ field: `${p}.allocation_pools.${j}`, message: `"${text}": both ends must be IP addresses` });
    else if (!contains(cidr, a.family, a.value) || !contains(cidr, b.family, b.value))
      issues.push({ field: `${p}.allocation_pools.${j}`, message: `pool ${text} is not inside ${row.cidr.trim()}` });
    else if (a.value > b.value) issues.push({ field: `${p}.allocation_pools.${j}`, message: `pool ${text} starts after it ends` });
    pools.push({ start, end });
  });
  const keepOrig = row.orig && `${row.orig.subnet.ip_prefix}/${row.orig.subnet.ip_prefix_len}` === `${cidr.prefix}/${cidr.prefixLen}`;
  const out: IpamSubnet = {
    ...(keepOrig ? row.orig : {}),
    subnet: { ip_prefix: cidr.prefix, ip_prefix_len: cidr.prefixLen },
    addr_from_start: row.addrFromStart,
  };
  if (gw) out.default_gateway = gw;
  else delete out.default_gateway;
  if (dns) out.dns_server_address = dns;
  else delete out.dns_server_address;
  if (pools.length) out.allocation_pools = pools;
  else delete out.allocation_pools;
  return out;
}

function routeTargets(text: string, field: string, issues: FieldIssue[]): { route_target: string[] } {
  const list = splitList(text);
  list.forEach((rt, j) => {
    const r = parseRouteTarget(rt);
    if (!r.ok) issues.push({ field: `${field}.route_target.${j}`, message: r.error });
  });
  return { route_target: list };
}

/**
 * Checks the values and builds the body of config.create (with fq_name/parent) or the fields of
 * config.update. Issues carry the dotted paths the server would use.
 */
export function buildVnBody(
  v: VnFormValues,
  ctx: { projectFq: string[]; existing?: ConfigObject },
): { body: Record<string, unknown>; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  if (!ctx.existing) {
    const n = NameSchema.safeParse(v.name.trim());
    if (!n.success) issues.push(...zodIssues(n.error, "name"));
  }

  const ipamSubnets: IpamSubnet[] = [];
  const seen = new Map<string, number>();
  v.subnets.forEach((row, i) => {
    if (row.cidr.trim() === "" && !row.gateway && !row.dns && !row.pools) return; // an empty row is no subnet
    const s = subnetOf(row, issues, i);
    if (!s) return;
    const key = `${s.subnet.ip_prefix}/${s.subnet.ip_prefix_len}`;
    if (seen.has(key)) issues.push({ field: `${subnetPath(i)}.subnet`, message: `${key} is already subnet ${seen.get(key)! + 1} of this network` });
    seen.set(key, i);
    ipamSubnets.push(s);
  });
  const attr = { ipam_subnets: ipamSubnets };
  const attrCheck = VnSubnetsSchema.safeParse(attr);
  if (!attrCheck.success) issues.push(...zodIssues(attrCheck.error, `${IPAM_REF}.attr`));

  const existingRefs = ((ctx.existing as (ConfigObject & VnShape) | undefined)?.network_ipam_refs ?? []).slice(1);
  const ipamRef = { to: v.ipamFq.split(":"), attr };
  const props: Record<string, unknown> = {
    route_target_list: routeTargets(v.routeTargets, "route_target_list", issues),
    import_route_target_list: routeTargets(v.importRouteTargets, "import_route_target_list", issues),
    export_route_target_list: routeTargets(v.exportRouteTargets, "export_route_target_list", issues),
    router_external: v.external,
    is_shared: v.shared,
  };
  const existingProps = (ctx.existing as (ConfigObject & { virtual_network_properties?: object }) | undefined)?.virtual_network_properties;
  if (v.forwardingMode || existingProps) {
    props.virtual_network_properties = { ...(existingProps ?? {}), ...(v.forwardingMode ? { forwarding_mode: v.forwardingMode } : {}) };
  }
  const propCheck = VirtualNetworkPropsSchema.safeParse(props);
  if (!propCheck.success) issues.push(...zodIssues(propCheck.error));

  const body: Record<string, unknown> = { ...props, network_ipam_refs: [ipamRef, ...existingRefs], network_policy_refs: policyRefsBody(v.policies) };
  if (ctx.existing) body.resource_version = ctx.existing.resource_version;
  else {
    body.fq_name = [...ctx.projectFq, v.name.trim()];
    body.parent_type = "project";
  }
  return { body, issues };
}
