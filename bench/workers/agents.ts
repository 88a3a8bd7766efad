// A worker process hosting many simulated agents (the benchmark's compute nodes), driven over IPC:
//   {cmd: "status"}                       → {connected, routes, ports, stale, agents, rss, cpuSeconds}
//   {cmd: "watch", vrf, prefix, t0, id}   → {id, latencies: ms until the prefix is in each subscribed agent's FIB}
//   {cmd: "stop"}
import { type AgentHandle, startAgent } from "../../server/engine/agent/main";
import fs from "node:fs";
import { agentAddress } from "./pool";

const [control, first, count] = [process.argv[2], Number(process.argv[3]), Number(process.argv[4])];
const agents: AgentHandle[] = [];
/** one-time enrolment tokens by node name (issue 14), from the file the bench wrote (WEFT_BENCH_TOKENS) */
const tokens: Record<string, string> = process.env.WEFT_BENCH_TOKENS ? JSON.parse(fs.readFileSync(process.env.WEFT_BENCH_TOKENS, "utf8")) : {};


async function main() {
  for (let i = first; i < first + count; i++) {
    agents.push(
      await startAgent({
        name: `compute-${i}`,
        address: agentAddress(i),
        enrolToken: tokens[`compute-${i}`],
        control,
        dataPort: 0,
        log: false,
        statsIntervalMs: 60_000,
        initialSyncWaitMs: 500,
        backoffInitialMs: 200,
        backoffMaxMs: 2000,
      }),
    );
  }
  process.send!({ ready: true });
}

process.on("message", async (m: { cmd: string; vrf?: string; prefix?: string; t0?: number; id?: number }) => {
  if (m.cmd === "status") {
    let connected = 0;
    let routes = 0;
    let ports = 0;
    let stale = 0;
    for (const a of agents) {
      const s = a.status();
      if (s.session === "established") connected++;
      routes += s.routes;
      ports += s.ports;
      stale += s.staleRoutes;
    }
    const cpu = process.cpuUsage();
    process.send!({ status: { connected, routes, ports, stale, agents: agents.length, rss: process.memoryUsage().rss, cpuSeconds: (cpu.user + cpu.system) / 1e6 } });
  } else if (m.cmd === "watch") {
    const watchers = agents.filter((a) => a.status().subscribed.includes(m.vrf!));
    const latencies: number[] = [];
    const pending = new Set(watchers);
    const deadline = Date.now() + 10_000;
    while (pending.size && Date.now() < deadline) {
      for (const a of [...pending]) {
        if (a.routes(m.vrf!).some((r) => r.prefix === m.prefix)) {
          latencies.push(Date.now() - m.t0!);
          pending.delete(a);
        }
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    process.send!({ id: m.id, latencies, missed: pending.size });
  } else if (m.cmd === "stop") {
    await Promise.all(agents.map((a) => a.stop()));
    process.exit(0);
  }
});

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
