// Who may write what (issue 14, tenant isolation). The role decides the kind of access (admin:
// everything, operator: its granted projects, viewer: nothing); for an operator, every write is
// checked against every object it names: the object itself (its project), its parent, every ref
// it adds (networks, policies, security groups, ports, virtual machines, projects, IPAMs), and
// the route targets of a network. Refusals are 403 with the field that names the object.
// Contrail does the same with perms2 on every ref (vnc_cfg_api_server's _check_perms /
// ref-update permission checks); Weft has no perms2, so ownership is the project an object is
// under and sharing is explicit (is_shared, a pool's project_refs, a route-target's project_refs).
import { forbidden, forbiddenField } from "../model/errors";
import { type ConfigObject, type Ref, fqString, refsOf } from "../model/types";
import type { Actor } from "./api";
import type { MemoryStore } from "./store";

/** Types only an admin writes (the control plane and the tenancy itself). */
const ADMIN_ONLY = new Set(["domain", "project", "global-system-config", "global-vrouter-config", "virtual-router", "routing-instance", "bgp-router", "route-target"]);
/** The IPAM every project may use (Contrail's default-network-ipam lives in default-project). */
const SHARED_PROJECT = "default-domain:default-project";
const RT_FIELDS = ["route_target_list", "import_route_target_list", "export_route_target_list"] as const;

export const routeTargetsOf = (o: ConfigObject | null | undefined): string[] =>
  o ? RT_FIELDS.flatMap((f) => (o[f] as { route_target?: string[] } | undefined)?.route_target ?? []) : [];

/**
 * A pool the system owns: made by the Kubernetes manager (service VIPs) or by the system itself.
 * Only the system, an admin and the Kubernetes manager allocate from it.
 */
export function isSystemPool(pool: ConfigObject): boolean {
  const creator = pool.id_perms?.creator ?? "";
  return creator === "system" || creator === "kube-manager" || creator.endsWith(" (kube)");
}

export class Access {
  constructor(
    private readonly store: MemoryStore,
    private readonly projectOf: (o: ConfigObject) => ConfigObject | undefined,
  ) {}

  /** The project an object belongs to for grants: a floating IP's is the one it was allocated for. */
  ownerOf(obj: ConfigObject): ConfigObject | undefined {
    const fipProject = obj.type === "floating-ip" ? (obj.project_refs as Ref[] | undefined)?.[0] : undefined;
    return fipProject ? this.store.get(fipProject.uuid) : this.projectOf(obj);
  }

  /** viewer: nothing; operator: objects in granted projects; admin: everything. */
  authorize(actor: Actor, obj: ConfigObject, action: string) {
    if (actor.role === "admin") return;
    const what = `${action} ${obj.type} ${fqString(obj.fq_name)}`;
    if (actor.role !== "operator") throw forbidden(`role ${actor.role} may not ${what}: read-only access`);
    if (ADMIN_ONLY.has(obj.type)) throw forbidden(`only an admin may ${what}`);
    if (obj.type === "virtual-machine") {
      const why = this.vmRefusal(actor, obj, null);
      if (why && action !== "create") throw forbidden(`${actor.email} may not ${what}: ${why}`);
      return;
    }
    const project = this.ownerOf(obj);
    if (!project || !this.granted(actor, project)) {
      throw forbidden(`${actor.email} may not ${what}: not granted on project ${project ? fqString(project.fq_name) : "(none)"}`);
    }
  }

  /**
   * Everything a write names beyond the object itself: its parent (a floating IP's pool), the refs
   * it adds (refs it already had stay), a network's new route targets. Admins are not limited.
   */
  checkNamed(actor: Actor, obj: ConfigObject, current: ConfigObject | null) {
    if (actor.role === "admin") return;
    const own = this.ownerOf(obj);
    if (obj.type === "floating-ip" && !current) this.checkPool(actor, obj, own);
    for (const { field, refs } of refsOf(obj)) {
      const before = new Set(((current?.[field] as Ref[] | undefined) ?? []).map((r) => r.uuid));
      refs.forEach((r, i) => {
        if (before.has(r.uuid)) return;
        const target = this.store.get(r.uuid);
        const why = target && this.refRefusal(actor, obj, own, target);
        if (why) throw forbiddenField(`${field}.${i}`, why);
      });
    }
    if (obj.type === "virtual-network") this.checkRouteTargets(obj, current, own);
  }

  private granted(actor: Actor, project: ConfigObject | undefined): boolean {
    return !!project && (actor.projectUuids ?? []).includes(project.uuid);
  }

