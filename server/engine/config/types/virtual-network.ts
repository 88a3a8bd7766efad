// virtual-network: subnets (Contrail's defaults for gateway/DNS/subnet_uuid), route targets,
// the network id, and the `public` floating IP pool a router_external network gets by itself.
import { conflict, forbiddenField } from "../../model/errors";
import { formatAddress, parseAddress } from "../../model/net";
import { type ConfigObject, type Ref, fqString } from "../../model/types";
import type { MemoryStore } from "../store";
import type { RuleContext, TypeStrategy } from "../strategy";
import { checkRouteTargets, fail, normalizeNetworkSubnets } from "../validate";
import { subnetsOfNetwork } from "../store";

/** the pool a router_external network gets by itself (Contrail's name) */
export const PUBLIC_POOL = "public";
const AUTO_POOL_DESCRIPTION = "created by router_external";
const VN_ID_BASE = 1; // virtual_network_network_id

function isUnusedAutoPool(o: ConfigObject, store: MemoryStore): boolean {
  return (
    o.type === "floating-ip-pool" &&
    o.name === PUBLIC_POOL &&
    o.id_perms.description === AUTO_POOL_DESCRIPTION &&
    store.childrenOf(o.uuid).length === 0 &&
    store.backRefsOf(o.uuid).length === 0
  );
}

/**
 * Contrail: a network marked router_external gets a floating IP pool named `public` by itself;
 * clearing the flag removes that pool again when no floating IP came from it.
 */
function externalPool(vn: ConfigObject, current: ConfigObject | null, ctx: RuleContext) {
  const fq = [...vn.fq_name, PUBLIC_POOL];
  const existing = ctx.store.getByFq("floating-ip-pool", fq);
  if (vn.router_external && !current?.router_external && !existing) {
    ctx.tx.put(ctx.buildNew("floating-ip-pool", { fq_name: fq, parent_type: "virtual-network", id_perms: { description: AUTO_POOL_DESCRIPTION } }), "create");
  } else if (!vn.router_external && current?.router_external && existing && isUnusedAutoPool(existing, ctx.store)) {
    ctx.tx.remove(existing);
  }
}

/**
 * What is allowed but probably not what the user wants: a floating IP (or pool) on a network
 * without a route target is not imported by any gateway, so not reachable from outside.
 * Shared by virtual-network, floating-ip-pool and floating-ip.
 */
export function reachabilityWarnings(o: ConfigObject, store: MemoryStore): string[] {
  const pool = o.type === "floating-ip" ? store.get(o.parent_uuid ?? "") : o.type === "floating-ip-pool" ? o : undefined;
  const vn = o.type === "virtual-network" ? o : pool?.parent_uuid ? store.get(pool.parent_uuid) : undefined;
  if (!vn || vn.type !== "virtual-network") return [];
  if (o.type === "virtual-network" && !store.childrenOf(vn.uuid).some((c) => c.type === "floating-ip-pool")) return [];
  const rts = ["route_target_list", "export_route_target_list"].flatMap((f) => (vn[f] as { route_target?: string[] } | undefined)?.route_target ?? []);
  if (rts.length) return [];
  return [`not reachable from outside: the VN ${fqString(vn.fq_name)} has no route target, so no gateway imports its floating IPs (set route_target_list on the network)`];
}

const explicitVxlan = (vn: ConfigObject) => (vn.virtual_network_properties as { vxlan_network_identifier?: number | null } | undefined)?.vxlan_network_identifier ?? null;

/**
 * The network id is the system's: it names the network on the wire (VXLAN id by default, MPLS
 * label space) and derives the automatic route target target:<ASN>:<8000000 + id>; a chosen id
 * could be another network's and share its routes. Contrail's VirtualNetworkServer refuses it
 * (pre_dbe_create: 403 "Cannot set the virtual network ID"; pre_dbe_update: 403 "Cannot update
 * the virtual network ID"). A configured VXLAN id must not be another network's (Contrail: "Cannot
 * set VXLAN_ID: it has already been set"), nor may a new network id land on one.
 */
