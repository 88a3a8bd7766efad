// Shared helpers for the benchmarks: machine facts, percentiles, a printed table, JSON results.
import { execSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface Machine {
  cpuModel: string;
  cores: number;
  ramGiB: number;
  node: string;
  platform: string;
  /** cores this process may use (cgroup quota), when it differs from os.cpus() */
  cpuQuota: number | null;
  /** 1/5/15-minute load average when the result was written: other work on the machine skews wall times */
  loadAvg: number[];
}

function cgroupCpus(): number | null {
  try {
    const [quota, period] = fs.readFileSync("/sys/fs/cgroup/cpu.max", "utf8").trim().split(/\s+/);
    if (quota === "max") return null;
    return Number(quota) / Number(period);
  } catch {
    return null;
  }
}

export function machine(): Machine {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model?.trim() ?? "unknown",
    cores: cpus.length,
    ramGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpuQuota: cgroupCpus(),
    loadAvg: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

export function gitCommit(): string | null {
  try {
    return execSync("git rev-parse --short HEAD", { stdio: ["ignore", "pipe", "ignore"] }).toString().trim();
  } catch {
    return null;
  }
}

/** Nearest-rank percentile of a list of numbers (0 < p ≤ 100). */
export function percentile(xs: number[], p: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export const median = (xs: number[]) => percentile(xs, 50);

export interface Row {
  metric: string;
  value: string | number;
  unit?: string;
  goal?: string;
  ok?: boolean;
}

export function printTable(title: string, rows: Row[]) {
  const cells = rows.map((r) => [r.metric, typeof r.value === "number" ? fmt(r.value) : r.value, r.unit ?? "", r.goal ?? "", r.ok === undefined ? "" : r.ok ? "ok" : "MISSED"]);
  const head = ["metric", "value", "unit", "goal", ""];
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => String(c[i]).length)));
  const line = (c: (string | number)[]) => c.map((x, i) => (i === 1 ? String(x).padStart(w[i]) : String(x).padEnd(w[i]))).join("  ").trimEnd();
  console.log(`\n${title}`);
  console.log(line(head));
  console.log(w.map((n) => "-".repeat(n)).join("  "));
  for (const c of cells) console.log(line(c));
}

export function fmt(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : v.toFixed(3);
}

/** Writes bench/results/<name>.json (latest) and returns its path. */
export function writeResult(name: string, data: Record<string, unknown>): string {
  const dir = path.resolve("bench/results");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.json`);
  const body = { bench: name, at: new Date().toISOString(), commit: gitCommit(), machine: machine(), ...data };
  fs.writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}