  private refRefusal(actor: Actor, obj: ConfigObject, own: ConfigObject | undefined, t: ConfigObject): string | null {
    const tProject = t.type === "project" ? t : this.projectOf(t);
    const name = `${t.type} ${fqString(t.fq_name)}`;
    const where = tProject ? `project ${fqString(tProject.fq_name)}` : "no project";
    switch (t.type) {
      case "network-ipam":
        if (this.granted(actor, tProject) || (tProject && fqString(tProject.fq_name) === SHARED_PROJECT)) return null;
        return `${name} belongs to ${where}, which you are not granted`;
      case "virtual-network":
        // Contrail: a port or address goes on the project's own networks, or on a shared (is_shared)
        // or external (router_external) one
        if (this.granted(actor, tProject) || t.is_shared || t.router_external) return null;
        return `${name} belongs to ${where} and is neither shared (is_shared) nor external (router_external)`;
      case "virtual-machine-interface":
        if (obj.type === "floating-ip" && tProject?.uuid !== own?.uuid) {
          return `a floating IP goes only on its own project's ports: port ${fqString(t.fq_name)} is in ${where}, the floating IP is for ${own ? fqString(own.fq_name) : "(none)"}`;
        }
        return this.granted(actor, tProject) ? null : `port ${fqString(t.fq_name)} belongs to ${where}, which you are not granted`;
      case "virtual-machine":
        return this.vmRefusal(actor, t, obj);
      default:
        return this.granted(actor, tProject) ? null : `${name} belongs to ${where}, which you are not granted`;
    }
  }

  /**
   * A virtual machine has no project of its own (Contrail: top-level, owned through perms2): it
   * belongs to the projects of the ports that refer to it, or, while it has none, to its creator.
   */
  private vmRefusal(actor: Actor, vm: ConfigObject, except: ConfigObject | null): string | null {
    const ports = this.store
      .backRefsOf(vm.uuid)
      .map((b) => this.store.get(b.from))
      .filter((o): o is ConfigObject => o?.type === "virtual-machine-interface" && o.uuid !== except?.uuid);
    if (ports.length === 0) {
      return vm.id_perms?.creator === actor.email ? null : `virtual machine ${fqString(vm.fq_name)} was created by someone else and has no port in your projects`;
    }
    for (const p of ports) {
      const project = this.projectOf(p);
      if (!this.granted(actor, project)) {
        return `virtual machine ${fqString(vm.fq_name)} has port ${fqString(p.fq_name)} in project ${project ? fqString(project.fq_name) : "(none)"}, which you are not granted`;
      }
    }
    return null;
  }

  /**
   * Contrail: floating IPs come from a pool in the project itself or one shared with it (the
   * project's floating_ip_pool_refs; Weft keeps the share list on the pool, project_refs).
   * Pools of the system (Kubernetes service VIPs) are the system's.
   */
  private checkPool(actor: Actor, fip: ConfigObject, own: ConfigObject | undefined) {
    const pool = this.store.get(fip.parent_uuid ?? "");
    if (!pool) return;
    if (isSystemPool(pool) && actor.source !== "kube") {
      throw forbiddenField("parent_uuid", `floating IP pool ${fqString(pool.fq_name)} is the system's (made by ${pool.id_perms.creator}): only the Kubernetes manager and admins allocate from it`);
    }
    const poolProject = this.projectOf(pool);
    const shared = ((pool.project_refs as Ref[] | undefined) ?? []).map((r) => r.uuid);
    if (own && (poolProject?.uuid === own.uuid || shared.includes(own.uuid))) return;
    throw forbiddenField(
      "parent_uuid",
      `floating IP pool ${fqString(pool.fq_name)} belongs to project ${poolProject ? fqString(poolProject.fq_name) : "(none)"} and is not shared with ${own ? fqString(own.fq_name) : "the floating IP's project"}: an admin adds the project to the pool's project_refs`,
    );
  }

  /**
   * Who owns a route target: the projects of its route-target object (an admin's grant) when
   * there is one, otherwise the projects whose networks use it (the first project to use it owns
   * it while it does). An empty set: free.
   */
  routeTargetOwners(rt: string, exceptNetwork?: string): Set<string> {
    const granted = this.store.getByFq("route-target", [rt]);
    if (granted) return new Set(((granted.project_refs as Ref[] | undefined) ?? []).map((r) => r.uuid));
    const owners = new Set<string>();
    for (const u of this.store.uuidsOfType("virtual-network")) {
      if (u === exceptNetwork) continue;
      const vn = this.store.get(u)!;
      if (!routeTargetsOf(vn).includes(rt)) continue;
      const p = this.projectOf(vn);
      if (p) owners.add(p.uuid);
    }
    return owners;
  }

  private checkRouteTargets(vn: ConfigObject, current: ConfigObject | null, own: ConfigObject | undefined) {
    const had = new Set(routeTargetsOf(current));
    for (const f of RT_FIELDS) {
      ((vn[f] as { route_target?: string[] } | undefined)?.route_target ?? []).forEach((rt, i) => {
        if (had.has(rt)) return;
        const owners = this.routeTargetOwners(rt, vn.uuid);
        if (owners.size === 0 && !this.store.getByFq("route-target", [rt])) return;
        if (own && owners.has(own.uuid)) return;
        const names = [...owners].map((u) => fqString(this.store.get(u)?.fq_name ?? [u]));
        throw forbiddenField(
          `${f}.route_target.${i}`,
          `${rt} belongs to ${names.length ? `project ${names.join(", ")}` : "the admins (a route-target object with no project)"}: a project uses only route targets it owns (first used, or granted by an admin with a route-target object)`,
        );
      });
    }
  }
}
