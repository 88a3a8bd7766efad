// A peer's status as the console and the API show it: state and why, negotiated capabilities in
// words, prefix counts, RFC 7606 and route-safety counters, message counters.
import type { Session } from "./session";
import type { FamilyCounts, PeerState, PeerStatus } from "./speaker-types";
import { type Capability, type Family, familyOf } from "./wire";

function capText(c: Capability): string {
  switch (c.kind) {
    case "multiprotocol":
      return `multiprotocol ${familyOf(c.afi, c.safi) ?? `${c.afi}/${c.safi}`}`;
    case "four-octet-as":
      return `4-octet-as ${c.asn}`;
    case "graceful-restart":
      return `graceful-restart ${c.restartTime}s`;
    case "unknown":
      return `capability ${c.code}`;
    default:
      return c.kind;
  }
}

/**
 * Why a session that nobody held down is not Established, in words: the last error (NOTIFICATION
 * sent or received, TCP failure, hold timer) or what the FSM is waiting for.
 */
export function impliedReason(p: PeerState, s: Session): string | null {
  const st = s.state;
  if (st === "Established") return null;
  const e = s.lastError;
  if (e && st !== "OpenSent" && st !== "OpenConfirm") {
    const who = e.direction === "sent" ? "we sent " : e.direction === "received" ? "the peer sent " : "";
    return `${who}${e.text}`;
  }
  const where = `${p.cfg.address}:${p.cfg.port ?? 179}`;
  switch (st) {
    case "Idle":
      return s.isEnabled ? "waiting to retry the connection" : "not started";
    case "Connect":
      return `connecting to ${where}`;
    case "Active":
      return p.cfg.passive ? `waiting for ${p.cfg.address} to connect (passive)` : `waiting for a connection with ${where}`;
    case "OpenSent":
      return "OPEN sent, waiting for the peer's OPEN";
    case "OpenConfirm":
      return "OPEN received, waiting for the peer's KEEPALIVE";
  }
  return null;
}


export function peerStatus(p: PeerState, localAsn: number, now: number): PeerStatus {
  const s = p.session;
  const neg = s.negotiated;
  const byFamily: Partial<Record<Family, FamilyCounts>> = {};
  let received = 0;
  let advertised = 0;
  let stale = 0;
  for (const f of new Set<Family>([...p.ribIn.keys(), ...p.out.keys()])) {
    const r = p.ribIn.get(f)?.size ?? 0;
    const a = p.out.get(f)?.advertised.size ?? 0;
    byFamily[f] = { received: r, accepted: r - (p.stale.get(f)?.size ?? 0), advertised: a };
    received += r;
    advertised += a;
    stale += p.stale.get(f)?.size ?? 0;
  }
  const up = s.state === "Established";
  return {
    address: p.cfg.address,
    port: p.cfg.port ?? 179,
    remoteAsn: p.cfg.remoteAsn,
    localAsn,
    description: p.cfg.description,
    type: p.cfg.remoteAsn === localAsn ? "internal" : "external",
    state: s.state,
    adminDown: p.cfg.adminDown ?? false,
    stateReason: p.cfg.adminDown ? "admin down" : (s.downReason ?? impliedReason(p, s)),
    establishedAt: up ? s.establishedAt : null,
    uptimeMs: up && s.establishedAt !== null ? now - s.establishedAt : null,
    flapCount: s.flaps,
    connectRetryCounter: s.connectRetryCounter,
    lastError: s.lastError,
    remoteRouterId: s.remoteRouterId,
    negotiated:
      neg && (up || s.state === "OpenConfirm")
        ? {
            families: neg.families,
            holdTime: neg.holdTime,
            keepaliveTime: neg.keepaliveTime,
            asn4: neg.asn4,
            routeRefresh: neg.routeRefresh,
            gracefulRestart: neg.peerGracefulRestart !== null,
            capabilitiesSent: neg.sent.map(capText),
            capabilitiesReceived: neg.received.map(capText),
            localAddress: neg.localAddress,
            localPort: neg.localPort,
            remotePort: neg.remotePort,
          }
        : null,
    prefixes: { received, accepted: received - stale, advertised, byFamily, stale },
    malformed: { ...p.malformed },
    ignored: { ...p.ignored },
    endOfRibReceived: [...p.eorReceived],
    messages: { ...s.counters },
  };
}
