// Field-level differences between two versions of an object, for the audit log and the
// console's History tab. Paths are dotted (network_ipam_refs.0.attr.ipam_subnets.0.subnet.ip_prefix).
export interface DiffRow {
  path: string;
  before?: unknown;
  after?: unknown;
}

/** Fields that change on every write and would drown the real change. */
const NOISE = new Set(["id_perms.last_modified", "resource_version"]);

function flatten(value: unknown, prefix: string, out: Map<string, unknown>) {
  if (value !== null && typeof value === "object") {
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
    if (entries.length === 0) {
      out.set(prefix, value);
      return;
    }
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
    return;
  }
  if (value !== undefined) out.set(prefix, value);
}

export function diffObjects(before: object | null, after: object | null): DiffRow[] {
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  if (before) flatten(before, "", a);
  if (after) flatten(after, "", b);
  const rows: DiffRow[] = [];
  for (const [path, v] of a) {
    if (NOISE.has(path)) continue;
    if (!b.has(path)) rows.push({ path, before: v });
    else if (JSON.stringify(b.get(path)) !== JSON.stringify(v)) rows.push({ path, before: v, after: b.get(path) });
  }
  for (const [path, v] of b) if (!a.has(path) && !NOISE.has(path)) rows.push({ path, after: v });
  return rows;
}
