// What part of the flow store a caller may read: admins everything; operators and viewers the
// traffic of the projects they are granted (a record whose source or destination port is in one of
// them). Every flows surface (tRPC explorer, dashboard, records, Sankey, topology overlay,
// autocomplete, Contrail's /analytics/query) passes this to the store.
import type { Actor } from "../engine/config/api";
import type { Services } from "../services";

/** The FQ names of the projects whose flows (and audit entries) the caller may see; null = all (admin). */
export function flowProjects(s: Services, actor: Actor): string[] | null {
  if (actor.role === "admin") return null;
  const out: string[] = [];
  for (const uuid of actor.projectUuids ?? []) {
    const o = s.engine.config.find(uuid);
    if (o && o.type === "project") out.push(o.fq_name.join(":"));
  }
  return out;
}
