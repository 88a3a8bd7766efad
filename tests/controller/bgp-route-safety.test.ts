// Issue 15's received-UPDATE table through a real gobgpd into the control node: gobgpd
// (127.0.32.2, iBGP AS 64512, route reflector) peers with the engine's control node
// (127.0.32.3) as its client; each row's route is injected with `gobgp global rib add`, or — for attributes the
// CLI cannot set (ORIGINATOR_ID, CLUSTER_LIST, a route target on a unicast route) — sent by a
// second speaker (127.0.32.4, a route-reflector client of gobgpd) and reflected to us. For each
// row: what our speaker did with it (accepted / ignored / treat-as-withdraw) and where it landed
// (the tenant VRF importing its route target, the fabric table, or nowhere).
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BgpSpeaker } from "../../server/engine/bgp";
import { FABRIC_VRF } from "../../server/engine/control/control-node";
import { Engine, FABRIC_INSTANCE } from "../../server/engine/engine";
import { bgpRouters } from "../../server/engine/control/views";
import { Gobgpd, gobgpMissing, waitFor } from "../bgp/daemons";
import { SAFETY_CASES, type SafetyCase, type SafetyContext, TENANT_RT } from "../bgp/route-safety-cases";
import { ADMIN, tempDir, vnBody } from "../helpers";

const missing = gobgpMissing();
const GW = "127.0.32.2";
const WEFT = "127.0.32.3";
const SOURCE = "127.0.32.4";
const PORT = 10179;
const API = 50332;
const P = ["default-domain", "safety"];
const ASN = 64512;

let engine: Engine;
let dir: string;
let gobgp: Gobgpd;
let source: BgpSpeaker;
let vrf: string;

const ctx: SafetyContext = { ownAsn: ASN, ownRouterId: WEFT, ownClusterId: WEFT, peerAsn: ASN, nextHop: GW };

/** `gobgp global rib add` arguments for a row (vpnv4 or ipv4). */
function cliArgs(c: SafetyCase): string[] {
  const a = c.attrs(ctx);
  const path = (a.asPath ?? []).flatMap((s) => s.asns);
  const rts = (a.extendedCommunities ?? []).filter((x) => x.startsWith("target:")).map((x) => x.slice("target:".length));
  const common = ["nexthop", a.nextHop!, ...(path.length ? ["aspath", path.join(",")] : [])];
  if (c.family === "l3vpn-ipv4-unicast") return ["global", "rib", "-a", "vpnv4", "add", c.prefix, "label", "100", "rd", c.rd!, ...(rts.length ? ["rt", ...rts] : []), ...common];
  return ["global", "rib", "-a", "ipv4", "add", c.prefix, ...common];
}

/** The row's own path (control-node path key "bgp:<peer>|<family>|<key>") is in the table's best route. */
function landedIn(table: string, c: SafetyCase): boolean {
  const key = `bgp:${GW}|${c.family}|${c.rd ? `${c.rd}:${c.prefix}` : c.prefix}`;
  return !!engine.control.rib.tables.get(table)?.get(c.prefix)?.paths.some((p) => p.key === key);
}

