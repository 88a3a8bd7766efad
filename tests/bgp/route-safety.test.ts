// Issue 15's received-UPDATE table against the speaker alone: for each row a fresh speaker and a
// scripted peer over a real loopback socket (127.0.32.10 ↔ 127.0.32.11) that first announces a
// usable version of the route, then the row's UPDATE; the outcome (accepted, ignored with why,
// treat-as-withdraw, session reset) is read from the speaker's Adj-RIB-In, its set-aside routes,
// its RFC 7606 counters and what it sent back. Also: an unknown peer gets Cease / Connection
// Rejected, and a down session's state reason is never empty while the reason is known.
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { BgpSpeaker, type PathsEvent } from "../../server/engine/bgp";
import { type Capability, decodeMessage, encodeOpen, encodeUpdate, KEEPALIVE, MessageFramer } from "../../server/engine/bgp/wire";
import { waitFor } from "./daemons";
import { SAFETY_CASES, type SafetyCase, type SafetyContext } from "./route-safety-cases";

const ME = "127.0.32.10";
const PEER = "127.0.32.11";
const STRANGER = "127.0.32.12";
const PORT = 10179;
const PEER_ASN = 65032;

interface Peer {
  sock: net.Socket;
  /** message types received (1 OPEN, 2 UPDATE, 3 NOTIFICATION, 4 KEEPALIVE) */
  types: number[];
  msgs: Buffer[];
  closed: boolean;
}

/** A hand-driven BGP peer: connects, sends its OPEN, answers KEEPALIVEs, records what it gets. */
function connectPeer(caps: Capability[], asn: number): Promise<Peer> {
  return new Promise((resolve, reject) => {
    const sock = net.connect({ host: ME, port: PORT, localAddress: PEER });
    const peer: Peer = { sock, types: [], msgs: [], closed: false };
    const framer = new MessageFramer();
    sock.on("error", () => {});
    sock.on("close", () => {
      peer.closed = true;
    });
    sock.on("connect", () => {
      sock.write(encodeOpen({ asn, holdTime: 30, routerId: PEER, capabilities: caps }));
      resolve(peer);
    });
    sock.once("error", reject);
    sock.on("data", (chunk: Buffer) => {
      framer.push(chunk, (b, off, len) => {
        const m = Buffer.from(b.subarray(off, off + len));
        peer.types.push(m[18]);
        peer.msgs.push(m);
        if (m[18] === 1) sock.write(KEEPALIVE);
        return true;
      });
    });
  });
}

function capsFor(c: SafetyCase, asn: number): Capability[] {
  const caps: Capability[] = [
    { kind: "multiprotocol", afi: 1, safi: 1 },
    { kind: "multiprotocol", afi: 1, safi: 128 },
    { kind: "route-refresh" },
  ];
  if (!c.peer2Octet) caps.push({ kind: "four-octet-as", asn });
  if (c.peerAdvertisesExtendedNextHop) caps.push({ kind: "extended-next-hop", entries: [{ afi: 1, safi: 1, nextHopAfi: 2 }, { afi: 1, safi: 128, nextHopAfi: 2 }] });
  return caps;
}

function updateFor(c: SafetyCase, ctx: SafetyContext, asn4: boolean, usable = false): Buffer {
  if (c.raw && !usable) return c.raw(ctx);
  const attrs = usable ? { origin: "igp" as const, asPath: [{ type: "sequence" as const, asns: [PEER_ASN] }], nextHop: ctx.nextHop, extendedCommunities: ["target:64512:100"] } : c.attrs(ctx);
  return encodeUpdate({ reach: [{ family: c.family, attrs, routes: [{ prefix: c.prefix, rd: c.rd, labels: c.rd ? [100] : undefined }] }] }, { asn4 });
}

