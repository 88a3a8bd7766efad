// Two of our own speakers (and scripted peers where a misbehaving or racing peer is needed) over
// real loopback sockets: establish, exchange vpnv4 + ipv4, withdraw, admin down, max-prefix,
// hold-timer expiry, collision resolution. Addresses 127.0.0.30–39 belong to this file.
import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { BgpSpeaker, type PathsEvent, type Route } from "../../server/engine/bgp";
import { decodeMessage, encodeOpen, KEEPALIVE, MessageFramer } from "../../server/engine/bgp/wire";
import { sleep, waitFor } from "./daemons";

const A = { address: "127.0.0.31", asn: 64512 };
const B = { address: "127.0.0.32", asn: 64513 };
const PORT = 10179;

function speaker(me: { address: string; asn: number }) {
  return new BgpSpeaker({ asn: me.asn, routerId: me.address, listen: { address: me.address, port: PORT }, connectRetryTime: 1, maxConnectRetryTime: 2, holdTime: 30 });
}

const vpnRoutes = (n: number, rd = "64512:1", start = 0): Route[] =>
  Array.from({ length: n }, (_, i) => ({
    prefix: `10.${(start + i) >> 8}.${(start + i) & 255}.0/24`,
    rd,
    labels: [1000 + i],
    nextHop: A.address,
    attrs: { extendedCommunities: ["target:64512:8000001", "encapsulation:udp"] },
  }));

