// The BGP router status over REST and /metrics (issue 15): GET /vnc/bgp-router-status lists every
// bgp-router with its session state and reason, the RFC 7606 outcomes and routes set aside per
// peer; a connection from an address that is no configured peer gets Cease / Connection Rejected
// (RFC 4486), counted on the control node's entry and as weft_bgp_rejected_connections_total.
// The control node listens on 127.0.32.40; the stranger connects from 127.0.32.41.
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decodeMessage, MessageFramer } from "../../server/engine/bgp/wire";
import { FABRIC_INSTANCE } from "../../server/engine/engine";
import { waitFor } from "../bgp/daemons";
import { ADMIN, startServer, type TestServer } from "../helpers";

const WEFT = "127.0.32.40";
const PEER = "127.0.32.42";
const PORT = 10179;
let t: TestServer;

interface Status {
  name: string;
  isLocal: boolean;
  session: { state: string; stateReason?: string | null; rejectedConnections?: number; lastRejected?: string | null; rfc7606?: Record<string, unknown>; ignored?: Record<string, unknown> };
}

describe("BGP router status over REST and /metrics", () => {
  beforeAll(async () => {
    process.env.WEFT_CONTROL_ADDRESS = WEFT;
    process.env.WEFT_BGP_PORT = String(PORT);
    process.env.WEFT_CONTROL_NAME = "weft-rest";
    t = await startServer({ bgp: true });
    const local = t.services.engine.config.getByFqName("bgp-router", [...FABRIC_INSTANCE, "weft-rest"])!;
    // a peer that never comes: its session stays down and must say why
    await t.services.engine.config.create(
      "bgp-router",
      {
        fq_name: [...FABRIC_INSTANCE, "far-gw"],
        parent_type: "routing-instance",
        bgp_router_parameters: { vendor: "frr", router_type: "router", address: PEER, identifier: PEER, autonomous_system: 64512, port: PORT + 1, address_families: { family: ["inet-vpn"] } },
        bgp_router_refs: [{ uuid: local.uuid }],
      },
      ADMIN,
    );
  }, 60_000);
  afterAll(async () => {
    await t?.stop();
    delete process.env.WEFT_CONTROL_ADDRESS;
    delete process.env.WEFT_BGP_PORT;
    delete process.env.WEFT_CONTROL_NAME;
  });

  it("a stranger's connection gets Cease / Connection Rejected, counted on the control node", async () => {
    await waitFor("the speaker listening", () => t.services.engine.control.bgp.speaker?.address(), 10_000);
    const msgs = await new Promise<Buffer[]>((resolve) => {
      const got: Buffer[] = [];
      const framer = new MessageFramer();
      const sock = net.connect({ host: WEFT, port: PORT, localAddress: "127.0.32.41" });
      sock.on("data", (c: Buffer) => framer.push(c, (b, off, len) => (got.push(Buffer.from(b.subarray(off, off + len))), true)));
      sock.on("error", () => {});
      sock.on("close", () => resolve(got));
    });
    const n = decodeMessage(msgs[0]);
    expect(n.ok && n.value.type === "notification" && [n.value.notification.code, n.value.notification.subcode]).toEqual([6, 5]);

    const res = await t.as(t.viewer, "/vnc/bgp-router-status");
    expect(res.status).toBe(200);
    const list = ((await res.json()) as { "bgp-router-status": Status[] })["bgp-router-status"];
    const local = list.find((r) => r.isLocal)!;
    expect(local.session).toMatchObject({ state: "Listening", rejectedConnections: 1, lastRejected: "127.0.32.41" });

    const metrics = await (await t.as(null, "/metrics")).text();
    expect(metrics).toMatch(/^weft_bgp_rejected_connections_total 1$/m);
  });

  it("a down peer's status says why and carries the RFC 7606 and ignored-route counters", async () => {
    const one = await waitFor(
      "the peer's status with a reason",
      async () => {
        const r = ((await (await t.as(t.viewer, `/vnc/bgp-router-status/${[...FABRIC_INSTANCE, "far-gw"].join(":")}`)).json()) as { "bgp-router-status": Status })["bgp-router-status"];
        return r.session.stateReason && /connection refused/.test(r.session.stateReason) ? r : undefined;
      },
      15_000,
    );
    expect(one.session.state).not.toBe("Established");
    expect(one.session.rfc7606).toMatchObject({ treatAsWithdraw: 0, attributeDiscard: 0, sessionReset: 0, last: null });
    expect(one.session.ignored).toMatchObject({ current: 0, asLoop: 0, ownOriginatorId: 0, ownClusterId: 0 });
    const metrics = await (await t.as(null, "/metrics")).text();
    expect(metrics).toContain(`weft_bgp_update_errors_total{peer="${PEER}",outcome="treat-as-withdraw"} 0`);
    expect(metrics).toContain(`weft_bgp_routes_ignored_total{peer="${PEER}",reason="as-loop"} 0`);
    expect((await t.as(t.viewer, "/vnc/bgp-router-status/nope")).status).toBe(404);
    expect((await t.as(null, "/vnc/bgp-router-status")).status).toBe(401);
  });
});
