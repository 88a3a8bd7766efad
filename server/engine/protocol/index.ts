// The control ↔ agent protocol, shared by both ends: loads agent.proto at run time
// (proto-loader, no codegen) and declares the message shapes as TypeScript types.
// Field names stay snake_case as in the .proto (keepCase), oneofs arrive with a `msg` discriminator.
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { encodeFlowRecordsMessage, encodePortsMessage, encodeRouteUpdate, FlowRecordsDecoder, RouteDecoder } from "./codec.ts";

export const PROTOCOL_VERSION = 1;
export const DEFAULT_HOLD_TIME_SECONDS = 15;

const here = path.dirname(fileURLToPath(import.meta.url));
export const PROTO_FILE = path.join(here, "agent.proto");

export interface Hello {
  protocol_version: number;
  name: string;
  address: string;
  data_port: number;
  encapsulations: string[];
  agent_version: string;
  boot_id: string;
}
export interface HelloAck {
  protocol_version: number;
  control_node: string;
  hold_time_seconds: number;
  session_id: string;
}
export interface GlobalConfig {
  encapsulation_priority: string[];
  autonomous_system: number;
}
export interface FloatingIp {
  address: string;
  fixed_address: string;
  vrf: string;
  direction: string;
}
export interface Port {
  uuid: string;
  fq_name: string;
  vrf: string;
  network_uuid: string;
  network_fq_name: string;
  mac: string;
  addresses: string[];
  acls: string[];
  network_acl: string;
  floating_ips: FloatingIp[];
}
export interface Vrf {
  name: string;
  network_uuid: string;
  network_fq_name: string;
  network_id: number;
  vxlan_id: number;
  import_route_targets: string[];
  export_route_targets: string[];
}
export interface NextHop {
  address: string;
  label: number;
  vni: number;
  encapsulations: string[];
  node: string;
  data_port: number;
}
export interface Route {
  vrf: string;
  prefix: string;
  next_hops: NextHop[];
  source: string;
  why: string[];
  port_uuid: string;
}
export interface RouteKey {
  vrf: string;
  prefix: string;
}
export interface PortRange {
  start: number;
  end: number;
}
export interface AclEntry {
  rule_uuid: string;
  action: "pass" | "deny" | string;
  protocol: string;
  src: string[];
  dst: string[];
  src_ports: PortRange[];
  dst_ports: PortRange[];
  direction: string;
  origin: string;
}
export interface Acl {
  name: string;
  entries: AclEntry[];
  default_action: string;
  why: string[];
}
export interface TraceRequest {
  id: string;
  port_uuid: string;
  dst: string;
  protocol: string;
  src_port: number;
  dst_port: number;
  src: string;
  /** "from outside": the packet enters this VRF as the gateway sends it */
  from_vrf?: string;
}
export interface Hop {
  node: string;
  step: string;
  detail: string;
}
export interface TraceResult {
  id: string;
  verdict: "delivered" | "dropped" | "lost" | string;
  reason: string;
  hops: Hop[];
  delivered_to: string;
  /** from_vrf traces: what became of the answer */
  reply_verdict?: string;
  reply_reason?: string;
}
export interface Stats {
  flows: number;
  packets_forwarded: string | number;
  packets_dropped: string | number;
  vrfs: number;
  routes: number;
  ports: number;
}

export interface FlowRecord {
  flow_id: string;
  start_ms: string | number;
  end_ms: string | number;
  vrf: string;
  protocol: number;
  src_ip: string;
  dst_ip: string;
  src_port: number;
  dst_port: number;
  direction: string;
  action: string;
  reason: string;
  rule_acl: string;
  rule_uuid: string;
  rule_origin: string;
  src_vmi: string;
  dst_vmi: string;
  src_vn: string;
  dst_vn: string;
  nat_src_ip: string;
  nat_dst_ip: string;
  nh_node: string;
  nh_address: string;
  encap: string;
  packets: string | number;
  bytes: string | number;
  reverse: boolean;
  first: boolean;
  status: string;
  src_vmi_name: string;
  dst_vmi_name: string;
}
export interface FlowRecords {
  node: string;
  seq: string | number;
  records: FlowRecord[];
  exported_records: string | number;
  dropped_batches: string | number;
  dropped_records: string | number;
  interval_ms: number;
}
export interface TrafficItem {
  port_uuid: string;
  protocol: string;
  src: string;
  dst: string;
  src_port: number;
  dst_port: number;
  packets: number;
  bytes_per_packet: number;
}
export interface TrafficRequest {
  id: string;
  items: TrafficItem[];
}

