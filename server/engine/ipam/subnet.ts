// One subnet of a virtual network as IPAM sees it: which addresses are usable, which are
// reserved (network, broadcast, gateway, DNS), the allocation pools and the allocation order.
// Contrail's defaults (vnc_addr_mgmt.py): with addr_from_start=false the gateway is the last
// usable address and the DNS server the one before it, and instance IPs come from the end down;
// with addr_from_start=true the gateway is the first usable, DNS the second, and IPs go up.
import { randomUUID } from "node:crypto";
import { type Cidr, type Family, contains, formatAddress, lastAddress, parseAddress, parseCidrParts } from "../model/net";
import type { FieldIssue } from "../model/errors";
import type { IpamSubnet } from "../model/schemas";

export interface SubnetPlan {
  subnetUuid: string;
  cidr: Cidr;
  gateway: bigint | null;
  dns: bigint | null;
  /** inclusive ranges addresses are handed out from */
  pools: [bigint, bigint][];
  addrFromStart: boolean;
}

/** First and last address that may ever be handed out (network/broadcast excluded for IPv4). */
export function usableRange(c: Cidr): [bigint, bigint] | null {
  const first = c.network;
  const last = lastAddress(c);
  if (c.family === 4) {
    if (c.prefixLen >= 31) return c.prefixLen === 31 ? [first, last] : [first, first];
    return [first + 1n, last - 1n];
  }
  // IPv6: the subnet-router anycast address (all zeros) is not handed out.
  return [first + 1n, last];
}

/** Not given: Contrail picks the default. */
export function isAbsent(a: string | null | undefined): boolean {
  return a === undefined || a === null || a === "";
}
/** Explicitly none ("0.0.0.0" / "::"): no gateway / no DNS address is reserved. */
export function isNone(a: string | null | undefined): boolean {
  return a === "0.0.0.0" || a === "::";
}

/**
 * Validates one ipam_subnet and returns it with Contrail's defaults filled in, or the issues found.
 * `field` is the path of the ipam_subnet in the request, so messages point at the right field.
 */
export function normalizeIpamSubnet(
  s: IpamSubnet,
  field: string,
): { ok: true; subnet: IpamSubnet; plan: SubnetPlan } | { ok: false; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const parsed = parseCidrParts(s.subnet.ip_prefix, s.subnet.ip_prefix_len);
  if (!parsed.ok) return { ok: false, issues: [{ field: `${field}.subnet`, message: parsed.error }] };
  const cidr = parsed.cidr;
  const range = usableRange(cidr);
  const fromStart = s.addr_from_start ?? false;
  const cidrTxt = `${cidr.prefix}/${cidr.prefixLen}`;

  const inside = (what: string, f: string, text: string): bigint | null => {
    const a = parseAddress(text);
    if (!a) {
      issues.push({ field: f, message: `${what} "${text}" is not a valid IP address` });
      return null;
    }
    if (!contains(cidr, a.family, a.value)) {
      issues.push({ field: f, message: `${what} ${text} is outside the subnet ${cidrTxt}` });
      return null;
    }
    if (cidr.family === 4 && cidr.prefixLen < 31 && (a.value === cidr.network || a.value === lastAddress(cidr))) {
      issues.push({
        field: f,
        message: `${what} ${text} is the ${a.value === cidr.network ? "network" : "broadcast"} address of ${cidrTxt}`,
      });
      return null;
    }
    return a.value;
  };

  const small = !range || range[1] - range[0] < 2n;
  let gateway: bigint | null = null;
  if (!isAbsent(s.default_gateway) && !isNone(s.default_gateway))
    gateway = inside("default_gateway", `${field}.default_gateway`, s.default_gateway!);
  else if (isAbsent(s.default_gateway) && !small) gateway = fromStart ? range![0] : range![1];
  let dns: bigint | null = null;
  if (!isAbsent(s.dns_server_address) && !isNone(s.dns_server_address))
    dns = inside("dns_server_address", `${field}.dns_server_address`, s.dns_server_address!);
  else if (isAbsent(s.dns_server_address) && !small) {
    dns = fromStart ? range![0] + 1n : range![1] - 1n;
    if (gateway !== null && dns === gateway) dns = fromStart ? dns + 1n : dns - 1n;
  }
  if (gateway !== null && dns !== null && gateway === dns && !isAbsent(s.dns_server_address)) {
    issues.push({ field: `${field}.dns_server_address`, message: `dns_server_address must differ from default_gateway (${formatAddress(cidr.family, gateway)})` });
  }

  const pools: [bigint, bigint][] = [];
  (s.allocation_pools ?? []).forEach((p, i) => {
    const f = `${field}.allocation_pools.${i}`;
    const a = inside("allocation pool start", `${f}.start`, p.start);
    const b = inside("allocation pool end", `${f}.end`, p.end);
    if (a === null || b === null) return;
    if (a > b) {
      issues.push({ field: f, message: `allocation pool ${p.start}–${p.end}: start is after end` });
      return;
    }
    for (const [x, y] of pools) {
      if (a <= y && x <= b) {
        issues.push({ field: f, message: `allocation pool ${p.start}–${p.end} overlaps pool ${formatAddress(cidr.family, x)}–${formatAddress(cidr.family, y)}` });
        return;
      }
    }
    pools.push([a, b]);
  });
  if (issues.length) return { ok: false, issues };
  if (pools.length === 0 && range) pools.push(range);
  pools.sort((x, y) => (x[0] < y[0] ? -1 : 1));

  const subnetUuid = s.subnet_uuid ?? randomUUID();
  const fmt = (v: bigint | null) => (v === null ? (cidr.family === 4 ? "0.0.0.0" : "::") : formatAddress(cidr.family, v));
  return {
    ok: true,
    subnet: {
      ...s,
      subnet: { ip_prefix: cidr.prefix, ip_prefix_len: cidr.prefixLen },
      default_gateway: fmt(gateway),
      dns_server_address: fmt(dns),
      allocation_pools: s.allocation_pools ?? [],
      addr_from_start: fromStart,
      enable_dhcp: s.enable_dhcp ?? true,
      dns_nameservers: s.dns_nameservers ?? [],
      subnet_uuid: subnetUuid,
    },
    plan: { subnetUuid, cidr, gateway, dns, pools, addrFromStart: fromStart },
  };
}

/** Plan of an already normalized subnet (as stored). */
export function planOf(s: IpamSubnet): SubnetPlan {
  const r = normalizeIpamSubnet(s, "ipam_subnet");
  if (!r.ok) throw new Error(`stored subnet is invalid: ${r.issues.map((i) => i.message).join("; ")}`);
  return r.plan;
}

export function familyOf(plan: SubnetPlan): Family {
  return plan.cidr.family;
}
