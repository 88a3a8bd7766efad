// Reading a virtual network's fields the console shows.
import type { IpamSubnet } from "../../../server/engine/model/schemas";
import type { ConfigObject, Ref } from "../../../server/engine/model/types";

export function vnSubnets(vn: ConfigObject): (IpamSubnet & { ipam: string[] })[] {
  const refs = (vn.network_ipam_refs as Ref[] | undefined) ?? [];
  return refs.flatMap((r) => ((r.attr as { ipam_subnets?: IpamSubnet[] } | undefined)?.ipam_subnets ?? []).map((s) => ({ ...s, ipam: r.to })));
}

export const cidrOf = (s: IpamSubnet) => `${s.subnet.ip_prefix}/${s.subnet.ip_prefix_len}`;

export function vnRouteTargets(vn: ConfigObject, field = "route_target_list"): string[] {
  return (vn[field] as { route_target?: string[] } | undefined)?.route_target ?? [];
}

export function vnForwardingMode(vn: ConfigObject): string {
  return (vn.virtual_network_properties as { forwarding_mode?: string } | undefined)?.forwarding_mode ?? "l2_l3";
}

export const FORWARDING_LABELS: Record<string, string> = { l2_l3: "L2 and L3", l2: "L2 only", l3: "L3 only" };
