// Running iproute2 / nftables / conntrack for the Linux data plane: asynchronous child processes
// (the agent's event loop never waits on the kernel), batches on stdin (`ip -batch -`, `nft -f -`)
// so one change is one process, and JSON read-back (`ip -j`, `nft -j`) for reconciling.
// `netns` names the compute node's network namespace (the lab runs several nodes on one host);
// without it the commands act on the agent's own namespace, i.e. the host.
import { spawn } from "node:child_process";

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], input?: string, timeoutMs = 15_000): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
    child.on("error", (e) => {
      clearTimeout(timer);
      resolve({ code: -1, stdout, stderr: stderr || e.message });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.on("error", () => undefined);
    child.stdin.end(input ?? "");
  });
}

export class KernelError extends Error {
  constructor(
    readonly command: string,
    readonly result: RunResult,
  ) {
    super(`${command} failed (${result.code}): ${result.stderr.trim().split("\n").slice(0, 3).join(" | ")}`);
  }
}

/** Commands bound to one network namespace (or the current one). */
export class Kernel {
  constructor(readonly netns = "") {}

  private ns(): string[] {
    return this.netns ? ["-n", this.netns] : [];
  }

  /** `cmd` in the namespace: `ip netns exec NS cmd ...` when a namespace is set. */
  exec(cmd: string, args: string[], input?: string, timeoutMs?: number): Promise<RunResult> {
    return this.netns ? run("ip", ["netns", "exec", this.netns, cmd, ...args], input, timeoutMs) : run(cmd, args, input, timeoutMs);
  }

  async ipJson<T>(args: string[]): Promise<T> {
    const r = await run("ip", [...this.ns(), "-j", ...args]);
    if (r.code !== 0) throw new KernelError(`ip ${args.join(" ")}`, r);
    return (r.stdout.trim() ? JSON.parse(r.stdout) : []) as T;
  }

  async bridgeJson<T>(args: string[]): Promise<T> {
    const r = await run("bridge", [...this.ns(), "-j", ...args]);
    if (r.code !== 0) throw new KernelError(`bridge ${args.join(" ")}`, r);
    return (r.stdout.trim() ? JSON.parse(r.stdout) : []) as T;
  }

  /**
   * Lines of `ip` commands (without the leading `ip`) in one process. `-force` goes on after a
   * failed line: the caller re-reads the kernel and converges on the next pass, and reports errors.
   */
  async ipBatch(lines: string[]): Promise<string[]> {
    if (lines.length === 0) return [];
    const r = await run("ip", [...this.ns(), "-force", "-batch", "-"], `${lines.join("\n")}\n`);
    return r.code === 0 ? [] : r.stderr.trim().split("\n").filter(Boolean);
  }

  async bridgeBatch(lines: string[]): Promise<string[]> {
    if (lines.length === 0) return [];
    const r = await run("bridge", [...this.ns(), "-force", "-batch", "-"], `${lines.join("\n")}\n`);
    return r.code === 0 ? [] : r.stderr.trim().split("\n").filter(Boolean);
  }

  /** One nft transaction (all or nothing). */
  async nft(script: string): Promise<void> {
    const r = await this.exec("nft", ["-f", "-"], script);
    if (r.code !== 0) throw new KernelError("nft -f", r);
  }

  async nftJson<T>(args: string[]): Promise<T | null> {
    const r = await this.exec("nft", ["-j", ...args]);
    if (r.code !== 0) return null;
    return JSON.parse(r.stdout) as T;
  }

  async sysctl(settings: Record<string, string>): Promise<void> {
    const r = await this.exec("sysctl", ["-q", "-w", ...Object.entries(settings).map(([k, v]) => `${k}=${v}`)]);
    if (r.code !== 0) throw new KernelError("sysctl", r);
  }
}

/** Whether this process may build a kernel data plane: root, iproute2 and nft present, namespaces usable. */
export async function linuxDataPlaneProblem(): Promise<string | null> {
  if (process.platform !== "linux") return `the Linux data plane needs Linux (this is ${process.platform})`;
  if (typeof process.getuid === "function" && process.getuid() !== 0) return "the Linux data plane needs root (network namespaces, routes, nftables)";
  for (const [cmd, args] of [
    ["ip", ["-V"]],
    ["nft", ["--version"]],
    ["bridge", ["-V"]],
  ] as const) {
    const r = await run(cmd, [...args]);
    if (r.code !== 0) return `${cmd} is missing (${r.stderr.trim() || "not found"}): install iproute2 and nftables`;
  }
  return null;
}
