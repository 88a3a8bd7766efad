// The speaker's public types (configuration, status, events) and the per-peer state the speaker,
// its Adj-RIB-In and its status report share.
import type { BgpState } from "./fsm";
import type { Clock } from "./clock";
import type { Route } from "./export-table";
import type { Connector, LastError, Session, SessionCounters } from "./session";
import type { Family, Path } from "./wire";

export interface SpeakerConfig {
  asn: number;
  /** BGP identifier (RFC 4271 §4.2), dotted quad */
  routerId: string;
  /** where to accept connections; false: only connect out. Default 0.0.0.0:179 */
  listen?: { address?: string; port?: number } | false;
  /** families offered to every peer unless the peer narrows them. Default both */
  families?: Family[];
  /** seconds, default 90 (RFC 4271 §10) */
  holdTime?: number;
  /** seconds: first connect-retry and restart delay, doubled per consecutive failure. Default 5 */
  connectRetryTime?: number;
  /** seconds: back-off cap. Default 60 */
  maxConnectRetryTime?: number;
  /** RFC 4724 receiving-speaker ("helper") support; false to turn off. Default { restartTime: 120 } */
  gracefulRestart?: { restartTime: number } | false;
  /** RFC 4456 §7: our CLUSTER_ID, checked against received CLUSTER_LISTs (§8). Default the router ID */
  clusterId?: string;
  /**
   * RFC 8950: families for which we advertise the Extended Next Hop capability and so accept
   * IPv6 next hops. Default none: such routes are treated as withdrawn (RFC 7606).
   */
  extendedNextHop?: Family[];
  clock?: Clock;
  connect?: Connector;
}

export interface MaxPrefixes {
  /** most routes (all families) accepted from the peer */
  limit: number;
  /** seconds after which the session comes back by itself; default: stays down until reset */
  restartAfter?: number;
}

export interface PeerConfig {
  address: string;
  remoteAsn: number;
  /** default 179 */
  port?: number;
  /** our source address toward the peer; default the listen address if specific */
  localAddress?: string;
  /** our source port for outgoing connections; default ephemeral */
  localPort?: number;
  holdTime?: number;
  connectRetryTime?: number;
  families?: Family[];
  /** never connect, wait for the peer (RFC 4271 §8.1.1 PassiveTcpEstablishment) */
  passive?: boolean;
  adminDown?: boolean;
  maxPrefixes?: number | MaxPrefixes;
  description?: string;
}

export interface Rfc7606Counters {
  treatAsWithdraw: number;
  attributeDiscard: number;
  sessionReset: number;
  last: string | null;
  lastAt: number | null;
}

export interface IgnoredCounters {
  current: number;
  asLoop: number;
  ownOriginatorId: number;
  ownClusterId: number;
  last: string | null;
}

/** A received route the speaker ignores, with the rule that set it aside. */
export interface RejectedPath {
  path: Path;
  reason: string;
}

/** Speaker-wide counters (not tied to a configured peer). */
export interface SpeakerStats {
  /** connections from addresses that are not configured peers, refused with Cease / Connection Rejected */
  rejectedConnections: number;
  lastRejected: { address: string; at: number } | null;
}

export interface FamilyCounts {
  received: number;
  accepted: number;
  advertised: number;
}

export interface PeerStatus {
  address: string;
  port: number;
  remoteAsn: number;
  localAsn: number;
  description?: string;
  type: "internal" | "external";
  state: BgpState;
  adminDown: boolean;
  /** why the session is held down: "admin down", "maximum prefixes reached: …"; null otherwise */
  stateReason: string | null;
  establishedAt: number | null;
  uptimeMs: number | null;
  flapCount: number;
  connectRetryCounter: number;
  /** last NOTIFICATION sent/received or TCP failure, in words ("OPEN Message Error / Bad Peer AS") */
  lastError: LastError | null;
  remoteRouterId: string | null;
  negotiated: {
    families: Family[];
    holdTime: number;
    keepaliveTime: number;
    asn4: boolean;
    routeRefresh: boolean;
    gracefulRestart: boolean;
    capabilitiesSent: string[];
    capabilitiesReceived: string[];
    localAddress: string;
    localPort: number;
    remotePort: number;
  } | null;
  prefixes: FamilyCounts & { byFamily: Partial<Record<Family, FamilyCounts>>; stale: number };
  /**
   * RFC 7606 outcomes so far (since the peer was added): UPDATEs treated as withdraw, attributes
   * discarded, sessions reset by a malformed UPDATE (we sent UPDATE Message Error); `last` in words
   */
  malformed: Rfc7606Counters;
  /**
   * Routes received but not usable (RFC 4271 §9.1.2 AS loop, RFC 4456 §8 own ORIGINATOR_ID or
   * CLUSTER_ID): `current` are held now (see rejectedRoutes()), the rest count since the peer was added
   */
  ignored: IgnoredCounters;
  endOfRibReceived: Family[];
  messages: SessionCounters;
}

/**
 * Paths learned from (or lost by) a peer: apply `withdrawn` first, then `announced` (a key in
 * `announced` replaces the peer's previous path for it). Emitted once per TCP read per family.
 */
export interface PathsEvent {
  peer: string;
  family: Family;
  withdrawn: string[];
  announced: Path[];
  /** the peer finished its initial table for the family (RFC 4724 §2) */
  endOfRib: boolean;
}

export interface PeerStateEvent {
  peer: string;
  from: BgpState;
  to: BgpState;
  at: number;
  lastError: LastError | null;
  stateReason: string | null;
}

export type SpeakerEvents = {
  paths: (e: PathsEvent) => void;
  "peer-state": (e: PeerStateEvent) => void;
};

export interface AnnounceResult {
  accepted: number;
  rejected: { route: Route; reason: string }[];
}

export interface PeerOut {
  advertised: Set<string>;
  pending: Set<string>;
  initialSent: boolean;
}

export interface PeerState {
  cfg: PeerConfig;
  session: Session;
  candidate: Session | null;
  ribIn: Map<Family, Map<string, Path>>;
  stale: Map<Family, Set<string>>;
  staleTimer: unknown;
  out: Map<Family, PeerOut>;
  flushScheduled: boolean;
  flushing: boolean;
  batch: Map<Family, PathsEvent>;
  eorReceived: Set<Family>;
  malformed: Rfc7606Counters;
  /** received routes set aside (loop / own originator / own cluster), by family and key */
  rejected: Map<Family, Map<string, RejectedPath>>;
  ignored: IgnoredCounters;
  maxPrefixHit: boolean;
}
