// Writes tests/bgp/corpus/malformed.txt: malformed (and borderline) messages with the outcome
// RFC 4271 §6 / RFC 7606 require. Every input that ever crashed or confused the decoder belongs
// here too (append by hand: "name | expect | asn4|asn2 ibgp|ebgp | hex").
//   npx tsx tests/bgp/corpus/make-malformed.ts
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const M = "ff".repeat(16);

function msg(type: number, bodyHex: string, lenOverride?: number): string {
  const len = lenOverride ?? 19 + bodyHex.length / 2;
  return M + len.toString(16).padStart(4, "0") + type.toString(16).padStart(2, "0") + bodyHex;
}
const u16 = (n: number) => n.toString(16).padStart(4, "0");
const u8 = (n: number) => n.toString(16).padStart(2, "0");
function update(withdrawn: string, attrs: string, nlri: string): string {
  return msg(2, u16(withdrawn.length / 2) + withdrawn + u16(attrs.length / 2) + attrs + nlri);
}
const attr = (flags: number, type: number, value: string) => u8(flags) + u8(type) + u8(value.length / 2) + value;

const ORIGIN = attr(0x40, 1, "00");
const ASPATH4 = attr(0x40, 2, "0201" + "0000fde9");
const ASPATH2 = attr(0x40, 2, "0201" + "fde9");
const NH = attr(0x40, 3, "c0000201");
const NLRI = "080a"; // 10.0.0.0/8
const VPN_NLRI = "70" + "000641" + "0000fc0000000001" + "0a0101"; // label 100, RD 64512:1, 10.1.1.0/24
const mpReach = (nh: string, nlri: string) => attr(0x80, 14, "000180" + u8(nh.length / 2) + nh + "00" + nlri);
const MP_VPN = mpReach("0000000000000000" + "7f000001", VPN_NLRI);
const BASE = ORIGIN + ASPATH4 + NH;

const OPEN_BODY = "04" + "fde9" + "005a" + "7f000001";
const capsParam = "02" + "06" + "0104" + "00010001"; // MP ipv4/unicast
const open = (body: string, params: string) => msg(1, body + u8(params.length / 2) + params);

