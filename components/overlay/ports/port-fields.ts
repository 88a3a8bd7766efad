// Reading a port's fields, and joining instance IPs to ports (list items carry no back-refs).
import type { ConfigObject, Ref } from "../../../server/engine/model/types";

export function portMacs(port: ConfigObject): string[] {
  return (port.virtual_machine_interface_mac_addresses as { mac_address?: string[] } | undefined)?.mac_address ?? [];
}

export function refsOf(obj: ConfigObject, field: string): Ref[] {
  return (obj[field] as Ref[] | undefined) ?? [];
}

/** port uuid → its instance IPs, built once from the instance-ip list */
export function instanceIpsByPort(iips: ConfigObject[]): Map<string, ConfigObject[]> {
  const m = new Map<string, ConfigObject[]>();
  for (const iip of iips)
    for (const r of refsOf(iip, "virtual_machine_interface_refs")) {
      const list = m.get(r.uuid);
      if (list) list.push(iip);
      else m.set(r.uuid, [iip]);
    }
  return m;
}

export const iipAddress = (iip: ConfigObject) => (iip.instance_ip_address as string | null | undefined) ?? "";

/** compute node a port is bound to (Contrail: virtual_machine_interface_bindings host_id) */
export function portHost(port: ConfigObject): string {
  const kv = (port.virtual_machine_interface_bindings as { key_value_pair?: { key: string; value: string }[] } | undefined)?.key_value_pair ?? [];
  return kv.find((p) => p.key === "host_id")?.value ?? "";
}

/** the bindings with host_id set to `host` (other pairs kept); empty host removes host_id */
export function bindingsWithHost(port: ConfigObject | undefined, host: string): { key_value_pair: { key: string; value: string }[] } {
  const kv = ((port?.virtual_machine_interface_bindings as { key_value_pair?: { key: string; value: string }[] } | undefined)?.key_value_pair ?? []).filter((p) => p.key !== "host_id");
  return { key_value_pair: host ? [...kv, { key: "host_id", value: host }] : kv };
}
