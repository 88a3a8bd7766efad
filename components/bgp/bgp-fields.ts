// BGP routers in the console: the shapes the views return, the form's values, and how a form
// becomes a bgp-router body with its "associated peers" (bgp_router_refs, Contrail's
// BgpPeeringAttributes) — shared by the list, the form and the detail page.
import { BGP_FAMILIES, SUPPORTED_BGP_FAMILIES } from "../../server/engine/model/schemas";
import type { ConfigObject, Ref } from "../../server/engine/model/types";
import type { RouterOutputs } from "../../lib/trpc";

export type BgpRouterView = RouterOutputs["bgp"]["routers"][number];
export type BgpRouteRow = RouterOutputs["bgp"]["routes"]["received"][number];

/** Where Contrail keeps BGP routers: the fabric's default routing instance. */
export const FABRIC_INSTANCE = ["default-domain", "default-project", "ip-fabric", "__default__"];

export const bgpRouterHref = (uuid: string) => `/infrastructure/bgp-routers/${uuid}`;

/** Router types offered in the form (Contrail Command's; BGPaaS types are made by BGPaaS objects). */
export const FORM_ROUTER_TYPES = [
  { value: "router", label: "router (a gateway or any BGP speaker)" },
  { value: "control-node", label: "control-node (a Weft/Contrail control node)" },
  { value: "external-control-node", label: "external-control-node (a control node of another cluster)" },
];

export const FAMILY_HINT: Record<(typeof BGP_FAMILIES)[number], string> = {
  inet: "IPv4 unicast (AFI 1 / SAFI 1)",
  "inet-vpn": "L3VPN IPv4 (AFI 1 / SAFI 128, RFC 4364)",
  "route-target": "RT constraint (RFC 4684)",
  "e-vpn": "EVPN (RFC 7432)",
  inet6: "IPv6 unicast",
  "inet6-vpn": "L3VPN IPv6 (RFC 4659)",
  "inet-labeled": "Labeled IPv4 (RFC 8277)",
  "erm-vpn": "Contrail multicast (ErmVpn)",
  "inet-mvpn": "Multicast VPN (RFC 6514)",
};

export const isSupportedFamily = (f: string) => (SUPPORTED_BGP_FAMILIES as readonly string[]).includes(f);

/** The session part of a router's view, flattened (the view is a union per router kind). */
export interface SessionInfo {
  state: string;
  stateReason: string | null;
  uptimeSeconds: number | null;
  flaps: number | null;
  lastError: string | null;
  received: number | null;
  accepted: number | null;
  advertised: number | null;
  negotiatedFamilies: string[];
  holdTime: number | null;
  remoteRouterId: string | null;
  type: string | null;
  listen: string | null;
  exported: number | null;
  /** RFC 7606 outcomes of the peer's UPDATEs (null for the control node itself) */
  rfc7606: { treatAsWithdraw: number; attributeDiscard: number; sessionReset: number; last: string | null; lastAt: string | null } | null;
  /** routes set aside: AS loop (RFC 4271 §9.1.2), own ORIGINATOR_ID / CLUSTER_ID (RFC 4456 §8) */
  ignored: { current: number; asLoop: number; ownOriginatorId: number; ownClusterId: number; last: string | null } | null;
  /** the control node: connections from unknown peers refused with Cease / Connection Rejected */
  rejectedConnections: number | null;
  lastRejected: string | null;
}

export function sessionOf(r: BgpRouterView): SessionInfo {
  const s = r.session as Partial<Record<string, unknown>>;
  const n = (k: string) => (typeof s[k] === "number" ? (s[k] as number) : null);
  const t = (k: string) => (typeof s[k] === "string" && s[k] ? (s[k] as string) : null);
  return {
    state: (s.state as string) ?? "Idle",
    stateReason: t("stateReason"),
    uptimeSeconds: n("uptimeSeconds"),
    flaps: n("flaps"),
    lastError: t("lastError"),
    received: n("received"),
    accepted: n("accepted"),
    advertised: n("advertised"),
    negotiatedFamilies: Array.isArray(s.negotiatedFamilies) ? (s.negotiatedFamilies as string[]) : [],
    holdTime: n("holdTime"),
    remoteRouterId: t("remoteRouterId"),
    type: t("type"),
    listen: t("listen"),
    exported: n("exported"),
    rfc7606: s.rfc7606 && typeof s.rfc7606 === "object" ? (s.rfc7606 as SessionInfo["rfc7606"]) : null,
    ignored: s.ignored && typeof s.ignored === "object" ? (s.ignored as SessionInfo["ignored"]) : null,
    rejectedConnections: n("rejectedConnections"),
    lastRejected: t("lastRejected"),
  };
}

