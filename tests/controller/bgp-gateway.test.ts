// The control node's BGP toward a gateway (GoBGP on loopback): ports become l3vpn-ipv4 routes
// with RD <compute node>:<instance id>, the VN's export RT, the agent's label and next hop = the
// compute node; gateway routes with a matching RT reach the agents' VRFs; withdrawals both ways;
// a wrong ASN keeps the session down and says why.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentHandle, startAgent } from "../../server/engine/agent/main";
import { Engine, FABRIC_INSTANCE } from "../../server/engine/engine";
import type { ConfigObject } from "../../server/engine/model/types";
import { Gobgpd, gobgpMissing, waitFor } from "../bgp/daemons";
import { ADMIN, tempDir, vnBody } from "../helpers";
import { startGobgpGateway } from "../bgp/gateway";

const missing = gobgpMissing();
const WEFT = "127.0.8.3";
const GW = "127.0.8.2";
const BGP_PORT = 11179;
const P = ["default-domain", "gw"];

let engine: Engine;
let dir: string;
let gobgp: Gobgpd;
let agent: AgentHandle;
let vn: ConfigObject;
let peer: ConfigObject;

interface RibDest {
  prefix: string;
  paths: { nlri: { prefix: string; rd: unknown; labels?: number[] }; attrs: { type: number; nexthop?: string; value?: { type: number; subtype: number; value: string }[] }[] }[];
}

async function gobgpVpnRib(): Promise<Record<string, RibDest["paths"]>> {
  return (await gobgp.json<Record<string, RibDest["paths"]>>(["global", "rib", "-a", "vpnv4"])) ?? {};
}

describe.skipIf(!!missing)("BGP toward a GoBGP gateway", () => {
  beforeAll(async () => {
    dir = tempDir();
    engine = await Engine.start({ dataDir: dir, agentPort: 0, controlName: "weft-ctl", bgp: { address: WEFT, port: BGP_PORT } });
    // the seed's steps: a BGP router of type "router" for the gateway, peered with the control node
    expect(engine.config.getByFqName("bgp-router", [...FABRIC_INSTANCE, "weft-ctl"])).toBeTruthy();
    ({ gobgp, peer } = await startGobgpGateway(engine, { controlName: "weft-ctl", weft: WEFT, gw: GW, port: BGP_PORT, apiPort: 50271, refAttr: { session: [{ attributes: [{ address_families: { family: ["inet-vpn"] } }] }] } }));
    agent = await startAgent({ name: "compute-1", address: "127.0.8.11", control: `127.0.0.1:${engine.control.listenPort}`, dataPort: 0, log: false, initialSyncWaitMs: 200 });
    await engine.config.create("project", { fq_name: P, parent_type: "domain" }, ADMIN);
    vn = await engine.config.create("virtual-network", vnBody(P, "public", "10.99.0.0/24", { route_target_list: { route_target: ["target:64512:100"] } }), ADMIN);
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await gobgp?.stop();
    await engine?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("the session with the gateway is Established and visible on both sides", async () => {
    await waitFor("gobgpd sees Established", () => gobgp.established(WEFT), 30_000);
    const st = await waitFor("our peer status Established", () => engine.control.bgp.peerStatus().find((p) => p.address === GW && p.state === "Established"), 10_000);
    expect(st.name).toBe("gateway");
    expect(st.negotiated?.families).toContain("l3vpn-ipv4-unicast");
  });

  it("a port's address appears in the gateway's RIB with RD, RT, label and next hop = compute node", async () => {
    const port = await engine.config.create(
      "virtual-machine-interface",
      { fq_name: [...P, "web"], virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: "compute-1" }] } },
      ADMIN,
    );
    const iip = await engine.config.create("instance-ip", { virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_refs: [{ uuid: port.uuid }] }, ADMIN);
    const prefix = `${iip.instance_ip_address}/32`;
    const id = vn.virtual_network_network_id as number;
    // gobgp keys vpnv4 destinations by "<rd>:<prefix>": RD = compute node address : instance id
    const key = `127.0.8.11:${id}:${prefix}`;
    const paths = await waitFor("the route in GoBGP", async () => (await gobgpVpnRib())[key], 15_000);
    const p = paths[0];
    expect(p.nlri.prefix).toBe(prefix);
    const local = agent.routes([...vn.fq_name, vn.name].join(":")).find((r) => r.prefix === prefix)!;
    expect(p.nlri.labels?.[0]).toBe(local.nextHops[0].label);
    const nh = p.attrs.find((a) => a.type === 14)?.nexthop;
    expect(nh).toBe("127.0.8.11");
    const ext = JSON.stringify(p.attrs.find((a) => a.type === 16));
    expect(ext).toContain("64512:100");
    expect(ext).toContain(`64512:${8000000 + id}`);

    // deleting the port withdraws it
    await engine.config.delete("instance-ip", iip.uuid, ADMIN);
    await waitFor("the route withdrawn from GoBGP", async () => !(await gobgpVpnRib())[key], 15_000);
  });

  it("a gateway route with a matching RT reaches the VN's VRF on the agent", async () => {
    const port = await engine.config.create(
      "virtual-machine-interface",
      { fq_name: [...P, "app"], virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: "compute-1" }] } },
      ADMIN,
    );
    await engine.config.create("instance-ip", { virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_refs: [{ uuid: port.uuid }] }, ADMIN);
    const vrf = [...vn.fq_name, vn.name].join(":");
    await gobgp.cli(["global", "rib", "-a", "vpnv4", "add", "0.0.0.0/0", "label", "300", "rd", "64512:1", "rt", "64512:100", "nexthop", GW]);
    const route = await waitFor("default route in the agent's VRF", () => agent.routes(vrf).find((r) => r.prefix === "0.0.0.0/0"), 15_000);
    expect(route.nextHops[0]).toMatchObject({ address: GW, label: 300 });
    await gobgp.cli(["global", "rib", "-a", "vpnv4", "del", "0.0.0.0/0", "label", "300", "rd", "64512:1", "rt", "64512:100", "nexthop", GW]);
    await waitFor("default route withdrawn from the agent", () => !agent.routes(vrf).some((r) => r.prefix === "0.0.0.0/0"), 15_000);
  });

  it("restarting the gateway brings the session back by itself", async () => {
    await gobgp.stop("SIGKILL");
    await waitFor("our side notices", () => engine.control.bgp.peerStatus().find((p) => p.address === GW && p.state !== "Established"), 40_000);
    await gobgp.start();
    await waitFor("Established again", () => engine.control.bgp.peerStatus().find((p) => p.address === GW && p.state === "Established"), 40_000);
  }, 90_000);

  it("a wrong ASN keeps the session down and the peer says why", async () => {
    await engine.config.update(
      "bgp-router",
      peer.uuid,
      { bgp_router_parameters: { ...(peer.bgp_router_parameters as object), autonomous_system: 65099 } },
      ADMIN,
    );
    const st = await waitFor("an OPEN error recorded", () => engine.control.bgp.peerStatus().find((p) => p.address === GW && p.lastError && /OPEN Message Error/.test(JSON.stringify(p.lastError))), 30_000);
    expect(st.state).not.toBe("Established");
    expect(JSON.stringify(st.lastError)).toMatch(/Bad Peer AS/);
  }, 60_000);
});
