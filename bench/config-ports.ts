// Creates N ports (virtual-machine-interface), each with an instance IP, through the config
// service of a fresh engine (temp data dir, one project, one VN with a /16), with bounded
// concurrency like many API clients would. Reports throughput, per-port latency and checks
// that no address was handed out twice (returned objects and the IpAllocation table).
//   npx tsx bench/config-ports.ts [--ports 10000] [--concurrency 200] [--keep]
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { Engine } from "../server/engine/engine";
import type { Actor } from "../server/engine/config/api";
import { machine, percentile, printTable, writeResult } from "./lib";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const PORTS = arg("ports", 10_000);
const CONCURRENCY = arg("concurrency", 200);
const GOAL_S = 10;
const ACTOR: Actor = { userId: null, email: "bench@weft", role: "admin", source: "api" };

async function main() {
  const dir = fs.mkdtempSync(path.join(process.env.WEFT_BENCH_TMP ?? os.tmpdir(), "weft-bench-ports-"));
  const engine = await Engine.start({ dataDir: dir });
  const cfg = engine.config;
  const project = await cfg.create("project", { fq_name: ["default-domain", "bench"], parent_type: "domain" }, ACTOR);
  const vn = await cfg.create(
    "virtual-network",
    {
      fq_name: [...project.fq_name, "vn-bench"],
      parent_type: "project",
      network_ipam_refs: [{ to: ["default-domain", "default-project", "default-network-ipam"], attr: { ipam_subnets: [{ subnet: { ip_prefix: "10.128.0.0", ip_prefix_len: 16 } }] } }],
    },
    ACTOR,
  );

  const latencies: number[] = new Array(PORTS);
  const addresses: string[] = new Array(PORTS);
  let failures = 0;
  let firstError: string | null = null;
  const commitsBefore = cfg.stats.commits;

  async function onePort(i: number) {
    const t0 = performance.now();
    const port = await cfg.create(
      "virtual-machine-interface",
      { fq_name: [...project.fq_name, `port-${i}`], parent_type: "project", virtual_network_refs: [{ uuid: vn.uuid }] },
      ACTOR,
    );
    const iip = await cfg.create(
      "instance-ip",
      { name: `iip-${i}`, virtual_network_refs: [{ uuid: vn.uuid }], virtual_machine_interface_refs: [{ uuid: port.uuid }] },
      ACTOR,
    );
    latencies[i] = performance.now() - t0;
    addresses[i] = iip.instance_ip_address as string;
  }

  let next = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  await Promise.all(
    Array.from({ length: Math.min(CONCURRENCY, PORTS) }, async () => {
      while (next < PORTS) {
        const i = next++;
        try {
          await onePort(i);
        } catch (e) {
          failures++;
          firstError ??= (e as Error).message;
        }
      }
    }),
  );
  const totalS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const commits = cfg.stats.commits - commitsBefore;

  // duplicates: among the returned addresses, and in the database's allocation table
  const returned = addresses.filter(Boolean);
  const dupReturned = returned.length - new Set(returned).size;
  const rows = await engine.db.ipAllocation.findMany({ where: { networkUuid: vn.uuid }, select: { address: true } });
  const dupDb = rows.length - new Set(rows.map((r) => r.address)).size;
  const inDb = new Set(rows.map((r) => r.address));
  const missingInDb = returned.filter((a) => !inDb.has(a)).length;
  const ports = await engine.db.configObject.count({ where: { type: "virtual-machine-interface" } });
  const iips = await engine.db.configObject.count({ where: { type: "instance-ip" } });
  const objects = await engine.db.configObject.count();
  const dbBytes = fs.statSync(path.join(dir, "weft.db")).size + (fs.existsSync(path.join(dir, "weft.db-wal")) ? fs.statSync(path.join(dir, "weft.db-wal")).size : 0);
  await engine.stop();
  if (!process.argv.includes("--keep")) fs.rmSync(dir, { recursive: true, force: true });

  const ok = latencies.filter((x) => x !== undefined);
  const figures = {
    ports: PORTS,
    concurrency: CONCURRENCY,
    totalSeconds: totalS,
    portsPerSecond: PORTS / totalS,
    latencyMs: { p50: percentile(ok, 50), p90: percentile(ok, 90), p99: percentile(ok, 99), max: Math.max(...ok) },
    failures,
    firstError,
    duplicateAddresses: { returned: dupReturned, ipAllocationTable: dupDb, returnedButNotInDb: missingInDb },
    db: { portObjects: ports, instanceIpObjects: iips, objectsTotal: objects, ipAllocationRows: rows.length, bytes: dbBytes },
    groupCommits: commits,
    cpuSeconds: { user: cpu.user / 1e6, system: cpu.system / 1e6 },
  };
  const m = machine();
  printTable(`config-ports: ${PORTS} ports + instance IPs, ${CONCURRENCY} in flight (${m.cores} × ${m.cpuModel}, ${m.ramGiB} GiB, node ${m.node})`, [
    { metric: "total", value: totalS, unit: "s", goal: `< ${GOAL_S} s on 2 cores`, ok: totalS < GOAL_S },
    { metric: "throughput", value: figures.portsPerSecond, unit: "ports/s" },
    { metric: "latency p50", value: figures.latencyMs.p50, unit: "ms" },
    { metric: "latency p99", value: figures.latencyMs.p99, unit: "ms" },
    { metric: "failures", value: failures, goal: "0", ok: failures === 0 },
    { metric: "duplicate addresses (returned)", value: dupReturned, goal: "0", ok: dupReturned === 0 },
    { metric: "duplicate addresses (IpAllocation)", value: dupDb, goal: "0", ok: dupDb === 0 },
    { metric: "returned addresses missing in DB", value: missingInDb, goal: "0", ok: missingInDb === 0 },
    { metric: "ports in DB", value: ports, goal: String(PORTS), ok: ports === PORTS },
    { metric: "instance IPs in DB", value: iips, goal: String(PORTS), ok: iips === PORTS },
    { metric: "objects in DB (all types)", value: objects },
    { metric: "group commits", value: commits },
    { metric: "CPU user+sys", value: (cpu.user + cpu.system) / 1e6, unit: "s" },
  ]);
  const file = writeResult("config-ports", { goal: { totalSeconds: GOAL_S, duplicates: 0 }, figures });
  console.log(`results: ${path.relative(process.cwd(), file)}`);
  if (dupReturned || dupDb || missingInDb || failures) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
