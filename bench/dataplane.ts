// The Linux kernel data plane (issue 18), with real packets between namespaces (root):
//  - throughput_ratio: iperf3 between two workloads on two nodes through what Weft's agents
//    programmed, divided by the same topology built by hand with ip/nft in the same run
//    (VXLAN, one table + rules per VRF, a stateful nft forward chain);
//  - port_create_to_reachable_ms: a port created through the config API → its workload answers a
//    TCP connect from a peer on another node (p50/p99). cni_add_to_reachable_p50_ms stays null
//    until the CNI plugin exists (it would add the runtime's ADD on top);
//  - agent_restart_packets_lost: ping every 10 ms across the nodes while one agent restarts.
//   npx tsx bench/dataplane.ts [--seconds 3] [--ports 5]
import { type ChildProcess, spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { type AgentHandle, startAgent } from "../server/engine/agent/main.ts";
import { LinuxDataPlane } from "../server/engine/agent/dataplane/linux.ts";
import { linuxDataPlaneProblem, run } from "../server/engine/agent/dataplane/linux/exec.ts";
import { workloadNetns } from "../server/engine/agent/dataplane/linux/model.ts";
import { type UnderlayNode, createUnderlay, removeUnderlay } from "../server/engine/agent/dataplane/linux/underlay.ts";
import { SYSTEM_ACTOR } from "../server/engine/config/api.ts";
import { Engine } from "../server/engine/engine.ts";
import type { ConfigObject } from "../server/engine/model/types.ts";
import { machine, percentile, printTable, type Row, writeResult } from "./lib";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg("seconds", 3);
const PORTS = arg("ports", 5);
const TAG = "weft-bdp";
const HAND = "weft-bhd";
const P = ["default-domain", "bench-dp"];
const IPAM = ["default-domain", "default-project", "default-network-ipam"];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, f: () => Promise<T | null | false | undefined> | T | null | false | undefined, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out: ${what}`);
    await sleep(20);
  }
}

async function iperf(clientNs: string, serverNs: string, server: string): Promise<number> {
  const srv = spawn("ip", ["netns", "exec", serverNs, "iperf3", "-s", "-1", "-B", server], { stdio: "ignore" });
  await sleep(500);
  const r = await run("ip", ["netns", "exec", clientNs, "iperf3", "-c", server, "-t", String(SECONDS), "-J"], undefined, (SECONDS + 20) * 1000);
  srv.kill("SIGKILL");
  if (r.code !== 0) throw new Error(`iperf3: ${r.stderr || r.stdout.slice(0, 300)}`);
  return (JSON.parse(r.stdout) as { end: { sum_received: { bits_per_second: number } } }).end.sum_received.bits_per_second;
}

const connects = async (ns: string, dst: string, port: number) => (await run("ip", ["netns", "exec", ns, "timeout", "1", "bash", "-c", `exec 3<>/dev/tcp/${dst}/${port}`])).code === 0 || false;

/** The same two-node topology by hand (STACK.md's recipe), for the throughput reference. */
async function handBuilt(nodes: UnderlayNode[]): Promise<{ a: string; b: string }> {
  const ip = async (...args: string[]) => {
    const r = await run("ip", args);
    if (r.code !== 0) throw new Error(`ip ${args.join(" ")}: ${r.stderr}`);
  };
  for (const [i, n] of nodes.entries()) {
    const w = `${HAND}-w${i + 1}`;
    const addr = `10.77.0.${i + 1}`;
    await run("ip", ["netns", "exec", n.netns, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0"]);
    await ip("netns", "add", w);
    await ip("-n", n.netns, "link", "add", "weftvh", "mtu", "1450", "type", "veth", "peer", "name", "eth0", "netns", w);
    await ip("-n", w, "link", "set", "lo", "up");
    await ip("-n", w, "addr", "add", `${addr}/32`, "dev", "eth0");
    await ip("-n", w, "link", "set", "eth0", "mtu", "1450", "up");
    await ip("-n", w, "route", "add", "169.254.0.1", "dev", "eth0", "scope", "link");
    await ip("-n", w, "route", "add", "default", "via", "169.254.0.1");
    await ip("-n", n.netns, "link", "set", "weftvh", "up");
    await ip("-n", n.netns, "link", "add", "weftxh", "address", `0a:57:c0:00:02:0${i + 1}`, "mtu", "1450", "type", "vxlan", "id", "7777", "local", n.address, "dstport", "4789", "nolearning");
    await ip("-n", n.netns, "link", "set", "weftxh", "up");
    for (const dev of ["weftvh", "weftxh"]) await ip("-n", n.netns, "rule", "add", "iif", dev, "lookup", "7777", "pref", "1000");
    await ip("-n", n.netns, "route", "add", "local", "169.254.0.1", "dev", "lo", "table", "7777");
    await ip("-n", n.netns, "route", "add", `${addr}/32`, "dev", "weftvh", "scope", "link", "table", "7777");
    const other = nodes[1 - i];
    await ip("-n", n.netns, "route", "add", `10.77.0.${2 - i}/32`, "via", other.address, "dev", "weftxh", "onlink", "table", "7777");
    await ip("-n", n.netns, "neigh", "replace", other.address, "lladdr", `0a:57:c0:00:02:0${2 - i}`, "dev", "weftxh", "nud", "permanent");
    await run("bridge", ["-n", n.netns, "fdb", "append", `0a:57:c0:00:02:0${2 - i}`, "dev", "weftxh", "dst", other.address]);
    const nft = "table inet weft { chain forward { type filter hook forward priority filter; policy accept; ct state established,related accept; iifname \"weftvh\" ip saddr 10.77.0.0/24 ip daddr 10.77.0.0/24 counter accept; } }\n";
    await run("ip", ["netns", "exec", n.netns, "nft", "-f", "-"], nft);
  }
  return { a: `${HAND}-w1`, b: `${HAND}-w2` };
}

async function main() {
  const problem = await linuxDataPlaneProblem();
  if (problem) {
    console.error(`bench dataplane skipped: ${problem}`);
    writeResult("dataplane", { machine: machine(), skipped: problem });
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "weft-bench-dp-"));
  const children: ChildProcess[] = [];
  const agents = new Map<string, AgentHandle>();
  let engine: Engine | null = null;
  let nodes: UnderlayNode[] = [];
  try {
    // 1. by hand, first (its namespaces are gone before Weft's agents start)
    nodes = await createUnderlay(HAND, 2);
    const hand = await handBuilt(nodes);
    const handBps = await iperf(hand.a, hand.b, "10.77.0.2");
    if (!(handBps > 0)) throw new Error("the hand-built reference carried no traffic: no ratio to give");
    await removeUnderlay(HAND, 2);
    for (const w of [hand.a, hand.b]) await run("ip", ["netns", "del", w]);

    // 2. Weft: an engine, two linux agents in node namespaces
    nodes = await createUnderlay(TAG, 2);
    engine = await Engine.start({ dataDir: dir, agentPort: 0, holdTimeSeconds: 10 });
    const eng = engine;
    const start = async (n: UnderlayNode) => {
      const a = await startAgent({ name: n.name, address: n.address, netns: n.netns, dataplane: "linux", control: `127.0.0.1:${eng.control.listenPort}`, dataPort: 0, log: process.env.WEFT_BENCH_LOG ? undefined : false, initialSyncWaitMs: 200 });
      agents.set(n.name, a);
      return a;
    };
    for (const n of nodes) await start(n);
    await until("agents up", () => nodes.every((n) => eng.control.agents.get(n.name)?.state === "Up"));
    const a = SYSTEM_ACTOR;
    await eng.config.create("project", { fq_name: P, parent_type: "domain" }, a);
    const vn = await eng.config.create("virtual-network", { fq_name: [...P, "vn"], parent_type: "project", network_ipam_refs: [{ to: IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: "10.78.0.0", ip_prefix_len: 16 } }] } }] }, a);
    const port = async (name: string, host: string) => {
      const p = await eng.config.create("virtual-machine-interface", { fq_name: [...P, name], parent_type: "project", virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: host }] } }, a);
      const iip = await eng.config.create("instance-ip", { virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_refs: [{ uuid: p.uuid }] }, a);
      return { port: p as ConfigObject, address: iip.instance_ip_address as string, ns: workloadNetns(p.uuid) };
    };
    const server = await port("server", "compute-2");
    const client = await port("client", "compute-1");
    // a listener on the server workload for the reachability probes
    await until("server namespace", async () => (await run("ip", ["-n", server.ns, "addr", "show", "dev", "eth0"])).stdout.includes(server.address));
    children.push(spawn("ip", ["netns", "exec", server.ns, "python3", "-c", "import socket\ns=socket.socket();s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1);s.bind(('0.0.0.0',9000));s.listen(128)\nwhile True:\n c,_=s.accept();c.close()"], { stdio: "ignore" }));
    await until("client reaches server", () => connects(client.ns, server.address, 9000), 30_000);
    const weftBps = await iperf(client.ns, server.ns, server.address);

    // port created → reachable from the peer on the other node
    const reach: number[] = [];
    for (let i = 0; i < PORTS; i++) {
      const t0 = performance.now();
      const p = await port(`p${i}`, "compute-2");
      await until(`p${i} configured`, async () => (await run("ip", ["-n", p.ns, "addr", "show", "dev", "eth0"])).stdout.includes(p.address));
      if (process.env.WEFT_BENCH_LOG) console.error(`p${i} configured after ${Math.round(performance.now() - t0)} ms`);
      const l = spawn("ip", ["netns", "exec", p.ns, "python3", "-c", "import socket\ns=socket.socket();s.bind(('0.0.0.0',9001));s.listen(8)\nwhile True:\n c,_=s.accept();c.close()"], { stdio: "ignore" });
      children.push(l);
      await until(`p${i} reachable`, () => connects(client.ns, p.address, 9001), 30_000);
      reach.push(performance.now() - t0);
    }

    // agent restart under a running ping (every 10 ms)
    const count = Math.max(300, SECONDS * 200);
    const ping = run("ip", ["netns", "exec", client.ns, "ping", "-i", "0.01", "-c", String(count), "-W", "1", server.address], undefined, 120_000);
    await sleep(500);
    await agents.get("compute-1")!.stop();
    await start(nodes[0]);
    const out = (await ping).stdout;
    const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
    const lost = m ? Number(m[1]) - Number(m[2]) : -1;

    const ratio = weftBps / handBps;
    const rows: Row[] = [
      { metric: "iperf3 through Weft's kernel data plane", value: weftBps / 1e9, unit: "Gbit/s" },
      { metric: "iperf3 through the same topology by hand", value: handBps / 1e9, unit: "Gbit/s" },
      { metric: "throughput ratio", value: ratio, goal: "≥ 0.95", ok: ratio >= 0.95 },
      { metric: "port created → reachable p50", value: percentile(reach, 50), unit: "ms", goal: "< 200 (CNI ADD)", ok: percentile(reach, 50) < 200 },
      { metric: "port created → reachable p99", value: percentile(reach, 99), unit: "ms", goal: "< 1000", ok: percentile(reach, 99) < 1000 },
      { metric: "packets lost over an agent restart", value: lost, unit: `of ${count}`, goal: "0", ok: lost === 0 },
    ];
    printTable("Linux kernel data plane", rows);
    writeResult("dataplane", {
      machine: machine(),
      seconds: SECONDS,
      weft_bits_per_second: weftBps,
      hand_bits_per_second: handBps,
      throughput_ratio: ratio,
      port_create_to_reachable_ms: { p50: percentile(reach, 50), p99: percentile(reach, 99), samples: reach.length },
      cni_add_to_reachable_p50_ms: null,
      cni_note: "weft-cni is not implemented yet: the port is created through the config API (port_create_to_reachable_ms)",
      agent_restart_packets_lost: lost,
      agent_restart_packets_sent: count,
    });
  } finally {
    for (const c of children) c.kill("SIGKILL");
    for (const ag of agents.values()) await (ag.dataplane as LinuxDataPlane).teardown().catch(() => undefined);
    await engine?.stop();
    await removeUnderlay(TAG, 2);
    await removeUnderlay(HAND, 2);
    for (const w of [`${HAND}-w1`, `${HAND}-w2`]) await run("ip", ["netns", "del", w]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
