// One BGP session with one peer: the TCP connection, the timers (hold, keepalive, connect-retry
// with back-off, restart after a drop) and the message loop, driving the pure FSM of fsm.ts.
// It owns no routes: UPDATEs go to the handlers (speaker.ts keeps the RIBs).
import net from "node:net";
import { type Clock, systemClock } from "./clock";
import { type BgpState, type FsmAction, type FsmEvent, type FsmState, type NotificationToSend, type TimerName, initialFsm, transition } from "./fsm";
import {
  type Capability,
  type Family,
  type Message,
  type OpenMessage,
  type PathAttributes,
  type Rfc7606Action,
  type RouteRefreshMessage,
  type UpdateMessage,
  afiSafiOf,
  CeaseSubcode,
  type DecodeResult,
  decodeMessageAt,
  describeError,
  describeNotification,
  encodeNotification,
  encodeOpen,
  encodeRouteRefresh,
  ErrorCode,
  familyOf,
  KEEPALIVE,
  MessageFramer,
  MessageType,
  OpenSubcode,
  openAsn,
} from "./wire";

export interface SessionConfig {
  localAsn: number;
  routerId: string;
  remoteAddress: string;
  remotePort: number;
  remoteAsn: number;
  /** source address of outgoing connections (and the address the peer must reach us on) */
  localAddress?: string;
  /** source port of outgoing connections (default: ephemeral) */
  localPort?: number;
  /** seconds; 0 = no keepalives (RFC 4271 §4.2); default 90 */
  holdTime: number;
  /** seconds; first connect-retry / restart delay, doubled per consecutive failure */
  connectRetryTime: number;
  /** seconds; cap of the back-off */
  maxConnectRetryTime: number;
  passive: boolean;
  /** families we offer (Multiprotocol capability, RFC 4760 §8) */
  families: readonly Family[];
  /** RFC 4724: advertise the Graceful Restart capability (we act as receiving speaker, "helper") */
  gracefulRestart: { restartTime: number } | null;
  /** RFC 8950: families for which we advertise (and so accept) IPv6 next hops. Default none */
  extendedNextHop?: readonly Family[];
}

/** What both OPENs agreed on (RFC 5492 §3: a capability counts when both sides sent it). */
export interface Negotiated {
  families: Family[];
  asn4: boolean;
  routeRefresh: boolean;
  enhancedRouteRefresh: boolean;
  holdTime: number;
  keepaliveTime: number;
  remoteAsn: number;
  remoteRouterId: string;
  ibgp: boolean;
  /** the peer's RFC 4724 capability, if it sent one */
  peerGracefulRestart: { restartTime: number; restarting: boolean; families: { family: Family; forwardingState: boolean }[] } | null;
  sent: Capability[];
  received: Capability[];
  localAddress: string;
  localPort: number;
  remotePort: number;
}

export interface LastError {
  at: number;
  /** sent / received: a NOTIFICATION; local: a TCP or timer event without one */
  direction: "sent" | "received" | "local";
  /** "OPEN Message Error / Bad Peer AS", "connection refused" */
  text: string;
  code?: number;
  subcode?: number;
  communication?: string;
}

export interface SessionHandlers {
  onStateChange(s: Session, from: BgpState, to: BgpState): void;
  /** an acceptable OPEN arrived: return "dump" to close this connection (collision, RFC 4271 §6.8) */
  onOpen?(s: Session, open: OpenMessage): "continue" | "dump";
  onEstablished(s: Session): void;
  /** every UPDATE after RFC 7606 processing: routes, or treat-as-withdraw */
  onUpdate(s: Session, r: DecodeResult<UpdateMessage, Rfc7606Action>): void;
  /** a batch of received messages was processed (one TCP read): flush batched events now */
  onReadDone?(s: Session): void;
  onRouteRefresh?(s: Session, m: RouteRefreshMessage): void;
  /** the session left Established (routes of the peer are no longer valid, unless GR) */
  onDown(s: Session, info: { error: LastError | null; graceful: boolean }): void;
}

export interface ConnectOptions {
  host: string;
  port: number;
  localAddress?: string;
  localPort?: number;
}
export type Connector = (o: ConnectOptions) => net.Socket;
const defaultConnector: Connector = (o) => net.connect({ host: o.host, port: o.port, localAddress: o.localAddress, localPort: o.localPort });

