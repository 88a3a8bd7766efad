// Read models of the controller's live state for the console and the REST API: control node,
// compute nodes (virtual routers + agent sessions), routing instances and their routes,
// route targets. Everything comes from the engine's real state.
import type { Engine } from "./engine";
import type { RoutingInstance } from "./compiler/types";
import type { BestRoute } from "./control/rib";
import { derivedUuid } from "./compiler/compile";
import { fqString } from "./model/types";

const iso = (t: number | null | undefined) => (t ? new Date(t).toISOString() : null);

export function controlNodeStatus(e: Engine) {
  const agents = [...e.control.agents.values()];
  return {
    name: e.control.name,
    startedAt: new Date(e.control.startedAt).toISOString(),
    uptimeSeconds: Math.round((Date.now() - e.control.startedAt) / 1000),
    agentPort: e.control.listenPort,
    holdTimeSeconds: e.control.holdTime,
    agentsUp: agents.filter((a) => a.state === "Up").length,
    agentsTotal: agents.length,
    routingInstances: e.compiler.state.instances.size,
    paths: e.control.rib.pathCount,
    routes: [...e.control.rib.tables.values()].reduce((n, t) => n + t.size, 0),
    autonomousSystem: e.compiler.state.globals.autonomousSystem,
    encapsulationPriority: e.compiler.state.globals.encapsulationPriority,
    compiledSeq: e.compiler.compiledSeq,
    configSeq: e.config.lastSeq,
    sessions: agents.map((a) => ({
      name: a.name,
      state: a.state,
      address: a.address,
      connectedAt: iso(a.connectedAt),
      subscriptions: a.subscriptions.size,
      announced: a.announced,
    })),
  };
}

export function computeNodes(e: Engine) {
  const routers = e.config.list("virtual-router");
  const names = new Set([...routers.map((r) => r.name), ...e.control.agents.keys()]);
  const portsByHost = new Map<string, number>();
  for (const p of e.compiler.state.ports.values()) if (p.host) portsByHost.set(p.host, (portsByHost.get(p.host) ?? 0) + 1);
  return [...names].sort().map((name) => {
    const vr = routers.find((r) => r.name === name);
    const s = e.control.agents.get(name);
    return {
      name,
      uuid: vr?.uuid ?? null,
      fq_name: vr?.fq_name ?? null,
      configuredAddress: (vr?.virtual_router_ip_address as string | undefined) ?? null,
      address: s?.address || ((vr?.virtual_router_ip_address as string | undefined) ?? ""),
      state: s?.state ?? ("Down" as const),
      everConnected: !!s,
      connectedAt: iso(s?.connectedAt),
      disconnectedAt: iso(s?.disconnectedAt),
      lastSeen: iso(s?.lastSeen),
      lastResync: iso(s?.lastResync),
      flaps: s?.flaps ?? 0,
      encapsulations: s?.encapsulations ?? [],
      agentVersion: s?.agentVersion ?? "",
      dataPort: s?.dataPort ?? 0,
      ports: portsByHost.get(name) ?? 0,
      vrfs: s ? [...s.sentVrfs].sort() : [],
      subscriptions: s ? [...s.subscriptions].sort() : [],
      announced: s?.announced ?? 0,
      stats: s?.stats
        ? {
            flows: s.stats.flows,
            packetsForwarded: Number(s.stats.packets_forwarded),
            packetsDropped: Number(s.stats.packets_dropped),
            vrfs: s.stats.vrfs,
            routes: s.stats.routes,
            ports: s.stats.ports,
          }
        : null,
      configured: !!vr,
    };
  });
}

export function computeNodePorts(e: Engine, name: string) {
  return e.compiler.portsOnHost(name).map((p) => ({
    uuid: p.uuid,
    fqName: p.fqName,
    network: p.networkFqName,
    vrf: p.vrf,
    mac: p.mac,
    addresses: p.addresses,
    acls: p.acls,
    floatingIps: p.floatingIps.map((f) => f.address),
  }));
}

function instanceView(e: Engine, ri: RoutingInstance) {
  return {
    uuid: ri.uuid,
    name: ri.name,
    fq_name: ri.fq_name,
    network: fqString(ri.networkFqName),
    networkUuid: ri.networkUuid,
    networkId: ri.networkId,
    vxlanId: ri.vxlanId,
    routeTarget: ri.routeTarget,
    importTargets: ri.importTargets,
    exportTargets: ri.exportTargets,
    imports: ri.imports,
    why: ri.why,
    routes: e.control.rib.tables.get(ri.name)?.size ?? 0,
  };
}