/** The word shown for a router's session: the FSM state, or why there is none. */
export function stateWord(r: BgpRouterView): string {
  const s = sessionOf(r);
  if (!r.isLocal && r.adminDown) return "Disabled";
  return s.state;
}

// ------------------------------------------------------------------ form

export interface BgpFormValues {
  name: string;
  vendor: string;
  routerType: string;
  address: string;
  identifier: string;
  asn: string;
  port: string;
  sourcePort: string;
  holdTime: string;
  families: string[];
  adminDown: boolean;
  passive: boolean;
  maxPrefixes: string;
  /** uuids of the bgp-routers this one peers with */
  peers: string[];
}

type Params = Record<string, unknown> & { address_families?: { family?: string[] } };

export const paramsOf = (o: ConfigObject | undefined): Params => ((o?.bgp_router_parameters ?? {}) as Params);
export const refsOf = (o: ConfigObject): Ref[] => (o.bgp_router_refs as Ref[] | undefined) ?? [];

/** bgp-routers linked to `uuid` by bgp_router_refs in either direction (as the compiler reads them). */
export function associatedPeers(all: ConfigObject[], uuid: string): string[] {
  const self = all.find((o) => o.uuid === uuid);
  const out = new Set<string>(self ? refsOf(self).map((r) => r.uuid) : []);
  for (const o of all) if (o.uuid !== uuid && refsOf(o).some((r) => r.uuid === uuid)) out.add(o.uuid);
  out.delete(uuid);
  return [...out].filter((u) => all.some((o) => o.uuid === u));
}

export function formValues(existing: ConfigObject | undefined, all: ConfigObject[], local: ConfigObject | undefined): BgpFormValues {
  const p = paramsOf(existing);
  const str = (v: unknown) => (v === undefined || v === null ? "" : String(v));
  if (!existing) {
    const lp = paramsOf(local);
    return {
      name: "",
      vendor: "",
      routerType: "router",
      address: "",
      identifier: "",
      // an iBGP peer of the control node by default, as in seed 001's MP-IBGP set-up
      asn: str(lp.autonomous_system ?? 64512),
      port: "179",
      sourcePort: "",
      holdTime: "90",
      families: ["inet", "inet-vpn"],
      adminDown: false,
      passive: false,
      maxPrefixes: "",
      // "don't forget to associate the controller(s)" (seed 001)
      peers: local ? [local.uuid] : [],
    };
  }
  return {
    name: existing.name,
    vendor: str(p.vendor),
    routerType: str(p.router_type) || "router",
    address: str(p.address),
    identifier: str(p.identifier),
    asn: str(p.autonomous_system),
    port: str(p.port ?? 179),
    sourcePort: str(p.source_port),
    holdTime: str(p.hold_time ?? 90),
    families: p.address_families?.family ?? [],
    adminDown: !!p.admin_down,
    passive: !!p.passive,
    maxPrefixes: p.max_prefixes ? str(p.max_prefixes) : "",
    peers: associatedPeers(all, existing.uuid),
  };
}

/** number fields: "" → undefined, otherwise Number (NaN is left for the schema to refuse in words) */
const numOrUndef = (s: string): number | undefined => (s.trim() === "" ? undefined : Number(s.trim()));

/** bgp_router_parameters from the form, over what the object already had (fields the form does not show are kept). */
export function paramsFromForm(v: BgpFormValues, existing: ConfigObject | undefined): Record<string, unknown> {
  const p: Record<string, unknown> = { ...paramsOf(existing) };
  const set = (k: string, val: unknown) => {
    if (val === undefined || val === "") delete p[k];
    else p[k] = val;
  };
  set("vendor", v.vendor.trim());
  set("router_type", v.routerType);
  p.address = v.address.trim();
  set("identifier", v.identifier.trim());
  set("autonomous_system", numOrUndef(v.asn));
  set("port", numOrUndef(v.port));
  const sp = numOrUndef(v.sourcePort);
  if (sp === undefined) delete p.source_port;
  else p.source_port = sp;
  set("hold_time", numOrUndef(v.holdTime));
  p.address_families = { family: BGP_FAMILIES.filter((f) => v.families.includes(f)) };
  if (v.routerType === "control-node") {
    delete p.passive;
    delete p.max_prefixes;
  } else {
    p.admin_down = v.adminDown;
    p.passive = v.passive;
    set("max_prefixes", numOrUndef(v.maxPrefixes) || undefined);
  }
  // TCP MD5 is refused by the engine: never send a key
  delete p.auth_data;
  return p;
}

