// Interop with a real gobgpd 3.10 on loopback (127.0.0.40–49, BGP port 10179, API 50161/50162):
// asserts on what gobgpd itself reports (gobgp -j) and on our Adj-RIB-In / peer status.
// Skips when gobgpd is not installed (scripts/ensure-bgp-daemons.sh installs it).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BgpSpeaker, type PathsEvent } from "../../server/engine/bgp";
import { Gobgpd, gobgpMissing, waitFor } from "./daemons";

const missing = gobgpMissing();
if (missing) console.warn(`[interop-gobgpd] skipped: ${missing}`);

const G = { address: "127.0.0.42", asn: 65001, api: 50161 };
const US = { address: "127.0.0.43", asn: 64512 };
const US2 = { address: "127.0.0.44", asn: 64512 }; // gobgpd expects AS 64999 here: refused
const PORT = 10179;

type AdjIn = Record<string, { nlri: { prefix: string; labels?: number[]; rd?: { type: number; admin: number | string; assigned: number } }; attrs: { type: number; [k: string]: unknown }[] }[]>;

describe.skipIf(!!missing)("interop with gobgpd", () => {
  let g: Gobgpd;
  let us: BgpSpeaker;
  let us2: BgpSpeaker;
  const events: PathsEvent[] = [];

  beforeAll(async () => {
    g = new Gobgpd({
      asn: G.asn,
      routerId: G.address,
      port: PORT,
      apiPort: G.api,
      neighbors: [
        { address: US.address, peerAs: US.asn, remotePort: PORT },
        { address: US2.address, peerAs: 64999, remotePort: PORT },
      ],
    });
    await g.start();
    us = new BgpSpeaker({ asn: US.asn, routerId: US.address, listen: { address: US.address, port: PORT }, connectRetryTime: 1, maxConnectRetryTime: 2 });
    us.addPeer({ address: G.address, remoteAsn: G.asn, port: PORT });
    us.on("paths", (e) => events.push(e));
    await us.start();
    us2 = new BgpSpeaker({ asn: US2.asn, routerId: US2.address, listen: { address: US2.address, port: PORT }, connectRetryTime: 1, maxConnectRetryTime: 2 });
    us2.addPeer({ address: G.address, remoteAsn: G.asn, port: PORT });
    await us2.start();
  });
  afterAll(async () => {
    await us?.stop();
    await us2?.stop();
    await g?.stop("SIGKILL");
  });

  it("reaches Established (gobgpd session_state 6) with ipv4 + vpnv4, 4-octet AS, route refresh", async () => {
    await waitFor("gobgpd Established", () => g.established(US.address), 20_000);
    await waitFor("we are Established", () => us.peer(G.address)?.state === "Established", 5000);
    const st = us.peer(G.address)!;
    expect(st.negotiated).toMatchObject({ families: ["ipv4-unicast", "l3vpn-ipv4-unicast"], asn4: true, routeRefresh: true, holdTime: 30 });
    // gobgpd offers FQDN and Extended Next Hop (RFC 8950): accepted and ignored
    expect(st.negotiated!.capabilitiesReceived).toEqual(expect.arrayContaining(["fqdn", "extended-next-hop"]));
  });

  it("routes we announce appear in gobgpd with the right RD, RT, label, encapsulation and next hop", async () => {
    us.announce("l3vpn-ipv4-unicast", [
      { prefix: "10.1.1.0/24", rd: "64512:1", labels: [100], nextHop: US.address, attrs: { extendedCommunities: ["target:64512:8000001", "encapsulation:gre"] } },
      { prefix: "10.1.2.0/24", rd: "10.0.0.1:7", labels: [101], nextHop: US.address, attrs: { extendedCommunities: ["target:64512:8000002", "encapsulation:udp"], med: 5 } },
      { prefix: "10.1.3.0/24", rd: "64512:1", labels: [102], nextHop: US.address, attrs: { extendedCommunities: ["target:64512:8000001", "encapsulation:vxlan"] } },
    ]);
    // gobgpd treats 127.x NEXT_HOPs of ipv4-unicast as invalid (docs/stack.md): use a documentation address
    us.announce("ipv4-unicast", [{ prefix: "198.51.100.0/24", nextHop: "192.0.2.1", attrs: { communities: ["65000:7"] } }]);
    const adj = await waitFor("adj-in", async () => {
      const j = await g.json<AdjIn>(["neighbor", US.address, "adj-in", "-a", "vpnv4"]);
      return j && Object.keys(j).length === 3 ? j : null;
    });
    const r1 = adj["64512:1:10.1.1.0/24"][0];
    expect(r1.nlri).toEqual({ prefix: "10.1.1.0/24", labels: [100], rd: { type: 0, admin: 64512, assigned: 1 } });
    expect(r1.attrs.find((a) => a.type === 14)).toMatchObject({ nexthop: US.address, afi: 1, safi: 128 });
    expect(r1.attrs.find((a) => a.type === 16)!.value).toEqual([
      { type: 0, subtype: 2, value: "64512:8000001" },
      { type: 3, subtype: 12, tunnel_type: 2 },
    ]);
    expect(r1.attrs.find((a) => a.type === 2)).toMatchObject({ as_paths: [{ segment_type: 2, asns: [64512] }] });
    const r2 = adj["10.0.0.1:7:10.1.2.0/24"][0];
    expect(r2.nlri.rd).toMatchObject({ type: 1, assigned: 7 });
    expect(r2.attrs.find((a) => a.type === 16)!.value).toEqual([
      { type: 0, subtype: 2, value: "64512:8000002" },
      { type: 3, subtype: 12, tunnel_type: 13 },
    ]);
    expect(r2.attrs.find((a) => a.type === 4)).toMatchObject({ metric: 5 });
    const rib = await g.json<AdjIn>(["global", "rib", "-a", "vpnv4"]);
    expect(Object.keys(rib)).toEqual(expect.arrayContaining(["64512:1:10.1.1.0/24", "10.0.0.1:7:10.1.2.0/24", "64512:1:10.1.3.0/24"]));
    const v4 = await waitFor("ipv4 adj-in", async () => {
      const j = await g.json<AdjIn>(["neighbor", US.address, "adj-in", "-a", "ipv4"]);
      return j && j["198.51.100.0/24"] ? j : null;
    });
    expect(v4["198.51.100.0/24"][0].attrs.find((a) => a.type === 3)).toMatchObject({ nexthop: "192.0.2.1" });
  });

  it("our withdrawal removes the route from gobgpd", async () => {
    us.withdraw("l3vpn-ipv4-unicast", ["64512:1:10.1.3.0/24"]);
    await waitFor("gone in gobgpd", async () => {
      const j = await g.json<AdjIn>(["neighbor", US.address, "adj-in", "-a", "vpnv4"]);
      return j && !j["64512:1:10.1.3.0/24"] && Object.keys(j).length === 2;
    });
  });

  it("routes injected into gobgpd reach our Adj-RIB-In; deleting them withdraws", async () => {
    await g.cli("global rib -a vpnv4 add 10.2.1.0/24 label 200 rd 65001:5 rt 64512:8000003 nexthop 127.0.0.42".split(" "));
    await g.cli("global rib -a vpnv4 add 10.2.2.0/24 label 201 rd 10.9.9.9:6 rt 10.9.9.9:77 encap vxlan nexthop 127.0.0.42".split(" "));
    await g.cli("global rib -a ipv4 add 203.0.113.0/24 nexthop 192.0.2.9 med 40".split(" "));
    const rib = us.adjRibIn(G.address, "l3vpn-ipv4-unicast");
    await waitFor("vpnv4 in our Adj-RIB-In", () => rib.size === 2);
    expect(rib.get("65001:5:10.2.1.0/24")).toMatchObject({ rd: "65001:5", prefix: "10.2.1.0/24", labels: [200], attrs: { nextHop: G.address, extendedCommunities: ["target:64512:8000003"], asPath: [{ type: "sequence", asns: [65001] }] } });
    expect(rib.get("10.9.9.9:6:10.2.2.0/24")).toMatchObject({ labels: [201], attrs: { extendedCommunities: ["target:10.9.9.9:77", "encapsulation:vxlan"] } });
    await waitFor("ipv4 in our Adj-RIB-In", () => us.adjRibIn(G.address, "ipv4-unicast").get("203.0.113.0/24")?.attrs.med === 40);
    expect(us.peer(G.address)!.prefixes.received).toBe(3);
    events.length = 0;
    await g.cli("global rib -a vpnv4 del 10.2.1.0/24 label 200 rd 65001:5".split(" "));
    await waitFor("withdrawn", () => !rib.has("65001:5:10.2.1.0/24"));
    expect(events.flatMap((e) => e.withdrawn)).toEqual(["65001:5:10.2.1.0/24"]);
  });

  it("wrong ASN: gobgpd refuses us with OPEN Message Error / Bad Peer AS, shown in words", async () => {
    await waitFor("NOTIFICATION from gobgpd", () => us2.peer(G.address)?.lastError?.direction === "received", 15_000);
    expect(us2.peer(G.address)!.lastError!.text).toBe("OPEN Message Error / Bad Peer AS");
    expect(us2.peer(G.address)!.state).not.toBe("Established");
    // and the other way: we expect another AS from gobgpd -> we send Bad Peer AS
    us2.updatePeer(G.address, { remoteAsn: 65099 });
    await waitFor("we refuse", () => us2.peer(G.address)?.lastError?.direction === "sent", 15_000);
    expect(us2.peer(G.address)!.lastError!.text).toMatch(/^OPEN Message Error \/ Bad Peer AS \(peer sent AS 65001, expected 65099\)$/);
  });

  it("killing and restarting gobgpd brings the session back by itself", async () => {
    const flaps = us.peer(G.address)!.flapCount;
    await g.stop("SIGKILL");
    await waitFor("session down", () => us.peer(G.address)?.state !== "Established", 10_000);
    // no NOTIFICATION, but gobgpd did not advertise Graceful Restart: its routes go at once (RFC 4724 §4.2 applies only with GR)
    expect(us.adjRibIn(G.address, "l3vpn-ipv4-unicast").size).toBe(0);
    await g.start();
    await waitFor("back to Established", () => us.peer(G.address)?.state === "Established", 30_000);
    expect(us.peer(G.address)!.flapCount).toBe(flaps + 1);
    // gobgpd learns our routes again
    await waitFor("routes re-advertised", async () => {
      const j = await g.json<AdjIn>(["neighbor", US.address, "adj-in", "-a", "vpnv4"]);
      return j && Object.keys(j).length === 2;
    });
  });
});
