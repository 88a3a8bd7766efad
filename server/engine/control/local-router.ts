// The control node's own place in the config: Contrail's fabric network (ip-fabric), its default
// routing instance, and this control node's bgp-router under it — created at first start, its
// address and port updated when the process is started with others (WEFT_CONTROL_ADDRESS /
// WEFT_BGP_PORT). Moved out of engine.ts, which only wires.
import type { ConfigService } from "../config/service";
import { SYSTEM_ACTOR } from "../config/api";

export const IP_FABRIC = ["default-domain", "default-project", "ip-fabric"];
export const FABRIC_INSTANCE = [...IP_FABRIC, "__default__"];

/** Contrail's fabric network, its default routing instance, and this control node's bgp-router. */
export async function ensureLocalBgpRouter(config: ConfigService, name: string, bgp: { address?: string; port?: number }) {
  if (!config.getByFqName("virtual-network", IP_FABRIC)) {
    await config.create("virtual-network", { fq_name: IP_FABRIC, parent_type: "project" }, SYSTEM_ACTOR);
  }
  if (!config.getByFqName("routing-instance", FABRIC_INSTANCE)) {
    await config.create("routing-instance", { fq_name: FABRIC_INSTANCE, parent_type: "virtual-network", routing_instance_is_default: true }, SYSTEM_ACTOR);
  }
  const fq = [...FABRIC_INSTANCE, name];
  const existing = config.getByFqName("bgp-router", fq);
  if (!existing) {
    const address = bgp.address ?? "127.0.0.1";
    await config.create(
      "bgp-router",
      {
        fq_name: fq,
        parent_type: "routing-instance",
        bgp_router_parameters: {
          vendor: "contrail",
          router_type: "control-node",
          address,
          identifier: address,
          autonomous_system: config.clusterAsn,
          port: bgp.port ?? 179,
          hold_time: 90,
          address_families: { family: ["inet", "inet-vpn"] },
        },
      },
      SYSTEM_ACTOR,
    );
    return;
  }
  const p = existing.bgp_router_parameters as Record<string, unknown>;
  const patch: Record<string, unknown> = {};
  if (bgp.address && p.address !== bgp.address) Object.assign(patch, { address: bgp.address, identifier: bgp.address });
  if (bgp.port && p.port !== bgp.port) patch.port = bgp.port;
  if (Object.keys(patch).length) await config.update("bgp-router", existing.uuid, { bgp_router_parameters: { ...p, ...patch } }, SYSTEM_ACTOR);
}