export interface SessionDeps {
  clock?: Clock;
  connect?: Connector;
}

export interface SessionCounters {
  messagesIn: number;
  messagesOut: number;
  updatesIn: number;
  updatesOut: number;
  notificationsIn: number;
  notificationsOut: number;
}

export class Session {
  readonly cfg: SessionConfig;
  private fsm: FsmState;
  private socket: net.Socket | null = null;
  private connecting = false;
  private framer = new MessageFramer();
  /** decoded attributes by their octets, for this connection (see UpdateContext.attrCache) */
  private attrCache = new Map<string, PathAttributes>();
  private timers: Partial<Record<TimerName | "restart", unknown>> = {};
  private readonly clock: Clock;
  private readonly connector: Connector;
  private opened: OpenMessage | null = null;
  private sentCaps: Capability[] = [];
  private enabled = false;
  /** sessions made for one incoming connection (collision candidates) never restart themselves */
  autoRestart = true;
  negotiated: Negotiated | null = null;
  lastError: LastError | null = null;
  establishedAt: number | null = null;
  flaps = 0;
  readonly counters: SessionCounters = { messagesIn: 0, messagesOut: 0, updatesIn: 0, updatesOut: 0, notificationsIn: 0, notificationsOut: 0 };
  /** who opened the TCP connection of this session: for collision resolution (RFC 4271 §6.8) */
  initiatedLocally = false;
  /** set by the owner: why the session stays down (admin down, max-prefix) */
  downReason: string | null = null;

  constructor(
    cfg: SessionConfig,
    private readonly h: SessionHandlers,
    deps: SessionDeps = {},
  ) {
    this.cfg = cfg;
    this.clock = deps.clock ?? systemClock;
    this.connector = deps.connect ?? defaultConnector;
    this.fsm = initialFsm({ holdTime: cfg.holdTime, connectRetryTime: cfg.connectRetryTime, maxConnectRetryTime: cfg.maxConnectRetryTime, passive: cfg.passive });
  }

  get state(): BgpState {
    return this.fsm.state;
  }
  get connectRetryCounter(): number {
    return this.fsm.connectRetryCounter;
  }
  get isEnabled(): boolean {
    return this.enabled;
  }
  get remoteRouterId(): string | null {
    return this.opened?.routerId ?? null;
  }

  /** ManualStart (RFC 4271 §8.1.2 event 1/4). */
  start(): void {
    this.enabled = true;
    this.downReason = null;
    this.clearTimer("restart");
    this.fire({ type: "ManualStart" });
  }

  /** Enabled but Idle: accepts an incoming connection, never connects out by itself. */
  enable(): void {
    this.enabled = true;
  }

  /**
   * ManualStop (admin down) or AutomaticStop (with a NOTIFICATION such as Cease / Maximum Number
   * of Prefixes Reached). `restartAfterMs`: come back by itself after that long (null: stay down).
   */
  stop(o: { notification?: NotificationToSend; automatic?: boolean; reason?: string; restartAfterMs?: number | null } = {}): void {
    this.enabled = o.restartAfterMs != null;
    this.downReason = o.reason ?? null;
    this.clearTimer("restart");
    if (o.automatic && o.notification) this.fire({ type: "AutomaticStop", notification: o.notification });
    else this.fire({ type: "ManualStop", notification: o.notification });
    if (o.restartAfterMs != null) this.setTimer("restart", o.restartAfterMs, () => this.automaticStart());
  }

  /** RFC 4271 §6.8: this connection lost the collision. */
  collisionDump(): void {
    this.fire({ type: "OpenCollisionDump" });
  }

  /** Changes timers/passive for the next connection (takes effect when the session is next started). */
  reconfigure(patch: Partial<SessionConfig>): void {
    Object.assign(this.cfg, patch);
    this.fsm = { ...this.fsm, config: { holdTime: this.cfg.holdTime, connectRetryTime: this.cfg.connectRetryTime, maxConnectRetryTime: this.cfg.maxConnectRetryTime, passive: this.cfg.passive } };
  }

