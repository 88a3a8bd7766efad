// floating-ip-pool and floating-ip: a pool draws from some subnets of its network; a floating IP
// gets an address from its pool's network, fixed for life, is for a project the pool is shared
// with (the pool's project_refs) and is on at most one port per pool (a VIP excepted).
import { WeftError } from "../../model/errors";
import { formatAddress, parseAddress } from "../../model/net";
import { type ConfigObject, type Ref, fqString } from "../../model/types";
import { subnetsOfNetwork } from "../store";
import type { RuleContext, TypeStrategy } from "../strategy";
import { fail } from "../validate";
import { reachabilityWarnings } from "./virtual-network";

export const floatingIpPool: TypeStrategy = {
  prepare(pool, _current, ctx) {
    const wanted = (pool.floating_ip_pool_subnets as { subnet_uuid?: string[] } | undefined)?.subnet_uuid ?? [];
    const vn = ctx.store.get(pool.parent_uuid!)!;
    const have = new Set(subnetsOfNetwork(vn).map((s) => s.subnet_uuid));
    wanted.forEach((u, i) => {
      if (!have.has(u)) fail([{ field: `floating_ip_pool_subnets.subnet_uuid.${i}`, message: `${u} is not a subnet of ${fqString(vn.fq_name)}` }]);
    });
  },
  warnings: reachabilityWarnings,
};

/** Sharing (pool project_refs) and one floating IP per port and pool. */
function associationRules(fip: ConfigObject, current: ConfigObject | null, pool: ConfigObject, ctx: RuleContext) {
  const projects = ((fip.project_refs as Ref[] | undefined) ?? []).map((r) => r.uuid);
  const shared = ((pool.project_refs as Ref[] | undefined) ?? []).map((r) => r.uuid);
  const changedProjects = !current || JSON.stringify(projects) !== JSON.stringify(((current.project_refs as Ref[] | undefined) ?? []).map((r) => r.uuid));
  if (shared.length && changedProjects) {
    const owner = ctx.projectOf(pool)?.uuid;
    const names = shared.map((u) => fqString(ctx.store.get(u)?.fq_name ?? [u]));
    if (!projects.length) {
      fail([{ field: "project_refs", message: `floating IP pool ${fqString(pool.fq_name)} is shared with ${names.join(", ")} only: give the project the floating IP is for` }]);
    }
    projects.forEach((u, i) => {
      if (u === owner || shared.includes(u)) return;
      const p = fqString(ctx.store.get(u)?.fq_name ?? [u]);
      fail([{ field: `project_refs.${i}`, message: `floating IP pool ${fqString(pool.fq_name)} is not shared with project ${p} (shared with ${names.join(", ")}): add the project to the pool's project_refs` }]);
    });
  }
  const before = new Set(((current?.virtual_machine_interface_refs as Ref[] | undefined) ?? []).map((r) => r.uuid));
  ((fip.virtual_machine_interface_refs as Ref[] | undefined) ?? []).forEach((r, i) => {
    if (before.has(r.uuid)) return;
    // a virtual IP (a Kubernetes service VIP) is shared by many ports and a port may back many services
    if (fip.floating_ip_is_virtual_ip) return;
    for (const b of ctx.store.backRefsOf(r.uuid)) {
      const other = ctx.store.get(b.from);
      if (!other || other.type !== "floating-ip" || other.uuid === fip.uuid || other.parent_uuid !== pool.uuid || other.floating_ip_is_virtual_ip) continue;
      fail([{
        field: `virtual_machine_interface_refs.${i}`,
        message: `port ${fqString(r.to)} already has a floating IP from this pool (${String(other.floating_ip_address)} of ${fqString(pool.fq_name)}): disassociate it first`,
      }]);
    }
  });
}

export const floatingIp: TypeStrategy = {
  prepare(fip, current, ctx) {
    fip.floating_ip_direction ??= "both";
    const pool = ctx.store.get(fip.parent_uuid!)!;
    const allocator = ctx.store.allocators.get(pool.parent_uuid!)!;
    const fixed = fip.floating_ip_fixed_ip_address as string | null | undefined;
    if (fixed) {
      const a = parseAddress(fixed);
      if (!a) fail([{ field: "floating_ip_fixed_ip_address", message: `"${fixed}" is not a valid IP address` }]);
      fip.floating_ip_fixed_ip_address = formatAddress(a.family, a.value);
    }
    associationRules(fip, current, pool, ctx);
    if (current) {
      if (fip.floating_ip_address !== current.floating_ip_address) {
        fail([{ field: "floating_ip_address", message: "a floating IP's address cannot be changed: delete it and create another" }]);
      }
      return;
    }
    const subnetUuids = (pool.floating_ip_pool_subnets as { subnet_uuid?: string[] } | undefined)?.subnet_uuid;
    try {
      const got =
        typeof fip.floating_ip_address === "string" && fip.floating_ip_address
          ? allocator.reserve(fip.uuid, fip.floating_ip_address, "floating_ip_address", { subnetUuids })
          : allocator.allocate(fip.uuid, { family: fip.floating_ip_address_family === "v6" ? 6 : 4, subnetUuids });
      ctx.tx.allocated(allocator, got.address, fip.uuid);
      fip.floating_ip_address = got.address;
      fip.floating_ip_address_family = parseAddress(got.address)!.family === 6 ? "v6" : "v4";
    } catch (e) {
      ctx.allocationFailed();
      if (e instanceof WeftError && /no free address left/.test(e.message)) {
        throw new WeftError(e.code, `floating IP pool ${fqString(pool.fq_name)} is exhausted: ${e.message}`, e.issues, e.details);
      }
      throw e;
    }
  },
  warnings: reachabilityWarnings,
};
