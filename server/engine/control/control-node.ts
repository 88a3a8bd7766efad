// The control node: one RIB per routing instance fed by agents (and later BGP peers), agent
// sessions over the agent protocol (gRPC bidi stream), and the compiled config (VRFs, ACLs,
// ports) pushed to the agents that host the ports. Graceful behaviour: a vanished agent's
// routes are withdrawn after the hold time; a reconnecting agent's routes are marked stale,
// refreshed by its re-announcement and swept at its End-of-RIB.
import { randomUUID } from "node:crypto";
import type { Compiler } from "../compiler/compiler";
import type { CompiledDelta, CompiledPort, RoutingInstance } from "../compiler/types";
import {
  type Acl,
  type AgentMessage,
  CHANNEL_OPTIONS,
  type EnrolRequest,
  type EnrolResponse,
  type FlowRecords,
  type ControlStream,
  DEFAULT_HOLD_TIME_SECONDS,
  type Hello,
  PROTOCOL_VERSION,
  type Port,
  type Route,
  type TraceRequest,
  type TraceResult,
  type Vrf,
  controlNodeService,
  encodeRoute,
  encodeRoutesMessage,
  grpc,
} from "../protocol";
import { WeftError } from "../model/errors";
import { AgentSession } from "./agent-session";
import type { AgentTrust } from "./agent-trust";
import { hostPrefix } from "../agent/ip";
import { registerLocalEnrolment } from "../protocol/local-enrolment";
import { BgpBridge } from "./bgp-bridge";

/**
 * The routing instance of the fabric network default-domain:default-project:ip-fabric (the
 * engine creates that VN with the control node's bgp-router): Contrail's inet.0 equivalent,
 * where plain ipv4-unicast routes from BGP peers live.
 */
export const FABRIC_VRF = "default-domain:default-project:ip-fabric:ip-fabric";
import { type BestRoute, Rib, type RouteChange, longestMatch } from "./rib";
import { logger } from "../log";

const log = logger("control");

export interface ControlNodeOptions {
  name: string;
  /** agent protocol listen address, e.g. 0.0.0.0 */
  host: string;
  /** agent protocol port (0 = any free port) */
  port: number;
  holdTimeSeconds?: number;
  /** run the BGP speaker (with the local control-node bgp-router's settings) */
  bgp?: boolean;
  /** the Weft CA and enrolment (issue 14): every agent session is mTLS with a certificate it issued */
  trust: AgentTrust;
  /** a connection that has not said hello within this time is closed (default 10 s) */
  helloTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface TraceInput {
  portUuid: string;
  dst: string;
  protocol: string;
  srcPort?: number;
  dstPort?: number;
  src?: string;
}

export function toVrf(ri: RoutingInstance): Vrf {
  return {
    name: ri.name,
    network_uuid: ri.networkUuid,
    network_fq_name: ri.networkFqName.join(":"),
    network_id: ri.networkId,
    vxlan_id: ri.vxlanId,
    import_route_targets: ri.importTargets,
    export_route_targets: ri.exportTargets,
  };
}

export function toPort(p: CompiledPort): Port {
  return {
    uuid: p.uuid,
    fq_name: p.fqName,
    vrf: p.vrf,
    network_uuid: p.networkUuid,
    network_fq_name: p.networkFqName,
    mac: p.mac,
    addresses: p.addresses,
    acls: p.acls,
    network_acl: p.networkAcl,
    floating_ips: p.floatingIps,
  };
}

/** A best route as agents get it. `why` (provenance) stays in the control node unless asked for:
 *  agents do not use it and it is most of a route's bytes at 1M routes. */
export function toRoute(vrf: string, r: BestRoute, withWhy = false): Route {
  return {
    vrf,
    prefix: r.prefix,
    next_hops: r.nextHops,
    source: [...new Set(r.paths.map((p) => p.source))].join(","),
    why: withWhy ? [...new Set(r.paths.flatMap((p) => p.why))] : [],
    port_uuid: r.paths.find((p) => p.portUuid)?.portUuid ?? "",
  };
}

/** Routes per route-update message: bounded messages, few enough of them for a 1,000-route VRF to leave as one. */
const ROUTES_PER_MESSAGE = 5000;

export class ControlNode {
  readonly rib: Rib;
  readonly agents = new Map<string, AgentSession>();
  readonly startedAt = Date.now();
  private server: grpc.Server | null = null;
  private keepaliveTimer: NodeJS.Timeout | null = null;
  private pendingTraces = new Map<string, { resolve: (r: TraceResult) => void; timer: NodeJS.Timeout }>();
  private unsubscribe: (() => void) | null = null;
  private routeListeners = new Set<(changes: RouteChange[]) => void>();
  /** routing instance → agents subscribed to it (route changes fan out through this) */
  private subscribers = new Map<string, Set<AgentSession>>();
  /** A best route's Route message as agents get it, encoded once (whatever the number of subscribers). */
  private wire = new WeakMap<BestRoute, Buffer>();
  /** routing instance → route changes (prefix → route, null = withdrawn) not yet sent to its subscribers */
  private pendingRoutes = new Map<string, Map<string, BestRoute | null>>();
  private flushScheduled = false;
  private stopped = false;
  private unregisterLocal: (() => void) | null = null;
  private unsubscribeRevoked: (() => void) | null = null;
  /** when the keepalive timer last ran (a late run means the event loop was busy: judge no one then) */
  private lastTick = 0;
  /** refusals of unauthenticated connections, for rate-limited logging */
  private refusedConnections = 0;
  private lastRefusalLog = 0;
  private readonly log: (line: string) => void;
  /** routing instance → its whole table as encoded messages, for new subscribers (dropped when the table changes) */
  private dumps = new Map<string, Buffer[]>();
  /**
   * Graceful restart, per routing instance: after this control node starts, a subscriber's
   * end-of-RIB for an instance waits until every compute node hosting ports in it has re-announced
   * here (sent its own end-of-RIB), or until the restart time (the hold time) has passed. Until
   * then agents keep their stale routes and see them refreshed one by one, instead of dropping
   * those not re-announced yet and learning them again a moment later (a gap in forwarding, and
   * twice the work for a thousand agents). Built on first use: instance → hosts still awaited.
   */
  private eorAwaited: Map<string, Set<string>> | null = null;
  private eorHostVrfs = new Map<string, string[]>();
  private eorDone = false;
  private eorTimer: NodeJS.Timeout | null = null;
  /** instance → subscribers waiting for its end-of-RIB (with the stream they subscribed on) */
  private eorWaiting = new Map<string, Map<AgentSession, ControlStream>>();
  listenPort = 0;
  readonly holdTime: number;
  /** Flow-record batches from agents go here (the analytics collector; set by engine.ts). */
  onFlowRecords: ((node: string, batch: FlowRecords) => void) | null = null;
  readonly bgp: BgpBridge;

