// Graceful restart: the control node dies, the agents keep forwarding on stale routes, the
// control node comes back (empty, as after a crash), the agents resync and sweep what the new
// control node did not confirm. Also: a silent control node is detected by the hold timer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Route } from "../../server/engine/protocol/index.ts";
import { type AgentHandle, startAgent } from "../../server/engine/agent/main.ts";
import { type HarnessConfig, type HarnessControl, port, startHarness, VN1, vrf, waitFor } from "./harness.ts";

const cfg = (withStatic: boolean): HarnessConfig => ({
  holdTimeSeconds: 2,
  vrfs: [vrf(VN1, 10)],
  ports: { r1: [port("ra", VN1, ["10.2.0.1"])], r2: [port("rb", VN1, ["10.2.0.2"])] },
  staticRoutes: withStatic ? [gatewayRoute] : [],
});
const gatewayRoute: Route = {
  vrf: VN1,
  prefix: "10.2.9.0/24",
  next_hops: [{ address: "127.0.1.29", label: 100, vni: 0, encapsulations: ["MPLSoGRE"], node: "bgp:gw", data_port: 16998 }],
  source: "bgp:gw",
  why: ["learned from gw"],
  port_uuid: "",
};

let control: HarnessControl;
let r1: AgentHandle;
let r2: AgentHandle;
const tcp = (dstPort: number) => ({ protocol: 6, src: "10.2.0.1", dst: "10.2.0.2", srcPort: 41000, dstPort });

beforeAll(async () => {
  control = await startHarness(cfg(true));
  const opts = { dataPort: 0, control: control.address, initialSyncWaitMs: 100, backoffInitialMs: 100, backoffMaxMs: 400, log: false as const };
  r1 = await startAgent({ name: "r1", address: "127.0.1.21", ...opts });
  r2 = await startAgent({ name: "r2", address: "127.0.1.22", ...opts });
  await waitFor(() => r1.routes(VN1).length === 3 && r2.routes(VN1).length === 3, 10_000, "initial routes");
});

afterAll(async () => {
  await Promise.all([r1.stop(), r2.stop()]);
  await control.stop();
});

describe("control node restart", () => {
  it("keeps forwarding on stale routes, then resyncs and sweeps unconfirmed ones", async () => {
    const controlPort = control.port;
    expect((await r1.inject("ra", tcp(80))).verdict).toBe("delivered");

    await control.stop();
    await waitFor(() => r1.status().session !== "established" && r2.status().session !== "established", 5_000, "sessions down");
    // r2's route, the gateway route and the control node's copy of r1's own route (the local one stays fresh).
    expect(r1.status().staleRoutes).toBe(3);
    expect(r1.routes(VN1).find((r) => r.prefix === "10.2.0.2/32")!.stale).toBe(true);
    // The data plane does not need the control node: established and new flows still go through.
    const stale = await r1.inject("ra", tcp(81));
    expect(stale.verdict).toBe("delivered");
    expect(stale.hops.find((h) => h.step === "route")!.detail).toContain("[stale]");

    // Back on the same port, without the gateway route this time.
    control = await startHarness(cfg(false), controlPort);
    await waitFor(() => r1.status().sessionsEstablished === 2 && r2.status().sessionsEstablished === 2, 10_000, "sessions re-established");
    await waitFor(() => r1.status().staleRoutes === 0 && r2.status().staleRoutes === 0, 10_000, "stale routes swept");
    expect(r1.routes(VN1).map((r) => r.prefix).sort()).toEqual(["10.2.0.1/32", "10.2.0.2/32"]);
    expect(control.agents.get("r1")!.endOfRib).toBe(true);
    expect(control.agents.get("r2")!.announced.has(`${VN1}|10.2.0.2/32`)).toBe(true);
    expect((await r1.inject("ra", tcp(82))).verdict).toBe("delivered");
    const gone = await r1.inject("ra", { ...tcp(83), dst: "10.2.9.1" });
    expect(gone).toMatchObject({ verdict: "dropped", reason: `no route to 10.2.9.1 in ${VN1}` });
  });

  it("detects a silent control node by the hold timer and reconnects when it speaks again", async () => {
    const before = r1.status().sessionsEstablished;
    control.silent = true;
    await waitFor(() => r1.status().session !== "established", 5_000, "hold timer expiry");
    expect(r1.status().lastDownReason).toMatch(/hold timer expired/);
    expect((await r1.inject("ra", tcp(84))).verdict).toBe("delivered");
    control.silent = false;
    await waitFor(() => r1.status().sessionsEstablished > before && r1.status().staleRoutes === 0, 20_000, "recovery");
  });
});
