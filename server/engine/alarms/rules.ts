// The alarm rules: pure functions from a snapshot of the engine's live state (and the snapshot of
// a minute ago, for counters) to the conditions that hold now. Names follow Contrail's alarm
// types where Contrail has one (NodeStatus, BgpConnectivity, ProcessStatus: contrail-alarm-gen's
// built-in rules) and its UVE tables (vrouter, control-node, bgp-peer, analytics-node,
// virtual-network). Severity as Contrail numbers it: 0 critical, 1 major, 2 minor.

export type AlarmTable = "vrouter" | "control-node" | "bgp-peer" | "analytics-node" | "virtual-network";

export interface AlarmInputs {
  at: number;
  controlNode: { name: string; bgpEnabled: boolean; bgpListening: boolean; bgpError: string | null };
  computeNodes: {
    name: string;
    configured: boolean;
    state: "Up" | "Down";
    everConnected: boolean;
    /** flow records the agent dropped (its export queue overflowed or the session was down), cumulative */
    agentDroppedRecords: number;
    /** flow records the collector dropped for this node (the store fell behind), cumulative */
    collectorDropped: number;
  }[];
  bgpPeers: { uuid: string; name: string; fqName: string; address: string; adminDown: boolean; state: string; stateReason: string | null; lastError: string | null }[];
  collector: { queued: number; dropped: number; insertErrors: number; lastError: string };
  networks: { uuid: string; fqName: string; subnets: { cidr: string; total: number; used: number }[] }[];
}

export interface AlarmCondition {
  table: AlarmTable;
  /** the UVE key: the object's name (node name, FQ name) */
  name: string;
  type: string;
  severity: 0 | 1 | 2;
  description: string;
  /** the console page that explains it */
  href: string;
  /** the condition must hold this long before the alarm is raised (a reconnecting agent is not an alarm) */
  forMs: number;
}

/** Queued flow records above which the flow store is called behind. */
export const COLLECTOR_BACKLOG_ROWS = 100_000;
/** A subnet's allocation pools are called nearly full above this share. */
export const POOL_USAGE_THRESHOLD = 0.9;

export function evaluate(now: AlarmInputs, before: AlarmInputs | null): AlarmCondition[] {
  const out: AlarmCondition[] = [];
  const cn = now.controlNode;
  if (cn.bgpEnabled && !cn.bgpListening) {
    out.push({
      table: "control-node",
      name: cn.name,
      type: "ProcessStatus",
      severity: 0,
      description: `the control node's BGP speaker is not running${cn.bgpError ? `: ${cn.bgpError}` : ""}`,
      href: "/infrastructure/control-nodes",
      forMs: 0,
    });
  }
  const prevNode = new Map((before?.computeNodes ?? []).map((n) => [n.name, n]));
  for (const n of now.computeNodes) {
    const href = `/infrastructure/compute-nodes/${encodeURIComponent(n.name)}`;
    if (n.configured && n.state !== "Up") {
      out.push({
        table: "vrouter",
        name: n.name,
        type: "NodeStatus",
        severity: 0,
        description: n.everConnected ? `compute node ${n.name}: its agent is disconnected from the control node` : `compute node ${n.name}: configured, but its agent never connected`,
        href,
        // an agent that was up and went away is news at once; one that never connected yet may
        // still be starting (the lab's agents at the console's start)
        forMs: n.everConnected ? 3_000 : 30_000,
      });
    }
    const p = prevNode.get(n.name);
    if (p) {
      const agent = n.agentDroppedRecords - p.agentDroppedRecords;
      const collector = n.collectorDropped - p.collectorDropped;
      if (agent > 0 || collector > 0) {
        const parts = [agent > 0 ? `the agent dropped ${agent} flow records` : "", collector > 0 ? `the collector dropped ${collector} of its flow records` : ""].filter(Boolean);
        out.push({ table: "vrouter", name: n.name, type: "FlowExportDrops", severity: 1, description: `compute node ${n.name}: ${parts.join(" and ")} in the last minute`, href, forMs: 0 });
      }
    }
  }
  for (const b of now.bgpPeers) {
    const href = `/infrastructure/bgp-routers/${b.uuid}`;
    if (b.stateReason?.startsWith("maximum prefixes")) {
      out.push({ table: "bgp-peer", name: b.fqName, type: "BgpMaxPrefix", severity: 1, description: `BGP peer ${b.name} (${b.address}): ${b.stateReason}`, href, forMs: 0 });
    } else if (!b.adminDown && b.state !== "Established") {
      out.push({
        table: "bgp-peer",
        name: b.fqName,
        type: "BgpConnectivity",
        severity: 1,
        description: `BGP peer ${b.name} (${b.address}) is ${b.state}${b.lastError ? `: ${b.lastError}` : b.stateReason ? `: ${b.stateReason}` : ""}`,
        href,
        // a session takes a connect-retry round or two to come up
        forMs: 30_000,
      });
    }
  }
  const c = now.collector;
  const dropped = before ? c.dropped - before.collector.dropped : 0;
  if (c.queued >= COLLECTOR_BACKLOG_ROWS || dropped > 0) {
    out.push({
      table: "analytics-node",
      name: cn.name,
      type: "CollectorBacklog",
      severity: 1,
      description: `the flow store is behind: ${c.queued.toLocaleString("en-US")} flow records waiting${dropped > 0 ? `, ${dropped.toLocaleString("en-US")} dropped in the last minute` : ""}${c.lastError ? ` (last store error: ${c.lastError})` : ""}`,
      href: "/monitor/flows",
      forMs: 0,
    });
  }
  for (const vn of now.networks) {
    const full = vn.subnets.filter((s) => s.total > 0 && s.used / s.total > POOL_USAGE_THRESHOLD);
    if (!full.length) continue;
    out.push({
      table: "virtual-network",
      name: vn.fqName,
      type: "AddressPoolUsage",
      severity: full.some((s) => s.used >= s.total) ? 1 : 2,
      description: `${vn.fqName}: ${full.map((s) => `${s.cidr} ${s.used} of ${s.total} pool addresses in use (${Math.floor((100 * s.used) / s.total)} %)`).join("; ")}`,
      href: `/overlay/virtual-networks/${vn.uuid}`,
      forMs: 0,
    });
  }
  return out;
}