  /**
   * An incoming TCP connection from the peer. Adopted in Idle (when enabled), Connect and Active;
   * refused (false) otherwise — the owner then resolves a collision with a second session.
   */
  accept(sock: net.Socket): boolean {
    const st = this.fsm.state;
    if (st === "Idle") {
      if (!this.enabled) return false;
      this.clearTimer("restart");
      // AutomaticStart_with_PassiveTcpEstablishment (event 5): go to Active, then take the connection
      this.fsm = transition({ ...this.fsm, config: { ...this.fsm.config, passive: true } }, { type: "AutomaticStart" }).next;
      this.fsm = { ...this.fsm, config: { ...this.fsm.config, passive: this.cfg.passive } };
      this.h.onStateChange(this, "Idle", this.fsm.state);
    } else if (st !== "Connect" && st !== "Active") return false;
    this.detachSocket(); // an outgoing attempt in progress loses to the accepted connection
    this.initiatedLocally = false;
    this.attach(sock);
    this.fire({ type: "TcpConnectionUp" });
    return true;
  }

  /** Writes encoded messages (UPDATEs) when Established; returns false when the socket buffers (wait for drain()). */
  send(msgs: readonly Buffer[]): boolean {
    const s = this.socket;
    if (!s || this.fsm.state !== "Established" || s.destroyed) return true;
    s.cork();
    let ok = true;
    for (const m of msgs) {
      ok = s.write(m);
      this.counters.messagesOut++;
      if (m[18] === MessageType.UPDATE) this.counters.updatesOut++;
    }
    s.uncork();
    return ok;
  }

  /** Resolves when the socket's write buffer has drained (or the session went down). */
  drain(): Promise<void> {
    const s = this.socket;
    if (!s || !s.writableNeedDrain) return Promise.resolve();
    return new Promise((r) => {
      const done = () => {
        s.off("drain", done);
        s.off("close", done);
        r();
      };
      s.on("drain", done);
      s.on("close", done);
    });
  }

  /** RFC 2918 §3: ask the peer to re-advertise a family. */
  requestRouteRefresh(family: Family): boolean {
    if (this.fsm.state !== "Established" || !this.negotiated?.routeRefresh) return false;
    this.send([encodeRouteRefresh(afiSafiOf(family))]);
    return true;
  }

  /** Stops everything without a NOTIFICATION (peer removed / speaker stopping after Cease). */
  dispose(): void {
    this.enabled = false;
    for (const k of Object.keys(this.timers) as (TimerName | "restart")[]) this.clearTimer(k);
    this.detachSocket();
    const from = this.fsm.state;
    this.fsm = { ...this.fsm, state: "Idle" };
    if (from === "Established") this.h.onDown(this, { error: this.lastError, graceful: false });
  }

  // ---- FSM plumbing ----------------------------------------------------------------------

  private automaticStart(): void {
    if (!this.enabled) return;
    this.fire({ type: "AutomaticStart" });
  }

  private fire(ev: FsmEvent): void {
    const from = this.fsm.state;
    const t = transition(this.fsm, ev);
    this.fsm = t.next;
    const to = t.next.state;
    let released = false;
    for (const a of t.actions) {
      if (a.type === "release") released = true;
      else this.perform(a);
    }
    if (t.error && !this.lastErrorIsFresh() && to === "Idle") this.setLocalError(t.error);
    if (from !== to) {
      if (from === "Established") this.flaps++;
      this.h.onStateChange(this, from, to);
      if (to === "Established") {
        this.establishedAt = this.clock.now();
        this.h.onEstablished(this);
      }
      if (released && from === "Established") {
        this.establishedAt = null;
        // RFC 4724 §4.2: without a NOTIFICATION the peer may be restarting: its routes go stale, not away
        const graceful = this.negotiated?.peerGracefulRestart != null && this.lastError?.direction === "local";
        this.h.onDown(this, { error: this.lastError, graceful });
      }
      if (to === "Idle") this.scheduleRestart();
    }
  }

  private lastErrorFresh = false;
  /** why the NOTIFICATION about to be sent is sent, in words (decoder's reason) */
  private errorDetail: string | null = null;
  private lastErrorIsFresh(): boolean {
    const f = this.lastErrorFresh;
    this.lastErrorFresh = false;
    return f;
  }

  private setLocalError(text: string): void {
    this.lastError = { at: this.clock.now(), direction: "local", text };
  }

