// Read models of the controller's live state for the console and the REST API: control node,
// compute nodes (virtual routers + agent sessions), routing instances and their routes,
// route targets. Everything comes from the engine's real state.
import type { Engine } from "../engine";
import type { RoutingInstance } from "../compiler/types";
import type { BestRoute } from "./rib";
import { derivedUuid } from "../compiler/compile";
import { fqString } from "../model/types";

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
      /** a compute node the lab runs: whether its agent was stopped from the console */
      lab: e.lab?.nodes.some((l) => l.name === name) ? { stopped: !!e.lab.nodes.find((l) => l.name === name)?.held } : null,
      // trust (issue 14): the certificate the node holds, and what was refused from it
      enrolled: vr ? e.trust.certificatesOf(vr.uuid).some((c) => !c.revokedAt && c.notAfter.getTime() > Date.now()) : false,
      certSerial: s?.certSerial ?? "",
      peer: s?.peer ?? "",
      duplicateSession: s?.duplicate ? { at: iso(s.duplicate.at), peer: s.duplicate.peer, outcome: s.duplicate.outcome } : null,
      duplicateSessions: s?.duplicates ?? 0,
      refusedRoutes: s?.refusedRoutes ?? 0,
      refusedFlowRecords: s?.refusedFlowRecords ?? 0,
      refusals: (s?.refusals ?? []).map((r) => ({ at: iso(r.at), what: r.what, peer: r.peer })),
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

// ------------------------------------------------------------ BGP routers

const FAMILY_NAMES: Record<string, string> = { "ipv4-unicast": "inet", "l3vpn-ipv4-unicast": "inet-vpn" };

export function bgpRouters(e: Engine) {
  const compiled = e.compiler.state.bgp;
  const status = new Map(e.control.bgp.peerStatus().map((s) => [s.address, s]));
  return e.config.list("bgp-router").map((o) => {
    const p = (o.bgp_router_parameters ?? {}) as Record<string, unknown> & { address?: string; router_type?: string };
    const isLocal = compiled.local?.uuid === o.uuid;
    const peer = compiled.peers.find((x) => x.uuid === o.uuid);
    const s = p.address ? status.get(p.address) : undefined;
    return {
      uuid: o.uuid,
      name: o.name,
      fq_name: o.fq_name,
      routerType: p.router_type ?? "router",
      vendor: (p.vendor as string) ?? "",
      address: p.address ?? "",
      identifier: (p.identifier as string) ?? "",
      asn: (p.autonomous_system as number) ?? null,
      port: (p.port as number) ?? 179,
      holdTime: (p.hold_time as number) ?? 90,
      families: ((p.address_families as { family?: string[] } | undefined)?.family ?? []) as string[],
      adminDown: !!p.admin_down,
      isLocal,
      peeredWithLocal: !!peer,
      session: isLocal
        ? {
            state: e.control.bgp.speaker ? "Listening" : "Disabled",
            listen: e.control.bgp.speaker?.address() ?? null,
            lastError: e.control.bgp.lastError,
            exported: e.control.bgp.exportedCount(),
            // connections from addresses that are no configured peer: Cease / Connection Rejected (RFC 4486)
            rejectedConnections: e.control.bgp.speaker?.stats().rejectedConnections ?? 0,
            lastRejected: e.control.bgp.speaker?.stats().lastRejected?.address ?? null,
          }
        : s
          ? {
              state: s.state,
              stateReason: s.stateReason,
              uptimeSeconds: s.uptimeMs ? Math.round(s.uptimeMs / 1000) : null,
              flaps: s.flapCount,
              lastError: s.lastError ? describeLastError(s.lastError) : null,
              received: s.prefixes.received,
              accepted: s.prefixes.accepted,
              advertised: s.prefixes.advertised,
              negotiatedFamilies: (s.negotiated?.families ?? []).map((f) => FAMILY_NAMES[f] ?? f),
              holdTime: s.negotiated?.holdTime ?? null,
              remoteRouterId: s.remoteRouterId,
              type: s.type,
              // RFC 7606 outcomes of the peer's UPDATEs, and routes set aside (AS loop, own
              // ORIGINATOR_ID / CLUSTER_ID): what the speaker did with what the peer sent
              rfc7606: { ...s.malformed, lastAt: s.malformed.lastAt ? new Date(s.malformed.lastAt).toISOString() : null },
              ignored: s.ignored,
            }
          : peer
            ? { state: "Idle", stateReason: e.control.bgp.speaker ? "not started yet" : "the control node's BGP speaker is not running" }
            : { state: "Not peered", stateReason: "no bgp_router_refs between this router and the control node" },
    };
  });
}

