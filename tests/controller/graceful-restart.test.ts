// Graceful restart of the control node, per routing instance: after a restart an agent keeps the
// stale routes of compute nodes that have not re-announced yet (they may still be coming back)
// until they do or the restart time (the hold time) is over; then what nobody re-announced goes.
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentHandle, startAgent } from "../../server/engine/agent/main";
import { ControlNode } from "../../server/engine/control/control-node";
import { Engine } from "../../server/engine/engine";
import type { ConfigObject } from "../../server/engine/model/types";
import { ADMIN, tempDir, vnBody } from "../helpers";
import { waitFor } from "../bgp/daemons";

const P = ["default-domain", "gr"];
const HOLD = 3;
let engine: Engine;
let dir: string;
let control: ControlNode;
const agents = new Map<string, AgentHandle>();
const NODES = [
  { name: "compute-1", address: "127.0.18.1" },
  { name: "compute-2", address: "127.0.18.2" },
  { name: "compute-3", address: "127.0.18.3" },
];

/** tests/bgp/daemons.ts's waitFor, polling every 25 ms */
const until = <T>(what: string, f: () => T | undefined | null | false, ms = 10_000) => waitFor(what, f, ms, 25);

async function workload(vn: ConfigObject, name: string, host: string) {
  const port = await engine.config.create(
    "virtual-machine-interface",
    { fq_name: [...P, name], virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: host }] } },
    ADMIN,
  );
  const iip = await engine.config.create("instance-ip", { virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_refs: [{ uuid: port.uuid }] }, ADMIN);
  return `${iip.instance_ip_address as string}/32`;
}

let vrf: string;
const prefixes: Record<string, string> = {};
const route = (agent: string, prefix: string) => agents.get(agent)!.state.fib.vrf(vrf)?.get(prefix)?.control;

beforeAll(async () => {
  dir = tempDir();
  engine = await Engine.start({ dataDir: dir, agentPort: 0, holdTimeSeconds: HOLD });
  control = engine.control;
  for (const n of NODES) {
    agents.set(n.name, await startAgent({ ...n, control: `127.0.0.1:${control.listenPort}`, dataPort: 0, log: false, initialSyncWaitMs: 200, backoffInitialMs: 100, backoffMaxMs: 400 }));
  }
  await engine.config.create("project", { fq_name: P, parent_type: "domain" }, ADMIN);
  const vn = await engine.config.create("virtual-network", vnBody(P, "green", "10.7.0.0/24"), ADMIN);
  vrf = [...vn.fq_name, vn.name].join(":");
  for (const n of NODES) prefixes[n.name] = await workload(vn, `w-${n.name}`, n.name);
  await until("every route in every agent", () => NODES.every((a) => NODES.every((b) => route(a.name, prefixes[b.name]))));
}, 60_000);

afterAll(async () => {
  for (const ag of agents.values()) await ag.stop();
  await control?.stop();
  await engine?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("control node graceful restart", () => {
  it("keeps stale routes of a node that has not re-announced until the restart time is over", async () => {
    // compute-3 dies with the control node: nobody will re-announce its workload
    await agents.get("compute-3")!.stop();
    agents.delete("compute-3");
    const port = control.listenPort;
    await control.stop();
    await until("agents notice", () => [...agents.values()].every((a) => a.status().session !== "established"), HOLD * 1000 + 5000);
    expect(route("compute-1", prefixes["compute-3"])?.stale).toBe(true);

    control = new ControlNode(engine.compiler, { trust: engine.trust, name: "restarted", host: "127.0.0.1", port, holdTimeSeconds: HOLD });
    const started = Date.now();
    await control.start();
    await until("compute-1 and compute-2 resynced", () => ["compute-1", "compute-2"].every((n) => control.agents.get(n)?.lastResync), 10_000);
    // what the living nodes re-announced is fresh again; compute-3's route is kept (stale), not dropped
    await until("refreshed", () => route("compute-1", prefixes["compute-2"])?.stale === false && route("compute-2", prefixes["compute-1"])?.stale === false);
    if (Date.now() - started < HOLD * 1000 - 500) expect(route("compute-1", prefixes["compute-3"])?.stale).toBe(true);
    // the restart time is over: end-of-RIB, and the route nobody re-announced is swept
    await until("compute-3's route swept", () => !route("compute-1", prefixes["compute-3"]) && !route("compute-2", prefixes["compute-3"]), HOLD * 1000 + 5000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(HOLD * 1000 - 500);
    expect(agents.get("compute-1")!.status().staleRoutes).toBe(0);
    expect(route("compute-1", prefixes["compute-2"])?.stale).toBe(false);
  }, 40_000);
});
