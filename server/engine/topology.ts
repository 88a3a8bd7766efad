// Topology graph models for Monitor › Topology, built from the engine's real state: a logical view
// (projects as groups, virtual networks, their routing instances and ports, policies as edges
// between networks, floating IP pools) and an infrastructure view (control node, compute nodes with
// their agent sessions and ports, BGP peers with their sessions). Framework-free: the console draws
// the model with cytoscape, tests assert on it. Ids are stable (uuids and names), so a client can
// diff two models and keep the layout the user arranged.
import type { Engine } from "./engine";
import type { ConfigObject, Ref } from "./model/types";
import { fqString, portLabels } from "./model/types";

export { portLabels };
import type { PolicyRule } from "./model/schemas";
import { subnetsOfNetwork } from "./config/store";
import { bgpRouters, computeNodes, controlNodeStatus } from "./views";

export type TopologyView = "logical" | "infrastructure";
export const TOPOLOGY_VIEWS: TopologyView[] = ["logical", "infrastructure"];

export type TopologyTone = "ok" | "warn" | "danger" | "neutral" | "accent";

export type TopologyNodeKind =
  | "project"
  | "virtual-network"
  | "routing-instance"
  | "port"
  | "floating-ip-pool"
  | "any-network"
  | "aggregate"
  | "control-node"
  | "compute-node"
  | "bgp-router"
  // Kubernetes services / VIPs (the Kubernetes manager's objects): drawn inside their project like
  // a network, with edges to the ports behind them
  | "service";

export type TopologyEdgeKind = "policy" | "rt-import" | "fip-pool" | "floating-ip" | "agent-session" | "bgp-session" | "service-backend";

export interface TopologyNode {
  id: string;
  kind: TopologyNodeKind;
  label: string;
  /** id of the group (compound node) this node is drawn inside */
  parent?: string;
  /** the state in a word (Up, Down, Established, Active, …); the tone only reinforces it */
  state?: string;
  tone?: TopologyTone;
  /** one short line under the label: addresses, AS, counts */
  detail?: string;
  fqName?: string;
  /** console page of the object */
  href?: string;
  /** id of the project node the object belongs to (logical view) */
  project?: string;
  /** aggregate nodes: how many objects they stand for */
  count?: number;
  /** drawn because an edge from the filtered project reaches it; its own project is not shown */
  external?: boolean;
  /** ports: the workload's labels (Kubernetes pod labels, annotations `label:<k>` on the port) */
  labels?: Record<string, string>;
  /** what the detail panel lists */
  fields?: Record<string, string | number>;
}

export interface TopologyEdge {
  id: string;
  kind: TopologyEdgeKind;
  source: string;
  target: string;
  label?: string;
  state?: string;
  tone?: TopologyTone;
  /** policy edges */
  action?: "pass" | "deny";
  direction?: ">" | "<>";
  /** policy edges: false when the policy is not attached to any network (its rules do nothing) */
  attached?: boolean;
  /** routes carried (agent sessions: announced by the agent; BGP: received from the peer) */
  routes?: number;
  /** console page of what the edge stands for (the policy, the floating IP, the peer) */
  href?: string;
  fields?: Record<string, string | number>;
}

export interface TopologyGroup {
  id: string;
  label: string;
  /** nodes of the group in the full model */
  nodes: number;
}

export interface TopologyModel {
  view: TopologyView;
  nodes: TopologyNode[];
  edges: TopologyEdge[];
  /** projects (logical) or node kinds (infrastructure), for the filter */
  groups: TopologyGroup[];
  /** groups whose members were folded into one aggregate node because the graph is large */
  aggregated: string[];
  stats: { nodes: number; edges: number; buildMs: number };
}

export interface TopologyOptions {
  /** logical view: only this project's objects (plus the networks its policies reach) */
  project?: string | null;
  /** ids of networks / compute nodes whose members stay expanded whatever the size */
  expand?: string[];
  /** above this many nodes, networks with the most ports are folded into aggregate nodes */
  maxNodes?: number;
}

export const DEFAULT_MAX_NODES = 6000;