function describeLastError(err: unknown): string {
  if (!err) return "";
  if (typeof err === "string") return err;
  const o = err as { text?: string; message?: string; description?: string; direction?: string; at?: number };
  const text = o.text ?? o.description ?? o.message ?? JSON.stringify(err);
  return o.direction ? `${text} (${o.direction})` : text;
}

/** Routes received from and advertised to one peer, searchable. */
export function bgpPeerRoutes(e: Engine, address: string, search?: string) {
  const sp = e.control.bgp.speaker;
  if (!sp) return { received: [], advertised: [] };
  const q = search?.toLowerCase();
  const keep = (text: string) => !q || text.toLowerCase().includes(q);
  const received: { family: string; prefix: string; rd: string | null; labels: number[]; nextHop: string; communities: string[]; localPref: number | null; asPath: string }[] = [];
  const advertised: typeof received = [];
  for (const fam of ["l3vpn-ipv4-unicast", "ipv4-unicast"] as const) {
    for (const p of sp.adjRibIn(address, fam)?.values() ?? []) {
      const row = {
        family: FAMILY_NAMES[fam],
        prefix: p.prefix,
        rd: p.rd ?? null,
        labels: [...(p.labels ?? [])],
        nextHop: p.attrs.nextHop ?? "",
        communities: [...(p.attrs.extendedCommunities ?? []), ...(p.attrs.communities ?? [])],
        localPref: p.attrs.localPref ?? null,
        asPath: (p.attrs.asPath ?? []).map((s) => s.asns.join(" ")).join(" "),
      };
      if (keep(`${row.prefix} ${row.rd} ${row.nextHop} ${row.communities.join(" ")}`)) received.push(row);
    }
    for (const route of sp.adjRibOut(address, fam)) {
      const row = {
        family: FAMILY_NAMES[fam],
        prefix: route.prefix,
        rd: route.rd ?? null,
        labels: [...(route.labels ?? [])],
        nextHop: route.attrs.nextHop ?? "",
        communities: [...(route.attrs.extendedCommunities ?? []), ...(route.attrs.communities ?? [])],
        localPref: route.attrs.localPref ?? null,
        asPath: (route.attrs.asPath ?? []).map((s) => s.asns.join(" ")).join(" "),
      };
      if (keep(`${row.prefix} ${row.rd} ${row.nextHop} ${row.communities.join(" ")}`)) advertised.push(row);
    }
  }
  const byPrefix = (a: { prefix: string }, b: { prefix: string }) => a.prefix.localeCompare(b.prefix, undefined, { numeric: true });
  return { received: received.sort(byPrefix), advertised: advertised.sort(byPrefix) };
}

/** Warnings for a BGP router form before saving: what would keep the session from coming up. */
export function bgpRouterWarnings(e: Engine, form: { asn?: number; families?: string[]; address?: string; authKey?: string }) {
  const local = e.compiler.state.bgp.local;
  const out: { field: string; message: string }[] = [];
  if (!local) return [{ field: "", message: "this control node has no control-node bgp-router: BGP is not configured here" }];
  if (form.families && !form.families.some((f) => local.families.includes(f))) {
    out.push({ field: "address_families", message: `no address family in common with the control node (${local.families.join(", ")}): the session would carry nothing` });
  }
  const unsupported = (form.families ?? []).filter((f) => !["inet", "inet-vpn"].includes(f));
  if (unsupported.length) out.push({ field: "address_families", message: `${unsupported.join(", ")}: not carried by Weft's speaker (it runs inet and inet-vpn)` });
  if (form.asn !== undefined && form.asn !== local.asn) {
    out.push({ field: "autonomous_system", message: `ASN ${form.asn} differs from the control node's ${local.asn}: this is an eBGP session; the gateway must be configured with peer AS ${local.asn}` });
  }
  if (form.address && form.address === local.address) out.push({ field: "address", message: "this is the control node's own address" });
  if (form.authKey) out.push({ field: "auth_data", message: "TCP MD5 is not supported (Node.js cannot set TCP_MD5SIG without native code): the session would not authenticate" });
  return out;
}
