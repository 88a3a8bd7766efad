// Objects as the VNC config API shows them: the stored object plus hrefs, children
// (`virtual_networks: [{to, href, uuid}]`) and back-refs (`<type>_back_refs`).
import { type ConfigObject, plural, underscored } from "../model/types";
import type { ConfigService } from "./service";

export interface ViewOptions {
  /** base of hrefs, e.g. "http://host:3000/vnc" */
  base: string;
  children?: boolean;
  backRefs?: boolean;
  /** only these fields (plus identity fields) */
  fields?: string[];
  /** leave out hrefs (console lists: thousands of rows, the links are derived client-side) */
  hrefs?: boolean;
}

export function renderObject(svc: ConfigService, o: ConfigObject, opts: ViewOptions): Record<string, unknown> {
  const withHrefs = opts.hrefs !== false;
  const href = (type: string, uuid: string) => `${opts.base}/${type}/${uuid}`;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) {
    if (k === "type") continue;
    if (k.endsWith("_refs") && Array.isArray(v)) {
      const to = underscored(k.slice(0, -5)).replace(/_/g, "-");
      out[k] = (v as { to: string[]; uuid: string; attr?: unknown }[]).map((r) =>
        withHrefs ? { to: r.to, href: href(to, r.uuid), attr: r.attr ?? null, uuid: r.uuid } : { to: r.to, attr: r.attr ?? null, uuid: r.uuid },
      );
    } else out[k] = v;
  }
  if (withHrefs) {
    out.href = href(o.type, o.uuid);
    if (o.parent_uuid) out.parent_href = href(o.parent_type, o.parent_uuid);
  }
  if (opts.children !== false) {
    for (const c of svc.children(o.uuid)) {
      const key = underscored(plural(c.type));
      if (!out[key]) out[key] = [];
      (out[key] as unknown[]).push({ to: c.to, href: href(c.type, c.uuid), uuid: c.uuid });
    }
  }
  if (opts.backRefs !== false) {
    for (const b of svc.backRefs(o.uuid)) {
      const key = `${underscored(b.type)}_back_refs`;
      if (!out[key]) out[key] = [];
      (out[key] as unknown[]).push({ to: b.to, href: href(b.type, b.uuid), attr: b.attr ?? null, uuid: b.uuid });
    }
  }
  if (opts.fields) {
    const keep = new Set(["uuid", "fq_name", "href", "name", "parent_type", "parent_uuid", ...opts.fields]);
    for (const k of Object.keys(out)) if (!keep.has(k)) delete out[k];
  }
  return out;
}
