// The controller spine end to end, in one process with real sockets: config → compiler →
// control node → agents (gRPC) → simulated data plane (UDP between agents on loopback).
import { spawn } from "node:child_process";
import fs from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentHandle, startAgent } from "../../server/engine/agent/main";
import { ControlNode } from "../../server/engine/control/control-node";
import { Engine } from "../../server/engine/engine";
import type { ConfigObject } from "../../server/engine/model/types";
import { ADMIN, tempDir, vnBody } from "../helpers";
import { waitFor } from "../bgp/daemons";

const P = ["default-domain", "dp"];
const HOLD = 3;
let engine: Engine;
let dir: string;
const agents = new Map<string, AgentHandle>();
const NODES = [
  { name: "compute-1", address: "127.0.5.1" },
  { name: "compute-2", address: "127.0.5.2" },
  { name: "compute-3", address: "127.0.5.3" },
];

/** tests/bgp/daemons.ts's waitFor, polling every 50 ms */
const until = <T>(what: string, f: () => T | undefined | null | false, ms = 10_000) => waitFor(what, f, ms, 50);

const bind = (host: string) => ({ virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: host }] } });

async function workload(vn: ConfigObject, name: string, host: string, address?: string) {
  const port = await engine.config.create(
    "virtual-machine-interface",
    { fq_name: [...P, name], virtual_network_refs: [{ uuid: vn.uuid }], security_group_refs: [{ to: [...P, "default"] }], ...bind(host) },
    ADMIN,
  );
  const iip = await engine.config.create(
    "instance-ip",
    { virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_refs: [{ uuid: port.uuid }], ...(address ? { instance_ip_address: address } : {}) },
    ADMIN,
  );
  return { port, address: iip.instance_ip_address as string, iip };
}

const vrfOf = (vn: ConfigObject) => [...vn.fq_name, vn.name].join(":");
const routeIn = (agent: string, vrf: string, prefix: string) => agents.get(agent)!.routes(vrf).find((r) => r.prefix === prefix);

let red: ConfigObject;
let blue: ConfigObject;
let a: Awaited<ReturnType<typeof workload>>;
let b: Awaited<ReturnType<typeof workload>>;

beforeAll(async () => {
  dir = tempDir();
  engine = await Engine.start({ dataDir: dir, agentPort: 0, holdTimeSeconds: HOLD });
  for (const n of NODES) {
    agents.set(n.name, await startAgent({ ...n, control: `127.0.0.1:${engine.control.listenPort}`, dataPort: 0, log: false, initialSyncWaitMs: 200, backoffInitialMs: 200, backoffMaxMs: 1000 }));
  }
  await until("agents up", () => NODES.every((n) => engine.control.agents.get(n.name)?.state === "Up"));
  await engine.config.create("project", { fq_name: P, parent_type: "domain" }, ADMIN);
  red = await engine.config.create("virtual-network", vnBody(P, "red", "10.1.0.0/24"), ADMIN);
  blue = await engine.config.create("virtual-network", vnBody(P, "blue", "10.2.0.0/24"), ADMIN);
  a = await workload(red, "a", "compute-1");
  b = await workload(blue, "b", "compute-2");
  await until("a's route in compute-1", () => routeIn("compute-1", vrfOf(red), `${a.address}/32`));
  await until("b's route in compute-2", () => routeIn("compute-2", vrfOf(blue), `${b.address}/32`));
}, 60_000);

