// The BGP speaker: listens, owns one session per configured peer (plus a second one while a
// connection collision is resolved, RFC 4271 §6.8), keeps each peer's Adj-RIB-In and
// Adj-RIB-Out, advertises what announce() put in the export table, and emits batched path
// events and peer state changes. It knows nothing of virtual networks or config.
import net from "node:net";
import type { Clock } from "./clock";
import { systemClock } from "./clock";
import type { BgpState } from "./fsm";
import { type Connector, type LastError, Session, type SessionConfig, type SessionCounters, type SessionHandlers } from "./session";
import { type AttrGroup, type ExportEntry, ExportTable, type Route, nlriOfKey, outbound } from "./export-table";
import { TypedEmitter } from "./typed-emitter";
import {
  afiSafiOf,
  type Capability,
  CeaseSubcode,
  type EncodableNlri,
  encodeEndOfRib,
  encodeNotification,
  ErrorCode,
  type Family,
  FAMILIES,
  familyOf,
  type OpenMessage,
  packReach,
  packWithdraw,
  type Path,
  type PathAttributes,
  parseIpv4,
} from "./wire";

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

interface PeerOut {
  advertised: Set<string>;
  pending: Set<string>;
  initialSent: boolean;
}

interface PeerState {
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

function normAddr(a: string | undefined): string {
  if (!a) return "";
  return a.startsWith("::ffff:") ? a.slice(7) : a;
}

/** Compares dotted-quad BGP identifiers as 32-bit unsigned numbers (RFC 4271 §6.8). */
function idCompare(a: string, b: string): number {
  return parseIpv4(a) - parseIpv4(b);
}

export class BgpSpeaker extends TypedEmitter<SpeakerEvents> {
  readonly asn: number;
  readonly routerId: string;
  private readonly cfg: SpeakerConfig;
  private readonly clock: Clock;
  private server: net.Server | null = null;
  private peersByAddr = new Map<string, PeerState>();
  private exports = new ExportTable();
  private families: Family[];
  private stopped = false;
  readonly clusterId: string;
  private rejectedConnections = 0;
  private lastRejected: { address: string; at: number } | null = null;

  constructor(cfg: SpeakerConfig) {
    super();
    if (parseIpv4(cfg.routerId) <= 0) throw new TypeError(`router ID "${cfg.routerId}" is not a non-zero IPv4 address`);
    if (!Number.isInteger(cfg.asn) || cfg.asn < 1 || cfg.asn > 0xffffffff) throw new TypeError(`ASN ${cfg.asn}`);
    this.cfg = cfg;
    this.asn = cfg.asn;
    this.routerId = cfg.routerId;
    if (cfg.clusterId !== undefined && parseIpv4(cfg.clusterId) < 0) throw new TypeError(`cluster ID "${cfg.clusterId}" is not a dotted quad`);
    // RFC 4456 §7: a reflector without a configured CLUSTER_ID uses its router ID
    this.clusterId = cfg.clusterId ?? cfg.routerId;
    this.clock = cfg.clock ?? systemClock;
    this.families = cfg.families ?? [...FAMILIES];
  }

  // ---- lifecycle -------------------------------------------------------------------------

