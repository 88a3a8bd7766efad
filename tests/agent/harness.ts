// A small control node for agent tests, on top of protocol/ only: a real gRPC server on
// 127.0.0.1 that answers hello (hello_ack, global, vrfs, acls, the node's ports), keeps one RIB
// per VRF merging what every agent announces (same prefix from two agents = ECMP), reflects
// it to the subscribed agents with end_of_rib per VRF, forgets an agent's routes when its
// stream goes, and sends trace requests. It is deliberately simple: no route targets, no BGP.
// Its agent port is the real one's as far as trust goes (issue 14): a Weft CA (AgentTrust on a
// config store of its own), agents enrol through it (in-process tokens, the Enrol RPC) and every
// session is mTLS with the node's certificate; a name other than the certificate's is refused.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { migrate, openDb } from "../../server/engine/config/db.ts";
import { ConfigService } from "../../server/engine/config/service.ts";
import { AgentTrust } from "../../server/engine/control/agent-trust.ts";
import { registerLocalEnrolment } from "../../server/engine/protocol/local-enrolment.ts";
import {
  type Acl,
  type AgentMessage,
  CHANNEL_OPTIONS,
  type ControlStream,
  controlNodeService,
  grpc,
  type Hello,
  type Outgoing,
  type ControlMessage,
  type Port,
  type Route,
  type Stats,
  type TraceRequest,
  type TraceResult,
  type Vrf,
} from "../../server/engine/protocol/index.ts";

export interface HarnessConfig {
  holdTimeSeconds?: number;
  encapPriority?: string[];
  vrfs?: Vrf[];
  acls?: Acl[];
  /** Ports by node name (the VMI's binding host). */
  ports?: Record<string, Port[]>;
  /** Routes the control node itself originates (e.g. learned over BGP). */
  staticRoutes?: Route[];
  /** gRPC server options over CHANNEL_OPTIONS (e.g. a smaller HTTP/2 receive window) */
  serverOptions?: grpc.ChannelOptions;
}

export interface AgentConn {
  name: string;
  hello: Hello;
  stream: ControlStream;
  subscribed: Set<string>;
  announced: Map<string, Route>; // key vrf|prefix
  endOfRib: boolean;
  stats: Stats[];
  messages: AgentMessage[];
}

const key = (vrf: string, prefix: string) => `${vrf}|${prefix}`;

let sharedTrust: Promise<AgentTrust> | null = null;
function harnessTrust(): Promise<AgentTrust> {
  sharedTrust ??= (async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "weft-harness-"));
    process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, "weft.db");
    migrate(file);
    const db = openDb(file);
    return AgentTrust.open(dir, db, await ConfigService.open({ db, clusterAsn: 64512 }));
  })();
  return sharedTrust;
}

export class HarnessControl {
  readonly agents = new Map<string, AgentConn>();
  readonly vrfs = new Map<string, Vrf>();
  readonly acls = new Map<string, Acl>();
  readonly ports = new Map<string, Map<string, Port>>(); // node → uuid → port
  readonly staticRoutes = new Map<string, Route>();
  readonly holdTimeSeconds: number;
  private readonly serverOptions: grpc.ChannelOptions;
  encapPriority: string[];
  /** Stop sending keepalives and answering: the agents' hold timers must expire. */
  silent = false;
  private server: grpc.Server | null = null;
  private keepalive: NodeJS.Timeout | null = null;
  private traces = new Map<string, (r: TraceResult) => void>();
  private traceSeq = 0;
  port = 0;
  /** the CA and enrolment (one per test process: a new harness on the same port is the same control node restarted) */
  trust: AgentTrust | null = null;
  private unregisterLocal: (() => void) | null = null;

