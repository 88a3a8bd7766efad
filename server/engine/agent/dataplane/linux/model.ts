// What the kernel should hold for one compute node, computed from the agent's state alone (pure:
// the same state gives the same model, so a restarted agent converges on what a fresh one builds).
// No VRF devices and no MPLS forwarding on the kernels we target (docs/stack.md): a routing instance is
// a routing table with `ip rule`s for its ports' veths and its VXLAN device; the overlay is VXLAN
// with VNI = the network's vxlan_network_identifier (default its network id), as Contrail's
// VXLAN mode; remote next hops are static neighbour + FDB entries from the control node's routes
// (no flooding, no learning). Everything is named with a prefix the agent owns: `weftv…` (a
// port's veth), `weftx<VNI>` (a VN's VXLAN device), `weft-w-…` (a workload namespace the agent
// made), routing tables from TABLE_BASE.
import { createHash } from "node:crypto";
import type { NextHop, Port } from "../../../protocol/index.ts";
import type { AgentState } from "../../state.ts";

export const TABLE_BASE = 0x57000000; // "W" in the top byte: far from the tables hosts use (main 254, local 255, small numbers)
export const RULE_PREF = 1000;
/** The gateway every workload routes to; the node answers ARP for it in each VRF table (a local route), as vRouter's agent does. */
export const GATEWAY = "169.254.0.1";
export const VXLAN_PORT = 4789;
/** 1500 minus the VXLAN/UDP/IP/Ethernet headers, on veths and VXLAN devices alike. */
export const OVERLAY_MTU = 1450;

export const hashHex = (s: string, n = 8) => createHash("sha1").update(s).digest("hex").slice(0, n);
/** The node end of a port's veth (≤ 15 characters, the kernel's limit). */
export const vethName = (portUuid: string) => `weftv${hashHex(portUuid)}`;
/** The workload namespace the agent makes for a port no runtime gave a namespace for. */
export const workloadNetns = (portUuid: string) => `weft-w-${hashHex(portUuid)}`;
export const vxlanName = (vni: number) => `weftx${vni}`;
export const tableOf = (networkId: number) => TABLE_BASE + networkId;
export const isOwnedLink = (name: string) => /^weft[vx]/.test(name);
export const isOwnedTable = (t: number) => t >= TABLE_BASE && t < TABLE_BASE + 0x1000000;

/** The MAC of a node's VXLAN devices, derived from its tunnel address (locally administered, unicast). */
export function vtepMac(address: string): string {
  const parts = address.split(".").map(Number);
  const bytes = parts.length === 4 && parts.every((p) => p >= 0 && p < 256) ? parts : [...Buffer.from(hashHex(address, 8), "hex")];
  return ["0a", "57", ...bytes.map((b) => b.toString(16).padStart(2, "0"))].join(":");
}

/** A port's MAC from the port object; one derived from its uuid when the object has none. */
export function portMac(p: Port): string {
  if (/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(p.mac)) return p.mac.toLowerCase();
  const h = hashHex(p.uuid, 10);
  return ["02", ...h.match(/../g)!].join(":");
}

export interface DesiredPort {
  uuid: string;
  fqName: string;
  veth: string;
  netns: string;
  mac: string;
  /** IPv4 addresses (the kernel model carries IPv4; IPv6 is reported as not programmed) */
  addresses: string[];
  table: number;
}

export interface RouteSpec {
  table: number;
  type: "unicast" | "local" | "unreachable";
  dst: string;
  /** `via` empty for a directly connected port */
  nexthops: { via: string; dev: string }[];
}

export interface KernelModel {
  ports: Map<string, DesiredPort>; // by veth name
  vxlans: Map<string, number>; // name → VNI
  rules: Map<string, { iif: string; table: number }>; // key iif|table
  routes: Map<string, RouteSpec>; // key table|dst
  neighs: Map<string, { dev: string; ip: string; mac: string }>; // key dev|ip
  fdb: Map<string, { dev: string; mac: string; dst: string }>; // key dev|mac|dst
  /** what the kernel cannot do for this state (shown in the agent status) */
  problems: string[];
}

export const routeKey = (table: number, dst: string) => `${table}|${dst}`;
export function routeText(r: RouteSpec): string {
  const nhs = r.nexthops.map((n) => `${n.via}@${n.dev}`).sort();
  return `${r.type} ${r.dst} ${nhs.join(",")}`;
}

/** `a.b.c.d/32` → `a.b.c.d`, `0.0.0.0/0` → `default`: how `ip -j route` prints them. */
export function kernelDst(prefix: string): string {
  if (prefix === "0.0.0.0/0") return "default";
  return prefix.endsWith("/32") ? prefix.slice(0, -3) : prefix;
}

const isV4 = (a: string) => /^\d+\.\d+\.\d+\.\d+(\/\d+)?$/.test(a);

