// One vRouter agent: state + data plane + control session, and the reconciliation between
// them. After every control message the agent converges what it announces (one route per
// port address and floating IP) and what it subscribes to (its ports' VRFs) towards what its
// state says, so replays, reconnects and missed events all end in the same place.
import crypto from "node:crypto";
import type { ControlMessage, Route, TraceRequest, TraceResult, TrafficRequest } from "../protocol/index.ts";
import type { DataPlane, DataPlaneStats, PacketResult } from "./dataplane/index.ts";
import { LinuxDataPlane } from "./dataplane/linux.ts";
import { SimDataPlane } from "./dataplane/sim.ts";
import type { FibRoute } from "./fib.ts";
import { FlowExporter, type FlowExportStats } from "./flow-export.ts";
import type { FlowEntry } from "./flow-table.ts";
import { type Tuple, protocolNumber } from "./packet.ts";
import { ControlSession, type SessionState } from "./session.ts";
import { AgentState, ENCAPSULATIONS, sameOwnRoute } from "./state.ts";
import { type AgentCredentials, enrol, loadCredentials, saveCredentials } from "./credentials.ts";
import { localEnrolmentToken } from "../protocol/local-enrolment.ts";
import { logger } from "../log/index.ts";

export const AGENT_VERSION = "weft-agent 0.1.0";
export const DEFAULT_DATA_PORT = 6635;

export interface AgentOptions {
  name: string;
  /** Tunnel endpoint address (the UDP socket binds here); 127.0.1.x in the lab. */
  address: string;
  /** host:port of the control node; without it the agent runs offline (fed through `apply`). */
  control?: string;
  /** UDP port of the data plane (default 6635; 0 = any free port, announced as bound). */
  dataPort?: number;
  encapsulations?: string[];
  /** Stats to the control node every … ms (default 10 000). */
  statsIntervalMs?: number;
  flowIdleMs?: number;
  maxFlows?: number;
  replyTimeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** How long after hello_ack to wait for the first ports update before the initial announcements (default 1000 ms). */
  initialSyncWaitMs?: number;
  /** Flow export to the collector over the control session (default on). */
  flowExport?: boolean;
  /** Flow export interval, ms (default 1000). */
  flowExportIntervalMs?: number;
  /** Data plane: `sim` (default: the pipeline in process, UDP tunnels) or `linux` (the kernel: root). */
  dataplane?: "sim" | "linux";
  /** linux: the compute node's network namespace (lab, tests); default the agent's own */
  netns?: string;
  /** Log sink; default: compact lines on stderr. `false` silences. */
  log?: ((line: string) => void) | false;
  /**
   * The node's identity (issue 14). In order: these credentials; an enrolment with `enrolToken`
   * (saved to `stateDir`); those kept in `stateDir`; a token from a control node of this same
   * process (the lab, tests). Without any, the agent keeps retrying and says why.
   */
  credentials?: AgentCredentials;
  /** Where the node keeps its key and certificate (files 0600 in a 0700 directory). */
  stateDir?: string;
  /** One-time enrolment token (WEFT1.…) issued for this node's virtual-router. */
  enrolToken?: string;
}

export interface AgentStatus {
  name: string;
  address: string;
  dataPort: number;
  bootId: string;
  session: SessionState | "offline";
  sessionsEstablished: number;
  controlNode: string;
  lastDownReason: string;
  ports: number;
  vrfs: number;
  acls: number;
  routes: number;
  staleRoutes: number;
  subscribed: string[];
  announced: number;
  dataplane: DataPlaneStats;
  flowExport: FlowExportStats | null;
}

export interface AgentHandle {
  readonly name: string;
  readonly address: string;
  readonly dataPort: number;
  readonly bootId: string;
  readonly state: AgentState;
  readonly dataplane: DataPlane;
  status(): AgentStatus;
  /** Routes of one VRF (or all), effective slot per prefix. */
  routes(vrf?: string): FibRoute[];
  flows(): FlowEntry[];
  /** Feeds a control message as if the control node had sent it (offline agents, tests, benches). */
  apply(m: ControlMessage): void;
  /** A packet entering at a local port, followed to its end (hops included). */
  inject(portUuid: string, t: Tuple): Promise<PacketResult>;
  /** Fast path: no hops, tunnelled packets are not waited for. */
  forward(portUuid: string, t: Tuple): PacketResult;
  trace(req: TraceRequest): Promise<TraceResult>;
  stop(): Promise<void>;
}

