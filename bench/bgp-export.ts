// Port created → its route in GoBGP's RIB (the gateway), end to end: config service → compiler →
// control node → agent (announces the port) → control node → BGP UPDATE → gobgpd.
// Arrival is observed with `gobgp monitor global rib` (a stream), not by polling.
//   npx tsx bench/bgp-export.ts [--ports 200]
import { spawn } from "node:child_process";
import fs from "node:fs";
import { performance } from "node:perf_hooks";
import readline from "node:readline";
import { startAgent } from "../server/engine/agent/main";
import { Engine } from "../server/engine/engine";
import type { Actor } from "../server/engine/config/api";
import { Gobgpd, gobgpMissing, waitFor } from "../tests/bgp/daemons";
import { tempDir } from "../tests/helpers";
import { percentile, printTable, writeResult } from "./lib";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const PORTS = arg("ports", 200);
const ACTOR: Actor = { userId: null, email: "bench@weft", role: "admin", source: "api" };
const WEFT = "127.0.10.3";
const GW = "127.0.10.2";
const BGP_PORT = 12179;
const API = 50481;
const P = ["default-domain", "bgpx"];
const FABRIC = ["default-domain", "default-project", "ip-fabric", "__default__"];

async function main() {
  const why = gobgpMissing();
  if (why) {
    console.error(`bgp-export: ${why}`);
    process.exit(1);
  }
  const dir = tempDir("weft-bench-bgpx-");
  const engine = await Engine.start({ dataDir: dir, agentPort: 0, controlName: "bench-ctl", bgp: { address: WEFT, port: BGP_PORT } });
  const gobgp = new Gobgpd({ asn: 64512, routerId: GW, port: BGP_PORT, apiPort: API, neighbors: [{ address: WEFT, peerAs: 64512, remotePort: BGP_PORT, families: ["l3vpn-ipv4-unicast"] }], logLevel: "warn" });
  await gobgp.start();
  const cfg = engine.config;
  const local = cfg.getByFqName("bgp-router", [...FABRIC, "bench-ctl"])!;
  await cfg.create(
    "bgp-router",
    { fq_name: [...FABRIC, "gw"], bgp_router_parameters: { router_type: "router", address: GW, autonomous_system: 64512, port: BGP_PORT, address_families: { family: ["inet-vpn"] } }, bgp_router_refs: [{ uuid: local.uuid }] },
    ACTOR,
  );
  const agent = await startAgent({ name: "compute-1", address: "127.0.10.11", control: `127.0.0.1:${engine.control.listenPort}`, dataPort: 0, log: false, initialSyncWaitMs: 200 });
  await cfg.create("project", { fq_name: P, parent_type: "domain" }, ACTOR);
  const vn = await cfg.create(
    "virtual-network",
    {
      fq_name: [...P, "pub"],
      network_ipam_refs: [{ to: ["default-domain", "default-project", "default-network-ipam"], attr: { ipam_subnets: [{ subnet: { ip_prefix: "10.200.0.0", ip_prefix_len: 16 } }] } }],
      route_target_list: { route_target: ["target:64512:100"] },
    },
    ACTOR,
  );
  await waitFor("Established", () => gobgp.established(WEFT), 30_000);

  // stream of RIB changes from gobgpd: note when each prefix first shows up
  const seen = new Map<string, number>();
  const mon = spawn("gobgp", ["-u", "127.0.0.1", "-p", String(API), "monitor", "global", "rib", "-a", "vpnv4", "-j"], { stdio: ["ignore", "pipe", "ignore"] });
  const rl = readline.createInterface({ input: mon.stdout });
  rl.on("line", (line) => {
    const t = performance.now();
    for (const m of line.matchAll(/"prefix":"(10\.200\.\d+\.\d+\/32)"/g)) if (!seen.has(m[1])) seen.set(m[1], t);
  });
  await new Promise((r) => setTimeout(r, 500));

  const latencies: number[] = [];
  let missed = 0;
  for (let i = 0; i < PORTS; i++) {
    const address = `10.200.${Math.floor(i / 250)}.${(i % 250) + 1}`;
    const prefix = `${address}/32`;
    const t0 = performance.now();
    const port = await cfg.create(
      "virtual-machine-interface",
      { fq_name: [...P, `p${i}`], virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: "compute-1" }] } },
      ACTOR,
    );
    await cfg.create("instance-ip", { fq_name: [`bgpx-${i}`], virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_refs: [{ uuid: port.uuid }], instance_ip_address: address }, ACTOR);
    const end = Date.now() + 5000;
    while (!seen.has(prefix) && Date.now() < end) await new Promise((r) => setTimeout(r, 1));
    const t = seen.get(prefix);
    if (t === undefined) missed++;
    else latencies.push(t - t0);
  }
  mon.kill();
  await agent.stop();
  await gobgp.stop();
  await engine.stop();
  fs.rmSync(dir, { recursive: true, force: true });

  const figures = { ports: PORTS, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), maxMs: Math.max(...latencies), missed };
  printTable(`bgp-export: port created → route in GoBGP's RIB (${PORTS} ports, one at a time)`, [
    { metric: "p50", value: figures.p50Ms, unit: "ms", goal: "< 100 ms", ok: figures.p50Ms < 100 },
    { metric: "p99", value: figures.p99Ms, unit: "ms" },
    { metric: "max", value: figures.maxMs, unit: "ms" },
    { metric: "routes not seen within 5 s", value: missed, goal: "0", ok: missed === 0 },
  ]);
  const file = writeResult("bgp-export", { goal: { p50Ms: 100 }, figures });
  console.log(`results: ${file}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
