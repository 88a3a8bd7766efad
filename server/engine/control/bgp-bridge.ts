// The control node's side of BGP: runs the speaker with the local control-node bgp-router's
// settings, keeps its peers in line with the compiled peering config, exports every agent path
// as an l3vpn-ipv4 route (RD <compute node>:<instance id>, the instance's export route targets,
// next hop = the compute node, the agent's MPLS label, the encapsulation community Contrail
// attaches) and imports what peers send: l3vpn-ipv4 routes into every routing instance whose
// import RTs match; plain ipv4-unicast routes only into the fabric's own table (ip-fabric, the
// inet.0 of Contrail's control node) whatever communities they carry — RFC 4364 §4.3.5 / §5:
// only VPN-IPv4 routes are imported into VRFs by route target, so an Internet-side peer cannot
// inject routes into a tenant.
import { BgpSpeaker, type Family, type PeerConfig, type PeerStatus, type Path as BgpPath, type Route as BgpRoute, isRouteTarget, normalizeExtendedCommunity } from "../bgp";
import type { BgpLocal, BgpPeer, CompiledBgp } from "../compiler/types";
import type { NextHop } from "../protocol";
import type { Rib, RouteChange } from "./rib";
import { logger } from "../log";

const log = logger("bgp");

const VPN: Family = "l3vpn-ipv4-unicast";
const FAMILY_OF: Record<string, Family> = { inet: "ipv4-unicast", "inet-vpn": "l3vpn-ipv4-unicast" };
const ENCAP_COMMUNITY: Record<string, string> = { MPLSoGRE: "encapsulation:gre", MPLSoUDP: "encapsulation:udp", VXLAN: "encapsulation:vxlan" };
const ENCAP_NAME: Record<string, string> = { gre: "MPLSoGRE", udp: "MPLSoUDP", vxlan: "VXLAN", "mpls-in-gre": "MPLSoGRE", "mpls-in-udp": "MPLSoUDP" };

interface Exported {
  key: string; // "<rd>:<prefix>"
  json: string;
}

export interface BridgeHost {
  rib: Rib;
  /** routing instance name → instance id (the VN's network id), for route distinguishers */
  instanceId(vrf: string): number | undefined;
  /** the fabric's routing instance, where plain ipv4-unicast routes from peers go */
  fabricInstance: string;
}

export class BgpBridge {
  speaker: BgpSpeaker | null = null;
  private local: BgpLocal | null = null;
  private peerConfigs = new Map<string, string>(); // address → JSON of applied PeerConfig
  private peersByAddress = new Map<string, BgpPeer>();
  /** (vrf, prefix) → exported routes */
  private exported = new Map<string, Exported[]>();
  private offPaths: (() => void) | null = null;
  private applying: Promise<void> = Promise.resolve();
  lastError: string | null = null;

  constructor(
    private readonly host: BridgeHost,
    private readonly enabled: boolean,
  ) {}

  /** Serialized: config changes apply one after another. */
  apply(bgp: CompiledBgp): Promise<void> {
    this.applying = this.applying.then(() => this.doApply(bgp)).catch((e) => {
      this.lastError = (e as Error).message;
      log.error(this.lastError);
    });
    return this.applying;
  }

  private async doApply(bgp: CompiledBgp) {
    const local = this.enabled ? bgp.local : null;
    const same = (a: BgpLocal | null, b: BgpLocal | null) =>
      !!a && !!b && a.asn === b.asn && a.routerId === b.routerId && a.address === b.address && a.port === b.port && a.holdTime === b.holdTime;
    if (!local || !same(local, this.local)) await this.stopSpeaker();
    this.local = local;
    if (!local) return;
    if (!this.speaker) {
      const speaker = new BgpSpeaker({
        asn: local.asn,
        routerId: local.routerId,
        listen: { address: local.address, port: local.port },
        holdTime: local.holdTime,
        connectRetryTime: 2,
        maxConnectRetryTime: 30,
      });
      await speaker.start();
      this.lastError = null;
      this.speaker = speaker;
      this.offPaths = speaker.on("paths", (e) => this.onPaths(e.peer, e.family, e.withdrawn, e.announced));
      this.exportAll();
    }
    this.reconcilePeers(bgp.peers, local);
  }

  private reconcilePeers(peers: BgpPeer[], local: BgpLocal) {
    const speaker = this.speaker!;
    const wanted = new Map<string, PeerConfig>();
    for (const p of peers) {
      const families = p.families.map((f) => FAMILY_OF[f]).filter((f): f is Family => !!f);
      wanted.set(p.address, {
        address: p.address,
        remoteAsn: p.asn,
        port: p.port,
        localAddress: local.address,
        ...(p.sourcePort ? { localPort: p.sourcePort } : {}),
        holdTime: p.holdTime,
        families: families.length ? families : ["l3vpn-ipv4-unicast"],
        passive: p.passive,
        adminDown: p.adminDown,
        ...(p.maxPrefixes ? { maxPrefixes: p.maxPrefixes } : {}),
        description: p.fqName,
      });
    }
    this.peersByAddress = new Map(peers.map((p) => [p.address, p]));
    for (const address of [...this.peerConfigs.keys()]) {
      if (!wanted.has(address)) {
        speaker.removePeer(address);
        this.peerConfigs.delete(address);
        this.host.rib.removeSource(`bgp:${address}`);
      }
    }
    for (const [address, cfg] of wanted) {
      const json = JSON.stringify(cfg);
      const prev = this.peerConfigs.get(address);
      if (prev === json) continue;
      if (prev === undefined) speaker.addPeer(cfg);
      else {
        const { address: _a, ...patch } = cfg;
        speaker.updatePeer(address, patch);
      }
      this.peerConfigs.set(address, json);
    }
  }