const rkey = (vrf: string, prefix: string) => `${vrf}\u0000${prefix}`;

class Agent implements AgentHandle {
  readonly state: AgentState;
  readonly dataplane: SimDataPlane | LinuxDataPlane;
  readonly bootId = crypto.randomUUID();
  private session: ControlSession | null = null;
  private announced = new Map<string, Route>(); // key → the route as last sent
  private subscribed = new Set<string>();
  private synced = false; // initial announcements of this session done
  private syncTimer: NodeJS.Timeout | null = null;
  private statsTimer: NodeJS.Timeout | null = null;
  private reconcileQueued = false;
  /** state.version the last reconcile saw: later messages that changed no port or VRF need none */
  private reconciledVersion = -1;
  private readonly log: (line: string) => void;
  readonly exporter: FlowExporter | null = null;

  constructor(readonly opts: AgentOptions) {
    // a caller's sink (tests, benches) gets "[agent <name>] …" lines; otherwise structured logs (log/)
    const sink = opts.log === false ? () => {} : opts.log;
    const own = logger("agent", { node: opts.name });
    this.log = sink ? (line) => sink(`[agent ${opts.name}] ${line}`) : (line) => own.info(line);
    this.state = new AgentState({
      name: opts.name,
      address: opts.address,
      dataPort: opts.dataPort ?? DEFAULT_DATA_PORT,
      encapsulations: opts.encapsulations?.length ? [...opts.encapsulations] : [...ENCAPSULATIONS],
    });
    const dpOpts = { flowIdleMs: opts.flowIdleMs, maxFlows: opts.maxFlows, replyTimeoutMs: opts.replyTimeoutMs, log: this.log };
    // the kernel's overlay is VXLAN only (no MPLS forwarding in the kernels we target): say so in the hello
    if (opts.dataplane === "linux") this.state.self.encapsulations = ["VXLAN"];
    const dp = opts.dataplane === "linux" ? new LinuxDataPlane(this.state, { ...dpOpts, netns: opts.netns }) : new SimDataPlane(this.state, dpOpts);
    this.dataplane = dp;
    if (opts.control && opts.flowExport !== false) {
      const exporter = new FlowExporter({ state: this.state, intervalMs: opts.flowExportIntervalMs, send: (m) => this.session?.trySend(m) ?? "down" });
      this.exporter = exporter;
      if (dp instanceof SimDataPlane) {
        dp.flowTable.observer = exporter;
        dp.onFlowlessDrop = (d) => exporter.drop(d);
      } else dp.onFlowRecords = (records) => exporter.push(records);
    }
  }

  get name() {
    return this.state.self.name;
  }
  get address() {
    return this.state.self.address;
  }
  get dataPort() {
    return this.state.self.dataPort;
  }

  private enrolToken: string | undefined;

  /** The node's credentials, enrolling first if it has none (see AgentOptions.credentials). */
  private async credentials(): Promise<AgentCredentials> {
    const o = this.opts;
    if (o.credentials) return o.credentials;
    // a token given is meant to be used (a re-enrolment); otherwise what the node kept
    if (o.stateDir && !this.enrolToken) {
      const kept = loadCredentials(o.stateDir, this.name);
      if (kept) return kept;
    }
    const control = o.control!;
    const token = this.enrolToken ?? (await localEnrolmentToken(control, this.name, this.address));
    if (!token) throw new Error(`compute node ${this.name} is not enrolled: start it with --enrol-token (issued on the console's compute node page, POST /vnc/virtual-router/<uuid>/enrolment-token or weftctl compute-node enrol ${this.name})`);
    const c = await enrol(control, this.name, token);
    this.enrolToken = undefined; // single use
    if (o.stateDir) saveCredentials(o.stateDir, c);
    this.log(`enrolled with ${control}: certificate for ${this.name} from the Weft CA`);
    return c;
  }

  async start() {
    this.enrolToken = this.opts.enrolToken;
    const bound = await this.dataplane.start();
    this.state.self.dataPort = bound;
    this.log(`data plane ${this.dataplane.kind}${this.opts.netns ? ` in netns ${this.opts.netns}` : ""} on ${this.address}:${bound} (${this.state.self.encapsulations.join(", ")}), boot ${this.bootId.slice(0, 8)}`);
    if (!this.opts.control) return;
    this.session = new ControlSession({
      control: this.opts.control,
      hello: {
        name: this.name,
        address: this.address,
        data_port: bound,
        encapsulations: this.state.self.encapsulations,
        agent_version: AGENT_VERSION,
        boot_id: this.bootId,
      },
      credentials: () => this.credentials(),
      backoffInitialMs: this.opts.backoffInitialMs,
      backoffMaxMs: this.opts.backoffMaxMs,
      onUp: (ack) => this.onUp(ack.control_node, ack.hold_time_seconds, ack.session_id),
      onMessage: (m) => this.apply(m),
      onDown: (reason) => this.onDown(reason),
      log: this.log,
    });
    this.session.start();
    this.exporter?.start();
  }

