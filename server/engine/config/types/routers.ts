// bgp-router and virtual-router: the control plane's own objects.
import type { FieldIssue } from "../../model/errors";
import { formatAddress, parseAddress } from "../../model/net";
import type { BgpRouterParameters } from "../../model/schemas";
import { type Ref, fqString } from "../../model/types";
import type { TypeStrategy } from "../strategy";
import { fail } from "../validate";

/** Contrail's BGP router: defaults, one object per address, no TCP MD5 (Node cannot set it). */
export const bgpRouter: TypeStrategy = {
  prepare(br, _current, ctx) {
    const p = br.bgp_router_parameters as BgpRouterParameters | undefined;
    if (!p) fail([{ field: "bgp_router_parameters", message: "a BGP router needs bgp_router_parameters with at least its address" }]);
    const issues: FieldIssue[] = [];
    const addr = parseAddress(p.address);
    if (!addr || addr.family !== 4) issues.push({ field: "bgp_router_parameters.address", message: `"${p.address}" is not an IPv4 address` });
    p.router_type ??= "router";
    p.vendor ??= p.router_type === "control-node" ? "contrail" : "";
    p.identifier ||= p.address;
    const id = parseAddress(p.identifier);
    if (!id || id.family !== 4) issues.push({ field: "bgp_router_parameters.identifier", message: `router ID "${p.identifier}" must be a dotted-quad IPv4 address (RFC 4271 §4.2)` });
    p.autonomous_system ??= ctx.clusterAsn;
    p.port ??= 179;
    p.hold_time ??= 90;
    p.admin_down ??= false;
    p.address_families = { family: p.address_families?.family?.length ? p.address_families.family : ["inet", "inet-vpn"] };
    if (p.auth_data?.key_items?.length) {
      issues.push({
        field: "bgp_router_parameters.auth_data",
        message: "TCP MD5 authentication is not supported: Node.js cannot set TCP_MD5SIG on a Linux socket without native code; leave it empty",
      });
    }
    for (const other of ctx.list("bgp-router")) {
      if (other.uuid !== br.uuid && (other.bgp_router_parameters as BgpRouterParameters | undefined)?.address === p.address) {
        issues.push({ field: "bgp_router_parameters.address", message: `${p.address} is already the address of bgp-router ${fqString(other.fq_name)}` });
      }
    }
    ((br.bgp_router_refs as Ref[] | undefined) ?? []).forEach((r, i) => {
      if (r.uuid === br.uuid) issues.push({ field: `bgp_router_refs.${i}`, message: "a BGP router cannot peer with itself" });
    });
    if (issues.length) fail(issues);
  },
};

/** A compute node: its address, canonical. */
export const virtualRouter: TypeStrategy = {
  prepare(obj) {
    const ip = obj.virtual_router_ip_address as string | undefined;
    if (!ip) fail([{ field: "virtual_router_ip_address", message: "a virtual router needs the compute node's address" }]);
    const a = parseAddress(ip);
    if (!a) fail([{ field: "virtual_router_ip_address", message: `"${ip}" is not a valid IP address` }]);
    obj.virtual_router_ip_address = formatAddress(a.family, a.value);
    obj.virtual_router_type ??= "embedded";
  },
};