function networkIds(vn: ConfigObject, current: ConfigObject | null, ctx: RuleContext) {
  if (!current && vn.virtual_network_network_id !== undefined) {
    throw forbiddenField("virtual_network_network_id", "cannot set the virtual network ID: the system allocates it (leave it out)");
  }
  if (current && vn.virtual_network_network_id !== current.virtual_network_network_id) {
    throw forbiddenField("virtual_network_network_id", `cannot update the virtual network ID (it is ${String(current.virtual_network_network_id)}, allocated by the system)`);
  }
  const others = ctx.list("virtual-network").filter((o) => o.uuid !== vn.uuid);
  const vxlan = explicitVxlan(vn);
  if (vxlan !== null && vxlan !== (current ? explicitVxlan(current) : null)) {
    const taken = others.find((o) => (explicitVxlan(o) ?? o.virtual_network_network_id) === vxlan);
    if (taken) fail([{ field: "virtual_network_properties.vxlan_network_identifier", message: `cannot set VXLAN id ${vxlan}: it is the VXLAN id of ${fqString(taken.fq_name)}` }]);
  }
  if (current) return;
  const inUse = new Set(others.map(explicitVxlan).filter((x) => x !== null));
  let id = ctx.nextId("virtual-network", "virtual_network_network_id", VN_ID_BASE);
  while (inUse.has(id) || id === vxlan) id++;
  vn.virtual_network_network_id = id;
}

export const virtualNetwork: TypeStrategy = {
  prepare(vn, current, ctx) {
    const refs = (vn.network_ipam_refs as Ref[] | undefined) ?? [];
    vn.network_ipam_refs = refs.map((r) => ({ ...r, attr: structuredClone(r.attr) }));
    const previous = new Map<string, string>();
    if (current) for (const s of subnetsOfNetwork(current)) previous.set(`${s.subnet.ip_prefix}/${s.subnet.ip_prefix_len}`, s.subnet_uuid!);
    const { plans, issues } = normalizeNetworkSubnets(vn.network_ipam_refs as Ref[], previous);
    issues.push(...checkRouteTargets(vn, ctx.clusterAsn));
    if (issues.length) fail(issues);
    if (current) {
      // a subnet with addresses in use cannot go away
      const alloc = ctx.store.allocators.get(vn.uuid);
      const stranded = [...(alloc?.used ?? [])].filter(([address]) => {
        const a = parseAddress(address)!;
        return !plans.some((p) => p.cidr.family === a.family && a.value >= p.cidr.network && a.value <= (p.cidr.network | ((1n << BigInt((a.family === 4 ? 32 : 128) - p.cidr.prefixLen)) - 1n)));
      });
      if (stranded.length) {
        const list = stranded.slice(0, 10).map(([addr, owner]) => `${addr} (${ctx.store.get(owner)?.type ?? "?"} ${owner})`);
        throw conflict(`network_ipam_refs: cannot remove a subnet of ${fqString(vn.fq_name)} while addresses in it are in use: ${list.join(", ")}${stranded.length > 10 ? ", …" : ""}`);
      }
      // nor can a gateway or DNS address move onto an address someone holds
      for (const p of plans) {
        for (const [what, v] of [["default gateway", p.gateway], ["DNS server address", p.dns]] as const) {
          const address = v === null ? null : formatAddress(p.cidr.family, v);
          const owner = address === null ? undefined : alloc?.used.get(address);
          if (owner !== undefined) {
            throw conflict(`network_ipam_refs: ${address} cannot be the ${what} of ${p.cidr.prefix}/${p.cidr.prefixLen}: it is in use (${ctx.store.get(owner)?.type ?? "?"} ${owner})`);
          }
        }
      }
    }
    vn.virtual_network_properties = { forwarding_mode: "l2_l3", ...((vn.virtual_network_properties as object) ?? {}) };
    vn.router_external ??= false;
    vn.is_shared ??= false;
    networkIds(vn, current, ctx);
  },
  afterWrite: externalPool,
  ownedChildren(vn, ctx) {
    return ctx.store.childrenOf(vn.uuid).filter((c) => isUnusedAutoPool(c, ctx.store)).slice(0, 1);
  },
  warnings: reachabilityWarnings,
};
