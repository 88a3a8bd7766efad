// Floating IPs end to end (seed 001, "Contrail Floating IP" and "Advertising Floating IP"): the
// pool `public` of a router_external network, sharing and the errors that help, then a FIP
// associated with a port on a real agent becomes a route in the FIP network's routing instance
// (next hop = the compute node), is advertised to a gateway (real GoBGP on loopback) with the FIP
// network's route target, and test traffic from the gateway side reaches the port through 1:1
// NAT both ways. Disassociating withdraws it everywhere.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentHandle, startAgent } from "../../server/engine/agent/main";
import { Engine } from "../../server/engine/engine";
import type { ConfigObject } from "../../server/engine/model/types";
import { testTraffic } from "../../server/rest/compiled";
import type { Services } from "../../server/services";
import { Gobgpd, gobgpMissing, waitFor } from "../bgp/daemons";
import { ADMIN, tempDir, vnBody } from "../helpers";
import { startGobgpGateway } from "../bgp/gateway";

const missing = gobgpMissing();
const WEFT = "127.0.11.3";
const GW = "127.0.11.2";
const COMPUTE = "127.0.11.21";
const BGP_PORT = 11279;
const P = ["default-domain", "fip-lab"];
const OTHER = ["default-domain", "fip-other"];
const OUTSIDE = "198.51.100.7";

type RibPaths = { nlri: { prefix: string; labels?: number[] }; attrs: { type: number; nexthop?: string; value?: { type: number; subtype: number; value: string }[] }[] }[];

let engine: Engine;
let dir: string;
let gobgp: Gobgpd;
let agent: AgentHandle;
let fipVn: ConfigObject;
let podVn: ConfigObject;
let port: ConfigObject;
let podIp: string;
let project: ConfigObject;
let other: ConfigObject;

const vrfOf = (vn: ConfigObject) => [...vn.fq_name, vn.name].join(":");
const rib = async () => (await gobgp.json<Record<string, RibPaths>>(["global", "rib", "-a", "vpnv4"])) ?? {};

