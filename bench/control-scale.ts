// One control node, many simulated agents (in worker processes), many ports:
//   initial sync time, resync after a control-node restart, control-node memory,
//   and route change (port added) → visible in every subscribed agent's FIB (p50/p99).
//   npx tsx bench/control-scale.ts [--agents 1000] [--ports 100000] [--vns 100] [--workers 4] [--changes 30] [--handshakes 50]
// The agent channel is mutual TLS (issue 14): every agent enrols with a one-time token first (the
// initial sync includes it), and the cost of one session's TLS handshake is measured on its own
// (a probe node connecting again and again: connect → hello_ack).
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Session } from "node:inspector/promises";
import { performance } from "node:perf_hooks";
import { Engine } from "../server/engine/engine";
import { ControlNode } from "../server/engine/control/control-node";
import type { Actor } from "../server/engine/config/api";
import type { ConfigObject } from "../server/engine/model/types";
import { percentile, printTable, writeResult } from "./lib";
import { type AgentWorker, agentAddress, startAgentWorkers } from "./workers/pool";
import { channelCredentials, enrol, TLS_CHANNEL_OPTIONS } from "../server/engine/agent/credentials";
import { CHANNEL_OPTIONS, type ControlMessage, controlNodeService, grpc } from "../server/engine/protocol";
import { writePrivate } from "../server/engine/protocol/pki";
import { waitFor } from "../tests/bgp/daemons";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const AGENTS = arg("agents", 1000);
const PORTS = arg("ports", 100_000);
const VNS = arg("vns", 100);
const WORKERS = arg("workers", 4);
const CHANGES = arg("changes", 30);
const HANDSHAKES = arg("handshakes", 50);
/** WEFT_BENCH_PROFILE=<dir>: CPU profiles of the control node (initial sync, resync) and of the agent workers. */
const PROFILE_DIR = process.env.WEFT_BENCH_PROFILE ? path.resolve(process.env.WEFT_BENCH_PROFILE) : null;
const ACTOR: Actor = { userId: null, email: "bench@weft", role: "admin", source: "api" };
const P = ["default-domain", "scale"];

/** tests/bgp/daemons.ts's waitFor, polling every 100 ms */
const until = (what: string, f: () => boolean | Promise<boolean>, ms: number) => waitFor(what, f, ms, 100);

/** CPU seconds (user + system) of this process (the control node) and of the agent workers: wall times depend on
 *  what else runs on the machine, CPU time much less. */
const cpuOf = async (workers: AgentWorker[]) => {
  const c = process.cpuUsage();
  const w = await Promise.all(workers.map((x) => x.status()));
  return { control: (c.user + c.system) / 1e6, agents: w.reduce((n, s) => n + s.cpuSeconds, 0) };
};

