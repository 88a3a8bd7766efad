// Numbers of the BGP-4 wire format. Each constant cites where it is defined.

/** RFC 4271 §4.1: 16-octet marker, 2-octet length, 1-octet type. */
export const HEADER_LENGTH = 19;
/** RFC 4271 §4.1: a message is at most 4096 octets (RFC 8654 extended messages are not negotiated). */
export const MAX_MESSAGE_LENGTH = 4096;

/** RFC 4271 §4.1 and RFC 2918 §3: message type codes. */
export const MessageType = {
  OPEN: 1,
  UPDATE: 2,
  NOTIFICATION: 3,
  KEEPALIVE: 4,
  ROUTE_REFRESH: 5,
} as const;
export type MessageTypeCode = (typeof MessageType)[keyof typeof MessageType];

/** RFC 4271 §4.3: path attribute flags. */
export const AttrFlag = {
  OPTIONAL: 0x80,
  TRANSITIVE: 0x40,
  PARTIAL: 0x20,
  EXTENDED_LENGTH: 0x10,
} as const;

/** Path attribute type codes (IANA "BGP Path Attributes"). */
export const AttrType = {
  ORIGIN: 1, // RFC 4271 §5.1.1
  AS_PATH: 2, // RFC 4271 §5.1.2
  NEXT_HOP: 3, // RFC 4271 §5.1.3
  MULTI_EXIT_DISC: 4, // RFC 4271 §5.1.4
  LOCAL_PREF: 5, // RFC 4271 §5.1.5
  ATOMIC_AGGREGATE: 6, // RFC 4271 §5.1.6
  AGGREGATOR: 7, // RFC 4271 §5.1.7
  COMMUNITIES: 8, // RFC 1997
  ORIGINATOR_ID: 9, // RFC 4456
  CLUSTER_LIST: 10, // RFC 4456
  MP_REACH_NLRI: 14, // RFC 4760 §3
  MP_UNREACH_NLRI: 15, // RFC 4760 §4
  EXTENDED_COMMUNITIES: 16, // RFC 4360
  AS4_PATH: 17, // RFC 6793
  AS4_AGGREGATOR: 18, // RFC 6793
  LARGE_COMMUNITY: 32, // RFC 8092
} as const;

/** RFC 4271 §5.1.2: AS_PATH segment types; RFC 5065 §3: confederation segments. */
export const AsPathSegmentType = { AS_SET: 1, AS_SEQUENCE: 2, AS_CONFED_SEQUENCE: 3, AS_CONFED_SET: 4 } as const;

/** RFC 6793 §9: AS_TRANS stands for a 4-octet AS in 2-octet fields. */
export const AS_TRANS = 23456;

/** RFC 5492 §4 / IANA "Capability Codes". */
export const CapabilityCode = {
  MULTIPROTOCOL: 1, // RFC 4760 §8
  ROUTE_REFRESH: 2, // RFC 2918 §2
  EXTENDED_NEXT_HOP: 5, // RFC 8950 §3
  EXTENDED_MESSAGE: 6, // RFC 8654
  GRACEFUL_RESTART: 64, // RFC 4724 §3
  FOUR_OCTET_AS: 65, // RFC 6793 §3
  ADD_PATH: 69, // RFC 7911
  ENHANCED_ROUTE_REFRESH: 70, // RFC 7313
  LONG_LIVED_GRACEFUL_RESTART: 71, // RFC 9494
  FQDN: 73, // draft-walton-bgp-hostname-capability
  ROUTE_REFRESH_CISCO: 128, // pre-standard route refresh
} as const;

/** RFC 5492 §4: optional parameter type 2 carries capabilities. RFC 9072: 255 = extended length. */
export const OPT_PARAM_CAPABILITIES = 2;
export const OPT_PARAM_EXTENDED_LENGTH = 255;

/** IANA address family numbers and SAFI values used here. */
export const Afi = { IPV4: 1, IPV6: 2 } as const;
export const Safi = { UNICAST: 1, MPLS_LABEL: 4, MPLS_VPN: 128 } as const;

/**
 * The address families this speaker decodes and encodes (names as GoBGP / OpenConfig spell them).
 * ipv4-unicast = AFI 1 / SAFI 1 (RFC 4271); l3vpn-ipv4-unicast = AFI 1 / SAFI 128 (RFC 4364 §4.3.4).
 */
export type Family = "ipv4-unicast" | "l3vpn-ipv4-unicast";
export const FAMILIES: readonly Family[] = ["ipv4-unicast", "l3vpn-ipv4-unicast"];

export function familyOf(afi: number, safi: number): Family | null {
  if (afi === Afi.IPV4 && safi === Safi.UNICAST) return "ipv4-unicast";
  if (afi === Afi.IPV4 && safi === Safi.MPLS_VPN) return "l3vpn-ipv4-unicast";
  return null;
}

export function afiSafiOf(family: Family): { afi: number; safi: number } {
  return family === "ipv4-unicast" ? { afi: Afi.IPV4, safi: Safi.UNICAST } : { afi: Afi.IPV4, safi: Safi.MPLS_VPN };
}

/** Text for any AFI/SAFI pair, known or not ("ipv6-unicast", "afi 25 / safi 70"). */
export function afiSafiName(afi: number, safi: number): string {
  const f = familyOf(afi, safi);
  if (f) return f;
  const a = afi === 1 ? "ipv4" : afi === 2 ? "ipv6" : afi === 25 ? "l2vpn" : `afi${afi}`;
  const s =
    safi === 1 ? "unicast" : safi === 2 ? "multicast" : safi === 4 ? "labeled-unicast" : safi === 70 ? "evpn" : safi === 128 ? "mpls-vpn" : safi === 133 ? "flowspec" : `safi${safi}`;
  return `${a}-${s}`;
}

/** RFC 3032 §2.1 / RFC 8277 §2.4: compatibility label value carried in MP_UNREACH_NLRI for labeled routes. */
export const WITHDRAW_LABEL = 0x800000;
