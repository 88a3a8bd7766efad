// The data plane behind the agent: it takes packets at local ports and from the tunnel, runs
// the pipeline (flow table, ACLs, NAT, FIB, ECMP, encapsulation) over the state the agent keeps
// (AgentState) and counts what it forwarded and dropped. `sim` moves packets over UDP between
// agents; a Linux data plane (namespaces, VRF devices, nftables) can implement the same shape.
import type { Hop, TraceRequest, TraceResult } from "../../protocol/index.ts";
import type { FlowEntry } from "../flow-table.ts";
import type { Tuple } from "../packet.ts";
import type { AgentState } from "../state.ts";

export interface PacketResult {
  /** delivered / dropped / lost; `forward()` also answers "sent" for a packet tunnelled without waiting. */
  verdict: "delivered" | "dropped" | "lost" | "sent";
  reason: string;
  hops: Hop[];
  /** Port fq_name the packet reached. */
  delivered_to: string;
  /** Whether the first packet created a flow (false: it hit an existing one). */
  flowCreated?: boolean;
}

export interface DataPlaneStats {
  flows: number;
  flowsCreated: number;
  flowsAged: number;
  flowsFlushed: number;
  packetsForwarded: number;
  packetsDropped: number;
  packetsReceived: number;
  decodeErrors: number;
  pendingReplies: number;
}

export interface DataPlaneOptions {
  /** Flow idle timeout, ms (default 180 000). */
  flowIdleMs?: number;
  maxFlows?: number;
  /** How long to wait for the far end's answer before the verdict is "lost" (default 1000 ms). */
  replyTimeoutMs?: number;
  log?: (line: string) => void;
  /** How tunnel datagrams travel (default: a UDP socket on the agent's address). */
  transport?: import("./transport.ts").DatagramTransport;
}

export interface DataPlane {
  readonly kind: string;
  /** Binds the tunnel endpoint; returns the data port actually bound (useful when 0 was asked). */
  start(): Promise<number>;
  stop(): Promise<void>;
  /** A packet enters at a local port and is followed to its end (waits for the far end's answer). */
  inject(portUuid: string, t: Tuple, opts?: { trace?: boolean; size?: number }): Promise<PacketResult>;
  /** Fast path for traffic: no hops, no waiting; a tunnelled packet answers "sent". */
  forward(portUuid: string, t: Tuple, size?: number): PacketResult;
  /** TraceRequest from the control node → TraceResult. */
  trace(req: TraceRequest): Promise<TraceResult>;
  flows(): FlowEntry[];
  flushFlows(): number;
  stats(): DataPlaneStats;
}

export type DataPlaneFactory = (state: AgentState, opts: DataPlaneOptions) => DataPlane;