  constructor(
    private readonly compiler: Compiler,
    readonly opts: ControlNodeOptions,
  ) {
    this.holdTime = opts.holdTimeSeconds ?? DEFAULT_HOLD_TIME_SECONDS;
    this.log = opts.log ?? ((l) => console.error(`control: ${l}`));
    this.rib = new Rib((changes) => this.onRouteChanges(changes));
    this.bgp = new BgpBridge({ rib: this.rib, instanceId: (vrf) => this.compiler.instanceByName(vrf)?.networkId, fabricInstance: FABRIC_VRF }, opts.bgp ?? false);
  }

  get name() {
    return this.opts.name;
  }

  async start() {
    for (const ri of this.compiler.state.instances.values()) this.rib.upsertInstance(ri);
    this.unsubscribe = this.compiler.onDelta((d) => this.onCompiled(d));
    const server = new grpc.Server(CHANNEL_OPTIONS);
    const trust = this.opts.trust;
    server.addService(controlNodeService().service, {
      Session: (stream: ControlStream) => this.onStream(stream),
      GetCaCertificate: (_call: unknown, cb: grpc.sendUnaryData<{ ca_certificate: string }>) => cb(null, { ca_certificate: trust.caPem }),
      Enrol: (call: grpc.ServerUnaryCall<EnrolRequest, EnrolResponse>, cb: grpc.sendUnaryData<EnrolResponse>) => {
        const r = call.request;
        trust.enrol(r.token, r.name, r.certificate_request, call.getPeer()).then(
          (c) => {
            this.log(`compute node ${r.name} enrolled from ${call.getPeer()}`);
            cb(null, { certificate: c.certificate, ca_certificate: c.ca });
          },
          (e: Error) => {
            this.log(`enrolment of ${r.name || "?"} from ${call.getPeer()} refused: ${e.message}`);
            cb({ code: grpc.status.UNAUTHENTICATED, details: e.message });
          },
        );
      },
    });
    this.listenPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`${this.opts.host}:${this.opts.port}`, trust.serverCredentials(), (err, port) => (err ? reject(err) : resolve(port))),
    );
    this.server = server;
    this.unregisterLocal = registerLocalEnrolment(this.listenPort, (name, address) => trust.issueLocalToken(name, address));
    // a revoked certificate (re-enrolment, virtual-router deleted) ends the session it carries
    this.unsubscribeRevoked = trust.onRevoked((c) => {
      const s = this.agents.get(c.name);
      if (s?.state === "Up" && s.certSerial === c.serial) {
        this.log(`compute node ${c.name}: certificate ${c.serial} revoked (${c.revokedWhy}); session closed`);
        this.closeSession(s, grpc.status.UNAUTHENTICATED, `certificate revoked (${c.revokedWhy})`);
      }
    });
    this.lastTick = Date.now();
    this.eorTimer = setTimeout(() => this.releaseEndOfRib(null), this.holdTime * 1000);
    const tick = Math.max(1000, (this.holdTime * 1000) / 3);
    this.keepaliveTimer = setInterval(() => this.keepalive(), tick);
    await this.bgp.apply(this.compiler.state.bgp);
  }

  async stop() {
    this.stopped = true;
    this.unsubscribe?.();
    this.unregisterLocal?.();
    this.unsubscribeRevoked?.();
    await this.bgp.stop();
    if (this.keepaliveTimer) clearInterval(this.keepaliveTimer);
    if (this.eorTimer) clearTimeout(this.eorTimer);
    for (const a of this.agents.values()) {
      if (a.withdrawTimer) clearTimeout(a.withdrawTimer);
      a.stream?.end();
    }
    for (const t of this.pendingTraces.values()) clearTimeout(t.timer);
    await new Promise<void>((r) => (this.server ? this.server.tryShutdown(() => r()) : r()));
    this.server?.forceShutdown();
  }

  /** Route changes as they happen (for the console's live views). */
  onRoutes(l: (changes: RouteChange[]) => void): () => void {
    this.routeListeners.add(l);
    return () => this.routeListeners.delete(l);
  }

  // ------------------------------------------------------------ agent sessions

  private subscriberSet(vrf: string): Set<AgentSession> {
    let set = this.subscribers.get(vrf);
    if (!set) this.subscribers.set(vrf, (set = new Set()));
    return set;
  }

  /** Ends a call with a gRPC status (what the agent logs), and closes it. */
  private refuse(stream: ControlStream, code: grpc.status, details: string) {
    try {
      stream.emit("error", { code, details });
    } catch {
      // already ended
    }
  }

  private closeSession(s: AgentSession, code: grpc.status, details: string) {
    const stream = s.stream;
    this.onDisconnect(s);
    if (stream) this.refuse(stream, code, details);
  }

  /** Refused connections are logged, but not one line each: a scanner must not flood the log. */
  private logRefusedConnection(line: string) {
    this.refusedConnections++;
    const now = Date.now();
    if (now - this.lastRefusalLog < 10_000) return;
    const more = this.refusedConnections - 1;
    this.log(`${line}${more > 0 ? ` (and ${more} more refused connection(s) in the last seconds)` : ""}`);
    this.refusedConnections = 0;
    this.lastRefusalLog = now;
  }

  private onStream(stream: ControlStream) {
    let session: AgentSession | null = null;
    const peer = stream.getPeer();
    // identity first: the TLS layer has checked the chain to the Weft CA; here the certificate's record
    const id = this.opts.trust.identify(stream.getAuthContext()?.sslPeerCertificate);
    if (!id.ok) {
      this.logRefusedConnection(`agent connection from ${peer} refused: ${id.why}`);
      this.refuse(stream, grpc.status.UNAUTHENTICATED, id.why);
      return;
    }
    // a connection that never says hello (or a half-open one) does not stay
    const helloTimer = setTimeout(() => {
      if (!session) {
        this.log(`agent connection from ${peer} (${id.name}) closed: no hello within ${this.opts.helloTimeoutMs ?? 10_000} ms`);
        this.refuse(stream, grpc.status.DEADLINE_EXCEEDED, "no hello");
      }
    }, this.opts.helloTimeoutMs ?? 10_000);
    helloTimer.unref?.();
    stream.on("data", (m: AgentMessage) => {
      try {
        if (m.msg === "hello") {
          clearTimeout(helloTimer);
          if (session && session.stream !== stream) return; // replaced by a newer session: nothing more from this one
          session = this.onHello(stream, m.hello, session, id.name, id.serial, peer);
        } else if (!session) this.refuse(stream, grpc.status.FAILED_PRECONDITION, "hello first");
        else if (session.stream === stream) this.onAgentMessage(session, m);
      } catch (e) {
        log.warn({ node: session?.name ?? id.name }, `bad message from ${session?.name ?? id.name}: ${(e as Error).message}`);
      }
    });
    const gone = () => {
      clearTimeout(helloTimer);
      if (session && session.stream === stream) this.onDisconnect(session);
    };
    stream.on("end", () => {
      gone();
      stream.end();
    });
    stream.on("error", gone);
    stream.on("cancelled", gone);
  }

  private onHello(stream: ControlStream, hello: Hello, prev: AgentSession | null, name: string, serial: string, peer: string): AgentSession | null {
    if (hello.protocol_version !== PROTOCOL_VERSION) {
      this.refuse(stream, grpc.status.FAILED_PRECONDITION, `protocol version ${hello.protocol_version} not supported (want ${PROTOCOL_VERSION})`);
      throw new Error(`agent ${hello.name}: protocol version ${hello.protocol_version}`);
    }
    // the certificate names the node: no other name can be claimed with it
    if (hello.name !== name) {
      this.log(`agent connection from ${peer} refused: certificate of ${name} used to claim the name ${JSON.stringify(hello.name)}`);
      this.agents.get(name)?.refused(`connection from ${peer} claimed the name ${JSON.stringify(hello.name)} with this node's certificate`, peer);
      this.refuse(stream, grpc.status.PERMISSION_DENIED, `this certificate is compute node ${name}'s: it cannot connect as ${JSON.stringify(hello.name)}`);
      return null;
    }
    const vr = this.opts.trust.virtualRouter(name);
    const configured = vr?.virtual_router_ip_address as string | undefined;
    if (configured && hello.address !== configured) {
      this.log(`agent connection from ${peer} refused: ${name} announced address ${hello.address}, its virtual-router's is ${configured}`);
      this.refuse(stream, grpc.status.PERMISSION_DENIED, `address ${hello.address} is not virtual-router ${name}'s (${configured}): fix virtual_router_ip_address or the agent's --address`);
      return null;
    }
    let s = prev ?? this.agents.get(hello.name);
    if (!s) {
      s = new AgentSession(hello.name);
      this.agents.set(hello.name, s);
    }
    if (s.stream && s.stream !== stream && s.state === "Up") {
      // A second connection under the same identity. The same agent process (same boot id) whose
      // old connection is half-dead, or a node silent for longer than two keepalive intervals,
      // is replaced; a live session is kept and the newcomer refused — a copied certificate must
      // not take a working node's place. Either way: a log line and the node's status say so.
      const silentMs = Date.now() - s.lastSeen;
      const alive = hello.boot_id !== s.bootId && silentMs < ((this.holdTime * 1000) / 3) * 2;
      s.duplicates++;
      s.duplicate = { at: Date.now(), peer, outcome: alive ? "refused" : "replaced" };
      if (alive) {
        this.log(`compute node ${name}: second session from ${peer} (boot ${hello.boot_id.slice(0, 8)}) refused; the session from ${s.peer} (boot ${s.bootId.slice(0, 8)}) is alive`);
        s.refused(`second session under this identity from ${peer} refused (live session from ${s.peer})`, peer);
        this.refuse(stream, grpc.status.ALREADY_EXISTS, `compute node ${name} already has a live session (from ${s.peer}); a second one under the same certificate is refused`);
        return null;
      }
      this.log(`compute node ${name}: session from ${s.peer} (silent ${Math.round(silentMs / 1000)} s) replaced by a new one from ${peer}`);
      s.refused(`session from ${s.peer} replaced by one from ${peer}`, peer);
      const old = s.stream;
      s.stream = null;
      this.refuse(old, grpc.status.ALREADY_EXISTS, `replaced by a newer session of ${name} from ${peer}`);
    } else if (s.stream && s.stream !== stream) this.refuse(s.stream, grpc.status.ALREADY_EXISTS, "replaced");
    s.peer = peer;
    s.certSerial = serial;
    if (s.withdrawTimer) {
      clearTimeout(s.withdrawTimer);
      s.withdrawTimer = null;
    }
    for (const vrf of s.subscriptions) this.subscribers.get(vrf)?.delete(s);
    s.resetSent();
    s.stream = stream;
    s.state = "Up";
    s.address = hello.address;
    s.dataPort = hello.data_port;
    s.encapsulations = hello.encapsulations;
    s.agentVersion = hello.agent_version;
    s.bootId = hello.boot_id;
    s.connectedAt = Date.now();
    s.lastSeen = Date.now();
    // graceful restart: what it announced before stays (stale) until it re-announces + End-of-RIB
    this.rib.markStale(s.source);
    s.send({ msg: "hello_ack", hello_ack: { protocol_version: PROTOCOL_VERSION, control_node: this.name, hold_time_seconds: this.holdTime, session_id: randomUUID() } });
    const g = this.compiler.state.globals;
    s.send({ msg: "global", global: { encapsulation_priority: g.encapsulationPriority, autonomous_system: g.autonomousSystem } });
    const ports = this.compiler.portsOnHost(s.name);
    this.syncPorts(s, ports);
    // an empty ports update still tells the agent the config dump is complete: it announces at once
    if (ports.length === 0) s.send({ msg: "ports", ports: { add: [], delete: [] } });
    return s;
  }

  /** Sends a set of ports, with the VRFs and ACLs they need first. */
  private syncPorts(s: AgentSession, ports: CompiledPort[]) {
    const vrfs: Vrf[] = [];
    const acls: Acl[] = [];
    for (const p of ports) {
      // the port's VRF and those of its floating IPs (the agent announces each FIP there)
      const ris = [this.compiler.instanceOfNetwork(p.networkUuid), ...p.floatingIps.map((f) => this.compiler.instanceByName(f.vrf))];
      for (const ri of ris) if (ri && !s.sentVrfs.has(ri.name) && !vrfs.some((v) => v.name === ri.name)) vrfs.push(toVrf(ri));
      for (const name of [p.networkAcl, ...p.acls]) {
        const acl = this.compiler.state.acls.get(name);
        if (acl && !s.sentAcls.has(name) && !acls.some((a) => a.name === name)) acls.push(acl);
      }
    }
    s.sendVrfs(vrfs);
    s.sendAcls(acls);
    s.sendPorts(ports.map(toPort));
  }

  private onAgentMessage(s: AgentSession, m: AgentMessage) {
    s.lastSeen = Date.now();
    switch (m.msg) {
      case "routes": {
        const allowed = this.allowedRoutes(s.name);
        let refused = 0;
        for (const r of m.routes.add) {
          const nh = r.next_hops[0];
          if (!nh) continue;
          // a node speaks only for what the config binds to it: its ports' addresses and their
          // floating IPs (service VIPs are floating IPs), in their routing instances, via itself
          const port = allowed.get(`${r.vrf}\u0000${r.prefix}`);
          if (!port || (r.port_uuid && !port.has(r.port_uuid)) || r.next_hops.some((h) => h.address !== s.address)) {
            if (refused++ === 0) {
              const why = !port ? "not bound to this node in the config" : r.port_uuid && !port.has(r.port_uuid) ? `port ${r.port_uuid} is not on this node` : `next hop is not this node's address ${s.address}`;
              this.log(`compute node ${s.name}: route ${r.prefix} in ${r.vrf} refused (${why})`);
              s.refused(`route ${r.prefix} in ${r.vrf}: ${why}`);
            }
            continue;
          }
          this.rib.add({
            key: `${s.source}|${r.vrf}|${r.prefix}`,
            prefix: r.prefix,
            origin: r.vrf,
            source: s.source,
            nextHop: { ...nh, node: nh.node || s.name, data_port: nh.data_port || s.dataPort },
            localPref: 100,
            portUuid: r.port_uuid || undefined,
            why: r.why.length ? r.why : [`port ${r.port_uuid} on ${s.name} (agent)`],
          });
        }
        if (refused > 1) this.log(`compute node ${s.name}: ${refused} routes refused in one update`);
        s.refusedRoutes += refused;
        for (const k of m.routes.delete) this.rib.remove(`${s.source}|${k.vrf}|${k.prefix}`);
        this.rib.commit();
        s.announced = this.rib.countOf(s.source);
        return;
      }
      case "subscribe":
        for (const vrf of m.subscribe.vrfs) {
          s.subscriptions.add(vrf);
          this.subscriberSet(vrf).add(s);
          for (const m of this.dumpOf(vrf)) s.send(m);
          if (this.endOfRibReady(vrf)) s.send({ msg: "end_of_rib", end_of_rib: { vrf } });
          else {
            let waiting = this.eorWaiting.get(vrf);
            if (!waiting) this.eorWaiting.set(vrf, (waiting = new Map()));
            waiting.set(s, s.stream!);
          }
        }
        return;
      case "unsubscribe":
        for (const vrf of m.unsubscribe.vrfs) {
          s.subscriptions.delete(vrf);
          this.subscribers.get(vrf)?.delete(s);
        }
        return;
      case "end_of_rib":
        this.rib.sweepStale(s.source);
        s.lastResync = Date.now();
        s.announced = this.rib.countOf(s.source);
        this.reannounced(s.name);
        return;
      case "keepalive":
        return;
      case "stats":
        s.stats = m.stats;
        return;
      case "flow_records": {
        const batch = this.ownFlowRecords(s, m.flow_records);
        if (batch.records.length) this.onFlowRecords?.(s.name, batch);
        return;
      }
      case "trace_result": {
        const p = this.pendingTraces.get(m.trace_result.id);
        if (p) {
          clearTimeout(p.timer);
          this.pendingTraces.delete(m.trace_result.id);
          p.resolve(m.trace_result);
        }
        return;
      }
      default:
        return;
    }
  }

  private onDisconnect(s: AgentSession) {
    if (s.state === "Down") return;
    s.state = "Down";
    s.stream = null;
    s.disconnectedAt = Date.now();
    s.flaps++;
    // routes stay (the agent may be restarting) until the hold time passes without it
    s.withdrawTimer = setTimeout(() => {
      s.withdrawTimer = null;
      if (s.state === "Down") {
        this.rib.removeSource(s.source);
        s.announced = 0;
      }
    }, this.holdTime * 1000);
  }

  private keepalive() {
    const now = Date.now();
    const tick = Math.max(1000, (this.holdTime * 1000) / 3);
    // Late by more than half a tick: the event loop was busy, and what agents sent meanwhile may
    // still wait unread in the sockets. Send keepalives now and judge hold timers only after the
    // input has been read (setImmediate runs after this loop turn's I/O).
    const late = now - this.lastTick > tick * 1.5;
    this.lastTick = now;
    for (const s of this.agents.values()) if (s.state === "Up") s.send({ msg: "keepalive", keepalive: { sent_at_ms: String(now) } });
    if (late) return;
    setImmediate(() => this.checkHold());
  }

  private checkHold() {
    const now = Date.now();
    for (const s of this.agents.values()) {
      if (s.state !== "Up") continue;
      if (now - s.lastSeen > this.holdTime * 1000) {
        // hold timer expired: the agent is gone even if TCP has not noticed yet
        this.log(`compute node ${s.name}: hold timer expired (${Math.round((now - s.lastSeen) / 1000)} s without a message from ${s.peer}); session closed`);
        this.closeSession(s, grpc.status.UNAVAILABLE, "hold timer expired");
      }
    }
  }

  /** What a node may announce: vrf + host prefix → the ports (uuids) it is the address of. */
  private allowedRoutes(host: string): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    const add = (vrf: string, address: string, port: string) => {
      if (!vrf || !address) return;
      const k = `${vrf}\u0000${hostPrefix(address)}`;
      let set = out.get(k);
      if (!set) out.set(k, (set = new Set()));
      set.add(port);
    };
    for (const p of this.compiler.portsOnHost(host)) {
      for (const a of p.addresses) add(p.vrf, a, p.uuid);
      for (const f of p.floatingIps) add(f.vrf, f.address, p.uuid);
    }
    return out;
  }

  /**
   * The flow records a node may report: those of its own ports (every port a record names must be
   * bound to this node) or, for drops before any port was known, in a routing instance it was sent.
   * The rest is refused (counted, logged once per batch) and never reaches the flow store.
   */
  private ownFlowRecords(s: AgentSession, batch: FlowRecords): FlowRecords {
    const ports = new Set(this.compiler.portsOnHost(s.name).map((p) => p.uuid));
    const keep: FlowRecords["records"] = [];
    let refused = 0;
    let first = "";
    for (const r of batch.records) {
      const named = [r.src_vmi, r.dst_vmi].filter(Boolean);
      const ok = named.length ? named.every((u) => ports.has(u)) : s.sentVrfs.has(r.vrf);
      if (ok) keep.push(r);
      else if (refused++ === 0) first = named.length ? `port ${named.find((u) => !ports.has(u))} is not on this node` : `routing instance ${r.vrf} is not this node's`;
    }
    if (refused) {
      s.refusedFlowRecords += refused;
      this.log(`compute node ${s.name}: ${refused} flow record(s) refused (${first})`);
      s.refused(`${refused} flow record(s): ${first}`);
    }
    return refused ? { ...batch, records: keep } : batch;
  }

  // ------------------------------------------------------------ graceful restart (end-of-RIB per instance)

  private awaited(): Map<string, Set<string>> | null {
    if (this.eorDone) return null;
    if (!this.eorAwaited) {
      this.eorAwaited = new Map();
      const add = (vrf: string, host: string) => {
        let hosts = this.eorAwaited!.get(vrf);
        if (!hosts) this.eorAwaited!.set(vrf, (hosts = new Set()));
        if (hosts.has(host)) return;
        hosts.add(host);
        const vrfs = this.eorHostVrfs.get(host) ?? [];
        vrfs.push(vrf);
        this.eorHostVrfs.set(host, vrfs);
      };
      for (const p of this.compiler.state.ports.values()) {
        if (!p.host || this.agents.get(p.host)?.lastResync) continue;
        const ri = this.compiler.instanceOfNetwork(p.networkUuid);
        if (ri) add(ri.name, p.host);
        for (const f of p.floatingIps) if (f.vrf) add(f.vrf, p.host);
      }
    }
    return this.eorAwaited;
  }

  private endOfRibReady(vrf: string): boolean {
    return !this.awaited()?.get(vrf)?.size;
  }

  /** A compute node re-announced everything: instances that awaited only it get their end-of-RIB. */
  private reannounced(host: string) {
    const awaited = this.awaited();
    if (!awaited) return;
    const ready: string[] = [];
    for (const vrf of this.eorHostVrfs.get(host) ?? []) {
      const hosts = awaited.get(vrf);
      if (!hosts?.delete(host) || hosts.size) continue;
      awaited.delete(vrf);
      ready.push(vrf);
    }
    this.eorHostVrfs.delete(host);
    // after the route flush this node's announcements scheduled (setImmediate runs in order)
    if (ready.length) setImmediate(() => this.releaseEndOfRib(ready));
  }

  /** Sends the awaited end-of-RIBs of some instances (null = all: the restart time is over). */
  private releaseEndOfRib(vrfs: string[] | null) {
    if (this.stopped) return;
    if (vrfs === null) {
      this.eorDone = true;
      this.eorAwaited = null;
      this.eorHostVrfs.clear();
      this.eorTimer = null;
    }
    if (this.pendingRoutes.size) this.flushRoutes();
    for (const vrf of vrfs ?? [...this.eorWaiting.keys()]) {
      const waiting = this.eorWaiting.get(vrf);
      this.eorWaiting.delete(vrf);
      for (const [s, stream] of waiting ?? []) {
        if (s.stream === stream && s.subscriptions.has(vrf)) s.send({ msg: "end_of_rib", end_of_rib: { vrf } });
      }
    }
  }

  // ------------------------------------------------------------ compiled config → RIB and agents

  private onCompiled(d: CompiledDelta) {
    if (d.bgp) void this.bgp.apply(d.bgp);
    if (d.globals) {
      for (const s of this.agents.values()) {
        s.send({ msg: "global", global: { encapsulation_priority: d.globals.encapsulationPriority, autonomous_system: d.globals.autonomousSystem } });
      }
    }
    for (const ri of d.instances.changed) {
      this.rib.upsertInstance(ri);
      for (const s of this.agents.values()) if (s.sentVrfs.has(ri.name)) s.sendVrfs([toVrf(ri)]);
    }
    for (const ri of d.instances.removed) {
      this.rib.removeInstance(ri.name);
      for (const s of this.agents.values()) if (s.sentVrfs.has(ri.name)) s.sendVrfs([], [ri.name]);
    }
    for (const acl of d.acls.changed) for (const s of this.agents.values()) if (s.sentAcls.has(acl.name)) s.sendAcls([acl]);
    for (const name of d.acls.removed) for (const s of this.agents.values()) if (s.sentAcls.has(name)) s.sendAcls([], [name]);
    const byHost = new Map<string, CompiledPort[]>();
    for (const p of d.ports.changed) {
      for (const s of this.agents.values()) if (s.sentPorts.has(p.uuid) && s.name !== p.host) s.sendPorts([], [p.uuid]);
      if (!p.host) continue;
      const l = byHost.get(p.host) ?? [];
      l.push(p);
      byHost.set(p.host, l);
    }
    for (const [host, ports] of byHost) {
      const s = this.agents.get(host);
      if (s?.state === "Up") this.syncPorts(s, ports);
    }
    for (const p of d.ports.removed) for (const s of this.agents.values()) if (s.sentPorts.has(p.uuid)) s.sendPorts([], [p.uuid]);
  }

  private onRouteChanges(changes: RouteChange[]) {
    for (const c of changes) {
      this.dumps.delete(c.vrf);
      if (!this.subscribers.get(c.vrf)?.size) continue;
      let pending = this.pendingRoutes.get(c.vrf);
      if (!pending) this.pendingRoutes.set(c.vrf, (pending = new Map()));
      pending.set(c.prefix, c.route);
    }
    if (this.pendingRoutes.size && !this.flushScheduled) {
      // coalesce a burst (many agents announcing, a policy leaking a whole table) into few messages
      this.flushScheduled = true;
      setImmediate(() => this.flushRoutes());
    }
    this.bgp.onRouteChanges(changes);
    for (const l of this.routeListeners) l(changes);
  }

  private encoded(vrf: string, r: BestRoute): Buffer {
    let b = this.wire.get(r);
    if (!b) this.wire.set(r, (b = encodeRoute(toRoute(vrf, r))));
    return b;
  }

  /** Sends each instance's pending changes to its subscribers: encoded once, the same bytes to all. */
  private flushRoutes() {
    this.flushScheduled = false;
    const pending = this.pendingRoutes;
    this.pendingRoutes = new Map();
    if (this.stopped) return;
    for (const [vrf, changes] of pending) {
      const subs = [...(this.subscribers.get(vrf) ?? [])].filter((s) => s.state === "Up");
      if (!subs.length) continue;
      const add: Buffer[] = [];
      const del: { vrf: string; prefix: string }[] = [];
      for (const [prefix, r] of changes) if (r) add.push(this.encoded(vrf, r));
      else del.push({ vrf, prefix });
      // withdrawals and adds touch different prefixes (one entry per prefix): their order does not matter
      for (let i = 0; i < Math.max(add.length, del.length); i += ROUTES_PER_MESSAGE) {
        const m = encodeRoutesMessage(add.slice(i, i + ROUTES_PER_MESSAGE), del.slice(i, i + ROUTES_PER_MESSAGE));
        for (const s of subs) s.send(m);
      }
    }
  }

  /** An instance's whole table as messages for a new subscriber, built once per version of the table. */
  private dumpOf(vrf: string): Buffer[] {
    let dump = this.dumps.get(vrf);
    if (dump) return dump;
    dump = [];
    let batch: Buffer[] = [];
    for (const r of this.rib.tables.get(vrf)?.values() ?? []) {
      batch.push(this.encoded(vrf, r));
      if (batch.length === ROUTES_PER_MESSAGE) {
        dump.push(encodeRoutesMessage(batch));
        batch = [];
      }
    }
    if (batch.length) dump.push(encodeRoutesMessage(batch));
    this.dumps.set(vrf, dump);
    return dump;
  }

  // ------------------------------------------------------------ test traffic

  /**
   * A packet "from outside" (the gateway side): enters routing instance `fromVrf` addressed to
   * `dst` (typically a floating IP); run by the agent the instance's best route points at, as
   * the gateway would tunnel it there. The answer of the port it reaches is traced too.
   */
  traceFromOutside(input: { fromVrf: string; src: string; dst: string; protocol: string; srcPort?: number; dstPort?: number }, timeoutMs = 5000): Promise<TraceResult> {
    const table = this.rib.tables.get(input.fromVrf);
    if (!table) return Promise.reject(new WeftError("not_found", `from_vrf: routing instance ${input.fromVrf} not found`, [{ field: "from_vrf", message: "no such routing instance" }]));
    const best = longestMatch(table, input.dst);
    if (!best) return Promise.reject(new WeftError("conflict", `no route to ${input.dst} in ${input.fromVrf}: nothing there to reach from outside (is the floating IP associated with a port on a connected compute node?)`));
    const nh = best.nextHops.find((n) => this.agents.get(n.node)?.state === "Up");
    if (!nh) {
      return Promise.reject(new WeftError("conflict", `${best.prefix} in ${input.fromVrf} is not on a connected compute node (next hops ${best.nextHops.map((n) => n.node || n.address).join(", ")})`));
    }
    return this.sendTrace(this.agents.get(nh.node)!, nh.node, {
      port_uuid: "",
      dst: input.dst,
      protocol: input.protocol,
      src_port: input.srcPort ?? 0,
      dst_port: input.dstPort ?? 0,
      src: input.src,
      from_vrf: input.fromVrf,
    }, timeoutMs);
  }

  private sendTrace(s: AgentSession, host: string, req: Omit<TraceRequest, "id">, timeoutMs: number): Promise<TraceResult> {
    const id = randomUUID();
    return new Promise<TraceResult>((resolve) => {
      const timer = setTimeout(() => {
        this.pendingTraces.delete(id);
        resolve({ id, verdict: "lost", reason: `no answer from ${host} within ${timeoutMs} ms`, hops: [], delivered_to: "" });
      }, timeoutMs);
      this.pendingTraces.set(id, { resolve, timer });
      s.send({ msg: "trace", trace: { id, ...req } });
    });
  }

  /** Runs a packet from a port through the data path (on the agent hosting the port). */
  trace(input: TraceInput, timeoutMs = 5000): Promise<TraceResult> {
    const port = this.compiler.state.ports.get(input.portUuid);
    if (!port) return Promise.reject(new WeftError("not_found", `port ${input.portUuid} not found (or has no network)`));
    if (!port.host) {
      return Promise.reject(new WeftError("bad_request", `port ${port.fqName} is not bound to a compute node: set virtual_machine_interface_bindings host_id`));
    }
    const s = this.agents.get(port.host);
    if (!s || s.state !== "Up") return Promise.reject(new WeftError("conflict", `compute node ${port.host} hosting ${port.fqName} is not connected`));
    const id = randomUUID();
    return new Promise<TraceResult>((resolve) => {
      const timer = setTimeout(() => {
        this.pendingTraces.delete(id);
        resolve({ id, verdict: "lost", reason: `no answer from ${port.host} within ${timeoutMs} ms`, hops: [], delivered_to: "" });
      }, timeoutMs);
      this.pendingTraces.set(id, { resolve, timer });
      s.send({
        msg: "trace",
        trace: { id, port_uuid: input.portUuid, dst: input.dst, protocol: input.protocol, src_port: input.srcPort ?? 0, dst_port: input.dstPort ?? 0, src: input.src ?? "" },
      });
    });
  }
}
