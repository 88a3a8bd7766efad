// The received-UPDATE safety table of issue 15, shared by the speaker run (a scripted peer over a
// real socket, tests/bgp/route-safety.test.ts) and the engine run (a real gobgpd injecting the
// same routes into the control node, tests/controller/bgp-route-safety.test.ts). Each row is one
// route as a peer sends it and what must happen to it:
//   accepted          in the peer's Adj-RIB-In
//   ignored           set aside with the rule that matched (RFC 4271 §9.1.2, RFC 4456 §8)
//   treat-as-withdraw RFC 7606 §2: the routes are withdrawn, the session stays up
//   session-reset     RFC 7606 §2: NOTIFICATION UPDATE Message Error, the session goes down
// and, through the control node, where it lands: the tenant VRF (imported by route target), the
// fabric table (ip-fabric, for plain unicast), or nowhere.
import type { Family, PathAttributes } from "../../server/engine/bgp";

export type Outcome = "accepted" | "ignored" | "treat-as-withdraw" | "session-reset";

/** Who is who in a run: our AS / router ID / cluster ID and the peer's AS. */
export interface SafetyContext {
  ownAsn: number;
  ownRouterId: string;
  ownClusterId: string;
  peerAsn: number;
  /** a usable IPv4 next hop in the run (the peer's address) */
  nextHop: string;
}

/** Route target every tenant VPN row carries: the test VN imports it. */
export const TENANT_RT = "target:64512:100";

export interface SafetyCase {
  name: string;
  family: Family;
  prefix: string;
  rd?: string;
  attrs: (c: SafetyContext) => PathAttributes;
  outcome: Outcome;
  /** what the outcome's reason (rejected route / RFC 7606 note) says */
  reason?: RegExp;
  /** through the control node: where the route ends up */
  lands: "tenant-vrf" | "fabric" | "nowhere";
  /** speaker run: our AS is a 4-octet one (the AS4_PATH row) */
  ownAsn4Octet?: boolean;
  /** speaker run: the peer is a 2-octet-AS speaker (no RFC 6793 capability): AS_PATH + AS4_PATH */
  peer2Octet?: boolean;
  /** speaker run: we advertise the Extended Next Hop capability (RFC 8950) for the family */
  weAdvertiseExtendedNextHop?: boolean;
  /** speaker run: the peer advertises Extended Next Hop (gobgpd always does) */
  peerAdvertisesExtendedNextHop?: boolean;
  /** speaker run: raw octets instead of an encoded route (malformed rows) */
  raw?: (c: SafetyContext) => Buffer;
  /**
   * Engine run through gobgpd: "cli" = `gobgp global rib add`, "reflect" = sent by a second
   * speaker to gobgpd acting as route reflector (the attributes the CLI cannot set), or why the
   * row cannot be produced by a real gobgpd.
   */
  gobgp: "cli" | "reflect" | { skip: string };
}

const vpnAttrs = (c: SafetyContext, extra: PathAttributes = {}): PathAttributes => ({
  origin: "igp",
  asPath: [],
  nextHop: c.nextHop,
  extendedCommunities: [TENANT_RT],
  ...extra,
});

