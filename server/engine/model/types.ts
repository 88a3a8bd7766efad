// The config object types Weft knows, with Contrail's names: parent types, ref fields (and the
// schema of their attr), property schemas. Everything generic in the config service reads this.
import { z } from "zod";
import * as S from "./schemas";

export const OBJECT_TYPES = [
  "global-system-config",
  "global-vrouter-config",
  "virtual-router",
  "domain",
  "project",
  "network-ipam",
  "virtual-network",
  "virtual-machine",
  "virtual-machine-interface",
  "instance-ip",
  "security-group",
  "network-policy",
  "floating-ip-pool",
  "floating-ip",
  "routing-instance",
  "bgp-router",
  "route-target",
] as const;
export type ObjectType = (typeof OBJECT_TYPES)[number];

export const CONFIG_ROOT = "config-root";

export interface RefDef {
  /** type the ref points to */
  to: ObjectType;
  /** schema of the ref's attr, when the ref carries one */
  attr?: z.ZodType;
  /** at most one ref of this kind */
  single?: boolean;
  /** at least one ref of this kind */
  required?: boolean;
}

export interface TypeDef {
  type: ObjectType;
  /** allowed parent types; "config-root" for top-level objects (fq_name = [name]) */
  parents: (ObjectType | typeof CONFIG_ROOT)[];
  /** ref fields, keyed by the target's underscored type (network_ipam → network_ipam_refs) */
  refs: Record<string, RefDef>;
  props: z.ZodObject;
  /** what the console calls it */
  label: string;
  /** the name's syntax when it is not NameSchema's (a route-target is named target:<asn>:<n>) */
  name?: z.ZodType<string>;
}

export const TYPES: Record<ObjectType, TypeDef> = {
  "global-system-config": {
    type: "global-system-config",
    parents: [CONFIG_ROOT],
    refs: {},
    props: S.GlobalSystemConfigPropsSchema,
    label: "Global system config",
  },
  "global-vrouter-config": {
    type: "global-vrouter-config",
    parents: ["global-system-config"],
    refs: {},
    props: S.GlobalVrouterConfigPropsSchema,
    label: "Global vRouter config",
  },
  "virtual-router": {
    type: "virtual-router",
    parents: ["global-system-config"],
    refs: {},
    props: S.VirtualRouterPropsSchema,
    label: "Virtual router",
  },
  domain: { type: "domain", parents: [CONFIG_ROOT], refs: {}, props: S.DomainPropsSchema, label: "Domain" },
  project: { type: "project", parents: ["domain"], refs: {}, props: S.ProjectPropsSchema, label: "Project" },
  "network-ipam": {
    type: "network-ipam",
    parents: ["project"],
    refs: {},
    props: S.NetworkIpamPropsSchema,
    label: "IPAM",
  },
  "virtual-network": {
    type: "virtual-network",
    parents: ["project"],
    refs: {
      network_ipam: { to: "network-ipam", attr: S.VnSubnetsSchema },
      network_policy: { to: "network-policy", attr: S.VirtualNetworkPolicySchema },
    },
    props: S.VirtualNetworkPropsSchema,
    label: "Virtual network",
  },
  "virtual-machine": {
    type: "virtual-machine",
    parents: [CONFIG_ROOT],
    refs: {},
    props: S.VirtualMachinePropsSchema,
    label: "Virtual machine",
  },
  "virtual-machine-interface": {
    type: "virtual-machine-interface",
    parents: ["project"],
    refs: {
      virtual_network: { to: "virtual-network", single: true, required: true },
      security_group: { to: "security-group" },
      virtual_machine: { to: "virtual-machine", single: true },
    },
    props: S.VirtualMachineInterfacePropsSchema,
    label: "Port",
  },
  "instance-ip": {
    type: "instance-ip",
    parents: [CONFIG_ROOT],
    refs: {
      virtual_network: { to: "virtual-network", single: true, required: true },
      virtual_machine_interface: { to: "virtual-machine-interface" },
    },
    props: S.InstanceIpPropsSchema,
    label: "Instance IP",
  },
  "security-group": {
    type: "security-group",
    parents: ["project"],
    refs: {},
    props: S.SecurityGroupPropsSchema,
    label: "Security group",
  },
  "network-policy": {
    type: "network-policy",
    parents: ["project"],
    refs: {},
    props: S.NetworkPolicyPropsSchema,
    label: "Network policy",
  },
  "floating-ip-pool": {
    type: "floating-ip-pool",
    parents: ["virtual-network"],
    // sharing: the projects besides the pool's own that may allocate from it (Contrail keeps this as
    // the project's floating_ip_pool_refs); none = the pool's own project only
    refs: { project: { to: "project" } },
    props: S.FloatingIpPoolPropsSchema,
    label: "Floating IP pool",
  },
  "routing-instance": {
    // config routing instances are Contrail's fabric ones (ip-fabric:__default__, parent of the
    // BGP routers); the ones per virtual network are compiled and served read-only
    type: "routing-instance",
    parents: ["virtual-network"],
    refs: {},
    props: S.RoutingInstancePropsSchema,
    label: "Routing instance",
  },
  "bgp-router": {
    type: "bgp-router",
    parents: ["routing-instance"],
    refs: { bgp_router: { to: "bgp-router", attr: S.BgpPeeringAttributesSchema } },
    props: S.BgpRouterPropsSchema,
    label: "BGP router",
  },
  "route-target": {
    // Contrail's route-target object (fq_name ["target:<asn>:<n>"]); in Weft it carries an admin's
    // grant: the projects that may use the route target on their networks (project_refs)
    type: "route-target",
    parents: [CONFIG_ROOT],
    refs: { project: { to: "project" } },
    props: S.RouteTargetPropsSchema,
    label: "Route target",
    name: S.RouteTargetNameSchema,
  },
  "floating-ip": {
    type: "floating-ip",
    parents: ["floating-ip-pool"],
    refs: {
      project: { to: "project" },
      virtual_machine_interface: { to: "virtual-machine-interface" },
    },
    props: S.FloatingIpPropsSchema,
    label: "Floating IP",
  },
};

