// Running the built console for page benchmarks: a free port, start/stop the server process,
// sign in the bench admin through the login page.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import { performance } from "node:perf_hooks";
import type { Page } from "@playwright/test";

export const ADMIN = { email: "bench-admin@weft.local", password: "bench-password-1" };

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export async function startConsole(dir: string, port: number): Promise<{ proc: ChildProcess; log: string[]; startSeconds: number }> {
  if (!fs.existsSync(".next/BUILD_ID")) throw new Error("no Next.js build (.next/BUILD_ID): run `npx next build` first (scripts/bench.sh does)");
  const log: string[] = [];
  const t0 = performance.now();
  const proc = spawn(process.execPath, ["--import", "tsx", "server/main.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      NEXT_TELEMETRY_DISABLED: "1",
      PORT: String(port),
      HOST: "127.0.0.1",
      WEFT_DATA_DIR: dir,
      WEFT_BASE_URL: `http://127.0.0.1:${port}`,
      WEFT_ADMIN_EMAIL: ADMIN.email,
      WEFT_ADMIN_PASSWORD: ADMIN.password,
      WEFT_LAB_NODES: "0",
      WEFT_AUTH_RATE_LIMIT: "0",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  for (const s of [proc.stdout!, proc.stderr!]) s.on("data", (d: Buffer) => log.push(...d.toString().split("\n").filter(Boolean)));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`the console exited (${proc.exitCode}):\n${log.slice(-30).join("\n")}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the console did not answer /healthz within 120 s:\n${log.slice(-30).join("\n")}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return { proc, log, startSeconds: (performance.now() - t0) / 1000 };
}

export async function stopConsole(proc: ChildProcess) {
  if (proc.exitCode !== null) return;
  const done = new Promise((r) => proc.once("exit", r));
  proc.kill("SIGTERM");
  const t = setTimeout(() => proc.kill("SIGKILL"), 10_000);
  await done;
  clearTimeout(t);
}

export async function login(page: Page, base: string) {
  await page.goto(`${base}/login`);
  await page.getByTestId("login-email").fill(ADMIN.email);
  await page.getByTestId("login-password").fill(ADMIN.password);
  await page.getByTestId("login-submit").click();
  await page.waitForURL((u) => !u.pathname.startsWith("/login"), { timeout: 30_000 });
}