export const nodeIds = {
  project: (uuid: string) => `project:${uuid}`,
  network: (uuid: string) => `vn:${uuid}`,
  instance: (uuid: string) => `ri:${uuid}`,
  port: (uuid: string) => `port:${uuid}`,
  pool: (uuid: string) => `fip-pool:${uuid}`,
  aggregate: (groupId: string) => `agg:${groupId}`,
  control: (name: string) => `control:${name}`,
  compute: (name: string) => `compute:${name}`,
  bgp: (uuid: string) => `bgp:${uuid}`,
  service: (namespace: string, name: string) => `svc:${namespace}/${name}`,
  any: "any",
};

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V) {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const toneOfAgent = (state: string): TopologyTone => (state === "Up" ? "ok" : "danger");

export function toneOfBgp(state: string): TopologyTone {
  if (state === "Established" || state === "Listening") return "ok";
  if (state === "Not peered" || state === "Disabled") return "neutral";
  if (state === "Idle" || state === "Down") return "danger";
  return "warn"; // Connect, Active, OpenSent, OpenConfirm
}

export function buildTopology(e: Engine, view: TopologyView, opts: TopologyOptions = {}): TopologyModel {
  const t0 = performance.now();
  const m = shapeTopology(buildWholeTopology(e, view), opts);
  m.stats = { nodes: m.nodes.length, edges: m.edges.length, buildMs: Math.round((performance.now() - t0) * 10) / 10 };
  return m;
}

/** The whole view from the engine's state: no project filter, nothing folded (what the live feed caches and diffs). */
export function buildWholeTopology(e: Engine, view: TopologyView): TopologyModel {
  const t0 = performance.now();
  const m = view === "infrastructure" ? infrastructure(e) : logical(e);
  m.stats = { nodes: m.nodes.length, edges: m.edges.length, buildMs: Math.round((performance.now() - t0) * 10) / 10 };
  return m;
}

/** A whole model cut to what was asked: one project's part (logical view), large groups folded. */
export function shapeTopology(whole: TopologyModel, opts: TopologyOptions = {}): TopologyModel {
  let m = whole;
  if (m.view === "logical" && opts.project) m = onlyProject(m, nodeIds.project(opts.project.replace(/^project:/, "")));
  m = aggregate(m, opts);
  return m === whole ? { ...whole } : { ...m, stats: { ...whole.stats, nodes: m.nodes.length, edges: m.edges.length } };
}

// ------------------------------------------------------------------------------------ logical

const rulesOf = (p: ConfigObject) => ((p.network_policy_entries as { policy_rule?: PolicyRule[] } | undefined)?.policy_rule ?? []);

function logical(e: Engine): TopologyModel {
  const cfg = e.config;
  const compiled = e.compiler.state;
  const nodes: TopologyNode[] = [];
  const edges = new Map<string, TopologyEdge>();
  const byId = new Map<string, TopologyNode>();
  const add = (n: TopologyNode) => {
    if (byId.has(n.id)) return;
    byId.set(n.id, n);
    nodes.push(n);
  };

  const projects = cfg.list("project").sort((a, b) => fqString(a.fq_name).localeCompare(fqString(b.fq_name)));
  const projectOfUuid = new Map<string, string>(); // object uuid → project node id
  for (const p of projects) {
    add({ id: nodeIds.project(p.uuid), kind: "project", label: p.name, fqName: fqString(p.fq_name), href: `/infrastructure/projects/${p.uuid}`, fields: { "FQ name": fqString(p.fq_name) } });
  }

  // agents' state, for the ports' word
  const agentState = new Map<string, string>();
  for (const a of e.control.agents.values()) agentState.set(a.name, a.state);

  const vns = cfg.list("virtual-network").sort((a, b) => fqString(a.fq_name).localeCompare(fqString(b.fq_name)));
  const vnByFq = new Map<string, ConfigObject>();
  const portsOfVn = new Map<string, number>();
  for (const p of compiled.ports.values()) portsOfVn.set(p.networkUuid, (portsOfVn.get(p.networkUuid) ?? 0) + 1);
  for (const vn of vns) {
    const fq = fqString(vn.fq_name);
    vnByFq.set(fq, vn);
    const project = vn.parent_uuid ? nodeIds.project(vn.parent_uuid) : undefined;
    projectOfUuid.set(vn.uuid, project ?? "");
    const subnets = subnetsOfNetwork(vn).map((s) => `${s.subnet.ip_prefix}/${s.subnet.ip_prefix_len}`);
    const ri = compiled.instances.get(vn.uuid);
    const policies = ((vn.network_policy_refs as Ref[] | undefined) ?? []).length;
    add({
      id: nodeIds.network(vn.uuid),
      kind: "virtual-network",
      label: vn.name,
      parent: project,
      project,
      fqName: fq,
      detail: subnets.join(", ") || "no subnet",
      href: `/overlay/virtual-networks/${vn.uuid}`,
      fields: {
        "FQ name": fq,
        Subnets: subnets.join(", ") || "—",
        "Network ID": (vn.virtual_network_network_id as number) ?? "—",
        ...(ri ? { "VXLAN ID": ri.vxlanId, "Route target": ri.routeTarget } : {}),
        Ports: portsOfVn.get(vn.uuid) ?? 0,
        "Policies attached": policies,
        ...(vn.router_external ? { External: "yes" } : {}),
      },
    });
    if (ri) {
      const routes = e.control.rib.tables.get(ri.name)?.size ?? 0;
      add({
        id: nodeIds.instance(ri.uuid),
        kind: "routing-instance",
        label: ri.fq_name[ri.fq_name.length - 1],
        parent: nodeIds.network(vn.uuid),
        project,
        fqName: ri.name,
        detail: `${routes} routes · ${ri.routeTarget}`,
        href: `/overlay/routing-instances/${ri.uuid}`,
        fields: { Name: ri.name, Routes: routes, "Route target": ri.routeTarget, Imports: ri.importTargets.join(", "), Exports: ri.exportTargets.join(", ") },
      });
    }
  }

  // route-target imports that are not a policy's doing (route_target_list, import lists): the
  // policy edges already show the leaks policies cause
  const exporters = new Map<string, string[]>(); // rt → RI ids
  for (const ri of compiled.instances.values()) for (const rt of ri.exportTargets) pushTo(exporters, rt, nodeIds.instance(ri.uuid));
  for (const ri of compiled.instances.values()) {
    const me = nodeIds.instance(ri.uuid);
    for (const imp of ri.imports) {
      if (imp.rt === ri.routeTarget || imp.why.startsWith("network-policy")) continue;
      for (const from of exporters.get(imp.rt) ?? []) {
        if (from === me) continue;
        const id = `rt-import:${from}:${me}`;
        if (!edges.has(id)) edges.set(id, { id, kind: "rt-import", source: from, target: me, label: imp.rt, href: `/overlay/routing-instances/${ri.uuid}`, fields: { "Route target": imp.rt, Why: imp.why } });
      }
    }
  }

  // ports (virtual machine interfaces) inside their network, named after their workload
  const vmiByUuid = new Map(cfg.list("virtual-machine-interface").map((v) => [v.uuid, v]));
  for (const p of [...compiled.ports.values()].sort((a, b) => a.fqName.localeCompare(b.fqName))) {
    const vmi = vmiByUuid.get(p.uuid);
    const vmRef = (vmi?.virtual_machine_refs as Ref[] | undefined)?.[0];
    const workload = vmRef ? vmRef.to[vmRef.to.length - 1] : "";
    const name = vmi?.name ?? p.fqName.split(":").pop() ?? p.uuid;
    const host = p.host;
    const hostState = host ? (agentState.get(host) ?? "Down") : "";
    const state = !host ? "Unbound" : hostState === "Up" ? "Active" : "Host down";
    const project = projectOfUuid.get(p.networkUuid) || undefined;
    const labels = portLabels(vmi);
    add({
      id: nodeIds.port(p.uuid),
      kind: "port",
      label: workload || name,
      ...(labels ? { labels } : {}),
      parent: nodeIds.network(p.networkUuid),
      project,
      fqName: p.fqName,
      state,
      tone: state === "Active" ? "ok" : state === "Unbound" ? "neutral" : "danger",
      detail: p.addresses.join(", ") || "no address",
      href: `/overlay/ports/${p.uuid}`,
      fields: {
        "FQ name": p.fqName,
        ...(workload ? { Workload: workload } : {}),
        Addresses: p.addresses.join(", ") || "—",
        MAC: p.mac || "—",
        "Compute node": host || "— (not bound)",
        ...(labels ? { Labels: Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(", ") } : {}),
        ...(p.floatingIps.length ? { "Floating IPs": p.floatingIps.map((f) => f.address).join(", ") } : {}),
      },
    });
  }

  // floating IP pools: drawn beside their network, in its project; floating IPs as edges to ports
  const fipsOfPool = new Map<string, ConfigObject[]>();
  for (const f of cfg.list("floating-ip")) if (f.parent_uuid) pushTo(fipsOfPool, f.parent_uuid, f);
  for (const pool of cfg.list("floating-ip-pool")) {
    const vnId = pool.parent_uuid ? nodeIds.network(pool.parent_uuid) : "";
    const vn = byId.get(vnId);
    if (!vn) continue;
    const fips = fipsOfPool.get(pool.uuid) ?? [];
    const id = nodeIds.pool(pool.uuid);
    add({
      id,
      kind: "floating-ip-pool",
      label: pool.name,
      parent: vn.project,
      project: vn.project,
      fqName: fqString(pool.fq_name),
      detail: `${fips.length} floating IP${fips.length === 1 ? "" : "s"}`,
      href: `/overlay/floating-ips/pools/${pool.uuid}`,
      fields: { "FQ name": fqString(pool.fq_name), Network: vn.fqName ?? "", "Floating IPs": fips.length },
    });
    edges.set(`fip-pool:${pool.uuid}`, { id: `fip-pool:${pool.uuid}`, kind: "fip-pool", source: id, target: vnId, label: "pool of", href: `/overlay/floating-ips/pools/${pool.uuid}` });
    for (const fip of fips) {
      for (const r of (fip.virtual_machine_interface_refs as Ref[] | undefined) ?? []) {
        const port = nodeIds.port(r.uuid);
        if (!byId.has(port)) continue;
        const eid = `floating-ip:${fip.uuid}:${r.uuid}`;
        const address = (fip.floating_ip_address as string) ?? "";
        edges.set(eid, { id: eid, kind: "floating-ip", source: id, target: port, label: address, href: `/overlay/floating-ips/${fip.uuid}`, fields: { "Floating IP": address, Direction: (fip.floating_ip_direction as string) ?? "both" } });
      }
    }
  }

  // Kubernetes services (the kube manager's): inside their namespace's project, an edge to every
  // backend port — the VIP is a floating IP on each of them, so traffic to it is ECMP across these edges
  for (const svc of e.kube?.list({ kind: "Service" }) ?? []) {
    const project = cfg.getByFqName("project", e.kube.projectFq(svc.namespace));
    const projectId = project ? nodeIds.project(project.uuid) : undefined;
    if (!projectId || !byId.has(projectId)) continue;
    const d = svc.details as { type?: string; clusterIP?: string; externalIP?: string | null; fipPool?: string };
    const id = nodeIds.service(svc.namespace, svc.name);
    const addresses = [d.clusterIP, d.externalIP].filter(Boolean).join(", ");
    add({
      id,
      kind: "service",
      label: svc.name,
      parent: projectId,
      project: projectId,
      fqName: `${svc.namespace}/${svc.name}`,
      state: svc.status.state === "ready" ? "Ready" : svc.status.state === "error" ? "Error" : "Pending",
      tone: svc.status.state === "ready" ? "ok" : svc.status.state === "error" ? "danger" : "warn",
      detail: `${d.type ?? "ClusterIP"}${addresses ? ` ${addresses}` : ""}`,
      href: `/kubernetes/services/${encodeURIComponent(svc.namespace)}/${encodeURIComponent(svc.name)}`,
      fields: {
        Service: `${svc.namespace}/${svc.name}`,
        Type: d.type ?? "ClusterIP",
        "Cluster IP": d.clusterIP ?? "—",
        ...(d.externalIP ? { "External IP": d.externalIP, "Floating IP pool": d.fipPool ?? "" } : {}),
        Status: svc.status.message || svc.status.state,
      },
    });
    const ports = new Set<string>();
    for (const p of svc.produced) {
      if (p.type !== "floating-ip") continue;
      for (const r of (cfg.find(p.uuid)?.virtual_machine_interface_refs as Ref[] | undefined) ?? []) ports.add(r.uuid);
    }
    for (const u of ports) {
      const port = nodeIds.port(u);
      if (!byId.has(port)) continue;
      const eid = `service-backend:${svc.namespace}/${svc.name}:${u}`;
      edges.set(eid, { id: eid, kind: "service-backend", source: id, target: port, label: d.clusterIP ?? "", href: `/overlay/ports/${u}`, fields: { "Service VIP": d.clusterIP ?? "—", ...(d.externalIP ? { "External IP": d.externalIP } : {}) } });
    }
  }

  // policies: one edge per rule and pair of networks it connects
  const attachedTo = new Map<string, ConfigObject[]>(); // policy uuid → VNs
  for (const vn of vns) {
    for (const r of (vn.network_policy_refs as Ref[] | undefined) ?? []) pushTo(attachedTo, r.uuid, vn);
  }
  const endpointOf = (name: string | null | undefined, local: ConfigObject | null): string | null => {
    if (!name || name === "any") return nodeIds.any;
    if (name === "local") return local ? nodeIds.network(local.uuid) : null;
    const vn = vnByFq.get(name);
    return vn ? nodeIds.network(vn.uuid) : null;
  };
  let anyUsed = false;
  for (const pol of cfg.list("network-policy")) {
    const on = attachedTo.get(pol.uuid) ?? [];
    const contexts: (ConfigObject | null)[] = on.length ? on : [null];
    const polFq = fqString(pol.fq_name);
    rulesOf(pol).forEach((rule, i) => {
      const action = rule.action_list?.simple_action === "deny" ? "deny" : "pass";
      const direction = rule.direction === ">" ? ">" : "<>";
      const ruleKey = rule.rule_uuid || String(i);
      for (const ctx of contexts) {
        for (const s of rule.src_addresses) {
          if (s.security_group || (s.subnet && !s.virtual_network)) continue;
          for (const d of rule.dst_addresses) {
            if (d.security_group || (d.subnet && !d.virtual_network)) continue;
            const src = endpointOf(s.virtual_network, ctx);
            const dst = endpointOf(d.virtual_network, ctx);
            if (!src || !dst || src === dst) continue;
            if (src === nodeIds.any || dst === nodeIds.any) anyUsed = true;
            const id = `policy:${pol.uuid}:${ruleKey}:${src}:${dst}`;
            if (edges.has(id)) continue;
            const ports = rule.dst_ports.map((p) => (p.start_port === -1 ? "any" : p.start_port === p.end_port ? String(p.start_port) : `${p.start_port}-${p.end_port}`)).join(",");
            edges.set(id, {
              id,
              kind: "policy",
              source: src,
              target: dst,
              action,
              direction,
              attached: !!ctx,
              href: `/overlay/network-policies/${pol.uuid}`,
              state: ctx ? (action === "pass" ? "Pass" : "Deny") : "Not attached",
              tone: !ctx ? "neutral" : action === "pass" ? "ok" : "danger",
              label: action === "pass" ? "Pass" : "Deny",
              fields: {
                Policy: polFq,
                Rule: `${i + 1}: ${action} ${rule.protocol} ${s.virtual_network ?? "any"} ${direction} ${d.virtual_network ?? "any"}${ports && ports !== "any" ? ` port ${ports}` : ""}`,
                "Attached to": on.map((v) => fqString(v.fq_name)).join(", ") || "— (attach it to a network to take effect)",
              },
            });
          }
        }
      }
    });
  }
  if (anyUsed) add({ id: nodeIds.any, kind: "any-network", label: "Any network", detail: "0.0.0.0/0", fields: { Meaning: "rules with source or destination 'any'" } });

  const perProject = new Map<string, number>();
  for (const n of nodes) if (n.project) perProject.set(n.project, (perProject.get(n.project) ?? 0) + 1);
  const groups: TopologyGroup[] = projects.map((p) => ({ id: nodeIds.project(p.uuid), label: fqString(p.fq_name), nodes: perProject.get(nodeIds.project(p.uuid)) ?? 0 }));
  return { view: "logical", nodes, edges: [...edges.values()], groups, aggregated: [], stats: { nodes: 0, edges: 0, buildMs: 0 } };
}

/** Keeps one project's nodes, and the outside networks its edges reach (drawn as external). */
function onlyProject(m: TopologyModel, project: string): TopologyModel {
  const keep = new Map<string, TopologyNode>();
  for (const n of m.nodes) if (n.id === project || n.project === project) keep.set(n.id, n);
  const all = new Map(m.nodes.map((n) => [n.id, n]));
  const edges: TopologyEdge[] = [];
  for (const ed of m.edges) {
    const s = keep.has(ed.source);
    const t = keep.has(ed.target);
    if (!s && !t) continue;
    for (const end of [ed.source, ed.target]) {
      if (keep.has(end)) continue;
      const n = all.get(end);
      if (!n || (n.kind !== "virtual-network" && n.kind !== "any-network")) continue;
      keep.set(end, { ...n, parent: undefined, external: n.kind === "virtual-network", label: n.fqName ?? n.label });
    }
    if (keep.has(ed.source) && keep.has(ed.target)) edges.push(ed);
  }
  return { ...m, nodes: [...keep.values()], edges };
}

/**
 * Large graphs: fold the ports of the networks with the most ports into one aggregate node per
 * network until the graph is under maxNodes (networks named in `expand` stay open). Edges to a
 * folded port move to its aggregate.
 */
function aggregate(m: TopologyModel, opts: TopologyOptions): TopologyModel {
  const max = opts.maxNodes ?? DEFAULT_MAX_NODES;
  if (m.nodes.length <= max) return m;
  const expand = new Set(opts.expand ?? []);
  const byId = new Map(m.nodes.map((n) => [n.id, n]));
  const members = new Map<string, TopologyNode[]>();
  for (const n of m.nodes) if (n.kind === "port" && n.parent) pushTo(members, n.parent, n);
  const order = [...members.entries()].filter(([g, ns]) => !expand.has(g) && ns.length > 1).sort((a, b) => b[1].length - a[1].length || a[0].localeCompare(b[0]));
  let count = m.nodes.length;
  const folded = new Map<string, string>(); // member id → aggregate id
  const aggregates: TopologyNode[] = [];
  const aggregated: string[] = [];
  for (const [group, ns] of order) {
    if (count <= max) break;
    const id = nodeIds.aggregate(group);
    const g = byId.get(group);
    for (const n of ns) folded.set(n.id, id);
    const down = ns.filter((n) => n.tone === "danger").length;
    aggregates.push({
      id,
      kind: "aggregate",
      label: `${ns.length} ports`,
      parent: group,
      project: g?.project,
      count: ns.length,
      state: down ? `${down} down` : undefined,
      tone: down ? "danger" : "neutral",
      detail: "folded: expand to see each port",
      fields: { Ports: ns.length, ...(down ? { "Host down": down } : {}) },
    });
    aggregated.push(group);
    count -= ns.length - 1;
  }
  const nodes = [...m.nodes.filter((n) => !folded.has(n.id)), ...aggregates];
  const edges = new Map<string, TopologyEdge>();
  for (const ed of m.edges) {
    const source = folded.get(ed.source) ?? ed.source;
    const target = folded.get(ed.target) ?? ed.target;
    const id = source === ed.source && target === ed.target ? ed.id : `${ed.kind}:${source}:${target}`;
    if (!edges.has(id)) edges.set(id, { ...ed, id, source, target });
  }
  return { ...m, nodes, edges: [...edges.values()], aggregated };
}

// ----------------------------------------------------------------------------- infrastructure

function infrastructure(e: Engine): TopologyModel {
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

// ---------------------------------------------------------------------------- flow overlay

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
