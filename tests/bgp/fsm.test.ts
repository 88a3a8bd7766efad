// The RFC 4271 §8 FSM as a pure function, and a Session's timers on a fake clock (over a real
// loopback socket pair to a scripted peer).
import net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { type FsmEvent, type FsmState, initialFsm, negotiateHoldTime, transition } from "../../server/engine/bgp/fsm";
import { FakeClock } from "../../server/engine/bgp/clock";
import { Session, type SessionConfig } from "../../server/engine/bgp/session";
import { decodeMessage, encodeNotification, encodeOpen, KEEPALIVE, MessageFramer } from "../../server/engine/bgp/wire";
import { sleep, waitFor } from "./daemons";

const CFG = { holdTime: 90, connectRetryTime: 5, maxConnectRetryTime: 60, passive: false };

function run(events: FsmEvent[], s: FsmState = initialFsm(CFG)) {
  const trail: string[] = [s.state];
  const actions: string[][] = [];
  for (const e of events) {
    const t = transition(s, e);
    s = t.next;
    trail.push(s.state);
    actions.push(t.actions.map((a) => (a.type === "start-timer" ? `start ${a.timer} ${a.seconds}` : a.type === "stop-timer" ? `stop ${a.timer}` : a.type === "send-notification" ? `notify ${a.notification.code}/${a.notification.subcode}` : a.type)));
  }
  return { s, trail, actions };
}

describe("FSM (RFC 4271 §8.2.2)", () => {
  it("active open to Established", () => {
    const r = run([{ type: "ManualStart" }, { type: "TcpConnectionUp" }, { type: "BGPOpen", holdTime: 30 }, { type: "KeepAliveMsg" }]);
    expect(r.trail).toEqual(["Idle", "Connect", "OpenSent", "OpenConfirm", "Established"]);
    expect(r.actions[0]).toEqual(["start connect-retry 5", "connect"]);
    expect(r.actions[1]).toEqual(["stop connect-retry", "send-open", "start hold 240"]);
    // negotiated hold time = min(90, 30); keepalive = hold / 3
    expect(r.actions[2]).toEqual(["stop connect-retry", "send-keepalive", "start keepalive 10", "start hold 30"]);
    expect(r.actions[3]).toEqual(["start hold 30", "established"]);
    expect(r.s.holdTime).toBe(30);
  });

  it("passive peers wait in Active and never connect", () => {
    const r = run([{ type: "ManualStart" }, { type: "ConnectRetryTimerExpires" }, { type: "TcpConnectionUp" }], initialFsm({ ...CFG, passive: true }));
    expect(r.trail).toEqual(["Idle", "Active", "Active", "OpenSent"]);
    expect(r.actions.flat()).not.toContain("connect");
  });

  it("hold time 0 means no keepalives (RFC 4271 §4.2)", () => {
    expect(negotiateHoldTime(90, 0)).toEqual({ holdTime: 0, keepaliveTime: 0 });
    const r = run([{ type: "ManualStart" }, { type: "TcpConnectionUp" }, { type: "BGPOpen", holdTime: 0 }]);
    expect(r.actions[2]).toEqual(["stop connect-retry", "send-keepalive", "stop hold"]);
  });

  it("connect-retry back-off doubles per failure, capped", () => {
    let s = initialFsm(CFG);
    const secs: number[] = [];
    for (let i = 0; i < 6; i++) {
      const t = transition(s, { type: "AutomaticStart" });
      secs.push((t.actions[0] as { seconds: number }).seconds);
      s = transition(t.next, { type: "TcpConnectionFails" }).next;
    }
    expect(secs).toEqual([5, 10, 20, 40, 60, 60]);
    expect(s.connectRetryCounter).toBe(6);
    // ManualStart resets the counter (RFC 4271 §8.2.2 Idle)
    expect(transition(s, { type: "ManualStart" }).next.connectRetryCounter).toBe(0);
  });

  it("errors: hold timer expiry, unexpected messages (RFC 6608), collision dump, admin stop", () => {
    const est = run([{ type: "ManualStart" }, { type: "TcpConnectionUp" }, { type: "BGPOpen", holdTime: 90 }, { type: "KeepAliveMsg" }]).s;
    expect(run([{ type: "HoldTimerExpires" }], est).actions[0][0]).toBe("notify 4/0");
    expect(run([{ type: "BGPOpen", holdTime: 90 }], est).actions[0][0]).toBe("notify 5/3");
    expect(run([{ type: "ManualStop" }], est).actions[0][0]).toBe("notify 6/2");
    expect(run([{ type: "ManualStop" }], est).s.connectRetryCounter).toBe(0);
    const openSent = run([{ type: "ManualStart" }, { type: "TcpConnectionUp" }]).s;
    expect(run([{ type: "KeepAliveMsg" }], openSent).actions[0][0]).toBe("notify 5/1");
    expect(run([{ type: "OpenCollisionDump" }], openSent).actions[0][0]).toBe("notify 6/7");
    const tcp = run([{ type: "TcpConnectionFails" }], openSent);
    expect(tcp.trail).toEqual(["OpenSent", "Active"]);
    const confirm = run([{ type: "BGPOpen", holdTime: 90 }], openSent).s;
    expect(run([{ type: "UpdateMsg" }], confirm).actions[0][0]).toBe("notify 5/2");
    expect(run([{ type: "KeepaliveTimerExpires" }], confirm).actions[0]).toEqual(["send-keepalive", "start keepalive 30"]);
    expect(run([{ type: "NotifMsg" }], est).trail).toEqual(["Established", "Idle"]);
    for (const st of [est, openSent, confirm]) expect(run([{ type: "ManualStop" }], st).actions[0]).toContain("release");
  });

  it("is pure: same input, same output, input untouched", () => {
    const s = initialFsm(CFG);
    const copy = JSON.stringify(s);
    expect(transition(s, { type: "ManualStart" })).toEqual(transition(s, { type: "ManualStart" }));
    expect(JSON.stringify(s)).toBe(copy);
  });
});