export type AgentMessage =
  | { msg: "hello"; hello: Hello }
  | { msg: "subscribe"; subscribe: { vrfs: string[] } }
  | { msg: "unsubscribe"; unsubscribe: { vrfs: string[] } }
  | { msg: "routes"; routes: { add: Route[]; delete: RouteKey[] } }
  | { msg: "keepalive"; keepalive: { sent_at_ms: string | number } }
  | { msg: "stats"; stats: Stats }
  | { msg: "trace_result"; trace_result: TraceResult }
  | { msg: "end_of_rib"; end_of_rib: { vrf: string } }
  | { msg: "flow_records"; flow_records: FlowRecords };

export type ControlMessage =
  | { msg: "hello_ack"; hello_ack: HelloAck }
  | { msg: "ports"; ports: { add: Port[]; delete: string[] } }
  | { msg: "vrfs"; vrfs: { add: Vrf[]; delete: string[] } }
  | { msg: "routes"; routes: { add: Route[]; delete: RouteKey[] } }
  | { msg: "acls"; acls: { set: Acl[]; delete: string[] } }
  | { msg: "end_of_rib"; end_of_rib: { vrf: string } }
  | { msg: "keepalive"; keepalive: { sent_at_ms: string | number } }
  | { msg: "trace"; trace: TraceRequest }
  | { msg: "global"; global: GlobalConfig }
  | { msg: "traffic"; traffic: TrafficRequest };