describe("two speakers over loopback", () => {
  let a: BgpSpeaker;
  let b: BgpSpeaker;
  const events: PathsEvent[] = [];

  beforeAll(async () => {
    a = speaker(A);
    b = speaker(B);
    a.addPeer({ address: B.address, remoteAsn: B.asn, port: PORT });
    b.addPeer({ address: A.address, remoteAsn: A.asn, port: PORT, maxPrefixes: { limit: 5000 } });
    b.on("paths", (e) => events.push(e));
    await a.start();
    await b.start();
    await waitFor("Established", () => a.peer(B.address)?.state === "Established" && b.peer(A.address)?.state === "Established", 10_000, 50);
  });
  afterAll(async () => {
    await a?.stop();
    await b?.stop();
  });

  it("negotiates families, 4-octet AS, route refresh, hold time and keeps one connection", () => {
    const s = a.peer(B.address)!;
    expect(s.negotiated).toMatchObject({ families: ["ipv4-unicast", "l3vpn-ipv4-unicast"], asn4: true, routeRefresh: true, holdTime: 30, keepaliveTime: 10 });
    expect(s.type).toBe("external");
    expect(s.remoteRouterId).toBe(B.address);
    // RFC 4271 §6.8: if both connected, the one B (higher BGP identifier) opened survives
    const nb = b.peer(A.address)!.negotiated!;
    expect(s.negotiated!.remotePort === nb.localPort && s.negotiated!.localPort === nb.remotePort).toBe(true);
  });

  it("exchanges vpnv4 and ipv4 routes, batched, with End-of-RIB", async () => {
    const r = a.announce("l3vpn-ipv4-unicast", vpnRoutes(1000));
    expect(r).toEqual({ accepted: 1000, rejected: [] });
    a.announce("ipv4-unicast", [{ prefix: "198.51.100.0/24", nextHop: "192.0.2.1", attrs: { med: 7, localPref: 500, communities: ["65000:1"] } }]);
    await waitFor("routes at B", () => b.adjRibIn(A.address, "l3vpn-ipv4-unicast").size === 1000 && b.adjRibIn(A.address, "ipv4-unicast").size === 1, 10_000, 50);
    const p = b.adjRibIn(A.address, "l3vpn-ipv4-unicast").get("64512:1:10.0.5.0/24")!;
    expect(p).toMatchObject({ rd: "64512:1", prefix: "10.0.5.0/24", labels: [1005] });
    // eBGP: our AS prepended, next hop as given, no LOCAL_PREF (RFC 4271 §5.1.5)
    expect(p.attrs).toEqual({ origin: "igp", asPath: [{ type: "sequence", asns: [64512] }], nextHop: A.address, extendedCommunities: ["target:64512:8000001", "encapsulation:udp"] });
    expect(b.adjRibIn(A.address, "ipv4-unicast").get("198.51.100.0/24")!.attrs).toEqual({ origin: "igp", asPath: [{ type: "sequence", asns: [64512] }], nextHop: "192.0.2.1", med: 7, communities: ["65000:1"] });
    // 1000 routes with equal attributes travel in a handful of UPDATEs
    expect(b.peer(A.address)!.messages.updatesIn).toBeLessThan(40);
    expect(a.peer(B.address)!.prefixes.byFamily["l3vpn-ipv4-unicast"]).toMatchObject({ advertised: 1000 });
    expect(b.peer(A.address)!.prefixes).toMatchObject({ received: 1001, accepted: 1001 });
    expect(b.peer(A.address)!.endOfRibReceived.sort()).toEqual(["ipv4-unicast", "l3vpn-ipv4-unicast"]);
    const announced = events.filter((e) => e.family === "l3vpn-ipv4-unicast").reduce((n, e) => n + e.announced.length, 0);
    expect(announced).toBe(1000);
    expect([...a.adjRibOut(B.address, "l3vpn-ipv4-unicast")]).toHaveLength(1000);
  });

  it("rejects invalid routes with a reason", () => {
    const r = a.announce("l3vpn-ipv4-unicast", [
      { prefix: "10.0.0.0/33", rd: "1:1", labels: [1], nextHop: A.address },
      { prefix: "10.0.0.0/8", rd: "nope", labels: [1], nextHop: A.address },
      { prefix: "10.0.0.0/8", rd: "1:1", labels: [1 << 20], nextHop: A.address },
      { prefix: "10.0.0.0/8", rd: "1:1", labels: [1], nextHop: A.address, attrs: { extendedCommunities: ["target:x"] } },
      { prefix: "10.0.0.0/8", rd: "1:1", labels: [1], nextHop: "not-an-ip" },
    ]);
    expect(r.accepted).toBe(0);
    expect(r.rejected.map((x) => x.reason)).toEqual([
      'invalid IPv4 prefix "10.0.0.0/33"',
      'invalid route distinguisher "nope"',
      "invalid MPLS label 1048576",
      'invalid extended community "target:x"',
      'invalid next hop "not-an-ip"',
    ]);
  });

  it("withdraws, and B learns B → A routes too", async () => {
    events.length = 0;
    expect(a.withdraw("l3vpn-ipv4-unicast", ["64512:1:10.0.5.0/24", "64512:1:10.0.6.0/24", "64512:1:99.0.0.0/8"])).toBe(2);
    await waitFor("withdrawn at B", () => b.adjRibIn(A.address, "l3vpn-ipv4-unicast").size === 998, 5000, 20);
    expect(events.flatMap((e) => e.withdrawn).sort()).toEqual(["64512:1:10.0.5.0/24", "64512:1:10.0.6.0/24"]);
    b.announce("l3vpn-ipv4-unicast", [{ prefix: "10.200.0.0/16", rd: "64513:9", labels: [77], nextHop: B.address, attrs: { extendedCommunities: ["target:64513:1"] } }]);
    await waitFor("route at A", () => a.adjRibIn(B.address, "l3vpn-ipv4-unicast").has("64513:9:10.200.0.0/16"), 5000, 20);
    // a re-announcement with new attributes replaces the path
    a.announce("l3vpn-ipv4-unicast", [{ ...vpnRoutes(1)[0], attrs: { med: 99, extendedCommunities: ["target:64512:8000002"] } }]);
    await waitFor("replaced at B", () => b.adjRibIn(A.address, "l3vpn-ipv4-unicast").get("64512:1:10.0.0.0/24")?.attrs.med === 99, 5000, 20);
  });

  it("route refresh makes the peer send its routes again", async () => {
    const before = b.peer(A.address)!.messages.updatesIn;
    expect(b.requestRouteRefresh(A.address, "l3vpn-ipv4-unicast")).toBe(true);
    await waitFor("re-sent", () => b.peer(A.address)!.messages.updatesIn >= before + 4, 5000, 20);
    expect(b.adjRibIn(A.address, "l3vpn-ipv4-unicast").size).toBe(998);
  });

  it("admin down sends Cease / Administrative Shutdown, withdraws, holds the peer down; admin up re-establishes", async () => {
    events.length = 0;
    a.updatePeer(B.address, { adminDown: true });
    await waitFor("B sees the Cease", () => b.peer(A.address)?.lastError?.direction === "received", 5000, 20);
    expect(b.peer(A.address)!.lastError!.text).toBe("Cease / Administrative Shutdown");
    expect(a.peer(B.address)).toMatchObject({ state: "Idle", adminDown: true, stateReason: "admin down" });
    expect(b.adjRibIn(A.address, "l3vpn-ipv4-unicast").size).toBe(0);
    expect(events.flatMap((e) => e.withdrawn)).toHaveLength(999);
    await sleep(2500); // B keeps trying; A refuses while admin down
    expect(a.peer(B.address)!.state).toBe("Idle");
    a.updatePeer(B.address, { adminDown: false });
    await waitFor("re-Established", () => a.peer(B.address)?.state === "Established" && b.adjRibIn(A.address, "l3vpn-ipv4-unicast").size === 998, 10_000, 50);
    expect(b.peer(A.address)!.flapCount).toBe(1);
  });

  it("max-prefix: Cease / Maximum Number of Prefixes Reached, with a clear reason, held down until reset", async () => {
    b.updatePeer(A.address, { maxPrefixes: { limit: 1200 } });
    a.announce("l3vpn-ipv4-unicast", vpnRoutes(300, "64512:2"));
    await waitFor("B drops A", () => b.peer(A.address)?.state === "Idle", 5000, 20);
    const sb = b.peer(A.address)!;
    expect(sb.stateReason).toMatch(/^maximum prefixes reached: 12\d\d > 1200 \(held down until reset\)$/);
    expect(sb.lastError).toMatchObject({ direction: "sent", text: "Cease / Maximum Number of Prefixes Reached" });
    await waitFor("A sees it", () => a.peer(B.address)?.lastError?.text === "Cease / Maximum Number of Prefixes Reached", 5000, 20);
    await sleep(2500);
    expect(b.peer(A.address)!.state).toBe("Idle");
    b.updatePeer(A.address, { maxPrefixes: 5000 });
    await waitFor("back", () => b.peer(A.address)?.state === "Established" && b.adjRibIn(A.address, "l3vpn-ipv4-unicast").size === 1298, 10_000, 50);
    expect(b.peer(A.address)!.stateReason).toBeNull();
  });
});

