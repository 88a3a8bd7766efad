// Reachability analysis at scale: a config of N networks (pairs joined by a policy attached on both
// sides, passing tcp/80) and M ports with instance IPs bound over K compute nodes, the control
// node's RIB holding every port's route as the nodes' agents announce them, then:
//   question_p50_ms   one question (suggestions on, as the REST API answers) over warm shadows
//   question_cold_ms  the first question after a config change (shadow agents rebuilt)
//   matrix_100x100_ms 100 source ports × 100 destination addresses
// What-if replay of recorded flows is not implemented yet: whatif_10m_flows_ms is null.
//   npx tsx bench/reachability.ts [--networks 5000] [--ports 100000] [--nodes 100] [--questions 500]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import type { Actor } from "../server/engine/config/api";
import { Engine } from "../server/engine/engine";
import type { Probe } from "../server/engine/reachability";
import { machine, percentile, printTable, writeResult } from "./lib";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const NETWORKS = arg("networks", 5000);
const PORTS = arg("ports", 100_000);
const NODES = arg("nodes", 100);
const QUESTIONS = arg("questions", 500);
const CONCURRENCY = 200;
const ACTOR: Actor = { userId: null, email: "bench@weft", role: "admin", source: "api" };
const IPAM = ["default-domain", "default-project", "default-network-ipam"];

async function pool<T>(n: number, work: (i: number) => Promise<T>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, n) }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

