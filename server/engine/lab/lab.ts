// The lab: simulated compute nodes (agent processes) started by the console so a newcomer sees a
// working network at once. Each appears as a virtual-router object (compute-N, its address) like
// Contrail's. Their addresses are the next hops of every port route the control node advertises,
// so they must be addresses a gateway accepts: 198.18.0.N on weft-lab0 when root (lab-link.ts),
// else 127.0.1.N (loopback, martian to FRR and most routers) with a log line that says so.
// The lab enrols its nodes itself (issue 14): each keeps its key and certificate under
// <data>/agents/<name>/; a node without one gets a fresh one-time token (in its environment,
// not its command line) and enrols at start.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ConfigService } from "../config/service";
import { SYSTEM_ACTOR } from "../config/api";
import { WeftError } from "../model/errors";
import type { AgentTrust } from "../control/agent-trust";
import { loadCredentials } from "../agent/credentials";
import { acquireLabLink, LAB_LINK, type LabLink } from "./lab-link";
import { lineSink, logger, relayLine } from "../log";

const labLog = logger("lab");

const here = path.dirname(fileURLToPath(import.meta.url));
export const AGENT_ENTRY = path.join(here, "..", "agent", "main.ts");

export interface LabNode {
  name: string;
  address: string;
  process: ChildProcess | null;
  restarts: number;
  /** stopped by an operator (Stop agent): not restarted until started again */
  held: boolean;
}

export class Lab {
  readonly nodes: LabNode[] = [];
  private stopping = false;
  private link: LabLink | null = null;
  /** "link": 198.18.0.N on weft-lab0; "loopback": 127.0.1.N */
  addressing: "link" | "loopback" = "loopback";

  constructor(
    private readonly config: ConfigService,
    private readonly control: string,
    private readonly count: number,
    private readonly trust: AgentTrust,
    /** where the nodes keep their credentials (<data>/agents) */
    private readonly stateRoot: string,
    private readonly log: (line: string) => void = lineSink("lab"),
  ) {}

  /** compute-i's address: on the lab link (RFC 2544 range) or on loopback */
  static addressOf(i: number, addressing: "link" | "loopback" = "loopback") {
    return addressing === "link" ? `198.18.0.${i}` : `127.0.1.${i}`;
  }

  async start() {
    const wanted = Array.from({ length: this.count }, (_, i) => Lab.addressOf(i + 1, "link"));
    const off = ["0", "false", "no", "off"].includes((process.env.WEFT_LAB_LINK ?? "").toLowerCase());
    this.link = off ? { ok: false, reason: "WEFT_LAB_LINK=0" } : this.count > 0 ? await acquireLabLink(wanted) : null;
    if (this.link?.ok) {
      this.addressing = "link";
      this.log(`lab: compute nodes on ${wanted[0]}–${wanted[wanted.length - 1]} (${LAB_LINK}, a veth Weft owns; RFC 2544 addresses, local to this host): next hops a BGP gateway accepts`);
    } else if (this.link) {
      this.log(
        `lab: ${this.link.reason}: compute nodes on 127.0.1.1–${this.count} (loopback). Gateways that check next hops (FRR, most routers) treat 127/8 as martian and reset the BGP session on their routes; run as root for 198.18.0.N on ${LAB_LINK} (README: "Peering with a gateway")`,
      );
    }
    for (let i = 1; i <= this.count; i++) {
      const name = `compute-${i}`;
      const address = Lab.addressOf(i, this.addressing);
      const fq = ["default-global-system-config", name];
      const vr = this.config.getByFqName("virtual-router", fq);
      if (!vr) {
        await this.config.create("virtual-router", { fq_name: fq, parent_type: "global-system-config", virtual_router_ip_address: address }, SYSTEM_ACTOR);
      } else if (vr.virtual_router_ip_address !== address) {
        await this.config.update("virtual-router", vr.uuid, { virtual_router_ip_address: address }, SYSTEM_ACTOR);
      }
      const node: LabNode = { name, address, process: null, restarts: 0, held: false };
      this.nodes.push(node);
      await this.spawn(node);
    }
  }

  private async spawn(node: LabNode) {
    const stateDir = path.join(this.stateRoot, node.name);
    const args = ["--import", "tsx", AGENT_ENTRY, "--control", this.control, "--name", node.name, "--address", node.address, "--state-dir", stateDir];
    if (process.env.WEFT_LAB_DATA_PORT) args.push("--data-port", process.env.WEFT_LAB_DATA_PORT);
    const env: NodeJS.ProcessEnv = { ...process.env, WEFT_AGENT_LOG: process.env.WEFT_AGENT_LOG ?? "warn", WEFT_EXIT_WITH_PARENT: "1" };
    delete env.WEFT_ENROL_TOKEN;
    // a certificate this CA still honours is reused; otherwise a new one-time token
    const kept = loadCredentials(stateDir, node.name);
    const vr = this.trust.virtualRouter(node.name);
    if ((!kept || !this.trust.honours(kept.cert)) && vr) env.WEFT_ENROL_TOKEN = (await this.trust.issueToken(vr.uuid, SYSTEM_ACTOR, 600)).token;
    if (this.stopping) return;
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"], env });
    node.process = child;
    // the agent's own structured lines keep their level and component; the node is added
    const prefix = (l: string) => relayLine(labLog, l, { node: node.name });
    child.stdout?.on("data", (b: Buffer) => b.toString().split("\n").forEach(prefix));
    child.stderr?.on("data", (b: Buffer) => b.toString().split("\n").forEach(prefix));
    child.on("exit", (code, signal) => {
      node.process = null;
      if (this.stopping || node.held) return;
      this.log(`[${node.name}] agent exited (${signal ?? code}); restarting in 2 s`);
      node.restarts++;
      setTimeout(() => !this.stopping && void this.spawn(node).catch((e: Error) => this.log(`[${node.name}] cannot restart: ${e.message}`)), 2000);
    });
  }

  /**
   * Stops or starts one lab node's agent process (the compute node page's Stop agent / Start
   * agent: what an operator does to see a node failure and its alarm without killing anything
   * by hand). A stopped agent stays stopped until started again.
   */
  async setRunning(name: string, running: boolean): Promise<LabNode> {
    const node = this.nodes.find((n) => n.name === name);
    if (!node) throw new WeftError("not_found", `${name} is not a lab compute node (the lab runs ${this.nodes.map((n) => n.name).join(", ") || "none"})`);
    if (running) {
      node.held = false;
      if (!node.process && !this.stopping) this.spawn(node);
      return node;
    }
    node.held = true;
    const p = node.process;
    if (p) await this.kill(p);
    return node;
  }

  private kill(p: ChildProcess) {
    return new Promise<void>((resolve) => {
      if (p.exitCode !== null || p.signalCode !== null) return resolve();
      const t = setTimeout(() => p.kill("SIGKILL"), 3000);
      p.once("exit", () => {
        clearTimeout(t);
        resolve();
      });
      p.kill("SIGTERM");
    });
  }

  async stop() {
    this.stopping = true;
    await Promise.all(
      this.nodes.map(
        (n) =>
          new Promise<void>((resolve) => {
            const p = n.process;
            if (!p) return resolve();
            const t = setTimeout(() => p.kill("SIGKILL"), 3000);
            p.once("exit", () => {
              clearTimeout(t);
              resolve();
            });
            p.kill("SIGTERM");
          }),
      ),
    );
    if (this.link?.ok) await this.link.release();
    this.link = null;
  }
}