// ---- scripted peers ----------------------------------------------------------------------

interface Scripted {
  conns: { sock: net.Socket; types: number[]; msgs: Buffer[]; initiatedByPeer: boolean }[];
  server: net.Server;
  connectTo(host: string, port: number): net.Socket;
  close(): Promise<void>;
}

/** A hand-driven BGP peer: records message types per connection; `answer` decides what to send back. */
async function scripted(address: string, asn: number, answer: (c: Scripted["conns"][number], type: number) => void): Promise<Scripted> {
  const conns: Scripted["conns"] = [];
  const wire = (sock: net.Socket, initiatedByPeer: boolean) => {
    const c = { sock, types: [] as number[], msgs: [] as Buffer[], initiatedByPeer };
    conns.push(c);
    const f = new MessageFramer();
    sock.on("error", () => {});
    sock.on("data", (d) =>
      f.push(d, (buf, off, len) => {
        const t = buf[off + 18];
        c.types.push(t);
        c.msgs.push(Buffer.from(buf.subarray(off, off + len)));
        answer(c, t);
      }),
    );
    return sock;
  };
  const server = net.createServer((s) => wire(s, false));
  await new Promise<void>((r) => server.listen(PORT, address, () => r()));
  return {
    conns,
    server,
    connectTo: (host, port) => wire(net.connect({ host, port, localAddress: address }), true),
    close: async () => {
      for (const c of conns) c.sock.destroy();
      await new Promise((r) => server.close(() => r(null)));
    },
  };
}

const openFrom = (asn: number, id: string, holdTime = 30) => encodeOpen({ asn, holdTime, routerId: id, capabilities: [{ kind: "multiprotocol", afi: 1, safi: 128 }, { kind: "four-octet-as", asn }] });

