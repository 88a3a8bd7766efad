// The infrastructure view: the control node, compute nodes with their agent sessions and ports,
// BGP peers with their sessions.
import type { Engine } from "../engine";
import { portLabels } from "../model/types";
import { bgpRouters, computeNodes, controlNodeStatus } from "../control/views";
import { type TopologyEdge, type TopologyGroup, type TopologyModel, type TopologyNode, nodeIds, toneOfAgent, toneOfBgp } from "./types";


export function infrastructure(e: Engine): TopologyModel {
  const nodes: TopologyNode[] = [];
  const edges: TopologyEdge[] = [];
  const ctl = controlNodeStatus(e);
  const control = nodeIds.control(ctl.name);
  const local = bgpRouters(e).find((r) => r.isLocal);
  nodes.push({
    id: control,
    kind: "control-node",
    label: ctl.name,
    state: "Up",
    tone: "ok",
    detail: `AS ${ctl.autonomousSystem} · ${ctl.routes} routes`,
    href: "/infrastructure/control-nodes",
    fields: {
      "Agents up": `${ctl.agentsUp} / ${ctl.agentsTotal}`,
      "Routing instances": ctl.routingInstances,
      Routes: ctl.routes,
      Paths: ctl.paths,
      "Agent port": ctl.agentPort,
      ...(local ? { BGP: `${local.session.state}${local.address ? ` on ${local.address}:${local.port}` : ""}` } : { BGP: "not configured" }),
    },
  });

  const computes = computeNodes(e);
  for (const c of computes) {
    const id = nodeIds.compute(c.name);
    const state = c.state === "Up" ? "Up" : c.everConnected ? "Down" : "Never connected";
    nodes.push({
      id,
      kind: "compute-node",
      label: c.name,
      state,
      tone: toneOfAgent(c.state),
      detail: `${c.address || "no address"} · ${c.ports} port${c.ports === 1 ? "" : "s"}`,
      href: `/infrastructure/compute-nodes/${encodeURIComponent(c.name)}`,
      fields: {
        Address: c.address || "—",
        Ports: c.ports,
        VRFs: c.vrfs.length,
        "Routes announced": c.announced,
        ...(c.stats ? { "Routes in vRouter": c.stats.routes, Flows: c.stats.flows } : {}),
        Flaps: c.flaps,
        ...(c.agentVersion ? { Agent: c.agentVersion } : {}),
        ...(c.disconnectedAt && c.state !== "Up" ? { "Down since": c.disconnectedAt } : {}),
      },
    });
    edges.push({
      id: `agent-session:${c.name}`,
      kind: "agent-session",
      source: control,
      target: id,
      state,
      tone: toneOfAgent(c.state),
      routes: c.announced,
      href: `/infrastructure/compute-nodes/${encodeURIComponent(c.name)}`,
      label: c.state === "Up" ? `${c.vrfs.length} VRFs · ${c.announced} routes` : state,
      fields: { Session: state, VRFs: c.vrfs.length, "Routes announced": c.announced, Subscriptions: c.subscriptions.length },
    });
  }

  // ports where they run, inside their compute node
  const known = new Set(computes.map((c) => c.name));
  const vmiByUuid = new Map(e.config.list("virtual-machine-interface").map((v) => [v.uuid, v]));
  for (const p of [...e.compiler.state.ports.values()].sort((a, b) => a.fqName.localeCompare(b.fqName))) {
    if (!p.host || !known.has(p.host)) continue;
    const up = e.control.agents.get(p.host)?.state === "Up";
    const labels = portLabels(vmiByUuid.get(p.uuid));
    nodes.push({
      id: nodeIds.port(p.uuid),
      kind: "port",
      label: p.fqName.split(":").pop() ?? p.uuid,
      ...(labels ? { labels } : {}),
      parent: nodeIds.compute(p.host),
      fqName: p.fqName,
      state: up ? "Active" : "Host down",
      tone: up ? "ok" : "danger",
      detail: p.addresses.join(", ") || "no address",
      href: `/overlay/ports/${p.uuid}`,
      fields: { "FQ name": p.fqName, Network: p.networkFqName, Addresses: p.addresses.join(", ") || "—", VRF: p.vrf },
    });
  }

  for (const r of bgpRouters(e)) {
    if (r.isLocal) continue;
    const s = r.session as { state: string; stateReason?: string; received?: number; advertised?: number; uptimeSeconds?: number | null; lastError?: string | null };
    const id = nodeIds.bgp(r.uuid);
    nodes.push({
      id,
      kind: "bgp-router",
      label: r.name,
      state: s.state,
      tone: toneOfBgp(s.state),
      detail: `${r.address} · AS ${r.asn ?? "?"}`,
      href: `/infrastructure/bgp-routers/${r.uuid}`,
      fields: {
        Address: `${r.address}:${r.port}`,
        ASN: r.asn ?? "—",
        Vendor: r.vendor || "—",
        Session: s.state,
        ...(s.stateReason ? { Reason: s.stateReason } : {}),
        ...(s.lastError ? { "Last error": s.lastError } : {}),
        ...(s.received !== undefined ? { Received: s.received, Advertised: s.advertised ?? 0 } : {}),
      },
    });
    if (r.peeredWithLocal) {
      edges.push({
        id: `bgp-session:${r.uuid}`,
        kind: "bgp-session",
        source: control,
        target: id,
        state: s.state,
        tone: toneOfBgp(s.state),
        routes: s.received ?? 0,
        href: `/infrastructure/bgp-routers/${r.uuid}`,
        label: s.state === "Established" ? `${s.received ?? 0} rcvd · ${s.advertised ?? 0} adv` : s.state,
        fields: { Session: s.state, Received: s.received ?? 0, Advertised: s.advertised ?? 0 },
      });
    }
  }

  const groups: TopologyGroup[] = [
    { id: "control-node", label: "Control nodes", nodes: 1 },
    { id: "compute-node", label: "Compute nodes", nodes: computes.length },
    { id: "bgp-router", label: "BGP peers", nodes: nodes.filter((n) => n.kind === "bgp-router").length },
  ];
  // large graphs fold ports inside their compute node the same way (shapeTopology)
  return { view: "infrastructure", nodes, edges, groups, aggregated: [], stats: { nodes: 0, edges: 0, buildMs: 0 } };
}