describe("received UPDATEs → outcome (issue 15 table, the speaker alone)", () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0).reverse()) await c();
  });

  for (const c of SAFETY_CASES) {
    it(`${c.name} → ${c.outcome}`, async () => {
      const ownAsn = c.ownAsn4Octet ? 4200000032 : 64512;
      const peerAsn = PEER_ASN;
      const ctx: SafetyContext = { ownAsn, ownRouterId: ME, ownClusterId: ME, peerAsn, nextHop: PEER };
      const me = new BgpSpeaker({
        asn: ownAsn,
        routerId: ME,
        listen: { address: ME, port: PORT },
        connectRetryTime: 30,
        holdTime: 30,
        ...(c.weAdvertiseExtendedNextHop ? { extendedNextHop: [c.family] } : {}),
      });
      const events: PathsEvent[] = [];
      me.on("paths", (e) => events.push(e));
      me.addPeer({ address: PEER, remoteAsn: peerAsn, port: PORT, passive: true });
      await me.start();
      cleanup.push(() => me.stop());
      const peer = await connectPeer(capsFor(c, peerAsn), peerAsn);
      cleanup.push(() => void peer.sock.destroy());
      await waitFor("Established", () => me.peer(PEER)?.state === "Established", 5000, 20);
      const asn4 = !c.peer2Octet;
      const key = c.rd ? `${c.rd}:${c.prefix}` : c.prefix;

      // first a usable version of the route (IPv4 next hop, no loop): the row's UPDATE must replace it
      peer.sock.write(updateFor(c, ctx, asn4, true));
      await waitFor("the usable route", () => me.adjRibIn(PEER, c.family).has(key), 5000, 20);
      expect(events.flatMap((e) => e.announced).some((p) => p.key === key)).toBe(true);
      const before = me.peer(PEER)!;

      peer.sock.write(updateFor(c, ctx, asn4));
      switch (c.outcome) {
        case "accepted": {
          const p = await waitFor("the row's route in the Adj-RIB-In", () => {
            const x = me.adjRibIn(PEER, c.family).get(key);
            return x && x.attrs.nextHop === c.attrs(ctx).nextHop ? x : undefined;
          }, 5000, 20);
          expect(p.prefix).toBe(c.prefix);
          expect(me.rejectedRoutes(PEER, c.family).size).toBe(0);
          expect(me.peer(PEER)!.malformed).toMatchObject({ treatAsWithdraw: 0, sessionReset: 0 });
          break;
        }
        case "ignored": {
          const r = await waitFor("set aside", () => me.rejectedRoutes(PEER, c.family).get(key), 5000, 20);
          expect(r.reason).toMatch(c.reason!);
          expect(me.adjRibIn(PEER, c.family).has(key)).toBe(false);
          // the usable route it replaced is withdrawn (implicit withdraw, RFC 4271 §3.1)
          expect(events.flatMap((e) => e.withdrawn)).toContain(key);
          const st = me.peer(PEER)!;
          expect(st.state).toBe("Established");
          expect(st.ignored.current).toBe(1);
          expect(st.ignored.last).toMatch(c.reason!);
          expect(st.ignored.asLoop + st.ignored.ownOriginatorId + st.ignored.ownClusterId).toBe(1);
          expect(st.prefixes.received).toBe(0);
          // the same route without the offending attribute is taken back
          peer.sock.write(updateFor(c, ctx, asn4, true));
          await waitFor("usable again", () => me.adjRibIn(PEER, c.family).has(key), 5000, 20);
          expect(me.peer(PEER)!.ignored.current).toBe(0);
          break;
        }
        case "treat-as-withdraw": {
          await waitFor("withdrawn", () => !me.adjRibIn(PEER, c.family).has(key), 5000, 20);
          expect(events.flatMap((e) => e.withdrawn)).toContain(key);
          const st = me.peer(PEER)!;
          expect(st.state).toBe("Established");
          expect(st.malformed.treatAsWithdraw).toBe(before.malformed.treatAsWithdraw + 1);
          expect(st.malformed.last).toMatch(c.reason!);
          expect(st.malformed.lastAt).not.toBeNull();
          expect(peer.types).not.toContain(3);
          break;
        }
        case "session-reset": {
          await waitFor("NOTIFICATION sent", () => peer.types.includes(3), 5000, 20);
          const n = decodeMessage(peer.msgs.find((m) => m[18] === 3)!);
          expect(n.ok && n.value.type === "notification" && n.value.notification.code).toBe(3); // UPDATE Message Error
          await waitFor("down", () => me.peer(PEER)?.state !== "Established", 5000, 20);
          const st = me.peer(PEER)!;
          expect(st.malformed.sessionReset).toBe(1);
          expect(st.malformed.last).toMatch(c.reason!);
          // a down session says why
          expect(st.stateReason).toMatch(/^we sent UPDATE Message Error/);
          expect(me.adjRibIn(PEER, c.family).has(key)).toBe(false);
          break;
        }
      }
    });
  }

  it("a connection from an address that is no configured peer gets Cease / Connection Rejected (RFC 4486), not a reset", async () => {
    const me = new BgpSpeaker({ asn: 64512, routerId: ME, listen: { address: ME, port: PORT } });
    await me.start();
    cleanup.push(() => me.stop());
    const got = await new Promise<{ msgs: Buffer[]; error: string | null }>((resolve) => {
      const sock = net.connect({ host: ME, port: PORT, localAddress: STRANGER });
      const msgs: Buffer[] = [];
      let error: string | null = null;
      const framer = new MessageFramer();
      sock.on("data", (chunk: Buffer) => framer.push(chunk, (b, off, len) => (msgs.push(Buffer.from(b.subarray(off, off + len))), true)));
      sock.on("error", (e: NodeJS.ErrnoException) => {
        error = e.code ?? e.message;
      });
      sock.on("close", () => resolve({ msgs, error }));
    });
    expect(got.error).toBeNull(); // closed in order, no ECONNRESET
    expect(got.msgs).toHaveLength(1);
    const n = decodeMessage(got.msgs[0]);
    expect(n.ok && n.value.type === "notification" && [n.value.notification.code, n.value.notification.subcode]).toEqual([6, 5]);
    expect(me.stats()).toMatchObject({ rejectedConnections: 1, lastRejected: { address: STRANGER } });
  });

  it("a session that is down says why in its state reason (the last error, or what it waits for)", async () => {
    const me = new BgpSpeaker({ asn: 64512, routerId: ME, listen: { address: ME, port: PORT }, connectRetryTime: 30 });
    // nobody listens on the peer's port: connection refused
    me.addPeer({ address: PEER, remoteAsn: 65032, port: PORT + 1 });
    me.addPeer({ address: STRANGER, remoteAsn: 65033, port: PORT, passive: true });
    await me.start();
    cleanup.push(() => me.stop());
    const st = await waitFor("an error recorded", () => me.peer(PEER)?.lastError && me.peer(PEER), 5000, 20);
    expect(st.lastError!.text).toMatch(/connection refused/);
    expect(st.stateReason).toBe(st.lastError!.text);
    expect(me.peer(STRANGER)!.stateReason).toBe(`waiting for ${STRANGER} to connect (passive)`);
  });
});