  private scheduleRestart(): void {
    if (!this.enabled || !this.autoRestart) return;
    // back-off: ConnectRetryTime × 2^(failures-1), capped (RFC 4271 §8.1.1 DampPeerOscillations in spirit)
    const n = Math.max(0, this.fsm.connectRetryCounter - 1);
    const secs = Math.min(this.cfg.maxConnectRetryTime, this.cfg.connectRetryTime * 2 ** Math.min(n, 16));
    this.setTimer("restart", this.jitter(secs * 1000), () => this.automaticStart());
  }

  /** RFC 4271 §10: jitter connect-retry and keepalive by a factor in [0.75, 1]. */
  private jitter(ms: number): number {
    return Math.max(1, Math.round(ms * (0.75 + 0.25 * this.clock.random())));
  }

  private setTimer(name: TimerName | "restart", ms: number, fn: () => void): void {
    this.clearTimer(name);
    this.timers[name] = this.clock.setTimeout(() => {
      delete this.timers[name];
      fn();
    }, ms);
  }

  private clearTimer(name: TimerName | "restart"): void {
    const t = this.timers[name];
    if (t !== undefined) {
      this.clock.clearTimeout(t);
      delete this.timers[name];
    }
  }

  private perform(a: FsmAction): void {
    switch (a.type) {
      case "connect":
        this.connect();
        break;
      case "drop":
        this.detachSocket();
        break;
      case "send-open":
        this.sendOpen();
        break;
      case "send-keepalive":
        this.write(KEEPALIVE);
        break;
      case "send-notification": {
        const n = a.notification;
        this.write(encodeNotification(n));
        this.counters.notificationsOut++;
        this.lastError = {
          at: this.clock.now(),
          direction: "sent",
          text: describeError(n.code, n.subcode) + (n.communication ? `: ${n.communication}` : "") + (this.errorDetail ? ` (${this.errorDetail})` : ""),
          code: n.code,
          subcode: n.subcode,
          communication: n.communication,
        };
        this.lastErrorFresh = true;
        break;
      }
      case "start-timer": {
        const ms = a.timer === "hold" ? a.seconds * 1000 : this.jitter(a.seconds * 1000);
        const ev: FsmEvent =
          a.timer === "hold" ? { type: "HoldTimerExpires" } : a.timer === "keepalive" ? { type: "KeepaliveTimerExpires" } : { type: "ConnectRetryTimerExpires" };
        this.setTimer(a.timer, ms, () => {
          if (a.timer === "hold") this.setLocalError("hold timer expired");
          this.fire(ev);
        });
        break;
      }
      case "stop-timer":
        this.clearTimer(a.timer);
        break;
      case "established":
        break; // handled after the state change
      case "release":
        break;
    }
  }

  // ---- TCP -------------------------------------------------------------------------------

  private connect(): void {
    this.detachSocket();
    this.initiatedLocally = true;
    const sock = this.connector({ host: this.cfg.remoteAddress, port: this.cfg.remotePort, localAddress: this.cfg.localAddress, localPort: this.cfg.localPort });
    this.connecting = true;
    this.attach(sock);
    sock.once("connect", () => {
      if (this.socket !== sock) return;
      this.connecting = false;
      this.fire({ type: "TcpConnectionUp" });
    });
  }

  private attach(sock: net.Socket): void {
    this.socket = sock;
    this.framer.reset();
    this.attrCache = new Map(); // asn4 / ibgp may differ on the next connection
    this.opened = null;
    sock.setNoDelay(true);
    sock.on("data", (chunk: Buffer) => {
      if (this.socket !== sock) return;
      this.onData(chunk);
    });
    sock.on("error", (err: NodeJS.ErrnoException) => {
      if (this.socket !== sock) return;
      this.setLocalError(`${err.code === "ECONNREFUSED" ? "connection refused" : err.code === "ECONNRESET" ? "connection reset" : err.message} (${this.cfg.remoteAddress}:${this.cfg.remotePort})`);
      this.lastErrorFresh = true;
    });
    sock.on("close", () => {
      if (this.socket !== sock) return;
      this.socket = null;
      this.connecting = false;
      if (!this.lastErrorFresh) this.setLocalError("connection closed by peer");
      this.lastErrorFresh = true;
      this.fire({ type: "TcpConnectionFails" });
    });
  }