export function routingInstances(e: Engine, search?: string) {
  const q = search?.toLowerCase();
  return [...e.compiler.state.instances.values()]
    .filter((ri) => !q || ri.name.toLowerCase().includes(q) || ri.importTargets.some((t) => t.includes(q)))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((ri) => instanceView(e, ri));
}

export function routingInstance(e: Engine, idOrName: string) {
  const ri = [...e.compiler.state.instances.values()].find((r) => r.uuid === idOrName || r.name === idOrName);
  return ri ? instanceView(e, ri) : null;
}

export function routeView(r: BestRoute) {
  return {
    prefix: r.prefix,
    nextHops: r.nextHops.map((n) => ({ address: n.address, node: n.node, label: n.label, vni: n.vni, encapsulations: n.encapsulations })),
    ecmp: r.nextHops.length > 1,
    sources: [...new Set(r.paths.map((p) => p.source))],
    stale: r.paths.every((p) => p.stale),
    why: [...new Set(r.paths.flatMap((p) => p.why))],
    paths: r.paths.map((p) => ({
      source: p.source,
      origin: p.origin,
      nextHop: p.nextHop.address,
      label: p.nextHop.label,
      routeTargets: p.rts,
      localPref: p.localPref,
      stale: p.stale,
      learnedAt: new Date(p.learnedAt).toISOString(),
    })),
  };
}

export function routesOf(e: Engine, vrf: string, search?: string) {
  const table = e.control.rib.tables.get(vrf);
  const ri = [...e.compiler.state.instances.values()].find((r) => r.name === vrf);
  const q = search?.toLowerCase();
  const routes = [...(table?.values() ?? [])]
    .filter((r) => !q || r.prefix.includes(q) || r.nextHops.some((n) => n.address.includes(q) || n.node.toLowerCase().includes(q)))
    .sort((a, b) => a.prefix.localeCompare(b.prefix, undefined, { numeric: true }))
    .map((r) => {
      const v = routeView(r);
      // why it is in this instance: originated here, or imported through which route target
      const imported = r.paths
        .filter((p) => p.origin !== vrf)
        .flatMap((p) => (ri?.imports ?? []).filter((i) => p.rts.includes(i.rt)).map((i) => `imported from ${p.origin || p.source} via ${i.rt}: ${i.why}`));
      return { ...v, why: [...v.why, ...new Set(imported)] };
    });
  return routes;
}

// ------------------------------------------------------------ VNC shapes of compiled objects

export function routeTargetNames(e: Engine): string[] {
  const set = new Set<string>();
  for (const ri of e.compiler.state.instances.values()) for (const rt of [...ri.importTargets, ...ri.exportTargets]) set.add(rt);
  return [...set].sort();
}

export function vncRoutingInstance(e: Engine, ri: RoutingInstance, base: string) {
  const rts = [...new Set([...ri.importTargets, ...ri.exportTargets])];
  return {
    uuid: ri.uuid,
    name: ri.fq_name[ri.fq_name.length - 1],
    fq_name: ri.fq_name,
    parent_type: "virtual-network",
    parent_uuid: ri.networkUuid,
    parent_href: `${base}/virtual-network/${ri.networkUuid}`,
    href: `${base}/routing-instance/${ri.uuid}`,
    display_name: ri.fq_name[ri.fq_name.length - 1],
    routing_instance_is_default: true,
    route_target_refs: rts.map((rt) => {
      const imp = ri.importTargets.includes(rt);
      const exp = ri.exportTargets.includes(rt);
      const uuid = derivedUuid("route-target", rt);
      return { to: [rt], href: `${base}/route-target/${uuid}`, uuid, attr: { import_export: imp && exp ? null : imp ? "import" : "export" } };
    }),
    weft_imports: ri.imports,
    weft_why: ri.why,
  };
}

export function vncRouteTarget(e: Engine, rt: string, base: string) {
  const uuid = derivedUuid("route-target", rt);
  const backs = [...e.compiler.state.instances.values()].filter((ri) => ri.importTargets.includes(rt) || ri.exportTargets.includes(rt));
  return {
    uuid,
    name: rt,
    fq_name: [rt],
    parent_type: "config-root",
    href: `${base}/route-target/${uuid}`,
    display_name: rt,
    routing_instance_back_refs: backs.map((ri) => ({
      to: ri.fq_name,
      uuid: ri.uuid,
      href: `${base}/routing-instance/${ri.uuid}`,
      attr: { import_export: ri.importTargets.includes(rt) && ri.exportTargets.includes(rt) ? null : ri.importTargets.includes(rt) ? "import" : "export" },
    })),
  };
}
