// FRR 8.4 (Debian's frr, bgpd run by hand on 127.0.32.20) as a third interop gateway, configured
// as FRR's documentation says for an L3VPN peering — no `bgp allow-martian-nexthop` — against
// the engine with its lab: compute-1 must sit on an address FRR accepts as a next hop (198.18.0.1
// on weft-lab0, server/engine/lab/lab-link.ts), or FRR resets the session on the port's route.
// Checked: Established, a port's route at FRR with next hop = compute-1 and the session still up,
// FRR's static VPN route in the tenant VRF.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Engine, FABRIC_INSTANCE } from "../../server/engine/engine";
import type { ConfigObject } from "../../server/engine/model/types";
import { Frr, frrMissing, sleep, waitFor } from "../bgp/daemons";
import { ADMIN, tempDir, vnBody } from "../helpers";

const GW = "127.0.32.20";
const WEFT = "127.0.32.21";
const PORT = 10179;
const P = ["default-domain", "frr"];
const notRoot = process.getuid?.() !== 0 ? "needs root: the lab's compute nodes get 198.18.0.N on weft-lab0 only as root" : "";
const skip = frrMissing() || notRoot;

let engine: Engine;
let dir: string;
let frr: Frr;
let vn: ConfigObject;

interface FrrPath {
  valid?: boolean;
  nexthops?: { ip: string }[];
}
interface FrrVpn {
  routes?: { routeDistinguishers?: Record<string, Record<string, FrrPath[]>> };
}
interface FrrSummary {
  peers?: Record<string, { state: string; connectionsDropped: number; pfxRcd: number }>;
}

async function frrPeer() {
  return (await frr.json<FrrSummary>("show bgp ipv4 vpn summary")).peers?.[WEFT];
}

describe.skipIf(!!skip)("BGP toward an FRR gateway with a stock configuration", () => {
  beforeAll(async () => {
    dir = tempDir();
    process.env.WEFT_LAB_DATA_PORT = "0"; // an ephemeral tunnel port: other labs may run on this host
    engine = await Engine.start({ dataDir: dir, agentPort: 0, controlName: "weft-frr", bgp: { address: WEFT, port: PORT }, labNodes: 1 });
    frr = new Frr({
      routerId: GW,
      asn: 64512,
      port: PORT,
      neighbor: { address: WEFT, asn: 64512, port: PORT },
      // a static VPN route with the tenant's route target (FRR's documented way to originate one)
      vpnConfig: "  network 203.0.113.0/24 rd 64512:7 label 100 route-map SET-RT",
      preamble: "route-map SET-RT permit 10\n set extcommunity rt 64512:100\nexit",
    });
    await frr.start();
    const local = engine.config.getByFqName("bgp-router", [...FABRIC_INSTANCE, "weft-frr"])!;
    await engine.config.create(
      "bgp-router",
      {
        fq_name: [...FABRIC_INSTANCE, "frr-gw"],
        parent_type: "routing-instance",
        bgp_router_parameters: { vendor: "frr", router_type: "router", address: GW, identifier: GW, autonomous_system: 64512, port: PORT, address_families: { family: ["inet-vpn"] } },
        bgp_router_refs: [{ uuid: local.uuid }],
      },
      ADMIN,
    );
    await engine.config.create("project", { fq_name: P, parent_type: "domain" }, ADMIN);
    vn = await engine.config.create("virtual-network", vnBody(P, "tenant", "10.132.0.0/24", { route_target_list: { route_target: ["target:64512:100"] } }), ADMIN);
  }, 60_000);

  afterAll(async () => {
    await frr?.stop();
    await engine?.stop();
    delete process.env.WEFT_LAB_DATA_PORT;
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  }, 30_000);

  it("the lab's compute node is on an address FRR accepts as a next hop", () => {
    expect(engine.lab!.addressing).toBe("link");
    expect(engine.lab!.nodes[0].address).toBe("198.18.0.1");
  });

  it("the session is Established on both sides", async () => {
    await waitFor("FRR sees Established", async () => (await frrPeer())?.state === "Established", 30_000);
    const st = await waitFor("our side Established", () => engine.control.bgp.peerStatus().find((p) => p.address === GW && p.state === "Established"), 10_000);
    expect(st.negotiated?.families).toContain("l3vpn-ipv4-unicast");
  });

  it("a port's route reaches FRR with next hop = the compute node, and the session stays up", async () => {
    await waitFor("compute-1's agent connected", () => engine.control.agents.get("compute-1")?.state === "Up", 30_000);
    const port = await engine.config.create(
      "virtual-machine-interface",
      { fq_name: [...P, "web"], virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: "compute-1" }] } },
      ADMIN,
    );
    const iip = await engine.config.create("instance-ip", { virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_refs: [{ uuid: port.uuid }] }, ADMIN);
    const prefix = `${iip.instance_ip_address}/32`;
    const rd = `198.18.0.1:${vn.virtual_network_network_id as number}`;
    const paths = await waitFor(
      "the port's route at FRR",
      async () => (await frr.json<FrrVpn>("show bgp ipv4 vpn")).routes?.routeDistinguishers?.[rd]?.[prefix],
      20_000,
    );
    expect(paths[0].nexthops?.[0].ip).toBe("198.18.0.1");
    // FRR would have reset the session on a martian next hop (NOTIFICATION, connectionsDropped > 0)
    await sleep(1500);
    const peer = (await frrPeer())!;
    expect(peer.state).toBe("Established");
    expect(peer.connectionsDropped).toBe(0);
    expect(engine.control.bgp.peerStatus().find((p) => p.address === GW)!.flapCount).toBe(0);
  });

  it("FRR's VPN route lands in the tenant VRF", async () => {
    const vrf = [...vn.fq_name, vn.name].join(":");
    const route = await waitFor("203.0.113.0/24 in the VRF", () => engine.control.rib.tables.get(vrf)?.get("203.0.113.0/24"), 20_000);
    expect(route.paths[0].source).toBe(`bgp:${GW}`);
    expect(route.nextHops[0].label).toBe(100);
  });
});