  constructor(cfg: HarnessConfig = {}) {
    this.holdTimeSeconds = cfg.holdTimeSeconds ?? 15;
    this.serverOptions = cfg.serverOptions ?? {};
    this.encapPriority = cfg.encapPriority ?? ["MPLSoGRE", "MPLSoUDP", "VXLAN"];
    for (const v of cfg.vrfs ?? []) this.vrfs.set(v.name, v);
    for (const a of cfg.acls ?? []) this.acls.set(a.name, a);
    for (const [node, ps] of Object.entries(cfg.ports ?? {})) this.ports.set(node, new Map(ps.map((p) => [p.uuid, p])));
    for (const r of cfg.staticRoutes ?? []) this.staticRoutes.set(key(r.vrf, r.prefix), r);
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Listens on 127.0.0.1:`port` (0 = any free port; pass the old one to "restart" the control node). */
  async listen(port = 0): Promise<this> {
    this.trust ??= await harnessTrust();
    const trust = this.trust;
    const server = new grpc.Server({ ...CHANNEL_OPTIONS, ...this.serverOptions });
    server.addService(controlNodeService().service, {
      Session: (s: ControlStream) => this.onSession(s),
      GetCaCertificate: (_c: unknown, cb: grpc.sendUnaryData<{ ca_certificate: string }>) => cb(null, { ca_certificate: trust.caPem }),
      Enrol: (call: grpc.ServerUnaryCall<{ token: string; name: string; certificate_request: string }, unknown>, cb: grpc.sendUnaryData<unknown>) => {
        const r = call.request;
        trust.enrol(r.token, r.name, r.certificate_request, call.getPeer()).then(
          (c) => cb(null, { certificate: c.certificate, ca_certificate: c.ca }),
          (e: Error) => cb({ code: grpc.status.UNAUTHENTICATED, details: e.message }),
        );
      },
    });
    this.port = await new Promise<number>((resolve, reject) =>
      server.bindAsync(`127.0.0.1:${port}`, trust.serverCredentials(), (err, p) => (err ? reject(err) : resolve(p))),
    );
    this.server = server;
    this.unregisterLocal = registerLocalEnrolment(this.port, (name, address) => trust.issueLocalToken(name, address));
    this.keepalive = setInterval(() => {
      if (this.silent) return;
      for (const a of this.agents.values()) a.stream.write({ msg: "keepalive", keepalive: { sent_at_ms: Date.now() } });
    }, (this.holdTimeSeconds * 1000) / 3);
    return this;
  }

  /** The control node dies: every stream is cut at once. */
  async stop(): Promise<void> {
    if (this.keepalive) clearInterval(this.keepalive);
    this.keepalive = null;
    this.server?.forceShutdown();
    this.server = null;
    this.unregisterLocal?.();
    this.unregisterLocal = null;
    this.agents.clear();
  }

  // ------------------------------------------------------------------ session

  private onSession(stream: ControlStream) {
    let conn: AgentConn | null = null;
    const id = this.trust!.identify(stream.getAuthContext()?.sslPeerCertificate);
    if (!id.ok) {
      stream.emit("error", { code: grpc.status.UNAUTHENTICATED, details: id.why });
      return;
    }
    stream.on("data", (m: AgentMessage) => {
      if (this.silent) return;
      if (m.msg === "hello" && m.hello.name !== id.name) {
        stream.emit("error", { code: grpc.status.PERMISSION_DENIED, details: `certificate of ${id.name}` });
        return;
      }
      if (m.msg === "hello") {
        conn = { name: m.hello.name, hello: m.hello, stream, subscribed: new Set(), announced: new Map(), endOfRib: false, stats: [], messages: [] };
        const old = this.agents.get(conn.name);
        if (old) this.dropAgent(old);
        this.agents.set(conn.name, conn);
        this.send(conn, { msg: "hello_ack", hello_ack: { protocol_version: 1, control_node: "harness", hold_time_seconds: this.holdTimeSeconds, session_id: `s-${Date.now()}` } });
        this.send(conn, { msg: "global", global: { encapsulation_priority: this.encapPriority, autonomous_system: 64512 } });
        this.send(conn, { msg: "vrfs", vrfs: { add: [...this.vrfs.values()], delete: [] } });
        this.send(conn, { msg: "acls", acls: { set: [...this.acls.values()], delete: [] } });
        this.send(conn, { msg: "ports", ports: { add: [...(this.ports.get(conn.name)?.values() ?? [])], delete: [] } });
        return;
      }
      if (!conn) return;
      conn.messages.push(m);
      switch (m.msg) {
        case "routes": {
          const vrfs = new Set<string>();
          for (const k of m.routes.delete) if (conn.announced.delete(key(k.vrf, k.prefix))) vrfs.add(`${k.vrf}|${k.prefix}`);
          for (const r of m.routes.add) {
            conn.announced.set(key(r.vrf, r.prefix), r);
            vrfs.add(key(r.vrf, r.prefix));
          }
          for (const k of vrfs) this.publish(k);
          break;
        }
        case "subscribe":
          for (const v of m.subscribe.vrfs) {
            conn.subscribed.add(v);
            const add = this.ribOf(v);
            this.send(conn, { msg: "routes", routes: { add, delete: [] } });
            this.send(conn, { msg: "end_of_rib", end_of_rib: { vrf: v } });
          }
          break;
        case "unsubscribe":
          for (const v of m.unsubscribe.vrfs) conn.subscribed.delete(v);
          break;
        case "end_of_rib":
          conn.endOfRib = true;
          break;
        case "stats":
          conn.stats.push(m.stats);
          break;
        case "trace_result": {
          const done = this.traces.get(m.trace_result.id);
          this.traces.delete(m.trace_result.id);
          done?.(m.trace_result);
          break;
        }
      }
    });
    const gone = () => {
      if (conn && this.agents.get(conn.name) === conn) this.dropAgent(conn);
    };
    stream.on("end", () => {
      gone();
      stream.end();
    });
    stream.on("error", gone);
    stream.on("cancelled", gone);
  }

  private dropAgent(conn: AgentConn) {
    this.agents.delete(conn.name);
    const keys = [...conn.announced.keys()];
    conn.announced.clear();
    for (const k of keys) this.publish(k);
  }

  private send(conn: AgentConn, m: Outgoing<ControlMessage>) {
    conn.stream.write(m);
  }

  // ------------------------------------------------------------------ RIB

  /** The merged route of one prefix: every agent's next hops (ECMP) plus a static route's. */
  route(vrf: string, prefix: string): Route | null {
    const k = key(vrf, prefix);
    const contributions: Route[] = [];
    const st = this.staticRoutes.get(k);
    if (st) contributions.push(st);
    for (const a of [...this.agents.values()].sort((x, y) => x.name.localeCompare(y.name))) {
      const r = a.announced.get(k);
      if (r) contributions.push(r);
    }
    if (contributions.length === 0) return null;
    return {
      vrf,
      prefix,
      next_hops: contributions.flatMap((r) => r.next_hops),
      source: contributions.map((r) => r.source).join(","),
      why: contributions.flatMap((r) => r.why ?? []),
      port_uuid: contributions[0].port_uuid ?? "",
    };
  }

  ribOf(vrf: string): Route[] {
    const keys = new Set<string>();
    for (const k of this.staticRoutes.keys()) if (k.startsWith(`${vrf}|`)) keys.add(k);
    for (const a of this.agents.values()) for (const k of a.announced.keys()) if (k.startsWith(`${vrf}|`)) keys.add(k);
    return [...keys].map((k) => this.route(vrf, k.slice(vrf.length + 1))).filter((r): r is Route => r !== null);
  }

  private publish(k: string) {
    const i = k.lastIndexOf("|");
    const vrf = k.slice(0, i);
    const prefix = k.slice(i + 1);
    const r = this.route(vrf, prefix);
    for (const a of this.agents.values()) {
      if (!a.subscribed.has(vrf)) continue;
      this.send(a, { msg: "routes", routes: r ? { add: [r], delete: [] } : { add: [], delete: [{ vrf, prefix }] } });
    }
  }

  // ------------------------------------------------------------------ operator actions

  addStaticRoute(r: Route) {
    this.staticRoutes.set(key(r.vrf, r.prefix), r);
    this.publish(key(r.vrf, r.prefix));
  }

  deleteStaticRoute(vrf: string, prefix: string) {
    this.staticRoutes.delete(key(vrf, prefix));
    this.publish(key(vrf, prefix));
  }

  setAcl(acl: Acl) {
    this.acls.set(acl.name, acl);
    for (const a of this.agents.values()) this.send(a, { msg: "acls", acls: { set: [acl], delete: [] } });
  }

  setPort(node: string, port: Port) {
    if (!this.ports.has(node)) this.ports.set(node, new Map());
    this.ports.get(node)!.set(port.uuid, port);
    const a = this.agents.get(node);
    if (a) this.send(a, { msg: "ports", ports: { add: [port], delete: [] } });
  }

  deletePort(node: string, uuid: string) {
    this.ports.get(node)?.delete(uuid);
    const a = this.agents.get(node);
    if (a) this.send(a, { msg: "ports", ports: { add: [], delete: [uuid] } });
  }

  trace(node: string, req: Omit<TraceRequest, "id">, timeoutMs = 5_000): Promise<TraceResult> {
    const a = this.agents.get(node);
    if (!a) return Promise.reject(new Error(`agent ${node} is not connected`));
    const id = `t${++this.traceSeq}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.traces.delete(id);
        reject(new Error(`trace ${id} on ${node}: no answer in ${timeoutMs} ms`));
      }, timeoutMs);
      this.traces.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      this.send(a, { msg: "trace", trace: { id, ...req } });
    });
  }
}

export async function startHarness(cfg: HarnessConfig = {}, port = 0): Promise<HarnessControl> {
  return new HarnessControl(cfg).listen(port);
}

/** Polls `pred` until it is true (or throws after `timeoutMs`). */
export async function waitFor(pred: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// ------------------------------------------------------------------ fixtures

export const VN1 = "default-domain:test:vn1:vn1";
export const VN2 = "default-domain:test:vn2:vn2";

export function vrf(name: string, vxlan: number): Vrf {
  return { name, network_uuid: `net-${vxlan}`, network_fq_name: name.split(":").slice(0, 3).join(":"), network_id: vxlan, vxlan_id: vxlan, import_route_targets: [], export_route_targets: [] };
}

export function port(uuid: string, vrfName: string, addresses: string[], extra: Partial<Port> = {}): Port {
  return {
    uuid,
    fq_name: `default-domain:test:${uuid}`,
    vrf: vrfName,
    network_uuid: "",
    network_fq_name: vrfName.split(":").slice(0, 3).join(":"),
    mac: "02:00:00:00:00:01",
    addresses,
    acls: [],
    network_acl: "",
    floating_ips: [],
    ...extra,
  };
}