async function main() {
  const dir = fs.mkdtempSync(path.join(process.env.WEFT_BENCH_TMP ?? os.tmpdir(), "weft-bench-reach-"));
  const engine = await Engine.start({ dataDir: dir });
  const cfg = engine.config;
  const t0 = performance.now();
  const P = ["default-domain", "reach-bench"];
  await cfg.create("project", { fq_name: P, parent_type: "domain" }, ACTOR);
  const nodes = Array.from({ length: NODES }, (_, i) => ({ name: `node-${i + 1}`, address: `127.0.${40 + Math.floor(i / 250)}.${(i % 250) + 1}` }));
  for (const n of nodes) await cfg.create("virtual-router", { fq_name: ["default-global-system-config", n.name], parent_type: "global-system-config", virtual_router_ip_address: n.address }, ACTOR);
  const vns: { uuid: string; name: string }[] = new Array(NETWORKS);
  await pool(NETWORKS, async (i) => {
    const o = await cfg.create(
      "virtual-network",
      { fq_name: [...P, `vn-${i}`], parent_type: "project", network_ipam_refs: [{ to: IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: `10.${Math.floor(i / 256)}.${i % 256}.0`, ip_prefix_len: 24 } }] } }] },
      ACTOR,
    );
    vns[i] = { uuid: o.uuid, name: o.name };
  });
  // pairs of networks joined by a policy passing tcp/80 (and denying ssh), attached on both sides
  await pool(Math.floor(NETWORKS / 2), async (k) => {
    const a = vns[2 * k];
    const b = vns[2 * k + 1];
    const pol = await cfg.create(
      "network-policy",
      {
        fq_name: [...P, `join-${k}`],
        network_policy_entries: {
          policy_rule: [
            { direction: "<>", protocol: "tcp", src_addresses: [{ virtual_network: `${P.join(":")}:${a.name}` }], dst_addresses: [{ virtual_network: `${P.join(":")}:${b.name}` }], dst_ports: [{ start_port: 22, end_port: 22 }], action_list: { simple_action: "deny" } },
            { direction: "<>", protocol: "tcp", src_addresses: [{ virtual_network: `${P.join(":")}:${a.name}` }], dst_addresses: [{ virtual_network: `${P.join(":")}:${b.name}` }], dst_ports: [{ start_port: 80, end_port: 80 }], action_list: { simple_action: "pass" } },
          ],
        },
      },
      ACTOR,
    );
    for (const vn of [a, b]) await cfg.update("virtual-network", vn.uuid, { network_policy_refs: [{ uuid: pol.uuid }] }, ACTOR);
  });
  const ports: { uuid: string; vn: number; address: string }[] = new Array(PORTS);
  await pool(PORTS, async (i) => {
    const vn = vns[i % NETWORKS];
    const host = nodes[i % NODES].name;
    const port = await cfg.create(
      "virtual-machine-interface",
      { fq_name: [...P, `port-${i}`], virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: host }] } },
      ACTOR,
    );
    const iip = await cfg.create("instance-ip", { name: `iip-${i}`, virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_refs: [{ uuid: port.uuid }] }, ACTOR);
    ports[i] = { uuid: port.uuid, vn: i % NETWORKS, address: iip.instance_ip_address as string };
  });
  // the compiler catches up, then every node's agent announces its ports (as agents do, into the control node's RIB)
  while (engine.compiler.state.ports.size < PORTS) await new Promise((r) => setTimeout(r, 100));
  await new Promise((r) => setTimeout(r, 500));
  const labels = new Map<string, number>();
  for (const p of engine.compiler.state.ports.values()) {
    const node = nodes.find((n) => n.name === p.host)!;
    const label = (labels.get(node.name) ?? 15) + 1;
    labels.set(node.name, label);
    const ri = engine.compiler.instanceOfNetwork(p.networkUuid)!;
    for (const a of p.addresses) {
      engine.control.rib.add({
        key: `agent:${node.name}|${p.vrf}|${a}/32`,
        prefix: `${a}/32`,
        origin: p.vrf,
        source: `agent:${node.name}`,
        nextHop: { address: node.address, label, vni: ri.vxlanId, encapsulations: ["MPLSoGRE", "MPLSoUDP", "VXLAN"], node: node.name, data_port: 6635 },
        localPref: 100,
        portUuid: p.uuid,
        why: [`port ${p.fqName} on ${node.name} (agent)`],
      });
    }
  }
  engine.control.rib.commit();
  const setupS = (performance.now() - t0) / 1000;
  console.log(`set up in ${setupS.toFixed(1)} s: ${NETWORKS} networks, ${PORTS} ports, ${engine.control.rib.pathCount} paths`);

  // questions: a random port to an address in its paired network (tcp/80 passes, 22 is denied, 443 has no rule) or elsewhere (no route)
  let seed = 7;
  const rand = (n: number) => {
    // mulberry32
    seed = (seed + 0x6d2b79f5) >>> 0;
    let t = seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * n | 0;
  };
  const byVn = new Map<number, typeof ports>();
  for (const p of ports) byVn.set(p.vn, [...(byVn.get(p.vn) ?? []), p]);
  const ask = (probe: Probe) => engine.reachability.ask(probe);
  const probe = (i: number): Probe => {
    const src = ports[rand(PORTS)];
    const target = rand(4) === 0 ? rand(NETWORKS) : Math.min(src.vn ^ 1, NETWORKS - 1);
    const dstCandidates = byVn.get(target) ?? [];
    const dst = dstCandidates.length ? dstCandidates[rand(dstCandidates.length)] : ports[rand(PORTS)];
    return { portUuid: src.uuid, dst: dst.address, protocol: "tcp", srcPort: 30000 + i, dstPort: [80, 22, 443][rand(3)] };
  };
  const probes = Array.from({ length: QUESTIONS }, (_, i) => probe(i));
  const cold0 = performance.now();
  await ask(probes[0]);
  const coldMs = performance.now() - cold0;
  // warm the shadows of every node the questions touch
  for (const p of probes.slice(0, 50)) await ask(p);
  const times: number[] = [];
  const verdicts = { allowed: 0, denied: 0 };
  for (const p of probes) {
    const t = performance.now();
    const a = await ask(p);
    times.push(performance.now() - t);
    verdicts[a.verdict]++;
  }
  // a config change (one more policy rule somewhere): the next question rebuilds the shadows
  const pol = cfg.getByFqName("network-policy", [...P, "join-0"])!;
  await cfg.update("network-policy", pol.uuid, { display_name: "join-0 (touched)" }, ACTOR);
  await new Promise((r) => setTimeout(r, 200));
  const afterChange0 = performance.now();
  await ask(probes[1]);
  const afterChangeMs = performance.now() - afterChange0;

  const side = Math.min(100, PORTS);
  const sources = Array.from({ length: side }, () => ports[rand(PORTS)].uuid);
  const destinations = Array.from({ length: side }, () => ports[rand(PORTS)].address);
  await engine.reachability.matrix(sources.slice(0, 5), destinations.slice(0, 5), "tcp", 80);
  const m0 = performance.now();
  const grid = await engine.reachability.matrix(sources, destinations, "tcp", 80);
  const matrixMs = performance.now() - m0;
  const matrixAllowed = grid.flat().filter((c) => c.verdict === "allowed").length;
  const rss = process.memoryUsage().rss / 2 ** 20;
  await engine.stop();
  fs.rmSync(dir, { recursive: true, force: true });

  const figures = {
    networks: NETWORKS,
    ports: PORTS,
    nodes: NODES,
    questions: QUESTIONS,
    question_p50_ms: percentile(times, 50),
    question_p99_ms: percentile(times, 99),
    question_cold_ms: coldMs,
    question_after_change_ms: afterChangeMs,
    verdicts,
    matrix_100x100_ms: matrixMs,
    matrix_cells: side * side,
    matrix_allowed: matrixAllowed,
    whatif_10m_flows_ms: null,
    setup_s: setupS,
    rss_mib: rss,
  };
  const mc = machine();
  printTable(`reachability: ${NETWORKS} networks, ${PORTS} ports, ${NODES} nodes (${mc.cores} × ${mc.cpuModel}, load ${mc.loadAvg.join(" ")})`, [
    { metric: "question p50 (suggestions on)", value: figures.question_p50_ms, unit: "ms", goal: "< 50 ms", ok: figures.question_p50_ms < 50 },
    { metric: "question p99", value: figures.question_p99_ms, unit: "ms" },
    { metric: "first question (cold shadows)", value: coldMs, unit: "ms" },
    { metric: "first question after a change", value: afterChangeMs, unit: "ms" },
    { metric: "verdicts allowed / denied", value: `${verdicts.allowed} / ${verdicts.denied}` },
    { metric: `matrix ${side} × ${side}`, value: matrixMs, unit: "ms", goal: "< 3000 ms", ok: matrixMs < 3000 },
    { metric: "what-if 10M flows", value: "not implemented" },
    { metric: "set-up (config + RIB)", value: setupS, unit: "s" },
    { metric: "RSS", value: rss, unit: "MiB" },
  ]);
  const file = writeResult("reachability", { goal: { question_p50_ms: 50, matrix_100x100_ms: 3000 }, figures });
  console.log(`results: ${path.relative(process.cwd(), file)}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