const cases: [string, string, string, string][] = [
  // header, RFC 4271 §6.1
  ["marker not all ones", "session-reset 1/1", "asn4 ebgp", "fe" + msg(4, "").slice(2)],
  ["length below 19", "session-reset 1/2", "asn4 ebgp", msg(4, "", 18)],
  ["length above 4096", "session-reset 1/2", "asn4 ebgp", msg(2, "00000000", 4097)],
  ["unknown message type 9", "session-reset 1/3", "asn4 ebgp", msg(9, "")],
  ["KEEPALIVE of 20 octets", "session-reset 1/2", "asn4 ebgp", msg(4, "00")],
  ["UPDATE shorter than 23", "session-reset 1/2", "asn4 ebgp", msg(2, "0000")],
  ["NOTIFICATION of 20 octets", "session-reset 1/2", "asn4 ebgp", msg(3, "06")],
  ["declared length beyond the buffer", "session-reset 1/2", "asn4 ebgp", msg(4, "", 40)],
  // OPEN, RFC 4271 §6.2
  ["OPEN version 3", "session-reset 2/1", "asn4 ebgp", open("03" + OPEN_BODY.slice(2), capsParam)],
  ["OPEN hold time 1", "session-reset 2/6", "asn4 ebgp", open("04fde900017f000001", capsParam)],
  ["OPEN BGP identifier 0", "session-reset 2/3", "asn4 ebgp", open("04fde9005a00000000", capsParam)],
  ["OPEN optional parameter type 1", "session-reset 2/4", "asn4 ebgp", open(OPEN_BODY, "0100")],
  ["OPEN optional parameters length too long", "session-reset 2/0", "asn4 ebgp", msg(1, OPEN_BODY + "09" + capsParam)],
  ["OPEN capability overruns its parameter", "session-reset 2/0", "asn4 ebgp", open(OPEN_BODY, "0204" + "0108" + "0001")],
  ["OPEN multiprotocol capability of length 3", "session-reset 2/0", "asn4 ebgp", open(OPEN_BODY, "0205" + "0103" + "000100")],
  ["OPEN unknown capabilities are ignored", "ok", "asn4 ebgp", open(OPEN_BODY, "0208" + "4902" + "0000" + "aa02" + "beef")],
  ["OPEN RFC 9072 extended optional parameters", "ok", "asn4 ebgp", msg(1, OPEN_BODY + "ff" + "ff" + "0005" + "02" + "0002" + "0200")],
  // UPDATE framing, RFC 7606 §4 / §5.3
  ["withdrawn length overruns", "session-reset 3/1", "asn4 ebgp", msg(2, "00ff0000")],
  ["total attribute length overruns", "session-reset 3/1", "asn4 ebgp", msg(2, "000000ff" + ORIGIN)],
  ["NLRI prefix length 33", "session-reset 3/10", "asn4 ebgp", update("", BASE, "210a000000")],
  ["NLRI prefix overruns", "session-reset 3/10", "asn4 ebgp", update("", BASE, "180a00")],
  ["withdrawn prefix length 40", "session-reset 3/10", "asn4 ebgp", update("280a000000", "", "")],
  // attributes, RFC 7606 §7
  ["ORIGIN value 3", "treat-as-withdraw", "asn4 ebgp", update("", attr(0x40, 1, "03") + ASPATH4 + NH, NLRI)],
  ["ORIGIN of length 2", "treat-as-withdraw", "asn4 ebgp", update("", attr(0x40, 1, "0000") + ASPATH4 + NH, NLRI)],
  ["ORIGIN marked optional", "treat-as-withdraw", "asn4 ebgp", update("", attr(0xc0, 1, "00") + ASPATH4 + NH, NLRI)],
  ["AS_PATH segment type 5", "treat-as-withdraw", "asn4 ebgp", update("", ORIGIN + attr(0x40, 2, "0501" + "0000fde9") + NH, NLRI)],
  ["AS_PATH segment overruns", "treat-as-withdraw", "asn4 ebgp", update("", ORIGIN + attr(0x40, 2, "0202" + "0000fde9") + NH, NLRI)],
  ["AS_PATH empty segment", "treat-as-withdraw", "asn4 ebgp", update("", ORIGIN + attr(0x40, 2, "0200") + NH, NLRI)],
  ["AS_PATH with 2-octet ASNs to a 4-octet session", "treat-as-withdraw", "asn4 ebgp", update("", ORIGIN + attr(0x40, 2, "0201fde9") + NH, NLRI)],
  ["NEXT_HOP of length 5", "treat-as-withdraw", "asn4 ebgp", update("", ORIGIN + ASPATH4 + attr(0x40, 3, "c000020100"), NLRI)],
  ["NEXT_HOP 0.0.0.0", "treat-as-withdraw", "asn4 ebgp", update("", ORIGIN + ASPATH4 + attr(0x40, 3, "00000000"), NLRI)],
  ["NEXT_HOP multicast", "treat-as-withdraw", "asn4 ebgp", update("", ORIGIN + ASPATH4 + attr(0x40, 3, "e0000001"), NLRI)],
  ["MULTI_EXIT_DISC of length 3", "treat-as-withdraw", "asn4 ebgp", update("", BASE + attr(0x80, 4, "000001"), NLRI)],
  ["LOCAL_PREF of length 3 from iBGP", "treat-as-withdraw", "asn4 ibgp", update("", BASE + attr(0x40, 5, "000064"), NLRI)],
  ["LOCAL_PREF from eBGP", "attribute-discard", "asn4 ebgp", update("", BASE + attr(0x40, 5, "00000064"), NLRI)],
  ["ATOMIC_AGGREGATE of length 1", "attribute-discard", "asn4 ebgp", update("", BASE + attr(0x40, 6, "00"), NLRI)],
  ["AGGREGATOR of length 7", "attribute-discard", "asn4 ebgp", update("", BASE + attr(0xc0, 7, "0000fde97f0000"), NLRI)],
  ["AGGREGATOR marked non-transitive", "attribute-discard", "asn4 ebgp", update("", BASE + attr(0x80, 7, "0000fde97f000001"), NLRI)],
  ["COMMUNITIES of length 5", "treat-as-withdraw", "asn4 ebgp", update("", BASE + attr(0xc0, 8, "fde8006400"), NLRI)],
  ["COMMUNITIES of length 0", "treat-as-withdraw", "asn4 ebgp", update("", BASE + attr(0xc0, 8, ""), NLRI)],
  ["ORIGINATOR_ID of length 3", "treat-as-withdraw", "asn4 ibgp", update("", BASE + attr(0x80, 9, "7f0000"), NLRI)],
  ["CLUSTER_LIST of length 6", "treat-as-withdraw", "asn4 ibgp", update("", BASE + attr(0x80, 10, "7f0000017f00"), NLRI)],
  ["EXTENDED_COMMUNITIES of length 7", "treat-as-withdraw", "asn4 ebgp", update("", BASE + attr(0xc0, 16, "0002fde8000000"), NLRI)],
  ["LARGE_COMMUNITY of length 13", "treat-as-withdraw", "asn4 ebgp", update("", BASE + attr(0xc0, 32, "00".repeat(13)), NLRI)],
  ["AS4_PATH malformed from a 2-octet speaker", "attribute-discard", "asn2 ebgp", update("", ORIGIN + ASPATH2 + NH + attr(0xc0, 17, "0202" + "0000fde9"), NLRI)],
  ["AS4_AGGREGATOR of length 6", "attribute-discard", "asn2 ebgp", update("", ORIGIN + ASPATH2 + NH + attr(0xc0, 18, "0000fde97f00"), NLRI)],
  ["missing ORIGIN", "treat-as-withdraw", "asn4 ebgp", update("", ASPATH4 + NH, NLRI)],
  ["missing AS_PATH", "treat-as-withdraw", "asn4 ebgp", update("", ORIGIN + NH, NLRI)],
  ["missing NEXT_HOP with IPv4 NLRI", "treat-as-withdraw", "asn4 ebgp", update("", ORIGIN + ASPATH4, NLRI)],
  ["no NEXT_HOP needed for MP_REACH only", "ok", "asn4 ebgp", update("", MP_VPN + ORIGIN + ASPATH4, "")],
  ["repeated ORIGIN keeps the first", "attribute-discard", "asn4 ebgp", update("", BASE + attr(0x40, 1, "02"), NLRI)],
  ["unrecognized well-known attribute 99", "session-reset 3/2", "asn4 ebgp", update("", BASE + attr(0x40, 99, "00"), NLRI)],
  ["unknown optional transitive attribute kept", "ok", "asn4 ebgp", update("", BASE + attr(0xc0, 99, "abcd"), NLRI)],
  ["unknown optional non-transitive attribute dropped", "ok", "asn4 ebgp", update("", BASE + attr(0x80, 98, "abcd"), NLRI)],
  ["last attribute overruns the list", "treat-as-withdraw", "asn4 ebgp", update("", MP_VPN + BASE + "c00810fde80064", "")],
  ["truncated attribute header", "treat-as-withdraw", "asn4 ebgp", update("", MP_VPN + BASE + "c008", "")],
  ["attribute list overruns with only IPv4 NLRI", "treat-as-withdraw", "asn4 ebgp", update("", BASE + "c00810", NLRI)],
  // MP_REACH / MP_UNREACH, RFC 7606 §7.11 and §3 g
  ["MP_REACH_NLRI twice", "session-reset 3/1", "asn4 ebgp", update("", MP_VPN + MP_VPN + ORIGIN + ASPATH4, "")],
  ["MP_REACH_NLRI next hop of length 7", "session-reset 3/9", "asn4 ebgp", update("", mpReach("00000000000000", VPN_NLRI) + ORIGIN + ASPATH4, "")],
  ["MP_REACH_NLRI next hop overruns", "session-reset 3/9", "asn4 ebgp", update("", attr(0x80, 14, "00018020" + "00000000") + ORIGIN + ASPATH4, "")],
  ["MP_REACH_NLRI label stack without bottom of stack", "session-reset 3/9", "asn4 ebgp", update("", mpReach("0000000000000000" + "7f000001", "70" + "000640" + "0000fc0000000001" + "0a0101") + ORIGIN + ASPATH4, "")],
  ["MP_REACH_NLRI VPN prefix length 41", "session-reset 3/9", "asn4 ebgp", update("", mpReach("0000000000000000" + "7f000001", "81" + "000641" + "0000fc0000000001" + "0a010101ff00") + ORIGIN + ASPATH4, "")],
  ["MP_REACH_NLRI marked transitive", "session-reset 3/4", "asn4 ebgp", update("", attr(0xc0, 14, MP_VPN.slice(6)) + ORIGIN + ASPATH4, "")],
  ["MP_UNREACH_NLRI truncated prefix", "session-reset 3/9", "asn4 ebgp", update("", attr(0x80, 15, "000180" + "70800000" + "0000fc00"), "")],
  ["MP_REACH_NLRI of an unknown family is skipped", "ok", "asn4 ebgp", update("", attr(0x80, 14, "001946" + "04" + "7f000001" + "00") + ORIGIN + ASPATH4, "")],
  ["MP_UNREACH_NLRI with withdraw label 0x800000", "ok", "asn4 ebgp", update("", attr(0x80, 15, "000180" + "70800000" + "0000fc0000000001" + "0a0101"), "")],
  ["End-of-RIB l3vpn-ipv4", "ok", "asn4 ebgp", update("", attr(0x80, 15, "000180"), "")],
  ["End-of-RIB ipv4", "ok", "asn4 ebgp", update("", "", "")],
  // ROUTE-REFRESH, RFC 7313 §5
  ["ROUTE-REFRESH of 24 octets", "session-reset 7/1", "asn4 ebgp", msg(5, "0001000100")],
  ["ROUTE-REFRESH", "ok", "asn4 ebgp", msg(5, "00010080")],
];

const lines = [
  "# Malformed and borderline BGP messages with the outcome RFC 4271 §6 / RFC 7606 require.",
  "# name | expect (session-reset code/subcode, treat-as-withdraw, attribute-discard, ok) | asn4|asn2 ibgp|ebgp | hex",
  ...cases.map(([n, e, c, h]) => `${n} | ${e} | ${c} | ${h}`),
];
fs.writeFileSync(path.join(here, "malformed.txt"), `${lines.join("\n")}\n`);
console.log(`wrote ${cases.length} cases`);