export function isObjectType(t: string): t is ObjectType {
  return (OBJECT_TYPES as readonly string[]).includes(t);
}

/** "virtual-network" → "virtual_network" */
export const underscored = (t: string) => t.replace(/-/g, "_");
/** "virtual_network" → "virtual-network" */
export const hyphenated = (t: string) => t.replace(/_/g, "-");
/** REST collection name: "virtual-network" → "virtual-networks" */
export const plural = (t: string) => `${t}s`;

/** Child types of a type (derived from parents). */
export function childTypes(type: ObjectType): ObjectType[] {
  return OBJECT_TYPES.filter((t) => TYPES[t].parents.includes(type));
}

/** Types holding a ref to `type`, with the ref field name. */
export function backRefSources(type: ObjectType): { from: ObjectType; field: string }[] {
  const out: { from: ObjectType; field: string }[] = [];
  for (const t of OBJECT_TYPES) {
    for (const [k, def] of Object.entries(TYPES[t].refs)) if (def.to === type) out.push({ from: t, field: `${k}_refs` });
  }
  return out;
}

export interface IdPerms {
  enable: boolean;
  user_visible: boolean;
  created: string;
  last_modified: string;
  creator: string | null;
  description: string | null;
  uuid: { uuid_mslong: string; uuid_lslong: string };
}

export interface Ref {
  to: string[];
  uuid: string;
  attr?: unknown;
}

/** A stored config object, in Contrail's JSON shape: meta fields, properties and `<x>_refs`. */
export interface ConfigObject {
  uuid: string;
  type: ObjectType;
  name: string;
  fq_name: string[];
  parent_type: string;
  parent_uuid?: string;
  display_name: string;
  id_perms: IdPerms;
  /** optimistic concurrency: bumped on every write; an update naming an older one is refused */
  resource_version: number;
  annotations?: unknown;
  [field: string]: unknown;
}

/** Fields every object has that are not properties or refs. */
export const META_FIELDS = [
  "uuid",
  "type",
  "name",
  "fq_name",
  "parent_type",
  "parent_uuid",
  "display_name",
  "id_perms",
  "resource_version",
  "annotations",
] as const;

/** Fields a client may send that we accept and ignore (Contrail sends them back on PUT). */
export const IGNORED_INPUT_FIELDS = ["href", "perms2", "parent_href", "tag_refs"] as const;

export function refField(key: string) {
  return `${key}_refs`;
}

export function refsOf(obj: ConfigObject): { field: string; key: string; def: RefDef; refs: Ref[] }[] {
  const out: { field: string; key: string; def: RefDef; refs: Ref[] }[] = [];
  for (const [key, def] of Object.entries(TYPES[obj.type].refs)) {
    const refs = (obj[refField(key)] as Ref[] | undefined) ?? [];
    out.push({ field: refField(key), key, def, refs });
  }
  return out;
}

export const fqString = (fq: string[]) => fq.join(":");

type KeyValuePairs = { key_value_pair?: { key: string; value: string }[] } | undefined;

/** The compute node a port is bound to: its binding `host_id` (Contrail's), "" when unbound. */
export function bindingHost(vmi: ConfigObject): string {
  const kv = (vmi.virtual_machine_interface_bindings as KeyValuePairs)?.key_value_pair ?? [];
  return kv.find((p) => p.key === "host_id")?.value ?? "";
}

/** Pod labels are kept on the port as annotations named `label:<key>` (the Kubernetes manager writes them). */
const LABEL_PREFIX = "label:";

export function labelAnnotations(labels: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(labels ?? {}).map(([k, v]) => [`${LABEL_PREFIX}${k}`, v]));
}

/** A port's labels (its `label:<key>` annotations), undefined when it has none. */
export function portLabels(vmi: ConfigObject | undefined): Record<string, string> | undefined {
  const kv = (vmi?.annotations as KeyValuePairs)?.key_value_pair;
  if (!kv?.length) return undefined;
  const out: Record<string, string> = {};
  for (const { key, value } of kv) if (typeof key === "string" && key.startsWith(LABEL_PREFIX)) out[key.slice(LABEL_PREFIX.length)] = String(value ?? "");
  return Object.keys(out).length ? out : undefined;
}