  private detachSocket(): void {
    const s = this.socket;
    this.socket = null;
    this.connecting = false;
    this.framer.reset();
    if (!s) return;
    s.removeAllListeners("data");
    s.on("error", () => {});
    if (s.connecting || s.pending) s.destroy();
    else {
      s.end(); // flush a NOTIFICATION written just before
      setTimeout(() => s.destroy(), 1000).unref();
    }
  }

  private write(b: Buffer): void {
    const s = this.socket;
    if (!s || s.destroyed || this.connecting) return;
    s.write(b);
    this.counters.messagesOut++;
  }

  private sendOpen(): void {
    const caps: Capability[] = this.cfg.families.map((f) => ({ kind: "multiprotocol" as const, ...afiSafiOf(f) }));
    caps.push({ kind: "route-refresh" }, { kind: "four-octet-as", asn: this.cfg.localAsn });
    const enh = this.cfg.families.filter((f) => this.cfg.extendedNextHop?.includes(f));
    // RFC 8950 §3: <NLRI AFI, NLRI SAFI, Nexthop AFI = 2 (IPv6)> per family
    if (enh.length > 0) caps.push({ kind: "extended-next-hop", entries: enh.map((f) => ({ ...afiSafiOf(f), nextHopAfi: 2 })) });
    if (this.cfg.gracefulRestart) {
      // RFC 4724 §3: a helper-only speaker advertises the capability with no AFI/SAFI
      caps.push({ kind: "graceful-restart", restarting: false, notification: false, restartTime: this.cfg.gracefulRestart.restartTime, families: [] });
    }
    this.sentCaps = caps;
    this.write(encodeOpen({ asn: this.cfg.localAsn, holdTime: this.cfg.holdTime, routerId: this.cfg.routerId, capabilities: caps }));
  }

  private onData(chunk: Buffer): void {
    const err = this.framer.push(chunk, (b, off, len) => this.onMessage(b, off, len));
    if (err && err.action === "session-reset") {
      const n = { code: err.code, subcode: err.subcode, data: err.data };
      this.fire(this.fsm.state === "Established" ? { type: "UpdateMsgErr", notification: n } : { type: "BGPOpenMsgErr", notification: n });
    }
    if (this.fsm.state === "Established") this.h.onReadDone?.(this);
  }

  /** returns false to stop processing the rest of the chunk (the session went down) */
  private onMessage(b: Buffer, off: number, len: number): boolean {
    const sock = this.socket;
    this.counters.messagesIn++;
    const type = b[off + 18];
    const st = this.fsm.state;
    if (type === MessageType.UPDATE) {
      this.counters.updatesIn++;
      if (st !== "Established") {
        this.fire({ type: "UpdateMsg" });
        return false;
      }
      const r = decodeMessageAt(b, off, len, { asn4: this.negotiated?.asn4 ?? false, ibgp: this.negotiated?.ibgp ?? false, attrCache: this.attrCache, extendedNextHop: this.cfg.extendedNextHop });
      if (!r.ok && r.error.action === "session-reset") {
        // the NOTIFICATION names the error class; the last error keeps what exactly was wrong
        this.errorDetail = r.error.reason;
        this.fire({ type: "UpdateMsgErr", notification: { code: r.error.code, subcode: r.error.subcode, data: r.error.data } });
        this.errorDetail = null;
        return false;
      }
      this.fire({ type: "UpdateMsg" });
      this.h.onUpdate(this, r.ok ? { ok: true, value: (r.value as Extract<Message, { type: "update" }>).update } : { ok: false, error: r.error });
      return this.socket === sock;
    }
    const r = decodeMessageAt(b, off, len, { asn4: true, ibgp: false });
    if (!r.ok) {
      const e = r.error;
      if (e.action === "session-reset") {
        const n = { code: e.code, subcode: e.subcode, data: e.data };
        if (type === MessageType.NOTIFICATION) this.fire({ type: "NotifMsg" });
        else this.fire(st === "Established" ? { type: "UpdateMsgErr", notification: n } : { type: "BGPOpenMsgErr", notification: n });
      }
      return false;
    }
    const m = r.value;
    switch (m.type) {
      case "open":
        this.onOpen(m.open);
        break;
      case "keepalive":
        this.fire({ type: "KeepAliveMsg" });
        break;
      case "notification": {
        const n = m.notification;
        this.counters.notificationsIn++;
        this.lastError = { at: this.clock.now(), direction: "received", text: describeNotification(n), code: n.code, subcode: n.subcode, communication: n.communication };
        this.lastErrorFresh = true;
        this.fire(n.code === ErrorCode.OPEN_MESSAGE && n.subcode === OpenSubcode.UNSUPPORTED_VERSION ? { type: "NotifMsgVerErr" } : { type: "NotifMsg" });
        break;
      }
      case "route-refresh":
        if (st === "Established") {
          this.fire({ type: "KeepAliveMsg" }); // any message is a sign of life: restart the hold timer
          this.h.onRouteRefresh?.(this, m.routeRefresh);
        } else this.fire({ type: "UpdateMsg" }); // unexpected before Established: FSM error
        break;
      case "update":
        break; // handled above
    }
    return this.socket === sock;
  }