/** Contrail's BgpPeeringAttributes for one session: the families it carries. */
export function sessionAttr(families: string[]) {
  return { session: [{ attributes: [{ address_families: { family: families } }] }] };
}

function attrFamilies(ref: Ref | undefined): string[] | undefined {
  const a = (ref?.attr as { session?: { attributes?: { address_families?: { family?: string[] } | null }[] }[] } | undefined)?.session?.[0]?.attributes?.[0];
  return a?.address_families?.family ?? undefined;
}

const sameList = (a: string[] | undefined, b: string[]) => !!a && a.length === b.length && a.every((x, i) => x === b[i]);

export interface PeerWrites {
  /** the bgp_router_refs of the router being saved */
  refs: { uuid: string; attr: unknown }[];
  /** other bgp-routers whose refs to it change: a link removed, or the session's families updated */
  others: { object: ConfigObject; refs: { uuid: string; attr: unknown }[] }[];
}

/**
 * The writes that make `selfUuid`'s associated peers exactly `selected`. A link may live on either
 * end (Contrail keeps both): an existing link is kept where it is; a new one is written on this
 * router; an unselected one is removed from whichever end holds it. The session's address
 * families follow the end that is not a control node (the peer's own families), so a session
 * never carries something the peer was not configured for.
 */
export function peerWrites(all: ConfigObject[], selfUuid: string | null, self: { routerType: string; families: string[]; refs: Ref[] }, selected: string[]): PeerWrites {
  const byUuid = new Map(all.map((o) => [o.uuid, o]));
  const typeOf = (o: ConfigObject | undefined) => (paramsOf(o).router_type as string | undefined) ?? "router";
  const sessionFamilies = (other: ConfigObject | undefined) => {
    if (self.routerType === "control-node" && other && typeOf(other) !== "control-node") return paramsOf(other).address_families?.family ?? ["inet", "inet-vpn"];
    return self.families;
  };
  const want = new Set(selected.filter((u) => u !== selfUuid && byUuid.has(u)));
  const reverse = selfUuid ? all.filter((o) => o.uuid !== selfUuid && refsOf(o).some((r) => r.uuid === selfUuid)) : [];
  const reverseSet = new Set(reverse.map((o) => o.uuid));

  const refs: PeerWrites["refs"] = [];
  for (const u of want) {
    const mine = self.refs.find((r) => r.uuid === u);
    const fams = sessionFamilies(byUuid.get(u));
    if (mine) refs.push({ uuid: u, attr: sameList(attrFamilies(mine), fams) ? mine.attr : sessionAttr(fams) });
    else if (!reverseSet.has(u)) refs.push({ uuid: u, attr: sessionAttr(fams) });
  }

  const others: PeerWrites["others"] = [];
  for (const o of reverse) {
    const current = refsOf(o);
    const toSelf = current.find((r) => r.uuid === selfUuid)!;
    let next: { uuid: string; attr: unknown }[] | null = null;
    if (!want.has(o.uuid)) next = current.filter((r) => r.uuid !== selfUuid).map((r) => ({ uuid: r.uuid, attr: r.attr }));
    else if (typeOf(o) === "control-node" && self.routerType !== "control-node" && !sameList(attrFamilies(toSelf), self.families)) {
      next = current.map((r) => ({ uuid: r.uuid, attr: r.uuid === selfUuid ? sessionAttr(self.families) : r.attr }));
    }
    if (next) others.push({ object: o, refs: next });
  }
  return { refs, others };
}

/** 3725 → "1h 2m 5s" */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds) || seconds < 0) return "—";
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = Math.floor(seconds % 60);
  if (d) return `${d}d ${h}h ${m}m`;
  if (h) return `${h}h ${m}m ${s}s`;
  if (m) return `${m}m ${s}s`;
  return `${s}s`;
}

export const num = (n: number | null | undefined) => (n === null || n === undefined ? "—" : n.toLocaleString());
