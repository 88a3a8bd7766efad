// The seed's gateway steps, shared by the tests that need a real BGP gateway: a GoBGP daemon
// (iBGP, AS 64512, l3vpn-ipv4-unicast) peering with the engine's control node, and the bgp-router
// object that declares it (type router, inet-vpn) with a ref to the control node's own bgp-router.
import type { Engine } from "../../server/engine/engine";
import { FABRIC_INSTANCE } from "../../server/engine/engine";
import type { ConfigObject } from "../../server/engine/model/types";
import { ADMIN } from "../helpers";
import { Gobgpd } from "./daemons";

export interface GatewayOptions {
  /** the engine's control-node name (its bgp-router) */
  controlName: string;
  /** the control node's BGP address and the gateway's */
  weft: string;
  gw: string;
  /** BGP port of both, and gobgpd's API port */
  port: number;
  apiPort: number;
  /** attr of the ref to the control node (per-session address families) */
  refAttr?: Record<string, unknown>;
}

export async function startGobgpGateway(engine: Engine, o: GatewayOptions): Promise<{ gobgp: Gobgpd; peer: ConfigObject }> {
  const gobgp = new Gobgpd({ asn: 64512, routerId: o.gw, port: o.port, apiPort: o.apiPort, neighbors: [{ address: o.weft, peerAs: 64512, remotePort: o.port, families: ["l3vpn-ipv4-unicast"] }] });
  await gobgp.start();
  const local = engine.config.getByFqName("bgp-router", [...FABRIC_INSTANCE, o.controlName]);
  if (!local) throw new Error(`no bgp-router ${o.controlName} for the control node`);
  const peer = await engine.config.create(
    "bgp-router",
    {
      fq_name: [...FABRIC_INSTANCE, "gateway"],
      parent_type: "routing-instance",
      bgp_router_parameters: { vendor: "gobgp", router_type: "router", address: o.gw, identifier: o.gw, autonomous_system: 64512, port: o.port, address_families: { family: ["inet-vpn"] } },
      bgp_router_refs: [{ uuid: local.uuid, ...(o.refAttr ? { attr: o.refAttr } : {}) }],
    },
    ADMIN,
  );
  return { gobgp, peer };
}