export function buildModel(state: AgentState, netnsOf: (p: Port) => string = (p) => workloadNetns(p.uuid)): KernelModel {
  const m: KernelModel = { ports: new Map(), vxlans: new Map(), rules: new Map(), routes: new Map(), neighs: new Map(), fdb: new Map(), problems: [] };
  const self = state.self.address;
  const vethOfPort = new Map<string, string>();
  const tables = new Map<string, number>(); // vrf name → table
  const rule = (iif: string, table: number) => m.rules.set(`${iif}|${table}`, { iif, table });

  for (const p of state.ports.values()) {
    const vrf = state.vrfs.get(p.vrf);
    if (!vrf) continue; // its routing instance has not arrived yet
    const table = tableOf(vrf.network_id);
    tables.set(p.vrf, table);
    const veth = vethName(p.uuid);
    vethOfPort.set(p.uuid, veth);
    const addresses = p.addresses.filter(isV4);
    if (addresses.length < p.addresses.length) m.problems.push(`port ${p.fq_name}: IPv6 addresses are not programmed in the kernel`);
    const dp: DesiredPort = { uuid: p.uuid, fqName: p.fq_name, veth, netns: netnsOf(p), mac: portMac(p), addresses, table };
    m.ports.set(veth, dp);
    rule(veth, table);
    for (const a of addresses) m.neighs.set(`${veth}|${a}`, { dev: veth, ip: a, mac: dp.mac });
  }

  const vxlan = (vni: number) => {
    const name = vxlanName(vni);
    m.vxlans.set(name, vni);
    return name;
  };
  for (const [vrfName, table] of tables) {
    const vrf = state.vrfs.get(vrfName)!;
    const vni = vrf.vxlan_id || vrf.network_id;
    rule(vxlan(vni), table);
    m.routes.set(routeKey(table, GATEWAY), { table, type: "local", dst: GATEWAY, nexthops: [{ via: "", dev: "lo" }] });
    // a lookup that finds nothing in the VRF ends there: never falls through to the host's tables
    m.routes.set(routeKey(table, "default"), { table, type: "unreachable", dst: "default", nexthops: [] });
    const fib = state.fib.vrf(vrfName);
    if (!fib) continue;
    for (const [, entry] of fib.entries()) {
      const r = entry.control ?? entry.local;
      if (!r || !isV4(r.prefix) || r.nextHops.length === 0) continue;
      const dst = kernelDst(r.prefix);
      const nexthops: RouteSpec["nexthops"] = [];
      for (const nh of r.nextHops) {
        const h = hop(state, nh, r.prefix, vethOfPort, vxlan, m);
        if (h) nexthops.push(h);
      }
      if (nexthops.length === 0) continue;
      // one connected port: no gateway; several local ports of one address: one multipath route
      m.routes.set(routeKey(table, dst), { table, type: "unicast", dst, nexthops: dedupe(nexthops) });
    }
  }
  for (const [name] of m.vxlans) for (const f of m.fdb.values()) if (f.dev === name) m.neighs.set(`${name}|${f.dst}`, { dev: name, ip: f.dst, mac: f.mac });
  void self;
  return m;
}

function dedupe(nhs: RouteSpec["nexthops"]): RouteSpec["nexthops"] {
  const seen = new Set<string>();
  return nhs.filter((n) => {
    const k = `${n.via}@${n.dev}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

function hop(
  state: AgentState,
  nh: NextHop,
  prefix: string,
  vethOfPort: Map<string, string>,
  vxlan: (vni: number) => string,
  m: KernelModel,
): RouteSpec["nexthops"][number] | null {
  if (state.isSelf(nh) || nh.address === state.self.address) {
    const port = state.portByLabelOf(nh.label);
    if (!port) return null;
    const addr = prefix.replace(/\/32$/, "");
    // floating IPs and VIPs need NAT (not programmed yet): only a port's own address is delivered
    if (!port.addresses.includes(addr)) {
      m.problems.push(`${prefix} (floating IP / VIP of ${port.fq_name}): NAT is not programmed in the kernel yet`);
      return null;
    }
    const veth = vethOfPort.get(port.uuid);
    return veth ? { via: "", dev: veth } : null;
  }
  if (nh.node?.startsWith("bgp:")) {
    m.problems.push(`${prefix} via gateway ${nh.address}: routes learned from BGP peers are not programmed in the kernel (MPLS)`);
    return null;
  }
  if (!nh.vni || (nh.encapsulations?.length && !nh.encapsulations.includes("VXLAN"))) {
    m.problems.push(`${prefix} via ${nh.node || nh.address}: no VXLAN (the kernel has no MPLS forwarding)`);
    return null;
  }
  const dev = vxlan(nh.vni);
  m.fdb.set(`${dev}|${vtepMac(nh.address)}|${nh.address}`, { dev, mac: vtepMac(nh.address), dst: nh.address });
  return { via: nh.address, dev };
}