  private async stopSpeaker() {
    if (!this.speaker) return;
    this.offPaths?.();
    this.offPaths = null;
    const s = this.speaker;
    this.speaker = null;
    for (const address of this.peerConfigs.keys()) this.host.rib.removeSource(`bgp:${address}`);
    this.peerConfigs.clear();
    this.exported.clear();
    await s.stop();
  }

  async stop() {
    await this.applying;
    await this.stopSpeaker();
  }

  // ------------------------------------------------------------ export

  private desired(vrf: string, paths: RouteChange["route"]): (Exported & { route: BgpRoute })[] {
    if (!paths) return [];
    const id = this.host.instanceId(vrf);
    if (id === undefined) return [];
    return paths.paths
      .filter((p) => p.origin === vrf && p.source.startsWith("agent:"))
      .map((p) => {
        const rd = `${p.nextHop.address}:${id}`;
        const route = {
          prefix: p.prefix,
          rd,
          labels: [p.nextHop.label],
          nextHop: p.nextHop.address,
          attrs: {
            origin: "igp" as const,
            localPref: p.localPref,
            extendedCommunities: [...p.rts, ...p.nextHop.encapsulations.map((e) => ENCAP_COMMUNITY[e]).filter(Boolean)],
          },
        };
        return { key: `${rd}:${p.prefix}`, json: JSON.stringify(route), route };
      });
  }

  onRouteChanges(changes: RouteChange[]) {
    if (!this.speaker) return;
    const announce: BgpRoute[] = [];
    const withdraw: string[] = [];
    for (const c of changes) {
      const k = `${c.vrf}\u0000${c.prefix}`;
      const prev = this.exported.get(k) ?? [];
      const next = this.desired(c.vrf, c.route);
      const nextKeys = new Set(next.map((n) => n.key));
      for (const p of prev) if (!nextKeys.has(p.key)) withdraw.push(p.key);
      for (const n of next) if (!prev.some((p) => p.key === n.key && p.json === n.json)) announce.push(n.route);
      if (next.length) this.exported.set(k, next.map(({ key, json }) => ({ key, json })));
      else this.exported.delete(k);
    }
    if (withdraw.length) this.speaker.withdraw(VPN, withdraw);
    if (announce.length) this.speaker.announce(VPN, announce);
  }

  /** Everything the RIB holds, for a speaker that just started. */
  private exportAll() {
    const changes: RouteChange[] = [];
    for (const [vrf, table] of this.host.rib.tables) for (const r of table.values()) changes.push({ vrf, prefix: r.prefix, route: r });
    this.onRouteChanges(changes);
  }

  // ------------------------------------------------------------ import

  private onPaths(peer: string, family: Family, withdrawn: string[], announced: BgpPath[]) {
    const rib = this.host.rib;
    const source = `bgp:${peer}`;
    for (const key of withdrawn) rib.remove(`${source}|${family}|${key}`);
    const vpn = family === VPN;
    for (const p of announced) {
      const ext = (p.attrs.extendedCommunities ?? []).map(normalizeExtendedCommunity).filter((c): c is string => !!c);
      const rts = ext.filter(isRouteTarget);
      const key = `${source}|${family}|${p.key}`;
      // the speaker treats IPv6 next hops as withdrawn unless RFC 8950 was negotiated (we never
      // offer it): agents tunnel over IPv4 only, so such a path must never reach them
      const nextHop = p.attrs.nextHop;
      if (!nextHop || nextHop.includes(":") || (vpn && rts.length === 0)) {
        rib.remove(key); // nothing to import it by (or replaced by one without RTs)
        continue;
      }
      const encaps = ext
        .filter((c) => c.startsWith("encapsulation:"))
        .map((c) => ENCAP_NAME[c.slice("encapsulation:".length)])
        .filter(Boolean);
      const nh: NextHop = {
        address: nextHop,
        label: p.labels?.[0] ?? 0,
        vni: 0,
        encapsulations: encaps.length ? encaps : ["MPLSoGRE"],
        node: source,
        data_port: 0,
      };
      const from = `BGP peer ${this.peersByAddress.get(peer)?.fqName ?? peer} (${peer})`;
      rib.add({
        key,
        prefix: p.prefix,
        // RFC 4364: a unicast route has no RD and is not a VPN route: it belongs to the fabric's
        // table only, and its route targets (if any) import it nowhere
        origin: vpn ? "" : this.host.fabricInstance,
        source,
        nextHop: nh,
        rts: vpn ? rts : [],
        localPref: p.attrs.localPref ?? 100,
        why: vpn
          ? [`${from}${p.rd ? ` rd ${p.rd}` : ""}, ${rts.join(" ")}`]
          : [`${from}, ipv4-unicast: fabric table only${rts.length ? ` (route targets ${rts.join(" ")} not used: only VPN routes are imported by route target, RFC 4364)` : ""}`],
      });
    }
    rib.commit();
  }

  // ------------------------------------------------------------ status

  peerStatus(): (PeerStatus & { name: string; uuid: string })[] {
    if (!this.speaker) return [];
    return this.speaker.peers().map((s) => {
      const p = this.peersByAddress.get(s.address);
      return { ...s, name: p?.name ?? s.address, uuid: p?.uuid ?? "" };
    });
  }

  exportedCount(): number {
    let n = 0;
    for (const e of this.exported.values()) n += e.length;
    return n;
  }
}