  // ------------------------------------------------------------------ session events

  private onUp(control: string, hold: number, sessionId: string) {
    this.log(`session up with ${control || "control"} (hold ${hold} s, session ${sessionId || "-"})`);
    // A new session knows nothing of what we announced or subscribed to before.
    this.announced.clear();
    this.subscribed.clear();
    this.synced = false;
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = setTimeout(() => this.initialSync("no ports update"), this.opts.initialSyncWaitMs ?? 1_000);
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.statsTimer = setInterval(() => this.sendStats(), this.opts.statsIntervalMs ?? 10_000);
    this.statsTimer.unref();
  }

  private onDown(reason: string) {
    if (this.syncTimer) clearTimeout(this.syncTimer);
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.syncTimer = this.statsTimer = null;
    this.synced = false;
    // Graceful restart: keep forwarding with what we have; the next session confirms or sweeps it.
    this.state.markStale();
    this.log(`session down: ${reason}; forwarding on ${this.state.fib.routeCount} stale routes`);
  }

  /** The config dump arrived (first ports update) or did not come in time: announce, end-of-RIB, subscribe. */
  private initialSync(why: string) {
    if (this.synced || this.session?.state !== "established") return;
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = null;
    this.synced = true;
    const n = this.reconcile();
    if (this.dataplane instanceof LinuxDataPlane) this.dataplane.configComplete();
    this.session.send({ msg: "end_of_rib", end_of_rib: { vrf: "" } });
    this.log(`initial sync (${why}): ${n.announced} routes announced, end-of-RIB sent, subscribed to ${n.subscribed} VRFs`);
  }

  // ------------------------------------------------------------------ control messages

  apply(m: ControlMessage) {
    switch (m.msg) {
      case "global":
        this.state.setGlobal(m.global);
        break;
      case "vrfs":
        this.state.applyVrfs(m.vrfs.add ?? [], m.vrfs.delete ?? []);
        break;
      case "acls":
        this.state.applyAcls(m.acls.set ?? [], m.acls.delete ?? []);
        break;
      case "ports":
        this.state.applyPorts(m.ports.add ?? [], m.ports.delete ?? []);
        if (!this.synced && this.session?.state === "established") {
          // Let the rest of this batch of messages land first.
          setImmediate(() => this.initialSync("ports received"));
          return;
        }
        break;
      case "routes":
        this.state.applyRoutes(m.routes.add ?? [], m.routes.delete ?? []);
        return; // routes from the control node change nothing we announce
      case "end_of_rib": {
        const r = this.state.endOfRib(m.end_of_rib.vrf);
        if (this.dataplane instanceof LinuxDataPlane) this.dataplane.endOfRib(m.end_of_rib.vrf);
        if (r.routes.length || r.config) this.log(`end-of-RIB ${m.end_of_rib.vrf || "(all)"}: swept ${r.routes.length} stale routes, ${r.config} stale config items`);
        break;
      }
      case "trace":
        void this.runTrace(m.trace);
        return;
      case "traffic":
        this.runTraffic(m.traffic);
        return;
      case "hello_ack":
      case "keepalive":
        return;
    }
    this.queueReconcile();
  }

  private async runTrace(req: TraceRequest) {
    const result = await this.dataplane.trace(req);
    this.session?.send({ msg: "trace_result", trace_result: result });
  }

  /** Lab traffic: every packet of every item through the forwarding fast path (flow table, ACLs, FIB, tunnel). */
  private runTraffic(req: TrafficRequest) {
    for (const it of req.items ?? []) {
      const port = this.state.ports.get(it.port_uuid);
      const protocol = protocolNumber(it.protocol || "tcp");
      const src = it.src || port?.addresses[0];
      if (protocol === null || !src) continue;
      const t: Tuple = { protocol, src, dst: it.dst, srcPort: it.src_port ?? 0, dstPort: it.dst_port ?? 0 };
      const n = Math.max(1, Math.min(it.packets || 1, 100_000));
      for (let i = 0; i < n; i++) this.dataplane.forward(it.port_uuid, t, it.bytes_per_packet || undefined);
    }
  }

