// Type names as users type them (vn, ports, virtual_network…) and fq_name / uuid arguments.
import { CONFIG_ROOT, OBJECT_TYPES, type ObjectType, TYPES, underscored } from "../server/engine/model/types";
import { ApiError, type Client, UsageError } from "./client";

export const SHORT_NAMES: Record<string, ObjectType> = {
  vn: "virtual-network",
  net: "virtual-network",
  network: "virtual-network",
  port: "virtual-machine-interface",
  vmi: "virtual-machine-interface",
  iip: "instance-ip",
  fip: "floating-ip",
  "fip-pool": "floating-ip-pool",
  fipp: "floating-ip-pool",
  sg: "security-group",
  policy: "network-policy",
  np: "network-policy",
  ipam: "network-ipam",
  vm: "virtual-machine",
};

const PLURAL_SHORT: Record<string, string> = { policy: "policies" };

function aliasTable(): Map<string, ObjectType> {
  const m = new Map<string, ObjectType>();
  for (const t of OBJECT_TYPES) for (const n of [t, `${t}s`, underscored(t), `${underscored(t)}s`]) m.set(n, t);
  for (const [short, t] of Object.entries(SHORT_NAMES)) {
    m.set(short, t);
    m.set(PLURAL_SHORT[short] ?? `${short}s`, t);
  }
  return m;
}
const ALIASES = aliasTable();

export function resolveType(name: string): ObjectType {
  const t = ALIASES.get(name.toLowerCase());
  if (!t) throw new UsageError(`unknown type "${name}"; run \`weftctl types\` for the list (e.g. virtual-network, vn, port, iip, fip, sg, policy, ipam)`);
  return t;
}

export const isTypeName = (name: string) => ALIASES.has(name.toLowerCase());

export const aliasesOf = (t: ObjectType) => Object.entries(SHORT_NAMES).filter(([, v]) => v === t).map(([k]) => k);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export const isUuid = (s: string) => UUID.test(s);
export const parseFq = (s: string) => s.split(":");

/** uuid of `<type> <fq_name|uuid>`; not found is the server's 404. */
export async function resolveId(client: Client, type: ObjectType, ref: string): Promise<string> {
  if (isUuid(ref)) return ref.toLowerCase();
  const r = await client.post<{ uuid: string }>("/fqname-to-id", { type, fq_name: parseFq(ref) });
  return r.uuid;
}

/** uuid of the parent of a `type` named by fq_name or uuid, trying each allowed parent type. */
export async function resolveParent(client: Client, type: ObjectType, ref: string): Promise<string> {
  if (isUuid(ref)) return ref.toLowerCase();
  const candidates = TYPES[type].parents.filter((p): p is ObjectType => p !== CONFIG_ROOT);
  if (!candidates.length) throw new UsageError(`a ${type} is top-level: it has no parent`);
  for (const p of candidates) {
    try {
      return await resolveId(client, p, ref);
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 404)) throw e;
    }
  }
  throw new ApiError(404, `parent ${candidates.join(" or ")} ${ref} not found`);
}