afterAll(async () => {
  for (const ag of agents.values()) await ag.stop();
  await engine?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe("data path", () => {
  it("two VNs without a policy cannot talk: no route", async () => {
    const r = await engine.control.trace({ portUuid: a.port.uuid, dst: b.address, protocol: "tcp", dstPort: 80, srcPort: 40000 });
    expect(r.verdict).toBe("dropped");
    expect(r.reason).toMatch(/no route/);
  });

  it("a pass policy leaks routes and the packet crosses two compute nodes", async () => {
    const pol = await engine.config.create(
      "network-policy",
      {
        fq_name: [...P, "red-blue"],
        network_policy_entries: {
          policy_rule: [
            {
              direction: "<>",
              protocol: "tcp",
              src_addresses: [{ virtual_network: "default-domain:dp:red" }],
              dst_addresses: [{ virtual_network: "default-domain:dp:blue" }],
              dst_ports: [{ start_port: 22, end_port: 22 }],
              action_list: { simple_action: "deny" },
            },
            {
              direction: "<>",
              protocol: "any",
              src_addresses: [{ virtual_network: "default-domain:dp:red" }],
              dst_addresses: [{ virtual_network: "default-domain:dp:blue" }],
              action_list: { simple_action: "pass" },
            },
          ],
        },
      },
      ADMIN,
    );
    for (const vn of [red, blue]) await engine.config.update("virtual-network", vn.uuid, { network_policy_refs: [{ uuid: pol.uuid }] }, ADMIN);
    await until("b's route leaked into red on compute-1", () => routeIn("compute-1", vrfOf(red), `${b.address}/32`));
    await until("a's route leaked into blue on compute-2", () => routeIn("compute-2", vrfOf(blue), `${a.address}/32`));
    const r = await engine.control.trace({ portUuid: a.port.uuid, dst: b.address, protocol: "tcp", dstPort: 80, srcPort: 40001 });
    expect(r.verdict, r.reason).toBe("delivered");
    expect(r.delivered_to).toBe([...P, "b"].join(":"));
    const nodes = new Set(r.hops.map((h) => h.node));
    expect(nodes).toEqual(new Set(["compute-1", "compute-2"]));
    expect(r.hops.map((h) => h.step)).toEqual(expect.arrayContaining(["acl", "route", "encap", "decap", "deliver"]));
  });

  it("a deny rule drops with that rule named", async () => {
    const r = await engine.control.trace({ portUuid: a.port.uuid, dst: b.address, protocol: "tcp", dstPort: 22, srcPort: 40002 });
    expect(r.verdict).toBe("dropped");
    expect(r.reason).toMatch(/network-policy default-domain:dp:red-blue rule 1/);
  });

  it("ECMP spreads flows over the compute nodes announcing the same address", async () => {
    // one instance IP shared by two ports (active-active) on compute-2 and compute-3
    const p2 = await engine.config.create("virtual-machine-interface", { fq_name: [...P, "vip-2"], virtual_network_refs: [{ uuid: blue.uuid }], ...bind("compute-2") }, ADMIN);
    const p3 = await engine.config.create("virtual-machine-interface", { fq_name: [...P, "vip-3"], virtual_network_refs: [{ uuid: blue.uuid }], ...bind("compute-3") }, ADMIN);
    const vip = await engine.config.create(
      "instance-ip",
      { virtual_network_refs: [{ uuid: blue.uuid }], virtual_machine_interface_refs: [{ uuid: p2.uuid }, { uuid: p3.uuid }], instance_ip_mode: "active-active" },
      ADMIN,
    );
    const prefix = `${vip.instance_ip_address}/32`;
    const route = await until("an ECMP route in compute-1", () => {
      const r = routeIn("compute-1", vrfOf(red), prefix);
      return r && r.nextHops.length === 2 ? r : null;
    });
    expect(route.nextHops.map((n) => n.node).sort()).toEqual(["compute-2", "compute-3"]);
    const reached = new Set<string>();
    for (let i = 0; i < 24; i++) {
      const r = await engine.control.trace({ portUuid: a.port.uuid, dst: vip.instance_ip_address as string, protocol: "udp", dstPort: 53, srcPort: 41000 + i });
      expect(r.verdict, r.reason).toBe("delivered");
      reached.add(r.delivered_to);
    }
    expect(reached).toEqual(new Set([[...P, "vip-2"].join(":"), [...P, "vip-3"].join(":")]));
  });

  it("without the control node agents keep forwarding (stale), and resync when it comes back", async () => {
    const port = engine.control.listenPort;
    await engine.control.stop();
    await until("agents notice", () => [...agents.values()].every((ag) => ag.status().session !== "established"), HOLD * 1000 + 5000);
    const t = { protocol: 6, src: a.address, dst: b.address, srcPort: 42000, dstPort: 443 };
    const r = await agents.get("compute-1")!.inject(a.port.uuid, t);
    expect(r.verdict, r.reason).toBe("delivered");
    // a new control node on the same port: agents reconnect, re-announce and clear stale state
    const fresh = new ControlNode(engine.compiler, { trust: engine.trust, name: "control-restarted", host: "127.0.0.1", port, holdTimeSeconds: HOLD });
    await fresh.start();
    (engine as unknown as { control: ControlNode }).control = fresh;
    await until("agents resync", () => NODES.every((n) => fresh.agents.get(n.name)?.lastResync), 15_000);
    await until("routes back in the new RIB", () => fresh.rib.tables.get(vrfOf(red))?.get(`${b.address}/32`));
    const again = await fresh.trace({ portUuid: a.port.uuid, dst: b.address, protocol: "tcp", dstPort: 443, srcPort: 42001 });
    expect(again.verdict, again.reason).toBe("delivered");
    expect(agents.get("compute-1")!.status().staleRoutes).toBe(0);
  }, 40_000);

  it("an agent that goes away has its routes withdrawn from the others after the hold time", async () => {
    const prefix = `${b.address}/32`;
    expect(routeIn("compute-1", vrfOf(red), prefix)).toBeTruthy();
    await agents.get("compute-2")!.stop();
    agents.delete("compute-2");
    const t0 = Date.now();
    await until("b's route gone from compute-1", () => !routeIn("compute-1", vrfOf(red), prefix), HOLD * 1000 + 8000);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(HOLD * 1000 - 500);
  }, 30_000);

  it("a killed agent process (SIGKILL) is detected by the hold timer and its routes withdrawn", async () => {
    // a node of another process enrols with a one-time token (issue 14) and keeps its certificate in its state dir
    const token = await engine.trust.issueLocalToken("compute-4", "127.0.5.4");
    const args = ["--control", `127.0.0.1:${engine.control.listenPort}`, "--name", "compute-4", "--address", "127.0.5.4", "--data-port", "0", "--state-dir", `${dir}/agents/compute-4`];
    const child = spawn(process.execPath, ["--import", "tsx", "server/engine/agent/main.ts", ...args], {
      stdio: "ignore",
      env: { ...process.env, WEFT_AGENT_LOG: "error", WEFT_ENROL_TOKEN: token },
    });
    try {
      await until("compute-4 up", () => engine.control.agents.get("compute-4")?.state === "Up", 20_000);
      const d = await workload(red, "d", "compute-4");
      const prefix = `${d.address}/32`;
      await until("d's route on compute-1", () => routeIn("compute-1", vrfOf(red), prefix), 10_000);
      child.kill("SIGKILL");
      const t0 = Date.now();
      await until("d's route gone from compute-1", () => !routeIn("compute-1", vrfOf(red), prefix), HOLD * 3000 + 8000);
      expect(Date.now() - t0).toBeGreaterThan(0);
      expect(engine.control.agents.get("compute-4")?.state).toBe("Down");
    } finally {
      child.kill("SIGKILL");
    }
  }, 60_000);
});
