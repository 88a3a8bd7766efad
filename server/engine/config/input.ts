// Turning a request body into an object's parts, the same for every type: meta fields,
// properties (zod, per type's schema in model/types.ts) and refs (target exists, attr valid,
// cardinality). Unknown fields are refused with the list of what the type has.
import { type FieldIssue, WeftError } from "../model/errors";
import { IdPermsInputSchema, KeyValueSchema, RefInputSchema } from "../model/schemas";
import { type ConfigObject, IGNORED_INPUT_FIELDS, type ObjectType, type Ref, TYPES, childTypes, fqString, plural, refField, underscored } from "../model/types";
import type { MemoryStore } from "./store";
import { fail, zodIssues } from "./validate";

/** Splits a request body into meta fields, ref fields and properties; refuses unknown fields. */
export function splitBody(type: ObjectType, body: Record<string, unknown>) {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw new WeftError("bad_request", `the body must be a JSON object with the ${type}'s fields`);
  }
  const def = TYPES[type];
  const propKeys = new Set(Object.keys(def.props.shape));
  const refKeys = new Set(Object.keys(def.refs).map(refField));
  const meta = new Set(["uuid", "name", "fq_name", "parent_type", "parent_uuid", "display_name", "id_perms", "resource_version", "annotations", "type"]);
  const childKeys = new Set(childTypes(type).map((t) => underscored(plural(t))));
  const props: Record<string, unknown> = {};
  const refs: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [k, v] of Object.entries(body)) {
    if (meta.has(k) || (IGNORED_INPUT_FIELDS as readonly string[]).includes(k) || k.endsWith("_back_refs") || childKeys.has(k)) continue;
    if (refKeys.has(k)) refs[k] = v;
    else if (propKeys.has(k)) props[k] = v;
    else unknown.push(k);
  }
  if (unknown.length) {
    const allowed = [...propKeys, ...refKeys].join(", ") || "none";
    fail(unknown.map((k) => ({ field: k, message: `unknown field for ${type}; its properties and refs are: ${allowed}` })));
  }
  return { props, refs };
}

export function parseProps(type: ObjectType, props: Record<string, unknown>): Record<string, unknown> {
  const r = TYPES[type].props.safeParse(props);
  if (!r.success) fail(zodIssues(r.error, ""));
  // keep only what the client sent (zod fills defaults inside nested objects only)
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(props)) if ((r.data as Record<string, unknown>)[k] !== undefined) out[k] = (r.data as Record<string, unknown>)[k];
  return out;
}

/** Resolves `<x>_refs` input to stored refs: target exists, attr valid, cardinality. */
export function resolveRefs(store: MemoryStore, type: ObjectType, input: Record<string, unknown>, current?: ConfigObject): Record<string, Ref[]> {
  const out: Record<string, Ref[]> = {};
  const issues: FieldIssue[] = [];
  let missing: string | null = null;
  for (const [key, def] of Object.entries(TYPES[type].refs)) {
    const field = refField(key);
    if (!(field in input)) {
      if (current?.[field]) out[field] = current[field] as Ref[];
      else if (def.required && !current) issues.push({ field, message: `a ${type} needs a ref to a ${def.to}` });
      continue;
    }
    const raw = input[field] ?? [];
    if (!Array.isArray(raw)) {
      issues.push({ field, message: `must be a list of refs [{"to": [...fq_name], "attr": ...}] or [{"uuid": "..."}]` });
      continue;
    }
    const refs: Ref[] = [];
    raw.forEach((item, i) => {
      const f = `${field}.${i}`;
      const r = RefInputSchema.safeParse(item);
      if (!r.success) {
        issues.push(...zodIssues(r.error, f));
        return;
      }
      const target = r.data.uuid ? store.get(r.data.uuid) : store.getByFq(def.to, r.data.to!);
      if (!target || target.type !== def.to) {
        const what = r.data.uuid ?? fqString(r.data.to!);
        missing ??= `${f}: ${def.to} ${what} does not exist`;
        issues.push({ field: f, message: `${def.to} ${what} does not exist` });
        return;
      }
      if (r.data.uuid && r.data.to && fqString(r.data.to) !== fqString(target.fq_name)) {
        issues.push({ field: `${f}.to`, message: `uuid ${target.uuid} is ${fqString(target.fq_name)}, not ${fqString(r.data.to)}` });
        return;
      }
      if (refs.some((x) => x.uuid === target.uuid)) {
        issues.push({ field: f, message: `${def.to} ${fqString(target.fq_name)} is referenced twice` });
        return;
      }
      const ref: Ref = { to: target.fq_name, uuid: target.uuid };
      if (def.attr) {
        const a = def.attr.safeParse(r.data.attr ?? {});
        if (!a.success) {
          issues.push(...zodIssues(a.error, `${f}.attr`));
          return;
        }
        ref.attr = a.data;
      } else if (r.data.attr !== undefined && r.data.attr !== null) {
        ref.attr = r.data.attr;
      }
      refs.push(ref);
    });
    if (def.single && refs.length > 1) issues.push({ field, message: `a ${type} refers to at most one ${def.to}` });
    if (def.required && refs.length === 0 && raw.length === 0) issues.push({ field, message: `a ${type} needs a ref to a ${def.to}` });
    out[field] = refs;
  }
  if (issues.length) {
    if (missing && issues.length === 1) throw new WeftError("not_found", missing, issues);
    fail(issues);
  }
  return out;
}

/** Types of the meta fields a client may send. */
export function checkMeta(body: Record<string, unknown>) {
  const issues: FieldIssue[] = [];
  if (body.display_name !== undefined && body.display_name !== null && typeof body.display_name !== "string") issues.push({ field: "display_name", message: "must be a string" });
  if (body.id_perms !== undefined && body.id_perms !== null && (typeof body.id_perms !== "object" || Array.isArray(body.id_perms))) {
    issues.push({ field: "id_perms", message: "must be an object, e.g. {\"description\": \"…\", \"enable\": true}" });
  } else if (body.id_perms) {
    const r = IdPermsInputSchema.safeParse(body.id_perms);
    if (!r.success) issues.push(...zodIssues(r.error, "id_perms"));
  }
  if (body.annotations !== undefined && body.annotations !== null) {
    const r = KeyValueSchema.safeParse(body.annotations);
    if (!r.success) issues.push(...zodIssues(r.error, "annotations"));
  }
  if (body.resource_version !== undefined && (typeof body.resource_version !== "number" || !Number.isInteger(body.resource_version) || body.resource_version < 1)) {
    issues.push({ field: "resource_version", message: "must be the positive integer resource_version of the object you read" });
  }
  if (issues.length) fail(issues);
}
