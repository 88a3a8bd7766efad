// Standalone vRouter agent:
//   npm run agent -- --control HOST:PORT --name NODE --address IP [--data-port 6635] [--encap MPLSoGRE,MPLSoUDP,VXLAN]
//                    [--dataplane sim|linux] [--netns NAME]   (linux: root; NAME = the compute node's namespace, default the host's)
//                    [--state-dir DIR] [--enrol-token WEFT1.…]   (or WEFT_ENROL_TOKEN in the environment)
// The node's key and certificate live in --state-dir (default <WEFT_DATA_DIR or ./data>/agents/NODE);
// the first start enrols with the one-time token, later starts reuse the certificate.
// Also the programmatic entry for tests and benches (many agents may run in one process).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type AgentHandle, type AgentOptions, DEFAULT_DATA_PORT, startAgent } from "./agent.ts";
import { linuxDataPlaneProblem } from "./dataplane/linux/exec.ts";
import { ENCAPSULATIONS } from "./state.ts";
import { logger } from "../log/index.ts";

export { startAgent, AGENT_VERSION, DEFAULT_DATA_PORT } from "./agent.ts";
export type { AgentHandle, AgentOptions, AgentStatus } from "./agent.ts";
export { type AgentCredentials, enrol, loadCredentials, saveCredentials } from "./credentials.ts";
export type { PacketResult, DataPlane, DataPlaneStats } from "./dataplane/index.ts";
export type { Tuple } from "./packet.ts";

const USAGE =
  "usage: npm run agent -- --control HOST:PORT --name NODE --address IP [--data-port 6635] [--encap MPLSoGRE,MPLSoUDP,VXLAN] [--dataplane sim|linux] [--netns NAME] [--state-dir DIR] [--enrol-token TOKEN]";

export function parseArgs(argv: string[]): AgentOptions {
  const val = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    if (i < 0) return undefined;
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value\n${USAGE}`);
    return v;
  };
  const control = val("--control");
  const name = val("--name");
  const address = val("--address");
  if (!control || !name || !address) throw new Error(USAGE);
  const dataPortText = val("--data-port");
  const dataPort = dataPortText === undefined ? DEFAULT_DATA_PORT : Number(dataPortText);
  if (!Number.isInteger(dataPort) || dataPort < 0 || dataPort > 65535) throw new Error(`bad --data-port ${dataPortText}`);
  const encapText = val("--encap");
  const encapsulations = encapText ? encapText.split(",").map((s) => s.trim()).filter(Boolean) : [...ENCAPSULATIONS];
  for (const e of encapsulations) if (!(ENCAPSULATIONS as readonly string[]).includes(e)) throw new Error(`unknown encapsulation ${e} (known: ${ENCAPSULATIONS.join(", ")})`);
  const stateDir = path.resolve(val("--state-dir") ?? path.join(process.env.WEFT_DATA_DIR ?? "./data", "agents", name));
  // the environment is the better place for a secret (argv is visible in ps)
  const enrolToken = val("--enrol-token") ?? process.env.WEFT_ENROL_TOKEN ?? undefined;
  const dataplane = val("--dataplane") ?? "sim";
  if (dataplane !== "sim" && dataplane !== "linux") throw new Error(`--dataplane ${dataplane}: sim or linux`);
  const netns = val("--netns");
  if (netns !== undefined && dataplane !== "linux") throw new Error("--netns is for --dataplane linux (the compute node's network namespace)");
  return { control, name, address, dataPort, encapsulations, dataplane, ...(netns ? { netns } : {}), stateDir, ...(enrolToken ? { enrolToken } : {}) };
}

async function main() {
  let opts: AgentOptions;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
  if (opts.dataplane === "linux") {
    const problem = await linuxDataPlaneProblem();
    if (problem) {
      logger("agent", { node: opts.name }).fatal(`--dataplane linux: ${problem}`);
      process.exit(2);
    }
  }
  let agent: AgentHandle;
  try {
    agent = await startAgent(opts);
  } catch (e) {
    logger("agent", { node: opts.name }).fatal({ err: e }, `cannot start: ${(e as Error).message}`);
    process.exit(1);
  }
  let stopping = false;
  const shutdown = (sig: string) => {
    if (stopping) return;
    stopping = true;
    logger("agent", { node: opts.name }).info(`${sig}: stopping`);
    agent.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  // a lab agent started by the console must not outlive it (even if the console is SIGKILLed)
  if (process.env.WEFT_EXIT_WITH_PARENT === "1") {
    const parent = process.ppid;
    setInterval(() => {
      try {
        process.kill(parent, 0);
      } catch {
        shutdown("parent gone");
      }
    }, 1000).unref();
  }
  process.on("SIGINT", () => shutdown("SIGINT"));
}

const invoked = process.argv[1] ? path.resolve(process.argv[1]) : "";
if (invoked === fileURLToPath(import.meta.url)) void main();