  private queueReconcile() {
    if (this.reconcileQueued) return;
    this.reconcileQueued = true;
    queueMicrotask(() => {
      this.reconcileQueued = false;
      if (this.synced && this.state.version !== this.reconciledVersion) this.reconcile();
    });
  }

  /** Converges announcements and subscriptions of the current session towards the state. */
  private reconcile(): { announced: number; subscribed: number } {
    const s = this.session;
    if (!s || s.state !== "established") return { announced: 0, subscribed: 0 };
    this.reconciledVersion = this.state.version;
    const want = this.state.ownRoutes();
    const add: Route[] = [];
    const del: { vrf: string; prefix: string }[] = [];
    for (const [k, r] of want) {
      const prev = this.announced.get(k);
      if (!prev || (prev !== r && !sameOwnRoute(prev, r))) add.push(r);
    }
    for (const [k, r] of this.announced) if (!want.has(k)) del.push({ vrf: r.vrf, prefix: r.prefix });
    // Withdrawals first in the same message: the control node applies adds after deletes.
    if (add.length || del.length) s.send({ msg: "routes", routes: { add, delete: del } });
    this.announced = new Map(want);

    const vrfs = this.state.wantedVrfs();
    const sub = [...vrfs].filter((v) => !this.subscribed.has(v));
    const unsub = [...this.subscribed].filter((v) => !vrfs.has(v));
    if (sub.length) s.send({ msg: "subscribe", subscribe: { vrfs: sub } });
    if (unsub.length) {
      s.send({ msg: "unsubscribe", unsubscribe: { vrfs: unsub } });
      // Nobody will update these routes any more: forget them.
      for (const v of unsub) this.state.dropControlRoutes(v);
    }
    this.subscribed = vrfs;
    return { announced: add.length, subscribed: sub.length };
  }

  private sendStats() {
    const d = this.dataplane.stats();
    this.session?.send({
      msg: "stats",
      stats: { flows: d.flows, packets_forwarded: d.packetsForwarded, packets_dropped: d.packetsDropped, vrfs: this.state.vrfs.size, routes: this.state.fib.routeCount, ports: this.state.ports.size },
    });
  }

  // ------------------------------------------------------------------ handle

  status(): AgentStatus {
    const staleRoutes = this.state.fib.staleCount;
    return {
      name: this.name,
      address: this.address,
      dataPort: this.dataPort,
      bootId: this.bootId,
      session: this.session ? this.session.state : "offline",
      sessionsEstablished: this.session?.established ?? 0,
      controlNode: this.session?.controlNode ?? "",
      lastDownReason: this.session?.lastDownReason ?? "",
      ports: this.state.ports.size,
      vrfs: this.state.vrfs.size,
      acls: this.state.acls.size,
      routes: this.state.fib.routeCount,
      staleRoutes,
      subscribed: [...this.subscribed].sort(),
      announced: this.announced.size,
      dataplane: this.dataplane.stats(),
      flowExport: this.exporter ? { ...this.exporter.stats } : null,
    };
  }

  routes(vrf?: string): FibRoute[] {
    const out: FibRoute[] = [];
    for (const v of vrf ? [vrf] : this.state.fib.names()) {
      const t = this.state.fib.vrf(v);
      if (!t) continue;
      for (const [, e] of t.entries()) {
        const r = e.control ?? e.local;
        if (r) out.push(r);
      }
    }
    return out;
  }

  flows(): FlowEntry[] {
    return this.dataplane.flows();
  }

  inject(portUuid: string, t: Tuple): Promise<PacketResult> {
    return this.dataplane.inject(portUuid, t, { trace: true });
  }

  forward(portUuid: string, t: Tuple): PacketResult {
    return this.dataplane.forward(portUuid, t);
  }

  trace(req: TraceRequest): Promise<TraceResult> {
    return this.dataplane.trace(req);
  }

  async stop() {
    if (this.exporter) {
      // what the flows did until now still goes out
      this.exporter.tick();
      this.exporter.stop();
    }
    if (this.syncTimer) clearTimeout(this.syncTimer);
    if (this.statsTimer) clearInterval(this.statsTimer);
    this.session?.stop();
    await this.dataplane.stop();
    this.log("stopped");
  }
}

export async function startAgent(opts: AgentOptions): Promise<AgentHandle> {
  const a = new Agent(opts);
  await a.start();
  return a;
}
