// virtual-machine-interface (a port): its network is its project's, shared or external; its
// security groups are its project's; a MAC derived from its uuid (Contrail's 02:… form).
import { createHash } from "node:crypto";
import { type Ref, fqString } from "../../model/types";
import type { TypeStrategy } from "../strategy";
import { fail } from "../validate";

/** Contrail-style MAC for a port: 02: + five octets from the uuid. */
function macFor(uuid: string): string {
  const h = createHash("sha1").update(uuid).digest("hex");
  return ["02", h.slice(0, 2), h.slice(2, 4), h.slice(4, 6), h.slice(6, 8), h.slice(8, 10)].join(":");
}

export const virtualMachineInterface: TypeStrategy = {
  prepare(vmi, current, ctx) {
    const vnRef = (vmi.virtual_network_refs as Ref[])[0];
    const vn = ctx.store.get(vnRef.uuid)!;
    if (current && (current.virtual_network_refs as Ref[])[0]?.uuid !== vnRef.uuid && ctx.store.backRefsOf(vmi.uuid).some((b) => ctx.store.get(b.from)?.type === "instance-ip")) {
      fail([{ field: "virtual_network_refs", message: "the port's network cannot change while it has instance IPs" }]);
    }
    const project = ctx.projectOf(vmi);
    const vnProject = ctx.projectOf(vn);
    if (project && vnProject && project.uuid !== vnProject.uuid && !vn.is_shared && !vn.router_external) {
      fail([{
        field: "virtual_network_refs.0",
        message: `virtual network ${fqString(vn.fq_name)} belongs to project ${fqString(vnProject.fq_name)} and is neither shared (is_shared) nor external (router_external)`,
      }]);
    }
    for (const [i, r] of ((vmi.security_group_refs as Ref[] | undefined) ?? []).entries()) {
      const sg = ctx.store.get(r.uuid)!;
      const sgProject = ctx.projectOf(sg);
      if (project && sgProject && sgProject.uuid !== project.uuid) {
        fail([{ field: `security_group_refs.${i}`, message: `security group ${fqString(sg.fq_name)} belongs to another project` }]);
      }
    }
    if (!vmi.virtual_machine_interface_mac_addresses) {
      vmi.virtual_machine_interface_mac_addresses = (current?.virtual_machine_interface_mac_addresses as object) ?? { mac_address: [macFor(vmi.uuid)] };
    }
  },
};
