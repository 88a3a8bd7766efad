// A draft: a few config changes not applied, compiled with the compiler's own functions over
// the live config with the changes laid on top. Only what the changes can affect is recompiled
// (the network ACLs of the networks involved, the changed security groups, the routing instances
// whose imports change and their tables) and handed to the analysis as a DraftWorld.
import { type ConfigView, compileInstances, compileNetworkAcl, compileSecurityGroupAcl, securityGroupMembers } from "../compiler/compile";
import { sgAclName, vnAclName } from "../compiler/types";
import type { ControlNode } from "../control/control-node";
import { type ConfigObject, type ObjectType, type Ref, fqString } from "../model/types";
import type { Acl } from "../protocol";
import { DraftWorld, type World, tableWithImports } from "./world";

/** One config change of a suggestion or a draft, as the REST API would take it. */
export interface DraftChange {
  action: "create" | "update";
  type: ObjectType;
  /** the object's uuid (update), or a placeholder for a create (draft-1, …) */
  uuid: string;
  fq_name: string[];
  /** the object as it would be after the change (whole, in the REST API's shape) */
  object: ConfigObject;
  /** one line: what the change does */
  summary: string;
}

type ListType = Parameters<ConfigView["list"]>[0];

/** The live config with changes laid on top (creates added, updates replacing). */
export class OverlayView implements ConfigView {
  private readonly byUuid = new Map<string, ConfigObject>();
  constructor(
    private readonly base: ConfigView,
    changes: DraftChange[],
  ) {
    for (const c of changes) this.byUuid.set(c.uuid, c.object);
  }
  list(type: ListType): ConfigObject[] {
    const out = this.base.list(type).map((o) => this.byUuid.get(o.uuid) ?? o);
    for (const o of this.byUuid.values()) if (o.type === type && !this.base.find(o.uuid)) out.push(o);
    return out;
  }
  find(uuid: string): ConfigObject | undefined {
    return this.byUuid.get(uuid) ?? this.base.find(uuid);
  }
  backRefs(uuid: string) {
    return this.base.backRefs(uuid);
  }
}

const refsOf = (o: ConfigObject, field: string) => (o[field] as Ref[] | undefined) ?? [];

/**
 * The world as it would be with `changes`: network ACLs of every network a changed policy is
 * attached to (before or after), ACLs of changed security groups, and routing instances whose
 * import targets differ, with their tables recomputed from the RIB's paths.
 */
export function draftWorld(base: World, cfg: ConfigView, control: ControlNode, asn: number, changes: DraftChange[]): DraftWorld {
  const view = new OverlayView(cfg, changes);
  const acls = new Map<string, Acl | null>();
  const vns = view.list("virtual-network");
  const vnByFq = new Map(vns.map((v) => [fqString(v.fq_name), v]));
  const touchedPolicies = new Set(changes.filter((c) => c.type === "network-policy").map((c) => c.uuid));
  const touchedVns = new Set(changes.filter((c) => c.type === "virtual-network").map((c) => c.uuid));
  for (const vn of vns) {
    const before = cfg.find(vn.uuid);
    const attached = [...refsOf(vn, "network_policy_refs"), ...(before ? refsOf(before, "network_policy_refs") : [])];
    if (touchedVns.has(vn.uuid) || attached.some((r) => touchedPolicies.has(r.uuid))) acls.set(vnAclName(fqString(vn.fq_name)), compileNetworkAcl(view, vn, vnByFq));
  }
  const sgChanges = changes.filter((c) => c.type === "security-group");
  if (sgChanges.length) {
    const sgs = view.list("security-group");
    const sgByFq = new Map(sgs.map((s) => [fqString(s.fq_name), s]));
    const members = securityGroupMembers(view);
    for (const c of sgChanges) acls.set(sgAclName(fqString(c.object.fq_name)), compileSecurityGroupAcl(c.object, sgByFq, members));
  }
  const instances = new Map();
  const tables = new Map();
  if (touchedPolicies.size || touchedVns.size) {
    for (const [vnUuid, ri] of compileInstances(view, asn)) {
      const live = base.instanceOfNetwork(vnUuid);
      if (live && live.importTargets.join() === ri.importTargets.join() && live.exportTargets.join() === ri.exportTargets.join()) continue;
      instances.set(vnUuid, ri);
      const imports = new Set(ri.importTargets);
      tables.set(ri.name, tableWithImports(control.rib.candidatePaths(ri.name, imports), ri.name, imports));
    }
  }
  return new DraftWorld(base, { acls, instances, tables });
}

const META = new Set<string>(["uuid", "type", "name", "fq_name", "parent_type", "parent_uuid", "display_name", "id_perms", "resource_version", "annotations"]);

/** The fields a change sets, as a create/update body (refs to drafted objects by their new uuids). */
function bodyOf(c: DraftChange, base: ConfigObject | undefined, uuids: Map<string, string>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c.object)) {
    if (META.has(k)) continue;
    if (base && JSON.stringify(base[k]) === JSON.stringify(v)) continue;
    out[k] = k.endsWith("_refs") && Array.isArray(v) ? (v as Ref[]).map((r) => ({ to: r.to, uuid: uuids.get(r.uuid) ?? r.uuid, ...(r.attr !== undefined ? { attr: r.attr } : {}) })) : v;
  }
  return out;
}

/**
 * Writes a suggestion's changes through the config service, in order, as `actor` (each one
 * validated, authorised and audited like any write). An update names the resource_version the
 * suggestion was computed from: if the object changed since, the write is refused (409) rather
 * than overwriting someone else's change.
 */
export async function applyChanges<A>(cfg: { find(uuid: string): ConfigObject | undefined; create(type: ObjectType, body: Record<string, unknown>, actor: A): Promise<ConfigObject>; update(type: ObjectType, uuid: string, body: Record<string, unknown>, actor: A): Promise<ConfigObject> }, changes: DraftChange[], actor: A): Promise<ConfigObject[]> {
  const uuids = new Map<string, string>();
  const out: ConfigObject[] = [];
  for (const c of changes) {
    if (c.action === "create") {
      const o = await cfg.create(c.type, { fq_name: c.fq_name, parent_type: c.object.parent_type, ...bodyOf(c, undefined, uuids) }, actor);
      uuids.set(c.uuid, o.uuid);
      out.push(o);
    } else {
      const base = cfg.find(c.uuid);
      const o = await cfg.update(c.type, c.uuid, { ...bodyOf(c, base, uuids), resource_version: c.object.resource_version }, actor);
      out.push(o);
    }
  }
  return out;
}