  private onOpen(open: OpenMessage): void {
    if (this.fsm.state !== "OpenSent") {
      this.fire({ type: "BGPOpen", holdTime: open.holdTime }); // FSM error in other states
      return;
    }
    const asn = openAsn(open);
    const bad = (subcode: number, text: string, data?: Uint8Array) => {
      this.fire({ type: "BGPOpenMsgErr", notification: { code: ErrorCode.OPEN_MESSAGE, subcode, data } });
      if (this.lastError) this.lastError.text += ` (${text})`;
    };
    // RFC 4271 §6.2: Bad Peer AS
    if (asn !== this.cfg.remoteAsn) return bad(OpenSubcode.BAD_PEER_AS, `peer sent AS ${asn}, expected ${this.cfg.remoteAsn}`, Uint8Array.of(open.myAsn >> 8, open.myAsn & 255));
    const ibgp = asn === this.cfg.localAsn;
    // RFC 6286 §2.2: an internal peer must not use our BGP identifier
    if (open.routerId === this.cfg.routerId && ibgp) return bad(OpenSubcode.BAD_BGP_IDENTIFIER, `peer uses our BGP identifier ${open.routerId}`);
    this.opened = open;
    this.negotiated = this.negotiate(open, asn, ibgp);
    if (this.h.onOpen?.(this, open) === "dump") {
      this.fire({ type: "OpenCollisionDump" });
      return;
    }
    this.fire({ type: "BGPOpen", holdTime: open.holdTime });
    if (this.negotiated) {
      this.negotiated.holdTime = this.fsm.holdTime;
      this.negotiated.keepaliveTime = this.fsm.keepaliveTime;
    }
  }

  private negotiate(open: OpenMessage, asn: number, ibgp: boolean): Negotiated {
    const theirs = open.capabilities;
    const mp = theirs.filter((c) => c.kind === "multiprotocol");
    // RFC 4760 §8 / RFC 4271: a peer that sends no Multiprotocol capability speaks IPv4 unicast
    const offered = new Set<Family>();
    if (mp.length === 0) offered.add("ipv4-unicast");
    for (const c of mp) {
      const f = c.kind === "multiprotocol" ? familyOf(c.afi, c.safi) : null;
      if (f) offered.add(f);
    }
    const gr = theirs.find((c) => c.kind === "graceful-restart");
    const sock = this.socket;
    return {
      families: this.cfg.families.filter((f) => offered.has(f)),
      asn4: theirs.some((c) => c.kind === "four-octet-as"),
      routeRefresh: theirs.some((c) => c.kind === "route-refresh"),
      enhancedRouteRefresh: theirs.some((c) => c.kind === "enhanced-route-refresh"),
      holdTime: 0,
      keepaliveTime: 0,
      remoteAsn: asn,
      remoteRouterId: open.routerId,
      ibgp,
      peerGracefulRestart:
        gr && gr.kind === "graceful-restart" && this.cfg.gracefulRestart
          ? {
              restartTime: gr.restartTime,
              restarting: gr.restarting,
              families: gr.families.flatMap((f) => {
                const fam = familyOf(f.afi, f.safi);
                return fam ? [{ family: fam, forwardingState: f.forwardingState }] : [];
              }),
            }
          : null,
      sent: this.sentCaps,
      received: theirs,
      localAddress: sock?.localAddress ?? "",
      localPort: sock?.localPort ?? 0,
      remotePort: sock?.remotePort ?? 0,
    };
  }
}

export { CeaseSubcode };