describe("with scripted peers", () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  it("hold timer expiry: a silent peer gets Hold Timer Expired and the session restarts", async () => {
    const me = new BgpSpeaker({ asn: 64512, routerId: "127.0.0.33", listen: { address: "127.0.0.33", port: PORT }, connectRetryTime: 1, holdTime: 3 });
    const peer = await scripted("127.0.0.34", 65034, (c, t) => {
      if (t === 1) c.sock.write(Buffer.concat([openFrom(65034, "127.0.0.34", 3), KEEPALIVE])); // then silence
    });
    cleanup.push(() => me.stop(), () => peer.close());
    me.addPeer({ address: "127.0.0.34", remoteAsn: 65034, port: PORT });
    await me.start();
    await waitFor("Established", () => me.peer("127.0.0.34")?.state === "Established", 5000, 20);
    expect(me.peer("127.0.0.34")!.negotiated).toMatchObject({ holdTime: 3, keepaliveTime: 1 });
    await waitFor("hold timer expired", () => me.peer("127.0.0.34")?.lastError?.text === "Hold Timer Expired", 6000, 50);
    expect(me.peer("127.0.0.34")!.lastError!.direction).toBe("sent");
    expect(peer.conns[0].types).toContain(3);
    await waitFor("reconnects by itself", () => peer.conns.length >= 2, 5000, 50);
  });

  it("wrong ASN: OPEN Message Error / Bad Peer AS, recorded in words", async () => {
    const me = new BgpSpeaker({ asn: 64512, routerId: "127.0.0.35", listen: { address: "127.0.0.35", port: PORT }, connectRetryTime: 1 });
    const peer = await scripted("127.0.0.36", 65099, (c, t) => {
      if (t === 1) c.sock.write(openFrom(65099, "127.0.0.36"));
    });
    cleanup.push(() => me.stop(), () => peer.close());
    me.addPeer({ address: "127.0.0.36", remoteAsn: 65036, port: PORT });
    await me.start();
    await waitFor("refused", () => me.peer("127.0.0.36")?.lastError?.direction === "sent", 5000, 20);
    expect(me.peer("127.0.0.36")!.lastError!.text).toBe("OPEN Message Error / Bad Peer AS (peer sent AS 65099, expected 65036)");
    expect(me.peer("127.0.0.36")!.state).not.toBe("Established");
  });

  for (const [peerId, keep] of [
    ["127.0.0.39", "the peer's connection"],
    ["127.0.0.2", "our connection"],
  ] as const) {
    it(`collision (RFC 4271 §6.8): peer BGP identifier ${peerId} -> keep ${keep}`, async () => {
      const me = new BgpSpeaker({ asn: 64512, routerId: "127.0.0.37", listen: { address: "127.0.0.37", port: PORT }, connectRetryTime: 30 });
      let openSeen = 0;
      const peer = await scripted("127.0.0.38", 65038, (c, t) => {
        if (t === 1) {
          openSeen++;
          if (!c.initiatedByPeer) return; // hold our connection in OpenSent
          c.sock.write(KEEPALIVE);
        }
        if (t === 4 && c.initiatedByPeer) c.sock.write(KEEPALIVE);
      });
      cleanup.push(() => me.stop(), () => peer.close());
      me.addPeer({ address: "127.0.0.38", remoteAsn: 65038, port: PORT });
      await me.start();
      await waitFor("our OPEN on our connection", () => openSeen === 1, 5000, 10);
      expect(me.peer("127.0.0.38")!.state).toBe("OpenSent");
      // now the peer connects too and sends its OPEN first on its own connection
      const sock = peer.connectTo("127.0.0.37", PORT);
      sock.on("connect", () => sock.write(openFrom(65038, peerId)));
      await waitFor("resolved", () => peer.conns.some((c) => c.types.includes(3)), 5000, 10);
      const dumped = peer.conns.find((c) => c.types.includes(3))!;
      if (keep === "the peer's connection") {
        expect(dumped.initiatedByPeer).toBe(false);
        await waitFor("Established on the peer's connection", () => me.peer("127.0.0.38")?.state === "Established", 5000, 10);
        expect(me.peer("127.0.0.38")!.negotiated!.localPort).toBe(PORT);
      } else {
        expect(dumped.initiatedByPeer).toBe(true);
        expect(me.peer("127.0.0.38")!.state).toBe("OpenSent");
      }
      const n = decodeMessage(dumped.msgs.find((m) => m[18] === 3)!);
      expect(n.ok && n.value.type === "notification" && [n.value.notification.code, n.value.notification.subcode]).toEqual([6, 7]); // Cease / Connection Collision Resolution
    });
  }
});