// ---- Session timers on a fake clock --------------------------------------------------------

const servers: net.Server[] = [];
const sockets = new Set<net.Socket>();
afterEach(async () => {
  for (const s of sockets) s.destroy();
  sockets.clear();
  for (const s of servers.splice(0)) await new Promise((r) => s.close(() => r(null)));
});

/** A scripted peer: answers OPEN with OPEN (hold time given) + KEEPALIVE, then does what it is told. */
async function scriptedPeer(address: string, port: number, holdTime: number) {
  const got: number[] = [];
  let sock: net.Socket | null = null;
  const server = net.createServer((s) => {
    sock = s;
    sockets.add(s);
    const f = new MessageFramer();
    s.on("error", () => {});
    s.on("data", (c) =>
      f.push(c, (b, off, len) => {
        const m = decodeMessage(b.subarray(off, off + len));
        if (!m.ok) return;
        got.push(b[off + 18]);
        if (m.value.type === "open") {
          s.write(encodeOpen({ asn: 65002, holdTime, routerId: "127.0.0.79", capabilities: [{ kind: "multiprotocol", afi: 1, safi: 128 }, { kind: "four-octet-as", asn: 65002 }] }));
          s.write(KEEPALIVE);
        }
      }),
    );
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(port, address, () => r()));
  return { got, sock: () => sock };
}

function sessionCfg(port: number): SessionConfig {
  return {
    localAsn: 65001,
    routerId: "127.0.0.78",
    remoteAddress: "127.0.0.79",
    remotePort: port,
    remoteAsn: 65002,
    localAddress: "127.0.0.78",
    holdTime: 9,
    connectRetryTime: 2,
    maxConnectRetryTime: 8,
    passive: false,
    families: ["l3vpn-ipv4-unicast"],
    gracefulRestart: null,
  };
}

describe("Session timers on a fake clock", () => {
  it("sends keepalives every hold/3, expires the hold timer with a NOTIFICATION, then restarts with back-off", async () => {
    const peer = await scriptedPeer("127.0.0.79", 10781, 30);
    const clock = new FakeClock();
    const states: string[] = [];
    const s = new Session(sessionCfg(10781), { onStateChange: (_s, _f, to) => states.push(to), onEstablished: () => {}, onUpdate: () => {}, onDown: () => {} }, { clock });
    s.start();
    await waitFor("Established", () => s.state === "Established", 5000, 10);
    expect(s.negotiated).toMatchObject({ holdTime: 9, keepaliveTime: 3, families: ["l3vpn-ipv4-unicast"], asn4: true, ibgp: false });
    await sleep(100);
    const before = peer.got.filter((t) => t === 4).length;
    clock.advance(3000);
    clock.advance(3000);
    await sleep(100);
    expect(peer.got.filter((t) => t === 4).length - before).toBe(2);
    // the scripted peer sends nothing more: the hold timer (9 s) expires
    clock.advance(3001);
    await sleep(100);
    expect(s.state).toBe("Idle");
    expect(s.lastError).toMatchObject({ direction: "sent", text: "Hold Timer Expired", code: 4 });
    expect(peer.got).toContain(3);
    // restart after ConnectRetryTime (2 s) × 2^(failures − 1)
    expect(clock.pending()[0]).toBeGreaterThan(1990);
    expect(clock.pending()[0]).toBeLessThanOrEqual(2000);
    clock.advance(2000);
    await waitFor("re-Established", () => s.state === "Established", 5000, 10);
    expect(s.flaps).toBe(1);
    s.stop();
    expect(s.state).toBe("Idle");
    expect(states).toEqual(["Connect", "OpenSent", "OpenConfirm", "Established", "Idle", "Connect", "OpenSent", "OpenConfirm", "Established", "Idle"]);
    s.dispose();
  });

  it("records a received NOTIFICATION in words and a refused connection", async () => {
    const clock = new FakeClock();
    const s = new Session(sessionCfg(10782), { onStateChange: () => {}, onEstablished: () => {}, onUpdate: () => {}, onDown: () => {} }, { clock });
    s.start();
    await waitFor("refused", () => s.lastError?.text.startsWith("connection refused"), 5000, 10);
    expect(s.state).toBe("Idle");
    const server = net.createServer((sock) => {
      sockets.add(sock);
      sock.on("error", () => {});
      sock.write(encodeNotification({ code: 2, subcode: 2 }));
      sock.end();
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(10782, "127.0.0.79", () => r()));
    clock.advance(2000);
    await waitFor("notification", () => s.lastError?.direction === "received", 5000, 10);
    expect(s.lastError?.text).toBe("OPEN Message Error / Bad Peer AS");
    s.dispose();
  });
});
