// The benches' side of bench/workers/agents.ts: fork N worker processes hosting the simulated
// agents (compute-0…) and talk to them over IPC.
import { type ChildProcess, fork } from "node:child_process";
import path from "node:path";

/** compute-N lives on 127.1.x.y, as bench/workers/agents.ts numbers them (importing it would start agents) */
export const agentAddress = (i: number) => `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`;

export interface WorkerStatus {
  connected: number;
  routes: number;
  ports: number;
  stale: number;
  agents: number;
  rss: number;
  /** CPU time the worker process used so far (user + system) */
  cpuSeconds: number;
}

export class AgentWorker {
  private waiting = new Map<number, (v: unknown) => void>();
  private statusWaiters: ((s: WorkerStatus) => void)[] = [];
  constructor(readonly proc: ChildProcess) {
    proc.on("message", (m: { status?: WorkerStatus; id?: number }) => {
      if (m.status) this.statusWaiters.shift()?.(m.status);
      else if (m.id !== undefined) {
        this.waiting.get(m.id)?.(m);
        this.waiting.delete(m.id);
      }
    });
  }
  status(): Promise<WorkerStatus> {
    return new Promise((r) => {
      this.statusWaiters.push(r);
      this.proc.send({ cmd: "status" });
    });
  }
  watch(id: number, vrf: string, prefix: string, t0: number): Promise<{ latencies: number[]; missed: number }> {
    return new Promise((r) => {
      this.waiting.set(id, r as (v: unknown) => void);
      this.proc.send({ cmd: "watch", id, vrf, prefix, t0 });
    });
  }
  /** Stops the worker's agents; resolves when the process has exited. */
  stop(): Promise<void> {
    return new Promise((r) => {
      this.proc.once("exit", () => r());
      this.proc.send({ cmd: "stop" });
    });
  }
}

/** `agents` agents in `workers` processes, connected to `control`; resolves when every worker reports ready. */
export async function startAgentWorkers(control: string, agents: number, workers: number, execArgv: string[] = []): Promise<AgentWorker[]> {
  const out: AgentWorker[] = [];
  const per = Math.ceil(agents / workers);
  await Promise.all(
    Array.from({ length: workers }, (_, w) => {
      const first = w * per;
      const count = Math.max(0, Math.min(per, agents - first));
      const proc = fork(path.resolve("bench/workers/agents.ts"), [control, String(first), String(count)], { execArgv: ["--import", "tsx", ...execArgv], stdio: ["ignore", "inherit", "inherit", "ipc"] });
      out.push(new AgentWorker(proc));
      return new Promise<void>((r) => proc.once("message", () => r()));
    }),
  );
  return out;
}
