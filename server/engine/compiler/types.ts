// What the compiler (Contrail's schema transformer) produces from config: routing instances with
// their route targets, ACLs per virtual network and per security group, and per-port config for
// the agents. Every compiled object says why it exists (which config objects produced it).
import type { Acl, FloatingIp } from "../protocol";

export interface ImportReason {
  rt: string;
  why: string;
}

export interface RoutingInstance {
  /** deterministic from the VN's uuid, so a rebuild gives the same ids */
  uuid: string;
  /** VN's FQ name plus the VN's name, as Contrail names it */
  fq_name: string[];
  name: string;
  networkUuid: string;
  networkFqName: string[];
  networkId: number;
  vxlanId: number;
  /** the automatically allocated target:<ASN>:<n> */
  routeTarget: string;
  importTargets: string[];
  exportTargets: string[];
  /** why each import RT is there */
  imports: ImportReason[];
  why: string[];
}

export interface CompiledPort {
  uuid: string;
  fqName: string;
  networkUuid: string;
  networkFqName: string;
  vrf: string;
  mac: string;
  addresses: string[];
  /** security-group ACL names, in the order of the port's security_group_refs */
  acls: string[];
  networkAcl: string;
  /** compute node hosting the port (virtual_machine_interface_bindings host_id) */
  host: string;
  floatingIps: FloatingIp[];
  why: string[];
}

export interface GlobalSettings {
  autonomousSystem: number;
  encapsulationPriority: string[];
}

/** The local control node's BGP speaker settings (its control-node bgp-router object). */
export interface BgpLocal {
  uuid: string;
  name: string;
  fqName: string;
  asn: number;
  routerId: string;
  address: string;
  port: number;
  holdTime: number;
  families: string[];
}

/** A BGP peer of the local control node (a bgp-router linked to it by bgp_router_refs, either way). */
export interface BgpPeer {
  uuid: string;
  name: string;
  fqName: string;
  routerType: string;
  vendor: string;
  address: string;
  routerId: string;
  asn: number;
  port: number;
  sourcePort: number | null;
  holdTime: number;
  /** Contrail family names (inet, inet-vpn, …), session attributes applied */
  families: string[];
  adminDown: boolean;
  passive: boolean;
  maxPrefixes: number;
}

export interface CompiledBgp {
  local: BgpLocal | null;
  peers: BgpPeer[];
}

export interface CompiledState {
  bgp: CompiledBgp;
  globals: GlobalSettings;
  instances: Map<string, RoutingInstance>; // by VN uuid
  acls: Map<string, Acl>; // by ACL name
  ports: Map<string, CompiledPort>; // by port uuid
}

/** What changed in one reconcile pass (names / uuids), for the control node to push. */
export interface CompiledDelta {
  /** set when the global settings changed */
  globals?: GlobalSettings;
  /** set when the BGP configuration changed */
  bgp?: CompiledBgp;
  instances: { changed: RoutingInstance[]; removed: RoutingInstance[] };
  acls: { changed: Acl[]; removed: string[] };
  ports: { changed: CompiledPort[]; removed: CompiledPort[] };
}

export const vnAclName = (vnFq: string) => `vn:${vnFq}`;
export const sgAclName = (sgFq: string) => `sg:${sgFq}`;