export const SAFETY_CASES: SafetyCase[] = [
  {
    name: "VPN route with the tenant's route target",
    family: "l3vpn-ipv4-unicast",
    prefix: "10.32.1.0/24",
    rd: "64512:32",
    attrs: (c) => vpnAttrs(c),
    outcome: "accepted",
    lands: "tenant-vrf",
    gobgp: "cli",
  },
  {
    name: "own AS in AS_PATH",
    family: "l3vpn-ipv4-unicast",
    prefix: "10.32.2.0/24",
    rd: "64512:32",
    attrs: (c) => vpnAttrs(c, { asPath: [{ type: "sequence", asns: [65001, c.ownAsn, 65002] }] }),
    outcome: "ignored",
    reason: /AS loop: our AS \d+ is in the AS_PATH \(RFC 4271 §9\.1\.2\)/,
    lands: "nowhere",
    gobgp: "cli",
  },
  {
    name: "own AS in AS4_PATH (from a 2-octet-AS peer)",
    family: "l3vpn-ipv4-unicast",
    prefix: "10.32.3.0/24",
    rd: "64512:32",
    // encodeUpdate toward a 2-octet peer writes AS_TRANS in AS_PATH and the real path in AS4_PATH (RFC 6793 §4.2.2)
    attrs: (c) => vpnAttrs(c, { asPath: [{ type: "sequence", asns: [c.peerAsn, c.ownAsn] }] }),
    outcome: "ignored",
    reason: /AS loop/,
    lands: "nowhere",
    ownAsn4Octet: true,
    peer2Octet: true,
    gobgp: { skip: "gobgpd always negotiates 4-octet AS and never sends AS4_PATH to a 4-octet speaker (RFC 6793 §4.1)" },
  },
  {
    name: "own router ID as ORIGINATOR_ID",
    family: "l3vpn-ipv4-unicast",
    prefix: "10.32.4.0/24",
    rd: "64512:32",
    attrs: (c) => vpnAttrs(c, { originatorId: c.ownRouterId, clusterList: ["192.0.2.99"] }),
    outcome: "ignored",
    reason: /ORIGINATOR_ID is our router ID .* \(RFC 4456 §8\)/,
    lands: "nowhere",
    gobgp: "reflect",
  },
  {
    name: "own CLUSTER_ID in CLUSTER_LIST",
    family: "l3vpn-ipv4-unicast",
    prefix: "10.32.5.0/24",
    rd: "64512:32",
    attrs: (c) => vpnAttrs(c, { originatorId: "192.0.2.98", clusterList: ["192.0.2.97", c.ownClusterId] }),
    outcome: "ignored",
    reason: /our CLUSTER_ID .* is in the CLUSTER_LIST \(RFC 4456 §8\)/,
    lands: "nowhere",
    gobgp: "reflect",
  },
  {
    name: "IPv6 next hop (24-octet vpnv4), peer advertised Extended Next Hop, we did not",
    family: "l3vpn-ipv4-unicast",
    prefix: "10.32.6.0/24",
    rd: "64512:32",
    attrs: (c) => vpnAttrs(c, { nextHop: "2001:db8::32" }),
    outcome: "treat-as-withdraw",
    reason: /IPv6 next hop 2001:db8::32 for l3vpn-ipv4-unicast without the Extended Next Hop capability/,
    lands: "nowhere",
    peerAdvertisesExtendedNextHop: true,
    gobgp: "cli",
  },
  {
    name: "IPv6 next hop (16-octet ipv4-unicast), no Extended Next Hop on either side",
    family: "ipv4-unicast",
    prefix: "198.51.100.0/24",
    attrs: () => ({ origin: "igp", asPath: [], nextHop: "2001:db8::33" }),
    outcome: "treat-as-withdraw",
    reason: /IPv6 next hop 2001:db8::33 for ipv4-unicast/,
    lands: "nowhere",
    gobgp: "cli",
  },
  {
    name: "IPv6 next hop with the capability: we advertised Extended Next Hop (RFC 8950)",
    family: "l3vpn-ipv4-unicast",
    prefix: "10.32.8.0/24",
    rd: "64512:32",
    attrs: (c) => vpnAttrs(c, { nextHop: "2001:db8::34" }),
    outcome: "accepted",
    // the control node never advertises the capability, so through it this row is the one above
    lands: "nowhere",
    weAdvertiseExtendedNextHop: true,
    peerAdvertisesExtendedNextHop: true,
    gobgp: { skip: "the control node never advertises Extended Next Hop: its agents tunnel over IPv4 only (the row above covers it)" },
  },
  {
    name: "MP_REACH_NLRI next hop of 7 octets (NLRI cannot be located)",
    family: "l3vpn-ipv4-unicast",
    prefix: "10.32.9.0/24",
    rd: "64512:32",
    attrs: (c) => vpnAttrs(c),
    // RFC 7606 §7.11: an inconsistent next hop length makes the NLRI unlocatable -> session reset
    raw: () => rawMpReachWithNextHopLength(7),
    outcome: "session-reset",
    reason: /MP_REACH_NLRI next hop of length 7/,
    lands: "nowhere",
    gobgp: { skip: "gobgpd only encodes well-formed next hops" },
  },
  {
    name: "plain ipv4-unicast route (no RD) with a route target",
    family: "ipv4-unicast",
    prefix: "203.0.113.0/24",
    attrs: () => ({ origin: "igp", asPath: [], nextHop: "192.0.2.1", extendedCommunities: [TENANT_RT] }),
    outcome: "accepted",
    lands: "fabric",
    gobgp: "reflect",
  },
  {
    name: "VPN route with the same route target",
    family: "l3vpn-ipv4-unicast",
    prefix: "203.0.113.0/24",
    rd: "64512:33",
    attrs: (c) => vpnAttrs(c),
    outcome: "accepted",
    lands: "tenant-vrf",
    gobgp: "cli",
  },
];

/**
 * An UPDATE whose MP_REACH_NLRI (AFI 1 / SAFI 128) says its next hop is `nhLen` octets long:
 * for lengths RFC 4364 / RFC 8950 do not define the NLRI cannot be located.
 */
export function rawMpReachWithNextHopLength(nhLen: number): Buffer {
  const nlri = Buffer.from([24 + 64 + 24, 0x00, 0x06, 0x41, 0, 0, 0xfc, 0x00, 0, 0, 0, 0x20, 10, 32, 9]); // label 100, RD 64512:32, 10.32.9.0/24
  const mp = Buffer.concat([Buffer.from([0, 1, 128, nhLen]), Buffer.alloc(nhLen, 7), Buffer.from([0]), nlri]);
  const attrs = Buffer.concat([
    Buffer.from([0x90, 14, mp.length >> 8, mp.length & 255]),
    mp,
    Buffer.from([0x40, 1, 1, 0]), // ORIGIN igp
    Buffer.from([0x40, 2, 0]), // AS_PATH empty
  ]);
  const body = Buffer.concat([Buffer.from([0, 0, attrs.length >> 8, attrs.length & 255]), attrs]);
  const head = Buffer.alloc(19, 0xff);
  head.writeUInt16BE(19 + body.length, 16);
  head[18] = 2;
  return Buffer.concat([head, body]);
}
