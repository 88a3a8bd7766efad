// Kill the control node's process: agents keep forwarding on what they have (stale), then
// resync when a new control node process starts on the same data.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type AgentHandle, startAgent } from "../../server/engine/agent/main";
import { Engine } from "../../server/engine/engine";
import { ADMIN, tempDir, vnBody } from "../helpers";
import { waitFor } from "../bgp/daemons";

const P = ["default-domain", "kill"];
let dir: string;
let port: number;
let child: ChildProcess | null = null;
const agents: AgentHandle[] = [];
let a = { port: "", address: "" };
let b = { port: "", address: "" };

/** tests/bgp/daemons.ts's waitFor, polling every 50 ms */
const until = (what: string, f: () => unknown, ms = 20_000) => waitFor(what, f, ms, 50);

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer();
    s.listen(0, "127.0.0.1", () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });

function startControl(): ChildProcess {
  const c = spawn(process.execPath, ["--import", "tsx", "scripts/control-node.ts"], {
    env: { ...process.env, WEFT_DATA_DIR: dir, WEFT_AGENT_PORT: String(port), WEFT_HOLD_TIME: "3", WEFT_EXIT_WITH_PARENT: "1" },
    stdio: process.env.DBG ? "inherit" : "ignore",
  });
  return c;
}

beforeAll(async () => {
  dir = tempDir();
  port = await freePort();
  // config first, written by an engine that then goes away: the control node process compiles it at start
  const engine = await Engine.start({ dataDir: dir });
  await engine.config.create("project", { fq_name: P, parent_type: "domain" }, ADMIN);
  const red = await engine.config.create("virtual-network", vnBody(P, "red", "10.31.0.0/24"), ADMIN);
  const blue = await engine.config.create("virtual-network", vnBody(P, "blue", "10.32.0.0/24"), ADMIN);
  const pol = await engine.config.create(
    "network-policy",
    {
      fq_name: [...P, "all"],
      network_policy_entries: {
        policy_rule: [{ direction: "<>", protocol: "any", src_addresses: [{ virtual_network: "default-domain:kill:red" }], dst_addresses: [{ virtual_network: "default-domain:kill:blue" }], action_list: { simple_action: "pass" } }],
      },
    },
    ADMIN,
  );
  for (const vn of [red, blue]) await engine.config.update("virtual-network", vn.uuid, { network_policy_refs: [{ uuid: pol.uuid }] }, ADMIN);
  const mk = async (vn: typeof red, name: string, host: string) => {
    const p = await engine.config.create(
      "virtual-machine-interface",
      { fq_name: [...P, name], virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: host }] } },
      ADMIN,
    );
    const ip = await engine.config.create("instance-ip", { virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_refs: [{ uuid: p.uuid }] }, ADMIN);
    return { port: p.uuid, address: ip.instance_ip_address as string };
  };
  a = await mk(red, "a", "compute-1");
  b = await mk(blue, "b", "compute-2");
  // the control node runs in another process: its nodes enrol with tokens issued beforehand (issue 14)
  const nodes = [
    { name: "compute-1", address: "127.0.6.1" },
    { name: "compute-2", address: "127.0.6.2" },
  ];
  const tokens = new Map<string, string>();
  for (const n of nodes) tokens.set(n.name, await engine.trust.issueLocalToken(n.name, n.address));
  await engine.stop();

  child = startControl();
  for (const { name, address } of nodes) {
    agents.push(
      await startAgent({ name, address, control: `127.0.0.1:${port}`, enrolToken: tokens.get(name), dataPort: 0, log: process.env.DBG ? undefined : false, backoffInitialMs: 200, backoffMaxMs: 1000, initialSyncWaitMs: 200 }),
    );
  }
}, 60_000);

afterAll(async () => {
  for (const ag of agents) await ag.stop();
  child?.kill("SIGKILL");
  fs.rmSync(dir, { recursive: true, force: true });
});

const tuple = (srcPort: number) => ({ protocol: 6, src: a.address, dst: b.address, srcPort, dstPort: 8080 });
const redVrf = "default-domain:kill:red:red";

describe("control node process killed", () => {
  it("forwards before, during (stale) and after (resynced)", async () => {
    await until("b's route on compute-1", () => agents[0].routes(redVrf).some((r) => r.prefix === `${b.address}/32`), 30_000);
    const before = await agents[0].inject(a.port, tuple(50000));
    expect(before.verdict, before.reason).toBe("delivered");

    child!.kill("SIGKILL");
    await until("agents see the control node gone", () => agents.every((ag) => ag.status().session !== "established"), 15_000);
    const during = await agents[0].inject(a.port, tuple(50001));
    expect(during.verdict, during.reason).toBe("delivered");
    expect(agents[0].status().staleRoutes).toBeGreaterThan(0);

    child = startControl();
    await until("agents resynced", () => agents.every((ag) => ag.status().session === "established" && ag.status().staleRoutes === 0 && ag.status().sessionsEstablished >= 2), 40_000);
    const after = await agents[0].inject(a.port, tuple(50002));
    expect(after.verdict, after.reason).toBe("delivered");
  }, 90_000);
});
