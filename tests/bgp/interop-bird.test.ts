// Interop with a real bird 2.0.12 on loopback (127.0.0.46 bird, 127.0.0.47 us, port 10179),
// asserting on what bird reports (birdc) and on our Adj-RIB-In. bird runs without kernel MPLS
// (no protocol kernel, no MPLS domain): it imports our labeled vpn4 routes with their label stack
// and sends its own vpn4 routes with label 3 (implicit null) — it has no label to give.
// Skips when bird2 is not installed (scripts/ensure-bgp-daemons.sh installs it).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BgpSpeaker, type PathsEvent } from "../../server/engine/bgp";
import { Bird, birdMissing, sleep, waitFor } from "./daemons";

const missing = birdMissing();
if (missing) console.warn(`[interop-bird] skipped: ${missing}`);

const BIRD = { address: "127.0.0.46", asn: 65100 };
const US = { address: "127.0.0.47", asn: 64512 };
const PORT = 10179;

describe.skipIf(!!missing)("interop with bird2", () => {
  let bird: Bird;
  let us: BgpSpeaker;
  const events: PathsEvent[] = [];

  beforeAll(async () => {
    bird = new Bird({
      routerId: BIRD.address,
      asn: BIRD.asn,
      port: PORT,
      neighbor: { address: US.address, port: PORT, asn: US.asn },
      // RFC 4724: bird lists its families in the capability only when graceful restart is on
      bgpOptions: "graceful restart yes;",
      extra: `
protocol static s4 { ipv4; route 198.51.100.0/24 unreachable { bgp_community.add((65100, 7)); bgp_large_community.add((65100, 1, 2)); }; }
protocol static sv {
  vpn4 { table vpntab4; };
  route 65100:5 10.9.0.0/16 unreachable { bgp_ext_community.add((rt, 64512, 8000005)); };
  route 10.0.0.9:3 10.9.1.0/24 unreachable { bgp_ext_community.add((rt, 10.0.0.9, 3)); };
}`,
    });
    await bird.start();
    us = new BgpSpeaker({ asn: US.asn, routerId: US.address, listen: { address: US.address, port: PORT }, connectRetryTime: 1, maxConnectRetryTime: 2 });
    us.addPeer({ address: BIRD.address, remoteAsn: BIRD.asn, port: PORT });
    us.on("paths", (e) => events.push(e));
    await us.start();
  });
  afterAll(async () => {
    await us?.stop();
    await bird?.stop();
  });

  it("reaches Established on both sides, ipv4 + vpn4 negotiated, bird's graceful restart seen", async () => {
    await waitFor("bird Established", () => bird.established(), 30_000);
    await waitFor("we are Established", () => us.peer(BIRD.address)?.state === "Established", 5000);
    const proto = await bird.birdc(["show", "protocols", "all", "weft"]);
    expect(proto).toMatch(/Neighbor capabilities[\s\S]*AF announced: ipv4 vpn4-mpls/);
    expect(us.peer(BIRD.address)!.negotiated).toMatchObject({ families: ["ipv4-unicast", "l3vpn-ipv4-unicast"], gracefulRestart: true, asn4: true });
    expect(us.peer(BIRD.address)!.negotiated!.capabilitiesReceived).toContain("enhanced-route-refresh");
  });

  it("bird's ipv4 and vpn4 routes reach our Adj-RIB-In, with End-of-RIB", async () => {
    await waitFor("routes from bird", () => us.adjRibIn(BIRD.address, "l3vpn-ipv4-unicast").size === 2 && us.adjRibIn(BIRD.address, "ipv4-unicast").size === 1, 10_000);
    const vpn = us.adjRibIn(BIRD.address, "l3vpn-ipv4-unicast");
    expect(vpn.get("65100:5:10.9.0.0/16")).toMatchObject({ rd: "65100:5", labels: [3], attrs: { nextHop: BIRD.address, extendedCommunities: ["target:64512:8000005"], asPath: [{ type: "sequence", asns: [65100] }] } });
    expect(vpn.get("10.0.0.9:3:10.9.1.0/24")!.attrs.extendedCommunities).toEqual(["target:10.0.0.9:3"]);
    expect(us.adjRibIn(BIRD.address, "ipv4-unicast").get("198.51.100.0/24")!.attrs).toMatchObject({ nextHop: BIRD.address, communities: ["65100:7"], largeCommunities: ["65100:1:2"] });
    await waitFor("End-of-RIB", () => us.peer(BIRD.address)!.endOfRibReceived.length === 2);
  });

  it("our ipv4 and vpn4 routes appear in bird with label stack, route target, next hop", async () => {
    us.announce("l3vpn-ipv4-unicast", [{ prefix: "10.1.1.0/24", rd: "64512:1", labels: [100], nextHop: US.address, attrs: { extendedCommunities: ["target:64512:8000001", "encapsulation:gre"] } }]);
    us.announce("ipv4-unicast", [{ prefix: "203.0.113.0/24", nextHop: US.address, attrs: { med: 9, communities: ["64512:3"] } }]);
    const vpn = await waitFor("vpn4 in bird", async () => {
      const t = await bird.birdc(["show", "route", "table", "vpntab4", "all"]);
      return t.includes("64512:1 10.1.1.0/24") ? t : null;
    });
    const block = vpn.slice(vpn.indexOf("64512:1 10.1.1.0/24"));
    expect(block).toMatch(/\[AS64512i\]/);
    expect(block).toMatch(/BGP\.next_hop: 127\.0\.0\.47/);
    expect(block).toMatch(/BGP\.mpls_label_stack: 100/);
    expect(block).toMatch(/BGP\.ext_community: \(rt, 64512, 8000001\) \(generic, 0x30c0000, 0x2\)/); // bird prints the encapsulation community as generic
    const v4 = await waitFor("ipv4 in bird", async () => {
      const t = await bird.birdc(["show", "route", "table", "master4", "all"]);
      return t.includes("203.0.113.0/24") ? t : null;
    });
    const b4 = v4.slice(v4.indexOf("203.0.113.0/24"));
    expect(b4).toMatch(/BGP\.med: 9/);
    expect(b4).toMatch(/BGP\.community: \(64512,3\)/);
  });

  it("withdrawals both ways", async () => {
    us.withdraw("ipv4-unicast", ["203.0.113.0/24"]);
    await waitFor("gone from bird", async () => !(await bird.birdc(["show", "route", "table", "master4"])).includes("203.0.113.0/24"));
    events.length = 0;
    await bird.birdc(["disable", "sv"]);
    await waitFor("bird's vpn4 routes withdrawn", () => us.adjRibIn(BIRD.address, "l3vpn-ipv4-unicast").size === 0);
    expect(events.flatMap((e) => e.withdrawn).sort()).toEqual(["10.0.0.9:3:10.9.1.0/24", "65100:5:10.9.0.0/16"]);
    await bird.birdc(["enable", "sv"]);
    await waitFor("back", () => us.adjRibIn(BIRD.address, "l3vpn-ipv4-unicast").size === 2);
  });

  it("bird killed without a NOTIFICATION: its routes stay (stale, RFC 4724 helper) until it is back and sends End-of-RIB", async () => {
    events.length = 0;
    await bird.stop("SIGKILL");
    await waitFor("session down", () => us.peer(BIRD.address)?.state !== "Established", 35_000);
    expect(us.peer(BIRD.address)!.prefixes.stale).toBe(3);
    expect(us.adjRibIn(BIRD.address, "l3vpn-ipv4-unicast").size).toBe(2);
    expect(events.flatMap((e) => e.withdrawn)).toEqual([]);
    await sleep(500);
    await bird.start(true); // -R: restarting speaker (R and F bits set)
    await waitFor("back to Established", () => us.peer(BIRD.address)?.state === "Established", 30_000);
    await waitFor("stale cleared after End-of-RIB", () => us.peer(BIRD.address)!.prefixes.stale === 0 && us.peer(BIRD.address)!.endOfRibReceived.length === 2, 15_000);
    expect(us.adjRibIn(BIRD.address, "l3vpn-ipv4-unicast").size).toBe(2);
    expect(us.adjRibIn(BIRD.address, "ipv4-unicast").size).toBe(1);
    // the routes were refreshed in place, never withdrawn
    expect(events.flatMap((e) => e.withdrawn)).toEqual([]);
    await waitFor("re-advertised to bird", async () => (await bird.birdc(["show", "route", "table", "vpntab4"])).includes("64512:1 10.1.1.0/24"));
  });
});