let inspector: Session | null = null;
async function profileStart() {
  if (!PROFILE_DIR) return;
  fs.mkdirSync(PROFILE_DIR, { recursive: true });
  inspector ??= new Session();
  inspector.connect();
  await inspector.post("Profiler.enable");
  await inspector.post("Profiler.start");
}
async function profileStop(name: string) {
  if (!inspector) return;
  const { profile } = await inspector.post("Profiler.stop");
  fs.writeFileSync(path.join(PROFILE_DIR!, `control-${name}.cpuprofile`), JSON.stringify(profile));
  inspector.disconnect();
}

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "weft-bench-scale-"));
  const engine = await Engine.start({ dataDir: dir, agentPort: 0, holdTimeSeconds: 30 });
  const cfg = engine.config;
  const portsPerAgent = Math.ceil(PORTS / AGENTS);
  const agentsPerVn = Math.max(1, Math.ceil(AGENTS / VNS));
  console.log(`seeding ${VNS} VNs and ${PORTS} ports (${portsPerAgent} per agent, ${agentsPerVn} agents per VN)…`);
  const tSeed = performance.now();
  await cfg.create("project", { fq_name: P, parent_type: "domain" }, ACTOR);
  const vns: ConfigObject[] = [];
  for (let v = 0; v < VNS; v++) {
    vns.push(
      await cfg.create(
        "virtual-network",
        {
          fq_name: [...P, `vn-${v}`],
          network_ipam_refs: [{ to: ["default-domain", "default-project", "default-network-ipam"], attr: { ipam_subnets: [{ subnet: { ip_prefix: `10.${v % 256}.0.0`, ip_prefix_len: 16 } }] } }],
        },
        ACTOR,
      ),
    );
  }
  // enrolment (before the ports: the compiler's sequence then covers these events too): a virtual-router and a one-time token per agent (the workers read them from a 0600 file)
  const tokens: Record<string, string> = {};
  for (const name of [...Array.from({ length: AGENTS }, (_, i) => `compute-${i}`), "bench-probe"]) {
    const i = name === "bench-probe" ? AGENTS : Number(name.slice(8));
    const vr = await cfg.create("virtual-router", { fq_name: ["default-global-system-config", name], parent_type: "global-system-config", virtual_router_ip_address: agentAddress(i) }, ACTOR);
    tokens[name] = (await engine.trust.issueToken(vr.uuid, ACTOR, 3600)).token;
  }
  const tokenFile = path.join(dir, "bench-tokens.json");
  writePrivate(tokenFile, JSON.stringify(tokens));
  process.env.WEFT_BENCH_TOKENS = tokenFile;
  let next = 0;
  const worker = async () => {
    while (next < PORTS) {
      const j = next++;
      const agent = Math.floor(j / portsPerAgent);
      const vn = vns[Math.min(VNS - 1, Math.floor(agent / agentsPerVn))];
      const port = await cfg.create(
        "virtual-machine-interface",
        {
          fq_name: [...P, `p-${j}`],
          virtual_network_refs: [{ uuid: vn.uuid }],
          virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: `compute-${agent}` }] },
        },
        ACTOR,
      );
      await cfg.create("instance-ip", { fq_name: [`ip-${j}`], virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_refs: [{ uuid: port.uuid }] }, ACTOR);
    }
  };
  await Promise.all(Array.from({ length: 300 }, worker));
  await cfg.close();
  await until("compiler caught up", () => engine.compiler.compiledSeq >= cfg.lastSeq && engine.compiler.state.ports.size >= PORTS, 120_000);
  const seedS = (performance.now() - tSeed) / 1000;
  const rssBeforeAgents = process.memoryUsage().rss;

  // ---- initial sync
  console.log(`starting ${AGENTS} agents in ${WORKERS} worker processes…`);
  const controlAddress = `127.0.0.1:${engine.control.listenPort}`;
  await profileStart();
  const cpu0 = await cpuOf([]);
  const t0 = performance.now();
  const workers = await startAgentWorkers(controlAddress, AGENTS, WORKERS, PROFILE_DIR ? ["--cpu-prof", `--cpu-prof-dir=${PROFILE_DIR}`] : []);
  const expectedRoutes = (() => {
    // every agent receives all routes of its VN's instance
    let n = 0;
    for (let a = 0; a < AGENTS; a++) {
      const v = Math.min(VNS - 1, Math.floor(a / agentsPerVn));
      const agentsInVn = Array.from({ length: AGENTS }, (_, x) => x).filter((x) => Math.min(VNS - 1, Math.floor(x / agentsPerVn)) === v);
      n += agentsInVn.reduce((s, x) => s + Math.max(0, Math.min(portsPerAgent, PORTS - x * portsPerAgent)), 0);
    }
    return n;
  })();
  let lastLog = 0;
  let control: ControlNode = engine.control;
  const synced = async () => {
    const s = await Promise.all(workers.map((w) => w.status()));
    const routes = s.reduce((n, x) => n + x.routes, 0);
    const stale = s.reduce((n, x) => n + x.stale, 0);
    const connected = s.reduce((n, x) => n + x.connected, 0);
    if (Date.now() - lastLog > 5000) {
      lastLog = Date.now();
      console.log(`  … ${connected}/${AGENTS} agents connected, ${control.rib.pathCount}/${PORTS} paths in the control node, ${routes}/${expectedRoutes} routes in agent FIBs, ${stale} stale`);
    }
    return control.rib.pathCount >= PORTS && routes >= expectedRoutes && stale === 0;
  };
  await until("initial sync", synced, 600_000);
  const initialS = (performance.now() - t0) / 1000;
  const cpuInitial = await cpuOf(workers); // workers started inside the phase: all their CPU counts
  cpuInitial.control -= cpu0.control;
  await profileStop("initial");
  const rssControl = process.memoryUsage().rss;

  // ---- route change latency
  const latencies: number[] = [];
  let missed = 0;
  for (let k = 0; k < CHANGES; k++) {
    const v = k % VNS;
    const vn = vns[v];
    const agent = v * agentsPerVn;
    const address = `10.${v % 256}.250.${(k % 250) + 1}`;
    const vrf = [...vn.fq_name, vn.name].join(":");
    const t = Date.now();
    const watches = workers.map((w) => w.watch(k, vrf, `${address}/32`, t));
    const port = await cfg.create(
      "virtual-machine-interface",
      { fq_name: [...P, `chg-${k}`], virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_bindings: { key_value_pair: [{ key: "host_id", value: `compute-${agent}` }] } },
      ACTOR,
    );
    await cfg.create("instance-ip", { fq_name: [`chg-ip-${k}`], virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_refs: [{ uuid: port.uuid }], instance_ip_address: address }, ACTOR);
    for (const r of await Promise.all(watches)) {
      latencies.push(...r.latencies);
      missed += r.missed;
    }
  }

  // ---- control-node restart
  const port = engine.control.listenPort;
  const tStop = performance.now();
  await engine.control.stop();
  console.log(`  control node stopped in ${((performance.now() - tStop) / 1000).toFixed(1)} s; restarting it 0.5 s later`);
  await new Promise((r) => setTimeout(r, 500));
  await profileStart();
  const cpu1 = await cpuOf(workers);
  const t1 = performance.now();
  const fresh = new ControlNode(engine.compiler, { trust: engine.trust, name: "restarted", host: "127.0.0.1", port, holdTimeSeconds: 30 });
  await fresh.start();
  control = fresh;
  let allUpS = 0;
  let allAnnouncedS = 0;
  await until(
    "resync",
    async () => {
      const sessions = [...fresh.agents.values()];
      if (!allUpS && sessions.filter((a) => a.state === "Up").length >= AGENTS) allUpS = (performance.now() - t1) / 1000;
      const resynced = sessions.filter((a) => a.lastResync).length >= AGENTS && fresh.rib.pathCount >= PORTS + CHANGES;
      if (resynced && !allAnnouncedS) allAnnouncedS = (performance.now() - t1) / 1000;
      return resynced && (await synced());
    },
    600_000,
  );
  console.log(`  resync: all sessions up after ${allUpS.toFixed(1)} s, every agent re-announced (end-of-RIB) after ${allAnnouncedS.toFixed(1)} s`);
  const resyncS = (performance.now() - t1) / 1000;
  const cpu2 = await cpuOf(workers);
  const cpuResync = { control: cpu2.control - cpu1.control, agents: cpu2.agents - cpu1.agents };
  await profileStop("resync");

  const workerRss = (await Promise.all(workers.map((w) => w.status()))).reduce((n, s) => n + s.rss, 0);

  // ---- TLS handshake cost per agent session: a probe node connects again and again (connect → hello_ack)
  const probeCreds = await enrol(`127.0.0.1:${port}`, "bench-probe", tokens["bench-probe"]);
  const handshakeMs: number[] = [];
  const cpuH0 = process.cpuUsage();
  for (let k = 0; k < HANDSHAKES; k++) {
    const Ctor = controlNodeService();
    const t = performance.now();
    const client = new Ctor(`127.0.0.1:${port}`, channelCredentials(probeCreds), { ...CHANNEL_OPTIONS, ...TLS_CHANNEL_OPTIONS });
    const stream = client.Session();
    await new Promise<void>((resolve, reject) => {
      stream.on("data", (m: ControlMessage) => m.msg === "hello_ack" && resolve());
      stream.on("error", (e: Error) => reject(e));
      // the same boot id each time: the same node reconnecting, never a duplicate to refuse
      stream.write({ msg: "hello", hello: { protocol_version: 1, name: "bench-probe", address: agentAddress(AGENTS), data_port: 9, encapsulations: ["MPLSoUDP"], agent_version: "bench", boot_id: "bench-probe" } });
    });
    handshakeMs.push(performance.now() - t);
    stream.on("error", () => {});
    stream.cancel();
    client.close();
  }
  const cpuH = process.cpuUsage(cpuH0);
  // both ends run in this process: the CPU figure is the control node's and the client's together (an upper bound)
  const handshakeCpuMs = HANDSHAKES ? (cpuH.user + cpuH.system) / 1000 / HANDSHAKES : 0;

  const gib = (b: number) => b / 2 ** 30;
  const figures = {
    agents: AGENTS,
    ports: PORTS,
    vns: VNS,
    seedSeconds: seedS,
    initialSyncSeconds: initialS,
    resyncSeconds: resyncS,
    controlRssGiB: gib(rssControl),
    controlRssBeforeAgentsGiB: gib(rssBeforeAgents),
    agentWorkersRssGiB: gib(workerRss),
    routesInAgentFibs: expectedRoutes,
    cpuSeconds: { initialSync: cpuInitial, resync: cpuResync },
    routeChangeMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99), samples: latencies.length, missed },
    agentChannel: "mTLS (Weft agent CA, ECDSA P-256)",
    handshakePerAgent: { wallMsP50: percentile(handshakeMs, 50), wallMsP99: percentile(handshakeMs, 99), cpuMsBothEnds: handshakeCpuMs, samples: handshakeMs.length },
  };
  printTable(`control-scale: ${AGENTS} agents, ${PORTS} ports, ${VNS} VNs (agents in ${WORKERS} worker processes)`, [
    { metric: "seed (config + compiler)", value: seedS, unit: "s" },
    { metric: "initial sync (agents start → all FIBs full)", value: initialS, unit: "s" },
    { metric: "resync after control-node restart", value: resyncS, unit: "s", goal: "< 10 s", ok: resyncS < 10 },
    { metric: "  CPU used by the control node / the agent workers (initial sync)", value: `${cpuInitial.control.toFixed(1)} / ${cpuInitial.agents.toFixed(1)}`, unit: "s" },
    { metric: "  CPU used by the control node / the agent workers (resync)", value: `${cpuResync.control.toFixed(1)} / ${cpuResync.agents.toFixed(1)}`, unit: "s" },
    { metric: "control-node RSS (config + compiler + RIBs + sessions)", value: gib(rssControl), unit: "GiB", goal: "< 2 GiB", ok: rssControl < 2 * 2 ** 30 },
    { metric: "route entries in agent FIBs", value: expectedRoutes },
    { metric: "port added → in every subscribed FIB, p50", value: figures.routeChangeMs.p50, unit: "ms" },
    { metric: "port added → in every subscribed FIB, p99", value: figures.routeChangeMs.p99, unit: "ms" },
    { metric: "watch samples / missed", value: `${latencies.length} / ${missed}` },
    { metric: "mTLS session handshake per agent (connect → hello_ack), p50", value: figures.handshakePerAgent.wallMsP50, unit: "ms" },
    { metric: "  CPU per handshake (control node + client, one process)", value: handshakeCpuMs, unit: "ms" },
  ]);
  const file = writeResult("control-scale", { goal: { resyncSeconds: 10, controlRssGiB: 2 }, figures });
  console.log(`results: ${path.relative(process.cwd(), file)}`);

  // Tear down after the results are out; a step that never finishes is named, not silently waited on
  // (node exits 0 when only a never-settling promise is left).
  const step = async (what: string, f: () => Promise<unknown>) => {
    const keepAlive = setInterval(() => {}, 1000);
    const t = performance.now();
    const timer = setTimeout(() => {
      // the figures are written already: say what hung and leave
      console.error(`teardown: ${what} has not finished after 30 s; exiting`);
      process.exit(0);
    }, 30_000);
    try {
      await f();
    } finally {
      clearTimeout(timer);
      clearInterval(keepAlive);
    }
    const ms = performance.now() - t;
    if (ms > 5000) console.error(`teardown: ${what} took ${(ms / 1000).toFixed(1)} s`);
  };
  await step("agent workers", () => Promise.all(workers.map((w) => w.stop())));
  await step("restarted control node", () => fresh.stop());
  await step("engine", () => engine.stop());
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
