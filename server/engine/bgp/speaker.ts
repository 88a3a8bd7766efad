// The BGP speaker: listens, owns one session per configured peer (plus a second one while a
// connection collision is resolved, RFC 4271 §6.8), keeps each peer's Adj-RIB-In (adj-rib-in.ts)
// and Adj-RIB-Out, advertises what announce() put in the export table, and emits batched path
// events and peer state changes (status in words: peer-status.ts; types: speaker-types.ts). It
// knows nothing of virtual networks or config.
import net from "node:net";
import type { Clock } from "./clock";
import { systemClock } from "./clock";
import { Session, type SessionConfig, type SessionHandlers } from "./session";
import { type AttrGroup, type ExportEntry, ExportTable, type Route, nlriOfKey, outbound } from "./export-table";
import { TypedEmitter } from "./typed-emitter";
import {
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
import type { AnnounceResult, PeerConfig, PeerOut, PeerState, PeerStatus, RejectedPath, SpeakerConfig, SpeakerEvents, SpeakerStats } from "./speaker-types";
import { applyUpdate, clearRejected, clearStale, dropRibIn, flushBatch, maxPrefixLimit, purgeStale, type RibInHost, totalIn } from "./adj-rib-in";
import { impliedReason, peerStatus } from "./peer-status";

export type { SpeakerConfig, MaxPrefixes, PeerConfig, Rfc7606Counters, IgnoredCounters, RejectedPath, SpeakerStats, FamilyCounts, PeerStatus, PathsEvent, PeerStateEvent, SpeakerEvents, AnnounceResult } from "./speaker-types";

/**
 * Closes a connection we do not take, with a Cease NOTIFICATION. What the peer sends meanwhile is
 * read and dropped: a socket nobody reads never sees the peer's FIN, stays half-open and keeps
 * the listener from closing; the timer ends it if the peer does not close its side.
 */
function refuse(sock: net.Socket, subcode: number): void {
  sock.resume();
  sock.end(encodeNotification({ code: ErrorCode.CEASE, subcode }));
  setTimeout(() => sock.destroy(), 1000).unref();
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
  /** what each peer's Adj-RIB-In (adj-rib-in.ts) needs from the speaker */
  private readonly ribInHost: RibInHost;

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
    const clock = this.clock;
    this.ribInHost = { asn: this.asn, routerId: this.routerId, clusterId: this.clusterId, clock, emitPaths: (e) => this.emit("paths", e) };
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
      clearStale(this.ribInHost, p);
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
    if (patch.maxPrefixes !== undefined && p.maxPrefixHit && totalIn(p) <= maxPrefixLimit(p)) {
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
    dropRibIn(this.ribInHost, p, false);
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
    return [...this.peersByAddr.values()].map((p) => peerStatus(p, this.asn, this.clock.now()));
  }

  peer(address: string): PeerStatus | undefined {
    const p = this.peersByAddr.get(normAddr(address));
    return p ? peerStatus(p, this.asn, this.clock.now()) : undefined;
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
        this.emit("peer-state", { peer: p.cfg.address, from, to, at: this.clock.now(), lastError: s.lastError, stateReason: p.cfg.adminDown ? "admin down" : (s.downReason ?? impliedReason(p, s)) });
      },
      onOpen: (s, open) => this.resolveCollision(p, s, open),
      onEstablished: (s) => {
        if (s === p.candidate) this.promote(p, s);
        if (s !== p.session) return;
        this.onEstablished(p, s);
      },
      onUpdate: (s, r) => {
        if (s !== p.session) return;
        applyUpdate(this.ribInHost, p, r);
      },
      onReadDone: (s) => {
        if (s === p.session) flushBatch(this.ribInHost, p);
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
        clearRejected(p);
        flushBatch(this.ribInHost, p);
        p.out.clear();
        dropRibIn(this.ribInHost, p, info.graceful);
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
      refuse(sock, CeaseSubcode.CONNECTION_REJECTED);
      return;
    }
    if (p.session.accept(sock)) return;
    const st = p.session.state;
    if (!p.session.isEnabled || st === "Established" || p.candidate) {
      // RFC 4271 §6.8: a collision with an Established session closes the new connection
      if (st === "Established" || p.candidate) refuse(sock, p.candidate ? CeaseSubcode.CONNECTION_REJECTED : CeaseSubcode.CONNECTION_COLLISION);
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
      if (!keep || !neg.families.includes(f)) purgeStale(this.ribInHost, p, f);
    }
    p.out.clear();
    for (const f of neg.families) {
      const po: PeerOut = { advertised: new Set(), pending: new Set(this.exports.table(f).keys()), initialSent: false };
      p.out.set(f, po);
    }
    this.scheduleFlush(p);
  }

  // ---- status ----------------------------------------------------------------------------

  /** Received routes set aside (AS loop, own ORIGINATOR_ID / CLUSTER_ID), with why. */
  rejectedRoutes(address: string, family: Family): ReadonlyMap<string, RejectedPath> {
    return this.mustPeer(address).rejected.get(family) ?? new Map();
  }

  stats(): SpeakerStats {
    return { rejectedConnections: this.rejectedConnections, lastRejected: this.lastRejected };
  }
}