describe.skipIf(!!missing)("floating IPs: pool, NAT, advertisement to a GoBGP gateway", () => {
  beforeAll(async () => {
    dir = tempDir();
    engine = await Engine.start({ dataDir: dir, agentPort: 0, controlName: "weft-fip", bgp: { address: WEFT, port: BGP_PORT } });
    ({ gobgp } = await startGobgpGateway(engine, { controlName: "weft-fip", weft: WEFT, gw: GW, port: BGP_PORT, apiPort: 50281 }));
    agent = await startAgent({ name: "compute-1", address: COMPUTE, control: `127.0.0.1:${engine.control.listenPort}`, dataPort: 0, log: false, initialSyncWaitMs: 200 });
    project = await engine.config.create("project", { fq_name: P, parent_type: "domain" }, ADMIN);
    other = await engine.config.create("project", { fq_name: OTHER, parent_type: "domain" }, ADMIN);
    // the seed's steps 1 + 2: the public FIP network with its route target (the gateway imports it)
    fipVn = await engine.config.create(
      "virtual-network",
      vnBody(P, "vn-ns-default", "101.101.101.0/24", { router_external: true, route_target_list: { route_target: ["target:64512:101"] } }),
      ADMIN,
    );
    podVn = await engine.config.create("virtual-network", vnBody(P, "pod-network", "10.32.0.0/24"), ADMIN);
    // a pod's port on compute-1 (no security group: reachable from outside)
    port = await engine.config.create(
      "virtual-machine-interface",
      { fq_name: [...P, "pod-1"], virtual_network_refs: [{ uuid: podVn.uuid }], virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: "compute-1" }] } },
      ADMIN,
    );
    const iip = await engine.config.create("instance-ip", { virtual_network_refs: [{ uuid: podVn.uuid }], virtual_machine_interface_refs: [{ uuid: port.uuid }] }, ADMIN);
    podIp = iip.instance_ip_address as string;
    await waitFor("gobgpd sees Established", () => gobgp.established(WEFT), 30_000);
  }, 60_000);

  afterAll(async () => {
    await agent?.stop();
    await gobgp?.stop();
    await engine?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("router_external creates the pool `public` by itself; clearing it removes the unused pool", async () => {
    const pub = engine.config.getByFqName("floating-ip-pool", [...fipVn.fq_name, "public"]);
    expect(pub).toBeTruthy();
    expect(pub!.parent_uuid).toBe(fipVn.uuid);
    const tmp = await engine.config.create("virtual-network", vnBody(P, "ext-tmp", "192.0.2.0/28", { router_external: true }), ADMIN);
    expect(engine.config.getByFqName("floating-ip-pool", [...tmp.fq_name, "public"])).toBeTruthy();
    // no route target: a warning, not an error
    expect(engine.config.warningsFor(engine.config.getByFqName("floating-ip-pool", [...tmp.fq_name, "public"])!)[0]).toMatch(/not reachable from outside: the VN .* has no route target/);
    expect(engine.config.warningsFor(pub!)).toEqual([]);
    await engine.config.update("virtual-network", tmp.uuid, { router_external: false }, ADMIN);
    expect(engine.config.getByFqName("floating-ip-pool", [...tmp.fq_name, "public"])).toBeUndefined();
    await engine.config.update("virtual-network", tmp.uuid, { router_external: true }, ADMIN);
    expect(engine.config.getByFqName("floating-ip-pool", [...tmp.fq_name, "public"])).toBeTruthy();
    // the VN goes, and its unused pool with it
    await engine.config.delete("virtual-network", tmp.uuid, ADMIN);
    expect(engine.config.getByFqName("floating-ip-pool", [...tmp.fq_name, "public"])).toBeUndefined();
  });

  it("errors that help: pool not shared with the project, exhausted, one FIP per port and pool", async () => {
    // step 3: a pool on the FIP network, shared with project fip-lab only
    const pool = await engine.config.create("floating-ip-pool", { fq_name: [...fipVn.fq_name, "pool-ns-default"], parent_type: "virtual-network", project_refs: [{ uuid: project.uuid }] }, ADMIN);
    const notShared = engine.config.create("floating-ip", { fq_name: [...pool.fq_name, "f-other"], parent_type: "floating-ip-pool", project_refs: [{ uuid: other.uuid }] }, ADMIN);
    await expect(notShared).rejects.toThrow(/floating IP pool default-domain:fip-lab:vn-ns-default:pool-ns-default is not shared with project default-domain:fip-other/);
    const ok = await engine.config.create("floating-ip", { fq_name: [...pool.fq_name, "f1"], parent_type: "floating-ip-pool", project_refs: [{ uuid: project.uuid }], virtual_machine_interface_refs: [{ uuid: port.uuid }] }, ADMIN);
    expect(ok.floating_ip_address).toMatch(/^101\.101\.101\.\d+$/);
    expect(ok.floating_ip_direction).toBe("both");
    const dup = engine.config.create("floating-ip", { fq_name: [...pool.fq_name, "f2"], parent_type: "floating-ip-pool", project_refs: [{ uuid: project.uuid }], virtual_machine_interface_refs: [{ uuid: port.uuid }] }, ADMIN);
    await expect(dup).rejects.toThrow(/port default-domain:fip-lab:pod-1 already has a floating IP from this pool/);
    await engine.config.delete("floating-ip", ok.uuid, ADMIN);

    // a /30 has 1 usable address after gateway and DNS: the second allocation is refused
    const tiny = await engine.config.create("virtual-network", vnBody(P, "tiny-ext", "192.0.2.16/29", { router_external: true }), ADMIN);
    const tinyPool = engine.config.getByFqName("floating-ip-pool", [...tiny.fq_name, "public"])!;
    const made: ConfigObject[] = [];
    let error: Error | null = null;
    for (let i = 0; i < 10 && !error; i++) {
      try {
        made.push(await engine.config.create("floating-ip", { fq_name: [...tinyPool.fq_name, `x${i}`], parent_type: "floating-ip-pool" }, ADMIN));
      } catch (e) {
        error = e as Error;
      }
    }
    expect(made.length).toBeGreaterThan(0);
    expect(error?.message).toMatch(/floating IP pool default-domain:fip-lab:tiny-ext:public is exhausted: .*no free address left in 192\.0\.2\.16\/29/);
    for (const f of made) await engine.config.delete("floating-ip", f.uuid, ADMIN);
    await engine.config.delete("virtual-network", tiny.uuid, ADMIN);
  });

  it("associating: the FIP becomes a route in the FIP network's instance (next hop compute-1) and reaches GoBGP with its RT", async () => {
    const pool = engine.config.getByFqName("floating-ip-pool", [...fipVn.fq_name, "public"])!;
    const fip = await engine.config.create("floating-ip", { fq_name: [...pool.fq_name, "pod-1-fip"], parent_type: "floating-ip-pool", project_refs: [{ uuid: project.uuid }] }, ADMIN);
    const addr = fip.floating_ip_address as string;
    const prefix = `${addr}/32`;
    // not associated: nothing anywhere
    expect(engine.control.rib.tables.get(vrfOf(fipVn))?.get(prefix)).toBeUndefined();
    await engine.config.update("floating-ip", fip.uuid, { virtual_machine_interface_refs: [{ uuid: port.uuid }] }, ADMIN);

    // the control node: a route in the FIP VN's instance, originated by compute-1
    const best = await waitFor("FIP route in the FIP VN's instance", () => engine.control.rib.tables.get(vrfOf(fipVn))?.get(prefix), 10_000);
    expect(best.nextHops).toHaveLength(1);
    expect(best.nextHops[0]).toMatchObject({ address: COMPUTE, node: "compute-1" });
    expect(best.paths[0].origin).toBe(vrfOf(fipVn));
    // … and not in the pod network's instance
    expect(engine.control.rib.tables.get(vrfOf(podVn))?.get(prefix)).toBeUndefined();

    // the gateway: RD compute-1:<instance id>, the FIP VN's route target, next hop = the compute node, the agent's label
    const key = `${COMPUTE}:${fipVn.virtual_network_network_id}:${prefix}`;
    const paths = await waitFor("the FIP in GoBGP's vpnv4 RIB", async () => (await rib())[key], 15_000);
    expect(paths[0].nlri.prefix).toBe(prefix);
    expect(paths[0].attrs.find((a) => a.type === 14)?.nexthop).toBe(COMPUTE);
    expect(paths[0].nlri.labels?.[0]).toBe(best.nextHops[0].label);
    const rts = paths[0].attrs.find((a) => a.type === 16)?.value ?? [];
    expect(rts.some((c) => c.type === 0 && c.subtype === 2 && c.value === "64512:101")).toBe(true);
  });

  it("traffic from the gateway side reaches the pod's private address (DNAT) and the answer leaves with the FIP as source (SNAT)", async () => {
    const fip = engine.config.list("floating-ip").find((f) => f.name === "pod-1-fip")!;
    const addr = fip.floating_ip_address as string;
    // the gateway advertises the outside world into the FIP network (its RT), as a DC gateway does
    await gobgp.cli(["global", "rib", "-a", "vpnv4", "add", "198.51.100.0/24", "label", "400", "rd", "64512:9", "rt", "64512:101", "nexthop", GW]);
    await waitFor("the outside prefix in the agent's FIP VRF", () => agent.routes(vrfOf(fipVn)).find((r) => r.prefix === "198.51.100.0/24"), 15_000);

    const services = { engine } as unknown as Services;
    const r = await testTraffic(services, ADMIN, { from_vrf: fipVn.fq_name.join(":"), source: OUTSIDE, destination: addr, protocol: "tcp", dst_port: 80 });
    expect(r.verdict).toBe("delivered");
    expect(r.delivered_to).toBe("default-domain:fip-lab:pod-1");
    const nat = r.hops.filter((h) => h.step === "nat").map((h) => h.detail);
    expect(nat[0]).toBe(`destination ${addr} → ${podIp} (floating IP of port default-domain:fip-lab:pod-1)`);
    expect(nat[1]).toMatch(new RegExp(`^source ${podIp.replace(/\./g, "\\.")} → ${addr.replace(/\./g, "\\.")} \\(floating IP`));
    expect(r.reply_verdict).toBe("delivered");
    expect(r.hops.some((h) => h.step === "deliver" && h.detail.includes(`to the gateway ${GW}`) && h.detail.includes(`${addr}:80 → ${OUTSIDE}`))).toBe(true);

    // the flow entries show the translation
    const inbound = agent.flows().find((f) => !f.reverse && f.tuple.src === OUTSIDE && f.tuple.dst === podIp);
    expect(inbound).toBeTruthy();
    const answer = agent.flows().find((f) => f.reverse && f.tuple.src === podIp && f.tuple.dst === OUTSIDE);
    expect(answer?.nat).toMatchObject({ src: addr, vrf: vrfOf(fipVn) });

    // the pod starting a connection outwards: source NAT to the FIP, out through the gateway
    const out = await engine.control.trace({ portUuid: port.uuid, dst: "198.51.100.99", protocol: "udp", dstPort: 53, srcPort: 40000 });
    expect(out.verdict).toBe("delivered");
    expect(out.hops.find((h) => h.step === "nat")?.detail).toBe(`source ${podIp} → ${addr} (floating IP, vrf ${vrfOf(fipVn)})`);
    expect(out.delivered_to).toBe(`gateway ${GW}`);

    // ingress only: no source NAT for new outgoing flows
    await engine.config.update("floating-ip", fip.uuid, { floating_ip_direction: "ingress" }, ADMIN);
    await waitFor("direction reaches the agent", () => agent.state.ports.get(port.uuid)?.floating_ips[0]?.direction === "ingress", 10_000);
    const denied = await engine.control.trace({ portUuid: port.uuid, dst: "198.51.100.98", protocol: "udp", dstPort: 53, srcPort: 40001 });
    expect(denied.verdict).toBe("dropped");
    // egress only: packets from outside do not get in, the pod's own flows still get out and back
    await engine.config.update("floating-ip", fip.uuid, { floating_ip_direction: "egress" }, ADMIN);
    await waitFor("direction reaches the agent", () => agent.state.ports.get(port.uuid)?.floating_ips[0]?.direction === "egress", 10_000);
    const blocked = await testTraffic(services, ADMIN, { from_vrf: vrfOf(fipVn), source: OUTSIDE, destination: addr, protocol: "tcp", dst_port: 81 });
    expect(blocked.verdict).toBe("dropped");
    await engine.config.update("floating-ip", fip.uuid, { floating_ip_direction: "both" }, ADMIN);
    await gobgp.cli(["global", "rib", "-a", "vpnv4", "del", "198.51.100.0/24", "label", "400", "rd", "64512:9", "rt", "64512:101", "nexthop", GW]);
  });

  it("test traffic from outside says what is wrong: unknown instance, no route", async () => {
    const services = { engine } as unknown as Services;
    await expect(testTraffic(services, ADMIN, { from_vrf: "default-domain:nope:x", source: OUTSIDE, destination: "101.101.101.250" })).rejects.toThrow(/routing instance default-domain:nope:x not found/);
    await expect(testTraffic(services, ADMIN, { from_vrf: vrfOf(fipVn), source: OUTSIDE, destination: "101.101.101.250" })).rejects.toThrow(/no route to 101\.101\.101\.250/);
    await expect(testTraffic(services, ADMIN, { from_vrf: vrfOf(fipVn), destination: "101.101.101.250" })).rejects.toThrow(/source: the outside address/);
  });

  it("disassociating withdraws the route from the instance and from the gateway; release frees the address", async () => {
    const fip = engine.config.list("floating-ip").find((f) => f.name === "pod-1-fip")!;
    const prefix = `${fip.floating_ip_address}/32`;
    const key = `${COMPUTE}:${fipVn.virtual_network_network_id}:${prefix}`;
    await engine.config.update("floating-ip", fip.uuid, { virtual_machine_interface_refs: [] }, ADMIN);
    await waitFor("gone from the FIP VN's instance", () => !engine.control.rib.tables.get(vrfOf(fipVn))?.get(prefix), 10_000);
    await waitFor("withdrawn from GoBGP", async () => !(await rib())[key], 15_000);
    await engine.config.delete("floating-ip", fip.uuid, ADMIN);
    // the address is free again: asking for it explicitly works
    const again = await engine.config.create(
      "floating-ip",
      { fq_name: [...fip.fq_name.slice(0, -1), "again"], parent_type: "floating-ip-pool", floating_ip_address: fip.floating_ip_address },
      ADMIN,
    );
    expect(again.floating_ip_address).toBe(fip.floating_ip_address);
    await engine.config.delete("floating-ip", again.uuid, ADMIN);
  });
});
