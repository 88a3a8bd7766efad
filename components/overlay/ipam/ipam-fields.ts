import type { ConfigObject } from "../../../server/engine/model/types";

export const ipamSubnetMethod = (o: ConfigObject) => (o.ipam_subnet_method as string | undefined) ?? "user-defined-subnet";
export const ipamDnsMethod = (o: ConfigObject) =>
  (o.network_ipam_mgmt as { ipam_dns_method?: string } | undefined)?.ipam_dns_method ?? "default-dns-server";

export const SUBNET_METHODS = [
  { value: "user-defined-subnet", label: "User-defined subnets (per network)" },
  { value: "flat-subnet", label: "Flat subnet (shared by networks)" },
  { value: "auto-subnet", label: "Auto subnet" },
];
export const DNS_METHODS = [
  { value: "default-dns-server", label: "Default DNS server" },
  { value: "tenant-dns-server", label: "Tenant DNS server" },
  { value: "virtual-dns-server", label: "Virtual DNS server" },
  { value: "none", label: "None" },
];
