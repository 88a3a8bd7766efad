// Real agent processes (npx tsx server/engine/agent/main.ts) against the harness control node:
// delivered across processes over UDP on 127.0.2.x, and a clean exit on SIGTERM.
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type HarnessControl, port, startHarness, VN1, vrf, waitFor } from "./harness.ts";

const root = path.resolve(__dirname, "../..");
let control: HarnessControl;
const stateDirs: string[] = [];
const procs: { name: string; child: ChildProcess; log: string[]; via: "npx" | "tsx" }[] = [];

/**
 * `npx tsx …` (how an operator starts it) or tsx directly. npm does not forward SIGTERM to
 * what it runs, so the npx one gets its own process group and is signalled as a group.
 */
async function spawnAgent(name: string, address: string, dataPort: number, via: "npx" | "tsx") {
  // a process of its own enrols with a one-time token (issue 14); its key stays in its state dir
  const token = await control.trust!.issueLocalToken(name, address);
  const stateDir = fs.mkdtempSync(path.join(os.tmpdir(), `weft-agent-${name}-`));
  stateDirs.push(stateDir);
  const args = ["server/engine/agent/main.ts", "--control", control.address, "--name", name, "--address", address, "--data-port", String(dataPort), "--state-dir", stateDir];
  const env = { ...process.env, WEFT_ENROL_TOKEN: token };
  const child =
    via === "npx"
      ? spawn("npx", ["tsx", ...args], { cwd: root, stdio: ["ignore", "pipe", "pipe"], detached: true, env })
      : spawn(path.join(root, "node_modules/.bin/tsx"), args, { cwd: root, stdio: ["ignore", "pipe", "pipe"], env });
  const log: string[] = [];
  child.stderr!.on("data", (b: Buffer) => log.push(...b.toString().split("\n").filter(Boolean)));
  procs.push({ name, child, log, via });
}

beforeAll(async () => {
  control = await startHarness({
    vrfs: [vrf(VN1, 10)],
    ports: { p1: [port("qa", VN1, ["10.3.0.1"])], p2: [port("qb", VN1, ["10.3.0.2"])] },
  });
  await spawnAgent("p1", "127.0.2.1", 17001, "npx");
  await spawnAgent("p2", "127.0.2.2", 17002, "tsx");
  await waitFor(() => control.agents.get("p1")?.endOfRib === true && control.agents.get("p2")?.endOfRib === true, 30_000, "agent processes synced");
  await waitFor(() => control.agents.get("p1")!.subscribed.has(VN1) && control.agents.get("p2")!.subscribed.has(VN1), 10_000, "subscriptions");
}, 60_000);

afterAll(async () => {
  for (const p of procs) {
    if (p.child.exitCode !== null || p.child.signalCode !== null) continue;
    if (p.via === "npx") process.kill(-p.child.pid!, "SIGKILL");
    else p.child.kill("SIGKILL");
  }
  await control.stop();
  for (const d of stateDirs) fs.rmSync(d, { recursive: true, force: true });
});

describe("agent processes", () => {
  it("deliver between processes and report the path", async () => {
    // The reflected route may trail the subscription a little: retry briefly on "no route".
    let r = await control.trace("p1", { port_uuid: "qa", dst: "10.3.0.2", protocol: "icmp", src_port: 0, dst_port: 0, src: "" });
    for (let i = 0; i < 50 && r.reason.startsWith("no route"); i++) {
      await new Promise((res) => setTimeout(res, 100));
      r = await control.trace("p1", { port_uuid: "qa", dst: "10.3.0.2", protocol: "icmp", src_port: 0, dst_port: 0, src: "" });
    }
    expect(r.verdict).toBe("delivered");
    expect(r.delivered_to).toBe("default-domain:test:qb");
    expect(r.hops.find((h) => h.step === "tunnel")!.detail).toBe("127.0.2.1:17001 → 127.0.2.2:17002 (p2)");
    expect(r.hops.filter((h) => h.node === "p2").map((h) => h.step)).toEqual(["decap", "acl", "deliver"]);
    expect(control.agents.get("p1")!.hello).toMatchObject({ protocol_version: 1, address: "127.0.2.1", data_port: 17001, encapsulations: ["MPLSoGRE", "MPLSoUDP", "VXLAN"] });
  });

  it("exit cleanly on SIGTERM", async () => {
    const [viaNpx, viaTsx] = procs;
    const tsxExit = new Promise<number | null>((resolve) => viaTsx.child.once("exit", (code) => resolve(code)));
    viaTsx.child.kill("SIGTERM");
    expect(await tsxExit).toBe(0);
    // the agent logs structured lines on stderr (server/engine/log): one JSON object per line
    expect(event(viaTsx.log.at(-1))).toMatchObject({ component: "agent", node: "p2", msg: "stopped" });

    process.kill(-viaNpx.child.pid!, "SIGTERM");
    await waitFor(() => viaNpx.log.some((l) => event(l)?.node === "p1" && event(l)?.msg === "stopped"), 10_000, "p1 stopped");
    await waitFor(() => !groupAlive(viaNpx.child.pid!), 10_000, "p1 process group gone");
  });
});

function event(line: string | undefined): Record<string, unknown> | undefined {
  try {
    return line ? (JSON.parse(line) as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}
