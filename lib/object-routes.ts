// Where each config object type lives in the console, and how to link to one object.
import { type ObjectType, TYPES } from "../server/engine/model/types";

export interface TypePage {
  /** list page */
  list: string;
  /** detail page of one object: `${detail}/${uuid}` */
  detail: string;
  label: string;
  plural: string;
}

export const TYPE_PAGES: Partial<Record<ObjectType, TypePage>> = {
  "virtual-network": { list: "/overlay/virtual-networks", detail: "/overlay/virtual-networks", label: "Virtual network", plural: "Virtual networks" },
  "virtual-machine-interface": { list: "/overlay/ports", detail: "/overlay/ports", label: "Port", plural: "Ports" },
  "network-ipam": { list: "/overlay/ipam", detail: "/overlay/ipam", label: "IPAM", plural: "IPAMs" },
  "network-policy": { list: "/overlay/network-policies", detail: "/overlay/network-policies", label: "Network policy", plural: "Network policies" },
  "security-group": { list: "/overlay/security-groups", detail: "/overlay/security-groups", label: "Security group", plural: "Security groups" },
  "floating-ip": { list: "/overlay/floating-ips", detail: "/overlay/floating-ips", label: "Floating IP", plural: "Floating IPs" },
  "floating-ip-pool": { list: "/overlay/floating-ips", detail: "/overlay/floating-ips/pools", label: "Floating IP pool", plural: "Floating IP pools" },
  project: { list: "/infrastructure/projects", detail: "/infrastructure/projects", label: "Project", plural: "Projects" },
};

export function typeLabel(type: string): string {
  return (TYPES as Record<string, { label: string } | undefined>)[type]?.label ?? type;
}

/** Link to an object's detail page; types without their own page use the generic one. */
export function objectHref(type: string, uuid: string): string {
  const page = TYPE_PAGES[type as ObjectType];
  return page ? `${page.detail}/${uuid}` : `/objects/${type}/${uuid}`;
}