describe.skipIf(!!missing)("received UPDATEs → outcome, through a real gobgpd into the control node (issue 15 table)", () => {
  beforeAll(async () => {
    dir = tempDir();
    engine = await Engine.start({ dataDir: dir, agentPort: 0, controlName: "weft-safety", bgp: { address: WEFT, port: PORT } });
    gobgp = new Gobgpd({
      asn: ASN,
      routerId: GW,
      port: PORT,
      apiPort: API,
      neighbors: [
        // both are route-reflector clients: gobgpd keeps ORIGINATOR_ID / CLUSTER_LIST only toward clients
        { address: WEFT, peerAs: ASN, remotePort: PORT, rrClusterId: "192.0.2.250" },
        { address: SOURCE, peerAs: ASN, remotePort: PORT, passive: true, rrClusterId: "192.0.2.250" },
      ],
    });
    await gobgp.start();
    source = new BgpSpeaker({ asn: ASN, routerId: SOURCE, listen: false, connectRetryTime: 1 });
    source.addPeer({ address: GW, remoteAsn: ASN, port: PORT, localAddress: SOURCE });
    await source.start();
    const local = engine.config.getByFqName("bgp-router", [...FABRIC_INSTANCE, "weft-safety"])!;
    await engine.config.create(
      "bgp-router",
      {
        fq_name: [...FABRIC_INSTANCE, "gateway"],
        parent_type: "routing-instance",
        bgp_router_parameters: { vendor: "gobgp", router_type: "router", address: GW, identifier: GW, autonomous_system: ASN, port: PORT, address_families: { family: ["inet", "inet-vpn"] } },
        bgp_router_refs: [{ uuid: local.uuid }],
      },
      ADMIN,
    );
    await engine.config.create("project", { fq_name: P, parent_type: "domain" }, ADMIN);
    const vn = await engine.config.create("virtual-network", vnBody(P, "tenant", "10.232.0.0/24", { route_target_list: { route_target: [TENANT_RT] } }), ADMIN);
    vrf = [...vn.fq_name, vn.name].join(":");
    await waitFor("control node ↔ gobgpd Established", () => engine.control.bgp.peerStatus().find((p) => p.address === GW && p.state === "Established"), 30_000);
    await waitFor("source ↔ gobgpd Established", () => source.peer(GW)?.state === "Established", 30_000);
    expect(engine.control.bgp.peerStatus().find((p) => p.address === GW)!.negotiated!.families.sort()).toEqual(["ipv4-unicast", "l3vpn-ipv4-unicast"]);
  }, 60_000);

  afterAll(async () => {
    await source?.stop();
    await gobgp?.stop();
    await engine?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const c of SAFETY_CASES) {
    const how = c.gobgp;
    const skip = typeof how === "object" ? how.skip : "";
    it.skipIf(!!skip)(`${c.name} → ${c.outcome}, lands ${c.lands}${skip ? ` (skipped: ${skip})` : ""}`, async () => {
      const sp = engine.control.bgp.speaker!;
      const key = c.rd ? `${c.rd}:${c.prefix}` : c.prefix;
      const before = sp.peer(GW)!;
      if (how === "cli") await gobgp.cli(cliArgs(c));
      else {
        // reflected routes keep their next hop: the second speaker's own address (gobgpd drops a
        // route whose next hop is gobgpd itself)
        const attrs = c.attrs({ ...ctx, nextHop: SOURCE });
        source.announce(c.family, [{ prefix: c.prefix, rd: c.rd, labels: c.rd ? [100] : undefined, nextHop: attrs.nextHop!, attrs }]);
      }

      switch (c.outcome) {
        case "accepted":
          await waitFor("in the control node's Adj-RIB-In", () => sp.adjRibIn(GW, c.family).has(key), 15_000);
          break;
        case "ignored": {
          const r = await waitFor("set aside by the speaker", () => sp.rejectedRoutes(GW, c.family).get(key), 15_000);
          expect(r.reason).toMatch(c.reason!);
          expect(sp.adjRibIn(GW, c.family).has(key)).toBe(false);
          break;
        }
        case "treat-as-withdraw": {
          const st = await waitFor("treat-as-withdraw counted", () => {
            const s = sp.peer(GW)!;
            return s.malformed.treatAsWithdraw > before.malformed.treatAsWithdraw ? s : undefined;
          }, 15_000);
          expect(st.malformed.last).toMatch(c.reason!);
          expect(sp.adjRibIn(GW, c.family).has(key)).toBe(false);
          expect(st.state).toBe("Established");
          break;
        }
        case "session-reset":
          throw new Error("no session-reset row is produced through gobgpd");
      }
      // where it lands: the speaker has decided; the control node applies its paths events synchronously
      if (c.lands === "tenant-vrf") await waitFor("in the tenant VRF", () => landedIn(vrf, c), 15_000);
      else if (c.lands === "fabric") await waitFor("in the fabric table", () => landedIn(FABRIC_VRF, c), 15_000);
      expect(landedIn(vrf, c)).toBe(c.lands === "tenant-vrf");
      expect(landedIn(FABRIC_VRF, c)).toBe(c.lands === "fabric");
    });
  }

  it("the BGP router view (REST / console) shows the RFC 7606 counters and the ignored routes per peer", () => {
    const gw = bgpRouters(engine).find((r) => r.address === GW)!;
    const s = gw.session as { state: string; rfc7606: { treatAsWithdraw: number; last: string | null }; ignored: { current: number; asLoop: number; ownOriginatorId: number; ownClusterId: number } };
    expect(s.state).toBe("Established");
    const ran = (outcome: string) => SAFETY_CASES.filter((c) => typeof c.gobgp === "string" && c.outcome === outcome).length;
    expect(s.rfc7606.treatAsWithdraw).toBe(ran("treat-as-withdraw"));
    expect(s.ignored.current).toBe(ran("ignored"));
    expect(s.ignored).toMatchObject({ asLoop: 1, ownOriginatorId: 1, ownClusterId: 1 });
  });
});
