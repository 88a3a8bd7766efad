// The flow overlay: traffic between the model's nodes from flow analytics.
import type { Engine } from "../engine";
import { fqString } from "../model/types";
import { type TopologyView, nodeIds } from "./types";


export interface FlowEdge {
  id: string;
  source: string;
  target: string;
  bytes: number;
  flows: number;
  packets: number;
  /** bytes of denied / dropped traffic */
  deniedBytes: number;
  denied: boolean;
  /** the flows explorer's filter for this edge */
  filter: string;
}

const q = (s: string) => `"${s.replace(/"/g, '\\"')}"`;

/** flow overlay granularity: between the view's groups (networks / compute nodes) or between workloads (ports) */
export type FlowLevel = "group" | "workload";

/**
 * Traffic between the model's nodes over a time range from flow analytics, with denied bytes apart:
 * - level "group": network to network (logical) or compute node to next-hop compute node
 *   (infrastructure);
 * - level "workload": port to port (both views draw ports), from the records' source and
 *   destination VMIs; traffic to or from an address outside any port is left out.
 */
export async function flowOverlay(e: Engine, view: TopologyView, range: { from: number; to: number; projects?: string[] | null }, level: FlowLevel = "group"): Promise<FlowEdge[]> {
  const logicalView = view === "logical";
  const workload = level === "workload";
  const [a, b] = workload ? (["src_vmi", "dst_vmi"] as const) : logicalView ? (["src_vn", "dst_vn"] as const) : (["node", "nh_node"] as const);
  // the answer of an allowed flow is its own record (reverse = true): counting it would draw every
  // conversation twice, once each way
  const res = await e.analytics.aggregate({ ...range, groupBy: [a, b, "action"], metric: "bytes", limit: workload ? 5000 : 2000, filter: logicalView || workload ? "reverse = false" : "" });
  let idOf: (k: string) => string | undefined;
  if (workload) {
    const portId = new Map<string, string>();
    for (const p of e.compiler.state.ports.values()) portId.set(p.fqName, nodeIds.port(p.uuid));
    idOf = (k) => portId.get(k);
  } else if (logicalView) {
    const vnId = new Map(e.config.list("virtual-network").map((v) => [fqString(v.fq_name), nodeIds.network(v.uuid)]));
    idOf = (k) => vnId.get(k);
  } else idOf = (k) => (k ? nodeIds.compute(k) : undefined);
  const out = new Map<string, FlowEdge>();
  for (const r of res.rows) {
    const src = String(r.key[a] ?? "");
    const dst = String(r.key[b] ?? "");
    const s = idOf(src);
    // infrastructure, by node: no next hop = delivered on the same node
    const t = idOf(dst) ?? (logicalView || workload ? undefined : s);
    if (!s || !t) continue;
    const id = `flow:${s}:${t}`;
    const cur = out.get(id) ?? { id, source: s, target: t, bytes: 0, flows: 0, packets: 0, deniedBytes: 0, denied: false, filter: `${a} = ${q(src)} AND ${b} = ${q(dst)}` };
    const pass = r.key.action === "pass";
    cur.bytes += r.bytes;
    cur.flows += r.flows;
    cur.packets += r.packets;
    if (!pass) cur.deniedBytes += r.bytes || r.packets;
    cur.denied = cur.deniedBytes > 0 && cur.deniedBytes >= cur.bytes / 2;
    out.set(id, cur);
  }
  return [...out.values()];
}
