// The alarm rules' snapshot, read from the engine's live state: the control node, the agents'
// sessions, the BGP peers' sessions, the flow collector, and IPAM's pool usage.
import type { Engine } from "../engine";
import { bgpRouters, computeNodes } from "../control/views";
import { fqString } from "../model/types";
import type { AlarmInputs } from "./rules";
import type { Actor } from "../config/api";
import { WeftError } from "../model/errors";

export function alarmInputs(e: Engine): AlarmInputs {
  const collector = e.analytics.collector.snapshot();
  const exportByNode = new Map(collector.nodes.map((n) => [n.node, n]));
  const routers = bgpRouters(e);
  return {
    at: Date.now(),
    controlNode: {
      name: e.control.name,
      bgpEnabled: !!e.compiler.state.bgp.local && routers.some((r) => r.isLocal),
      bgpListening: !!e.control.bgp.speaker,
      bgpError: e.control.bgp.lastError,
    },
    computeNodes: computeNodes(e).map((n) => ({
      name: n.name,
      configured: n.configured,
      state: n.state,
      everConnected: n.everConnected,
      agentDroppedRecords: exportByNode.get(n.name)?.agentDroppedRecords ?? 0,
      collectorDropped: exportByNode.get(n.name)?.collectorDropped ?? 0,
    })),
    bgpPeers: routers
      .filter((r) => !r.isLocal && r.peeredWithLocal && e.control.bgp.speaker)
      .map((r) => {
        const s = r.session as { state: string; stateReason?: string | null; lastError?: string | null };
        return { uuid: r.uuid, name: r.name, fqName: fqString(r.fq_name), address: r.address, adminDown: r.adminDown, state: s.state, stateReason: s.stateReason ?? null, lastError: s.lastError ?? null };
      }),
    collector: { queued: collector.queued, dropped: collector.dropped, insertErrors: collector.insertErrors, lastError: collector.lastError },
    networks: e.config
      .addressUsage()
      .filter((n) => n.subnets.length)
      .map((n) => ({ uuid: n.networkUuid, fqName: fqString(n.fq_name), subnets: n.subnets })),
  };
}

/**
 * Acknowledges an alarm for a caller: viewers may not; an operator may acknowledge an alarm on a
 * virtual network only in a project they hold (infrastructure alarms: any operator, who runs the
 * fabric with the admin).
 */
export function acknowledgeAlarm(e: Engine, req: { table: string; name: string; type: string; token: string }, actor: Actor) {
  if (actor.role === "viewer") throw new WeftError("forbidden", `${actor.email} has the viewer role: acknowledging an alarm needs the operator or admin role`);
  if (actor.role !== "admin" && req.table === "virtual-network") {
    const vn = e.config.getByFqName("virtual-network", req.name.split(":"));
    const project = vn ? e.config.projectOf(vn) : undefined;
    if (!project || !(actor.projectUuids ?? []).includes(project.uuid)) throw new WeftError("forbidden", `${actor.email} may not acknowledge alarms of ${req.name}: not in one of their projects`);
  }
  return e.alarms.acknowledge(req, actor.email);
}
