// Structured logs (server/engine/log): a real process writing through the module, its stderr read
// as an operator's collector would (not a terminal: one JSON object per line).
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { prettyLine } from "../../server/engine/log";

const root = path.resolve(__dirname, "../..");
const dir = fs.mkdtempSync(path.join(os.tmpdir(), "weft-log-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function run(body: string, env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  const file = path.join(dir, `s${Math.random().toString(36).slice(2)}.ts`);
  fs.writeFileSync(file, `import { logger, lineSink, relayLine } from ${JSON.stringify(path.join(root, "server/engine/log/index.ts"))};\n${body}\n`);
  return new Promise((resolve, reject) =>
    execFile(process.execPath, ["--import", "tsx", file], { cwd: root, env: { ...process.env, WEFT_LOG_LEVEL: "", ...env } }, (err, stdout, stderr) =>
      err ? reject(Object.assign(err, { stderr })) : resolve({ stdout, stderr }),
    ),
  );
}

const lines = (s: string) => s.split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

describe("structured logs", () => {
  it("write one JSON object per line on stderr, with level, component and fields; stdout stays free", async () => {
    const { stdout, stderr } = await run(`
      console.log("Weft console: http://localhost:3000");
      logger("control", { node: "compute-1" }).info({ vrf: "default-domain:p:vn1:vn1" }, "session up");
      logger("bgp").warn("peer 127.0.0.2 went down");
      lineSink("kube", "error")("pod shop/redis: no compute node");
      logger("http").debug("not shown at the default level");
    `);
    expect(stdout).toBe("Weft console: http://localhost:3000\n");
    const out = lines(stderr);
    expect(out.map((o) => [o.level, o.component, o.msg])).toEqual([
      [30, "control", "session up"],
      [40, "bgp", "peer 127.0.0.2 went down"],
      [50, "kube", "pod shop/redis: no compute node"],
    ]);
    expect(out[0]).toMatchObject({ node: "compute-1", vrf: "default-domain:p:vn1:vn1" });
    expect(typeof out[0]!.time).toBe("number");
  });

  it("WEFT_LOG_LEVEL filters; an unknown value falls back to info", async () => {
    const warn = await run(`logger("agent").info("hidden"); logger("agent").warn("shown");`, { WEFT_LOG_LEVEL: "warn" });
    expect(lines(warn.stderr).map((o) => o.msg)).toEqual(["shown"]);
    const bad = await run(`logger("agent").debug("hidden"); logger("agent").info("shown");`, { WEFT_LOG_LEVEL: "loud" });
    expect(lines(bad.stderr).map((o) => o.msg)).toEqual(["shown"]);
  });

  it("relays a child's JSON line with its own level and component, and a plain line as the fallback's info", async () => {
    const { stderr } = await run(`
      const child = JSON.stringify({ level: 40, time: 1, pid: 9, component: "agent", msg: "session down: hold timer expired" });
      relayLine(logger("lab"), child, { node: "compute-2" });
      relayLine(logger("lab"), "plain text from a child", { node: "compute-2" });
    `);
    const out = lines(stderr);
    expect(out[0]).toMatchObject({ level: 40, component: "agent", node: "compute-2", msg: "session down: hold timer expired" });
    expect(out[1]).toMatchObject({ level: 30, component: "lab", node: "compute-2", msg: "plain text from a child" });
  });

  it("reads as one short line on a terminal", () => {
    const line = prettyLine(JSON.stringify({ level: 40, time: Date.UTC(2026, 0, 1, 12, 34, 56, 789), pid: 1, component: "bgp", msg: "peer down", peer: "127.0.0.2" }));
    expect(line).toBe("12:34:56.789 WARN  bgp       peer down peer=127.0.0.2\n");
  });
});