/** Sending side: fields may be omitted (proto3 defaults). */
export type Outgoing<T> = T extends { msg: infer K } ? { [P in keyof T]: P extends "msg" ? K : DeepPartial<T[P]> } : never;
type DeepPartial<T> = T extends (infer U)[] ? DeepPartial<U>[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;

/**
 * A message already encoded (a whole ControlMessage / AgentMessage, e.g. encodeRoutesMessage):
 * written to a stream as it is, so one encoding can go to many agents.
 */
export type Encoded = Buffer;

export type AgentStream = grpc.ClientDuplexStream<Outgoing<AgentMessage> | Encoded, ControlMessage>;
export type ControlStream = grpc.ServerDuplexStream<AgentMessage, Outgoing<ControlMessage> | Encoded>;

export const LOADER_OPTIONS: protoLoader.Options = { keepCase: true, longs: String, enums: String, defaults: true, arrays: true, oneofs: true };

let cached: grpc.GrpcObject | null = null;
function load(): grpc.GrpcObject {
  cached ??= grpc.loadPackageDefinition(protoLoader.loadSync(PROTO_FILE, LOADER_OPTIONS));
  return cached;
}

export interface EnrolRequest {
  token: string;
  name: string;
  certificate_request: string;
}
export interface EnrolResponse {
  certificate: string;
  ca_certificate: string;
}
type Unary<Req, Res> = (req: Req, metadata: grpc.Metadata, options: grpc.CallOptions, cb: (err: grpc.ServiceError | null, res?: Res) => void) => grpc.ClientUnaryCall;

interface ControlNodeCtor {
  new (address: string, creds: grpc.ChannelCredentials, options?: grpc.ChannelOptions): grpc.Client & {
    Session(): AgentStream;
    GetCaCertificate: Unary<Record<string, never>, { ca_certificate: string }>;
    Enrol: Unary<EnrolRequest, EnrolResponse>;
  };
  service: grpc.ServiceDefinition;
}

type Serialize = (m: unknown) => Buffer;
type Deserialize = (b: Buffer) => unknown;

/**
 * proto-loader's (de)serializers with a fast path for the volume messages (codec.ts): pre-encoded
 * Buffers pass through, route updates and the agents' flow records are encoded and decoded by hand,
 * port updates encoded by hand; everything else (hello, ACLs, traffic…) goes through proto-loader unchanged. The
 * bytes on the wire are agent.proto's either way.
 */
function fastSerialize(general: Serialize, control: boolean): Serialize {
  return (m) => {
    if (Buffer.isBuffer(m)) return m;
    const o = m as { msg?: string; routes?: { add?: Partial<Route>[]; delete?: RouteKey[] }; ports?: { add?: Partial<Port>[]; delete?: string[] }; flow_records?: Partial<FlowRecords> };
    if (o.msg === "routes" && o.routes) return encodeRouteUpdate(o.routes);
    // only ControlMessage has `ports` (field 2); AgentMessage's field 2 is subscribe
    if (control && o.msg === "ports" && o.ports) return encodePortsMessage(o.ports);
    // AgentMessage's field 9 is flow_records (ControlMessage's is global)
    if (!control && o.msg === "flow_records" && o.flow_records) return encodeFlowRecordsMessage(o.flow_records) ?? general(m);
    return general(m);
  };
}
function fastDeserialize(general: Deserialize, control: boolean): Deserialize {
  // one decoder per process: its string slots only make repeated strings cheaper, they hold no stream state
  const decoder = new RouteDecoder();
  const flows = control ? null : new FlowRecordsDecoder();
  return (b) => {
    const routes = decoder.decodeRoutesMessage(b);
    if (routes) return { msg: "routes", routes };
    const flowRecords = flows?.decode(b);
    return flowRecords ? { msg: "flow_records", flow_records: flowRecords } : general(b);
  };
}

let service: ControlNodeCtor | null = null;
export function controlNodeService(): ControlNodeCtor {
  if (service) return service;
  const pkg = load() as unknown as { weft: { agent: { v1: { ControlNode: ControlNodeCtor } } } };
  const loaded = pkg.weft.agent.v1.ControlNode.service;
  const def: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  for (const [name, m] of Object.entries(loaded)) {
    // the enrolment calls are small and rare: proto-loader's (de)serializers as they are
    if (name !== "Session") {
      def[name] = m as grpc.MethodDefinition<unknown, unknown>;
      continue;
    }
    def[name] = {
      ...m,
      requestSerialize: fastSerialize(m.requestSerialize as Serialize, false),
      requestDeserialize: fastDeserialize(m.requestDeserialize as Deserialize, false),
      responseSerialize: fastSerialize(m.responseSerialize as Serialize, true),
      responseDeserialize: fastDeserialize(m.responseDeserialize as Deserialize, true),
    };
  }
  service = grpc.makeClientConstructor(def as grpc.ServiceDefinition, "weft.agent.v1.ControlNode") as unknown as ControlNodeCtor;
  return service;
}

/**
 * Channel options both ends use: HTTP/2 pings every 5 s so a dead peer's connection goes, but a
 * generous wait for their answer (20 s, past the hold time): a control node whose event loop is
 * busy for a few seconds answers pings late, and that must not drop a thousand agent sessions at
 * once — the agent protocol's own hold timer decides when a session is dead.
 */
export const CHANNEL_OPTIONS: grpc.ChannelOptions = {
  "grpc.keepalive_time_ms": 5_000,
  "grpc.keepalive_timeout_ms": 20_000,
  "grpc.keepalive_permit_without_calls": 1,
  "grpc.max_receive_message_length": 64 * 1024 * 1024,
  "grpc.max_send_message_length": 64 * 1024 * 1024,
  // channelz stays on: with "grpc.enable_channelz": 0, grpc-js's Server.forceShutdown no longer
  // closes the open HTTP/2 sessions, so agents noticed a stopped control node only at the hold
  // time (tests/agent/flow-export-backpressure.test.ts caught it)
  // A route dump is ~100 KiB per agent and many agents of one process share a connection: with
  // HTTP/2's default 64 KiB window every window's worth waits for both event loops (agent side).
  "grpc-node.flow_control_window": 16 * 1024 * 1024,
};

export { grpc };
export { encodeFlowRecordsMessage, encodePortsMessage, encodeRoute, encodeRoutesMessage, encodeRouteUpdate, FlowRecordsDecoder, RouteDecoder } from "./codec.ts";
