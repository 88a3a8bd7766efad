// route-target: Contrail's object for a route target, named after it. In Weft an admin makes one to
// give a route target to projects (project_refs); a tenant then may use it on its networks and no
// other tenant may (see ../access.ts, routeTargetOwners). The system range stays the system's.
import type { TypeStrategy } from "../strategy";
import { checkUserRouteTarget } from "../../model/route-target";
import { fail } from "../validate";

export const routeTarget: TypeStrategy = {
  prepare(rt, _current, ctx) {
    const err = checkUserRouteTarget(rt.name, ctx.clusterAsn);
    if (err) fail([{ field: "fq_name", message: err }]);
  },
};
