// The logical view: projects as groups, virtual networks, their routing instances and ports,
// policies as edges between networks, floating IP pools, Kubernetes services and their backends.
import type { Engine } from "../engine";
import type { ConfigObject, Ref } from "../model/types";
import { fqString, portLabels } from "../model/types";
import type { PolicyRule } from "../model/schemas";
import { subnetsOfNetwork } from "../config/store";
import { type TopologyEdge, type TopologyGroup, type TopologyModel, type TopologyNode, nodeIds, pushTo } from "./types";


const rulesOf = (p: ConfigObject) => ((p.network_policy_entries as { policy_rule?: PolicyRule[] } | undefined)?.policy_rule ?? []);

export function logical(e: Engine): TopologyModel {
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
