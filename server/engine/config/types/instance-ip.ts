// instance-ip: an address from its network's IPAM, fixed for life; its ports are on that network.
import { parseAddress } from "../../model/net";
import { type Ref, fqString } from "../../model/types";
import type { TypeStrategy } from "../strategy";
import { fail } from "../validate";

export const instanceIp: TypeStrategy = {
  prepare(iip, current, ctx) {
    const vnRef = (iip.virtual_network_refs as Ref[])[0];
    const allocator = ctx.store.allocators.get(vnRef.uuid)!;
    if (current) {
      if ((current.virtual_network_refs as Ref[])[0].uuid !== vnRef.uuid) fail([{ field: "virtual_network_refs", message: "an instance IP's network cannot be changed" }]);
      if (iip.instance_ip_address !== current.instance_ip_address) {
        fail([{ field: "instance_ip_address", message: "an instance IP's address cannot be changed: delete it and create another" }]);
      }
      return;
    }
    for (const [i, r] of ((iip.virtual_machine_interface_refs as Ref[] | undefined) ?? []).entries()) {
      const port = ctx.store.get(r.uuid)!;
      if ((port.virtual_network_refs as Ref[])[0].uuid !== vnRef.uuid) {
        fail([{ field: `virtual_machine_interface_refs.${i}`, message: `port ${fqString(port.fq_name)} is on another network than ${fqString(vnRef.to)}` }]);
      }
    }
    const family = iip.instance_ip_family === "v6" ? 6 : 4;
    const subnetUuids = iip.subnet_uuid ? [iip.subnet_uuid as string] : undefined;
    if (subnetUuids && !allocator.subnets().some((p) => p.subnetUuid === subnetUuids[0])) {
      fail([{ field: "subnet_uuid", message: `${subnetUuids[0]} is not a subnet of ${fqString(vnRef.to)}` }]);
    }
    try {
      const got =
        typeof iip.instance_ip_address === "string" && iip.instance_ip_address
          ? allocator.reserve(iip.uuid, iip.instance_ip_address, "instance_ip_address", { subnetUuids })
          : allocator.allocate(iip.uuid, { family, subnetUuids });
      ctx.tx.allocated(allocator, got.address, iip.uuid);
      iip.instance_ip_address = got.address;
      iip.subnet_uuid = got.subnetUuid;
      iip.instance_ip_family = parseAddress(got.address)!.family === 6 ? "v6" : "v4";
    } catch (e) {
      ctx.allocationFailed();
      throw e;
    }
  },
};