  /** Starts listening (unless listen: false) and starts every configured peer. */
  async start(): Promise<void> {
    this.stopped = false;
    const l = this.cfg.listen;
    if (l !== false) {
      const server = net.createServer((sock) => this.onIncoming(sock));
      server.on("error", () => {});
      await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen({ host: l?.address ?? "0.0.0.0", port: l?.port ?? 179 }, () => {
          server.off("error", reject);
          resolve();
        });
      });
      this.server = server;
    }
    for (const p of this.peersByAddr.values()) if (!p.cfg.adminDown) p.session.start();
  }

  /** The bound listen address (port resolved when 0 was asked). */
  address(): { address: string; port: number } | null {
    const a = this.server?.address();
    return a && typeof a === "object" ? { address: a.address, port: a.port } : null;
  }

  /** Sends Cease / Administrative Shutdown to every peer and closes everything. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const p of this.peersByAddr.values()) {
      p.session.stop({ notification: { code: ErrorCode.CEASE, subcode: CeaseSubcode.ADMIN_SHUTDOWN }, reason: "speaker stopped" });
      p.candidate?.dispose();
      p.session.dispose();
      this.clearStale(p);
    }
    const s = this.server;
    this.server = null;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  // ---- peers -----------------------------------------------------------------------------

  private sessionConfig(c: PeerConfig): SessionConfig {
    const listenAddr = this.cfg.listen ? this.cfg.listen.address : undefined;
    return {
      localAsn: this.asn,
      routerId: this.routerId,
      remoteAddress: c.address,
      remotePort: c.port ?? 179,
      remoteAsn: c.remoteAsn,
      localAddress: c.localAddress ?? (listenAddr && listenAddr !== "0.0.0.0" && listenAddr !== "::" ? listenAddr : undefined),
      localPort: c.localPort,
      holdTime: c.holdTime ?? this.cfg.holdTime ?? 90,
      connectRetryTime: c.connectRetryTime ?? this.cfg.connectRetryTime ?? 5,
      maxConnectRetryTime: Math.max(c.connectRetryTime ?? 0, this.cfg.maxConnectRetryTime ?? 60),
      passive: c.passive ?? false,
      families: (c.families ?? this.families).filter((f) => this.families.includes(f)),
      gracefulRestart: this.cfg.gracefulRestart === false ? null : (this.cfg.gracefulRestart ?? { restartTime: 120 }),
      extendedNextHop: this.cfg.extendedNextHop,
    };
  }

  private newSession(p: PeerState): Session {
    return new Session(this.sessionConfig(p.cfg), this.handlersFor(p), { clock: this.clock, connect: this.cfg.connect });
  }

  addPeer(cfg: PeerConfig): void {
    const address = normAddr(cfg.address);
    if (parseIpv4(address) < 0) throw new TypeError(`peer address "${cfg.address}" is not an IPv4 address`);
    if (this.peersByAddr.has(address)) throw new Error(`peer ${address} exists`);
    const p: PeerState = {
      cfg: { ...cfg, address },
      session: null as unknown as Session,
      candidate: null,
      ribIn: new Map(),
      stale: new Map(),
      staleTimer: undefined,
      out: new Map(),
      flushScheduled: false,
      flushing: false,
      batch: new Map(),
      eorReceived: new Set(),
      malformed: { treatAsWithdraw: 0, attributeDiscard: 0, sessionReset: 0, last: null, lastAt: null },
      rejected: new Map(),
      ignored: { current: 0, asLoop: 0, ownOriginatorId: 0, ownClusterId: 0, last: null },
      maxPrefixHit: false,
    };
    p.session = this.newSession(p);
    this.peersByAddr.set(address, p);
    if (cfg.adminDown) p.session.downReason = "admin down";
    else if (this.server || this.cfg.listen === false) p.session.start();
  }

  /**
   * Changes a peer. adminDown / maxPrefixes / description apply in place; anything else resets
   * the session (Cease / Other Configuration Change, RFC 4486) and reconnects with the new values.
   */
  updatePeer(address: string, patch: Partial<Omit<PeerConfig, "address">>): void {
    const p = this.mustPeer(address);
    const before = p.cfg;
    p.cfg = { ...before, ...patch };
    const inPlace = new Set(["adminDown", "maxPrefixes", "description"]);
    const needsReset = Object.keys(patch).some((k) => !inPlace.has(k) && JSON.stringify((patch as Record<string, unknown>)[k]) !== JSON.stringify((before as unknown as Record<string, unknown>)[k]));
    if (patch.adminDown === true && !before.adminDown) {
      this.shutdownPeer(p, { code: ErrorCode.CEASE, subcode: CeaseSubcode.ADMIN_SHUTDOWN }, "admin down");
      p.session.reconfigure(this.sessionConfig(p.cfg));
      return;
    }
    if (needsReset) {
      if (p.session.state !== "Idle") this.shutdownPeer(p, { code: ErrorCode.CEASE, subcode: CeaseSubcode.OTHER_CONFIG_CHANGE }, "reconfigured");
      p.session.dispose();
      p.session = this.newSession(p);
      if (!p.cfg.adminDown) p.session.start();
      else p.session.downReason = "admin down";
      return;
    }
    if (patch.adminDown === false && before.adminDown) {
      p.maxPrefixHit = false;
      p.session.start();
      return;
    }
    if (patch.maxPrefixes !== undefined && p.maxPrefixHit && this.totalIn(p) <= this.maxPrefixLimit(p)) {
      p.maxPrefixHit = false;
      if (!p.cfg.adminDown) p.session.start();
    }
  }

  /** Stops the session (Cease / Peer De-configured), forgets the peer and withdraws its routes. */
  removePeer(address: string): void {
    const p = this.mustPeer(address);
    this.shutdownPeer(p, { code: ErrorCode.CEASE, subcode: CeaseSubcode.PEER_DECONFIGURED }, "peer removed");
    p.candidate?.dispose();
    p.session.dispose();
    this.dropRibIn(p, false);
    this.peersByAddr.delete(p.cfg.address);
  }

  /** Administrative reset: Cease / Administrative Reset, then reconnect (clears a max-prefix hold). */
  resetPeer(address: string): void {
    const p = this.mustPeer(address);
    p.maxPrefixHit = false;
    if (p.cfg.adminDown) return;
    if (p.session.state !== "Idle") p.session.stop({ notification: { code: ErrorCode.CEASE, subcode: CeaseSubcode.ADMIN_RESET }, reason: "admin reset" });
    p.session.start();
  }

  /** RFC 2918: ask the peer to send its routes of a family again. */
  requestRouteRefresh(address: string, family: Family): boolean {
    return this.mustPeer(address).session.requestRouteRefresh(family);
  }

  peers(): PeerStatus[] {
    return [...this.peersByAddr.values()].map((p) => this.status(p));
  }

  peer(address: string): PeerStatus | undefined {
    const p = this.peersByAddr.get(normAddr(address));
    return p ? this.status(p) : undefined;
  }

  private mustPeer(address: string): PeerState {
    const p = this.peersByAddr.get(normAddr(address));
    if (!p) throw new Error(`no peer ${address}`);
    return p;
  }

  private shutdownPeer(p: PeerState, n: { code: number; subcode: number }, reason: string): void {
    p.candidate?.dispose();
    p.candidate = null;
    p.session.stop({ notification: n, reason });
  }

  // ---- routes we advertise ---------------------------------------------------------------

  /**
   * Puts routes into the export table (replacing routes with the same key) and advertises them
   * to every Established peer whose negotiated families include `family`, batched.
   */
  announce(family: Family, routes: readonly Route[]): AnnounceResult {
    if (!this.families.includes(family)) return { accepted: 0, rejected: routes.map((route) => ({ route, reason: `family ${family} not enabled` })) };
    const { keys, rejected } = this.exports.put(family, routes);
    this.markPending(family, keys);
    return { accepted: keys.length, rejected };
  }

  /** Removes routes by key ("<prefix>" or "<rd>:<prefix>") and withdraws them from peers. */
  withdraw(family: Family, keys: Iterable<string>): number {
    const removed = this.exports.remove(family, keys);
    this.markPending(family, removed);
    return removed.length;
  }

  /** The export table of a family (what announce() holds). */
  exported(family: Family): ReadonlyMap<string, ExportEntry> {
    return this.exports.table(family);
  }

  /** Routes as advertised to a peer (attributes as that peer sees them). */
  *adjRibOut(address: string, family: Family): IterableIterator<{ key: string; prefix: string; rd?: string; labels?: readonly number[]; attrs: PathAttributes }> {
    const p = this.mustPeer(address);
    const po = p.out.get(family);
    const t = this.exports.table(family);
    const ibgp = p.cfg.remoteAsn === this.asn;
    if (!po) return;
    for (const k of po.advertised) {
      const e = t.get(k);
      if (e) yield { key: e.key, prefix: e.prefix, rd: e.rd, labels: e.labels, attrs: outbound(e.group, ibgp, this.asn) };
    }
  }

  /** The peer's Adj-RIB-In for a family (after RFC 7606 processing). */
  adjRibIn(address: string, family: Family): ReadonlyMap<string, Path> {
    return this.mustPeer(address).ribIn.get(family) ?? new Map();
  }

  private markPending(family: Family, keys: readonly string[]): void {
    if (keys.length === 0) return;
    for (const p of this.peersByAddr.values()) {
      if (p.session.state !== "Established") continue;
      const po = p.out.get(family);
      if (!po) continue;
      for (const k of keys) po.pending.add(k);
      this.scheduleFlush(p);
    }
  }

  private scheduleFlush(p: PeerState): void {
    if (p.flushScheduled) return;
    p.flushScheduled = true;
    setImmediate(() => {
      p.flushScheduled = false;
      void this.flush(p);
    });
  }

  /** Sends what is pending for a peer: withdrawals, then reachable routes grouped by attributes. */
  private async flush(p: PeerState): Promise<void> {
    if (p.flushing) return;
    p.flushing = true;
    const session = p.session;
    try {
      while (session === p.session && session.state === "Established") {
        let sent = false;
        for (const [family, po] of p.out) {
          if (po.pending.size === 0 && po.initialSent) continue;
          const keys = po.pending;
          po.pending = new Set();
          const table = this.exports.table(family);
          const neg = session.negotiated!;
          const byGroup = new Map<AttrGroup, EncodableNlri[]>();
          const gone: EncodableNlri[] = [];
          for (const k of keys) {
            const e = table.get(k);
            if (e) {
              let list = byGroup.get(e.group);
              if (!list) byGroup.set(e.group, (list = []));
              list.push(e.nlri);
              po.advertised.add(k);
            } else if (po.advertised.delete(k)) {
              const n = nlriOfKey(family, k);
              if (n) gone.push(n);
            }
          }
          const bufs: Buffer[] = [];
          if (gone.length > 0) packWithdraw(family, gone, bufs);
          for (const [g, list] of byGroup) {
            packReach(family, outbound(g, neg.ibgp, this.asn), list, neg.asn4, bufs);
            if (bufs.length >= 256) {
              if (!session.send(bufs.splice(0))) await session.drain();
              if (session !== p.session || session.state !== "Established") return;
            }
          }
          if (!po.initialSent) {
            // RFC 4724 §2: End-of-RIB after the initial table
            bufs.push(encodeEndOfRib(family));
            po.initialSent = true;
          }
          if (bufs.length > 0) {
            sent = true;
            if (!session.send(bufs)) await session.drain();
          }
        }
        if (!sent) break;
      }
    } finally {
      p.flushing = false;
    }
  }

  // ---- sessions --------------------------------------------------------------------------

  private handlersFor(p: PeerState): SessionHandlers {
    return {
      onStateChange: (s, from, to) => {
        if (s === p.candidate) {
          if (to === "Idle") {
            s.dispose();
            if (p.candidate === s) p.candidate = null;
          }
          return;
        }
        if (s !== p.session) return;
        this.emit("peer-state", { peer: p.cfg.address, from, to, at: this.clock.now(), lastError: s.lastError, stateReason: p.cfg.adminDown ? "admin down" : (s.downReason ?? this.impliedReason(p, s)) });
      },
      onOpen: (s, open) => this.resolveCollision(p, s, open),
      onEstablished: (s) => {
        if (s === p.candidate) this.promote(p, s);
        if (s !== p.session) return;
        this.onEstablished(p, s);
      },
      onUpdate: (s, r) => {
        if (s !== p.session) return;
        this.onUpdate(p, r);
      },
      onReadDone: (s) => {
        if (s === p.session) this.flushBatch(p);
      },
      onRouteRefresh: (s, m) => {
        const f = familyOf(m.afi, m.safi);
        const po = f ? p.out.get(f) : undefined;
        if (s !== p.session || !f || !po) return;
        // RFC 2918 §4: re-advertise the Adj-RIB-Out of the family
        for (const k of this.exports.table(f).keys()) po.pending.add(k);
        this.scheduleFlush(p);
      },
      onDown: (s, info) => {
        if (s !== p.session) return;
        const err = info.error;
        if (err && err.direction === "sent" && err.code === ErrorCode.UPDATE_MESSAGE) {
          // RFC 7606 §2 "session reset": the UPDATE could not be handled any other way
          p.malformed.sessionReset++;
          p.malformed.last = `session reset: ${err.text}`;
          p.malformed.lastAt = this.clock.now();
        }
        this.clearRejected(p);
        this.flushBatch(p);
        p.out.clear();
        this.dropRibIn(p, info.graceful);
      },
    };
  }

  /**
   * RFC 4271 §6.8: two connections with the same peer; the OPEN just received on `s` gives the
   * peer's BGP identifier. Keep the connection initiated by the side with the higher identifier.
   */
  private resolveCollision(p: PeerState, s: Session, open: OpenMessage): "continue" | "dump" {
    const other = s === p.session ? p.candidate : p.session;
    if (!other || (other.state !== "OpenSent" && other.state !== "OpenConfirm")) return "continue";
    const keepLocallyInitiated = idCompare(this.routerId, open.routerId) > 0;
    const loser = s.initiatedLocally === keepLocallyInitiated ? other : s;
    if (loser === s) return "dump";
    other.collisionDump();
    if (other === p.session && s === p.candidate) this.promote(p, s);
    return "continue";
  }

  /** The collision candidate wins: it becomes the peer's session. */
  private promote(p: PeerState, s: Session): void {
    if (p.session === s) return;
    const old = p.session;
    p.candidate = null;
    p.session = s;
    s.autoRestart = true;
    old.dispose();
  }

  private onIncoming(sock: net.Socket): void {
    const remote = normAddr(sock.remoteAddress);
    const p = this.peersByAddr.get(remote);
    sock.on("error", () => {});
    if (!p || this.stopped) {
      // RFC 4271 §8.2.1.4: connections from unconfigured peers are refused; say so with
      // Cease / Connection Rejected (RFC 4486 §4, subcode 5) instead of a bare TCP reset
      this.rejectedConnections++;
      this.lastRejected = { address: remote, at: this.clock.now() };
      sock.end(encodeNotification({ code: ErrorCode.CEASE, subcode: CeaseSubcode.CONNECTION_REJECTED }));
      setTimeout(() => sock.destroy(), 1000).unref();
      return;
    }
    if (p.session.accept(sock)) return;
    const st = p.session.state;
    if (!p.session.isEnabled || st === "Established" || p.candidate) {
      // RFC 4271 §6.8: a collision with an Established session closes the new connection
      if (st === "Established" || p.candidate) sock.end(encodeNotification({ code: ErrorCode.CEASE, subcode: p.candidate ? CeaseSubcode.CONNECTION_REJECTED : CeaseSubcode.CONNECTION_COLLISION }));
      else sock.destroy();
      return;
    }
    // OpenSent / OpenConfirm: run the incoming connection as a candidate until an OPEN decides
    const c = this.newSession(p);
    c.autoRestart = false;
    c.enable();
    p.candidate = c;
    if (!c.accept(sock)) {
      p.candidate = null;
      sock.destroy();
    }
  }

  private onEstablished(p: PeerState, s: Session): void {
    const neg = s.negotiated!;
    p.eorReceived.clear();
    // RFC 4724 §4.2: stale routes of families the restarted peer no longer preserves go now
    const gr = neg.peerGracefulRestart;
    for (const f of [...p.stale.keys()]) {
      const keep = gr?.families.find((x) => x.family === f)?.forwardingState ?? false;
      if (!keep || !neg.families.includes(f)) this.purgeStale(p, f);
    }
    p.out.clear();
    for (const f of neg.families) {
      const po: PeerOut = { advertised: new Set(), pending: new Set(this.exports.table(f).keys()), initialSent: false };
      p.out.set(f, po);
    }
    this.scheduleFlush(p);
  }

  // ---- Adj-RIB-In ------------------------------------------------------------------------

  private rib(p: PeerState, f: Family): Map<string, Path> {
    let m = p.ribIn.get(f);
    if (!m) p.ribIn.set(f, (m = new Map()));
    return m;
  }

  private batchFor(p: PeerState, f: Family): PathsEvent {
    let b = p.batch.get(f);
    if (!b) p.batch.set(f, (b = { peer: p.cfg.address, family: f, withdrawn: [], announced: [], endOfRib: false }));
    return b;
  }

  private flushBatch(p: PeerState): void {
    if (p.batch.size === 0) return;
    const events = [...p.batch.values()];
    p.batch.clear();
    for (const e of events) this.emit("paths", e);
  }

  private withdrawKey(p: PeerState, f: Family, rib: Map<string, Path>, key: string): void {
    if (!rib.delete(key)) return;
    p.stale.get(f)?.delete(key);
    let b = this.batchFor(p, f);
    // events apply withdrawn before announced: a withdrawal after an announcement starts a new event
    if (b.announced.length > 0) {
      this.flushBatch(p);
      b = this.batchFor(p, f);
    }
    b.withdrawn.push(key);
  }

  private onUpdate(p: PeerState, r: Parameters<SessionHandlers["onUpdate"]>[1]): void {
    const neg = p.session.negotiated;
    if (!neg) return;
    if (!r.ok) {
      // RFC 7606 §2 treat-as-withdraw
      const e = r.error;
      if (e.action !== "treat-as-withdraw") return;
      p.malformed.treatAsWithdraw++;
      p.malformed.last = `treat-as-withdraw: ${e.reason}`;
      p.malformed.lastAt = this.clock.now();
      for (const w of e.withdrawn) {
        const rib = this.rib(p, w.family);
        for (const k of w.keys) {
          this.unreject(p, w.family, k);
          this.withdrawKey(p, w.family, rib, k);
        }
      }
      return;
    }
    const u = r.value;
    if (u.notes.length > 0) {
      p.malformed.attributeDiscard += u.notes.length;
      p.malformed.last = u.notes[u.notes.length - 1];
      p.malformed.lastAt = this.clock.now();
    }
    if (u.endOfRib) {
      p.eorReceived.add(u.endOfRib);
      this.purgeStale(p, u.endOfRib);
      this.batchFor(p, u.endOfRib).endOfRib = true;
      return;
    }
    for (const x of u.unreach) {
      const rib = this.rib(p, x.family);
      for (const n of x.nlri) {
        this.unreject(p, x.family, n.key);
        this.withdrawKey(p, x.family, rib, n.key);
      }
    }
    for (const x of u.reach) {
      if (!neg.families.includes(x.family)) continue; // RFC 4760 §7: not negotiated: ignore
      const rib = this.rib(p, x.family);
      const stale = p.stale.get(x.family);
      const paths = x.paths;
      // the paths of one UPDATE share their attributes: one check for all of them
      const why = paths.length > 0 ? this.ignoreReason(paths[0].attrs) : null;
      if (why) {
        this.reject(p, x.family, rib, paths, why);
        continue;
      }
      const b = this.batchFor(p, x.family);
      const rejected = p.rejected.get(x.family);
      for (let i = 0; i < paths.length; i++) {
        const path = paths[i];
        rib.set(path.key, path);
        if (stale) stale.delete(path.key);
        if (rejected && rejected.delete(path.key)) p.ignored.current--;
        b.announced.push(path);
      }
    }
    this.checkMaxPrefixes(p);
  }

  /**
   * Why a received route must not be used, or null. RFC 4271 §9.1.2: a route whose AS_PATH holds
   * our own AS is a loop (AS4_PATH from a 2-octet speaker is merged into the path by the codec,
   * RFC 6793 §4.2.3, so our 4-octet AS is found there too). RFC 4456 §8: a route carrying our
   * router ID as ORIGINATOR_ID, or our CLUSTER_ID in its CLUSTER_LIST, came back to us through
   * reflection and is ignored.
   */
  private ignoreReason(a: PathAttributes): { kind: "asLoop" | "ownOriginatorId" | "ownClusterId"; text: string } | null {
    if (a.asPath) {
      for (const seg of a.asPath) {
        if (seg.asns.includes(this.asn)) return { kind: "asLoop", text: `AS loop: our AS ${this.asn} is in the AS_PATH (RFC 4271 §9.1.2)` };
      }
    }
    if (a.originatorId === this.routerId) return { kind: "ownOriginatorId", text: `ORIGINATOR_ID is our router ID ${this.routerId} (RFC 4456 §8)` };
    if (a.clusterList?.includes(this.clusterId)) return { kind: "ownClusterId", text: `our CLUSTER_ID ${this.clusterId} is in the CLUSTER_LIST (RFC 4456 §8)` };
    return null;
  }

  /** Sets received paths aside: an earlier usable path for the same key is withdrawn (implicit withdraw). */
  private reject(p: PeerState, f: Family, rib: Map<string, Path>, paths: readonly Path[], why: { kind: "asLoop" | "ownOriginatorId" | "ownClusterId"; text: string }): void {
    let m = p.rejected.get(f);
    if (!m) p.rejected.set(f, (m = new Map()));
    for (const path of paths) {
      this.withdrawKey(p, f, rib, path.key);
      if (!m.has(path.key)) p.ignored.current++;
      m.set(path.key, { path, reason: why.text });
      p.ignored[why.kind]++;
    }
    p.ignored.last = why.text;
  }

  private unreject(p: PeerState, f: Family, key: string): void {
    if (p.rejected.get(f)?.delete(key)) p.ignored.current--;
  }

  private clearRejected(p: PeerState): void {
    p.rejected.clear();
    p.ignored.current = 0;
  }

  private totalIn(p: PeerState): number {
    let n = 0;
    for (const m of p.ribIn.values()) n += m.size;
    return n;
  }

  private maxPrefixLimit(p: PeerState): number {
    const m = p.cfg.maxPrefixes;
    return m === undefined ? Infinity : typeof m === "number" ? m : m.limit;
  }

  /** RFC 4486 §4: Cease / Maximum Number of Prefixes Reached, data = AFI, SAFI, limit. */
  private checkMaxPrefixes(p: PeerState): void {
    const limit = this.maxPrefixLimit(p);
    const total = this.totalIn(p);
    if (total <= limit) return;
    let family: Family = "ipv4-unicast";
    let most = -1;
    for (const [f, m] of p.ribIn) if (m.size > most) [family, most] = [f, m.size];
    const { afi, safi } = afiSafiOf(family);
    const data = Buffer.alloc(7);
    data.writeUInt16BE(afi, 0);
    data[2] = safi;
    data.writeUInt32BE(Math.min(limit, 0xffffffff), 3);
    const m = p.cfg.maxPrefixes;
    const restartAfter = typeof m === "object" && m.restartAfter !== undefined ? m.restartAfter * 1000 : null;
    p.maxPrefixHit = true;
    this.flushBatch(p);
    p.session.stop({
      automatic: true,
      notification: { code: ErrorCode.CEASE, subcode: CeaseSubcode.MAX_PREFIXES, data },
      reason: `maximum prefixes reached: ${total} > ${limit}${restartAfter === null ? " (held down until reset)" : ` (restart in ${restartAfter / 1000}s)`}`,
      restartAfterMs: restartAfter,
    });
  }

  /** The session went down: withdraw the peer's routes, or keep them stale (RFC 4724 §4.2 helper). */
  private dropRibIn(p: PeerState, graceful: boolean): void {
    const neg = p.session.negotiated;
    const gr = graceful ? neg?.peerGracefulRestart : null;
    for (const [f, rib] of p.ribIn) {
      if (rib.size === 0) continue;
      if (gr && gr.families.some((x) => x.family === f)) {
        const set = p.stale.get(f) ?? new Set<string>();
        for (const k of rib.keys()) set.add(k);
        p.stale.set(f, set);
        continue;
      }
      const keys = [...rib.keys()];
      rib.clear();
      p.stale.delete(f);
      this.emit("paths", { peer: p.cfg.address, family: f, withdrawn: keys, announced: [], endOfRib: false });
    }
    if (gr && p.stale.size > 0) {
      if (p.staleTimer !== undefined) this.clock.clearTimeout(p.staleTimer);
      // RFC 4724 §4.2: the peer has Restart Time to come back
      p.staleTimer = this.clock.setTimeout(() => {
        p.staleTimer = undefined;
        for (const f of [...p.stale.keys()]) this.purgeStale(p, f);
      }, gr.restartTime * 1000);
    }
  }

  private purgeStale(p: PeerState, f: Family): void {
    const set = p.stale.get(f);
    if (!set) return;
    p.stale.delete(f);
    const rib = this.rib(p, f);
    const gone: string[] = [];
    for (const k of set) if (rib.delete(k)) gone.push(k);
    if (gone.length > 0) {
      this.flushBatch(p);
      this.emit("paths", { peer: p.cfg.address, family: f, withdrawn: gone, announced: [], endOfRib: false });
    }
    if (p.stale.size === 0 && p.staleTimer !== undefined) {
      this.clock.clearTimeout(p.staleTimer);
      p.staleTimer = undefined;
    }
  }

  private clearStale(p: PeerState): void {
    if (p.staleTimer !== undefined) this.clock.clearTimeout(p.staleTimer);
    p.staleTimer = undefined;
    p.stale.clear();
  }

  // ---- status ----------------------------------------------------------------------------

  /**
   * Why a session that nobody held down is not Established, in words: the last error (NOTIFICATION
   * sent or received, TCP failure, hold timer) or what the FSM is waiting for.
   */
  private impliedReason(p: PeerState, s: Session): string | null {
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

  /** Received routes set aside (AS loop, own ORIGINATOR_ID / CLUSTER_ID), with why. */
  rejectedRoutes(address: string, family: Family): ReadonlyMap<string, RejectedPath> {
    return this.mustPeer(address).rejected.get(family) ?? new Map();
  }

  stats(): SpeakerStats {
    return { rejectedConnections: this.rejectedConnections, lastRejected: this.lastRejected };
  }

  private status(p: PeerState): PeerStatus {
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
      localAsn: this.asn,
      description: p.cfg.description,
      type: p.cfg.remoteAsn === this.asn ? "internal" : "external",
      state: s.state,
      adminDown: p.cfg.adminDown ?? false,
      stateReason: p.cfg.adminDown ? "admin down" : (s.downReason ?? this.impliedReason(p, s)),
      establishedAt: up ? s.establishedAt : null,
      uptimeMs: up && s.establishedAt !== null ? this.clock.now() - s.establishedAt : null,
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
}
