// Real BGP daemons for interop tests and benchmarks: gobgpd (+ gobgp CLI) and bird2 (+ birdc),
// each in a temp dir on loopback addresses and non-standard ports. Nothing here installs
// anything: `scripts/ensure-bgp-daemons.sh` does; tests skip when `daemonsMissing()` says so.
import { type ChildProcess, execFile, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

function has(bin: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${bin}`], { stdio: "ignore" }).status === 0;
}

/** Why interop tests must skip ("" when gobgpd/gobgp or bird/birdc are present). */
export function gobgpMissing(): string {
  return has("gobgpd") && has("gobgp") ? "" : "gobgpd/gobgp not installed (run scripts/ensure-bgp-daemons.sh)";
}
export function birdMissing(): string {
  return has("bird") && has("birdc") ? "" : "bird2 not installed (run scripts/ensure-bgp-daemons.sh)";
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, timeoutMs = 20_000, everyMs = 200): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    await sleep(everyMs);
  }
}

export interface GobgpNeighbor {
  address: string;
  peerAs: number;
  remotePort?: number;
  families?: ("ipv4-unicast" | "l3vpn-ipv4-unicast")[];
  passive?: boolean;
  holdTime?: number;
  connectRetry?: number;
  /** make the neighbor a route-reflector client of this gobgpd, with this cluster ID (RFC 4456) */
  rrClusterId?: string;
}

export interface GobgpOptions {
  asn: number;
  routerId: string;
  /** BGP listen port (-1: do not listen) */
  port: number;
  apiPort: number;
  neighbors: GobgpNeighbor[];
  logLevel?: string;
}

export class Gobgpd {
  proc: ChildProcess | null = null;
  readonly dir: string;
  log = "";
  constructor(readonly opts: GobgpOptions) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "weft-gobgpd-"));
  }

  toml(): string {
    const o = this.opts;
    const lines = [
      "[global.config]",
      `  as = ${o.asn}`,
      `  router-id = "${o.routerId}"`,
      `  port = ${o.port}`,
      `  local-address-list = ["${o.routerId}"]`,
    ];
    for (const n of o.neighbors) {
      lines.push(
        "[[neighbors]]",
        "  [neighbors.config]",
        `    neighbor-address = "${n.address}"`,
        `    peer-as = ${n.peerAs}`,
        "  [neighbors.transport.config]",
        `    local-address = "${o.routerId}"`,
        `    remote-port = ${n.remotePort ?? 179}`,
        ...(n.passive ? ["    passive-mode = true"] : []),
        ...(n.rrClusterId ? ["  [neighbors.route-reflector.config]", "    route-reflector-client = true", `    route-reflector-cluster-id = "${n.rrClusterId}"`] : []),
        "  [neighbors.timers.config]",
        `    connect-retry = ${n.connectRetry ?? 1}`,
        `    hold-time = ${n.holdTime ?? 30}`,
        `    keepalive-interval = ${Math.max(1, Math.floor((n.holdTime ?? 30) / 3))}`,
      );
      for (const f of n.families ?? ["ipv4-unicast", "l3vpn-ipv4-unicast"]) {
        lines.push("  [[neighbors.afi-safis]]", "    [neighbors.afi-safis.config]", `      afi-safi-name = "${f}"`);
      }
    }
    return `${lines.join("\n")}\n`;
  }

  async start(): Promise<void> {
    const conf = path.join(this.dir, "gobgpd.toml");
    fs.writeFileSync(conf, this.toml());
    this.log = "";
    const p = spawn("gobgpd", ["-f", conf, "-t", "toml", "--api-hosts", `127.0.0.1:${this.opts.apiPort}`, "--pprof-disable", "-p", "-l", this.opts.logLevel ?? "info"], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.proc = p;
    const keep = (d: Buffer) => {
      this.log = (this.log + d.toString()).slice(-20_000);
    };
    p.stdout?.on("data", keep);
    p.stderr?.on("data", keep);
    await waitFor("gobgpd API", async () => (await this.cli(["global"])).includes("AS"), 15_000);
  }

  /** SIGTERM and wait for exit (SIGKILL after 5 s). */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.once("exit", () => r()));
    p.kill(signal);
    const t = setTimeout(() => p.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(t);
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  async cli(args: string[]): Promise<string> {
    const { stdout } = await run("gobgp", ["-u", "127.0.0.1", "-p", String(this.opts.apiPort), ...args], { maxBuffer: 1 << 30 });
    return stdout;
  }

  async json<T = unknown>(args: string[]): Promise<T> {
    const out = await this.cli([...args, "-j"]);
    return JSON.parse(out || "null") as T;
  }

  /** gobgp neighbor state (session_state 6 = Established). */
  async neighbor(address: string): Promise<{ state: { session_state: number; [k: string]: unknown }; [k: string]: unknown }> {
    return this.json(["neighbor", address]);
  }

  async established(address: string): Promise<boolean> {
    try {
      return (await this.neighbor(address)).state.session_state === 6;
    } catch {
      return false;
    }
  }
}

/** VmRSS of a process in bytes (Linux /proc). */
export function rssOf(pid: number): number {
  const s = fs.readFileSync(`/proc/${pid}/status`, "utf8");
  const m = /VmRSS:\s+(\d+) kB/.exec(s);
  return m ? Number(m[1]) * 1024 : 0;
}

export interface BirdOptions {
  routerId: string;
  asn: number;
  port: number;
  neighbor: { address: string; port: number; asn: number };
  /** extra config appended (static routes etc.) */
  extra?: string;
  /** inside the ipv4 / vpn4 channel blocks of the bgp protocol */
  ipv4Channel?: string;
  vpn4Channel?: string;
  /** extra options inside the bgp protocol block (e.g. "graceful restart yes;") */
  bgpOptions?: string;
}

export class Bird {
  proc: ChildProcess | null = null;
  readonly dir: string;
  log = "";
  constructor(readonly opts: BirdOptions) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "weft-bird-"));
  }

  get ctl(): string {
    return path.join(this.dir, "bird.ctl");
  }

  conf(): string {
    const o = this.opts;
    return `router id ${o.routerId};
vpn4 table vpntab4;
ipv4 table igptab;
protocol device { scan time 60; }
protocol static nhres { ipv4 { table igptab; }; route 0.0.0.0/0 via "lo"; }
${o.extra ?? ""}
protocol bgp weft {
  local ${o.routerId} port ${o.port} as ${o.asn};
  neighbor ${o.neighbor.address} port ${o.neighbor.port} as ${o.neighbor.asn};
  strict bind yes; multihop 2; hold time 30; connect retry time 1; error wait time 1, 5;
  ${o.bgpOptions ?? ""}
  ipv4 { igp table igptab; import all; export all; next hop self; ${o.ipv4Channel ?? ""} };
  vpn4 mpls { table vpntab4; igp table igptab; import all; export all; next hop self; ${o.vpn4Channel ?? ""} };
}
`;
  }

  /** `recovery`: bird -R, graceful restart recovery (RFC 4724 restarting speaker) */
  async start(recovery = false): Promise<void> {
    const conf = path.join(this.dir, "bird.conf");
    fs.writeFileSync(conf, this.conf());
    const args = ["-c", conf, "-s", this.ctl, "-P", path.join(this.dir, "bird.pid"), "-f", ...(recovery ? ["-R"] : [])];
    const p = spawn("bird", args, { stdio: ["ignore", "pipe", "pipe"] });
    this.proc = p;
    const keep = (d: Buffer) => {
      this.log = (this.log + d.toString()).slice(-20_000);
    };
    p.stdout?.on("data", keep);
    p.stderr?.on("data", keep);
    await waitFor("bird control socket", async () => (await this.birdc(["show", "status"])).includes("Daemon is up"), 15_000);
  }

  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.once("exit", () => r()));
    p.kill(signal);
    const t = setTimeout(() => p.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(t);
  }

  async birdc(args: string[]): Promise<string> {
    const { stdout } = await run("birdc", ["-s", this.ctl, ...args], { maxBuffer: 1 << 28 });
    return stdout;
  }

  async established(): Promise<boolean> {
    try {
      return /BGP state:\s+Established/.test(await this.birdc(["show", "protocols", "all", "weft"]));
    } catch {
      return false;
    }
  }
}

const BGPD = "/usr/lib/frr/bgpd";

/** Why FRR tests must skip ("" when Debian's frr — bgpd + vtysh — is installed). */
export function frrMissing(): string {
  return fs.existsSync(BGPD) && has("vtysh") ? "" : "frr not installed (scripts/test.sh installs Debian's frr)";
}

export interface FrrOptions {
  routerId: string;
  asn: number;
  port: number;
  neighbor: { address: string; asn: number; port: number };
  /** inside `address-family ipv4 vpn` after the neighbor's activate (static VPN routes) */
  vpnConfig?: string;
  /** before the router block (route-maps: bgpd applies a `network … route-map` only if the map exists when the line is read) */
  preamble?: string;
}

/**
 * FRR's bgpd alone (docs/stack.md recipe): no zebra (-Z), skip runas (-S), no vty TCP port
 * (-P 0), its own vty socket directory for vtysh, listening on the router ID's address only.
 * The configuration is FRR's documented L3VPN peering, nothing Weft-specific (no
 * `allow-martian-nexthop`).
 */
export class Frr {
  proc: ChildProcess | null = null;
  readonly dir: string;
  log = "";
  constructor(readonly opts: FrrOptions) {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "weft-frr-"));
    fs.chmodSync(this.dir, 0o777); // bgpd drops to user frr
  }

  conf(): string {
    const o = this.opts;
    const n = o.neighbor;
    return `hostname weft-test-gw
${o.preamble ?? ""}
router bgp ${o.asn}
 bgp router-id ${o.routerId}
 no bgp default ipv4-unicast
 no bgp network import-check
 neighbor ${n.address} remote-as ${n.asn}
 neighbor ${n.address} port ${n.port}
 neighbor ${n.address} update-source ${o.routerId}
 neighbor ${n.address} timers connect 1
 address-family ipv4 vpn
  neighbor ${n.address} activate
${o.vpnConfig ?? ""}
 exit-address-family
exit
`;
  }

  async start(): Promise<void> {
    const conf = path.join(this.dir, "bgpd.conf");
    fs.writeFileSync(conf, this.conf());
    const p = spawn(BGPD, ["-Z", "-S", "-p", String(this.opts.port), "-l", this.opts.routerId, "-P", "0", "-f", conf, "-i", path.join(this.dir, "bgpd.pid"), "--vty_socket", this.dir, "--log", `file:${path.join(this.dir, "bgpd.log")}`], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.proc = p;
    const keep = (d: Buffer) => {
      this.log = (this.log + d.toString()).slice(-20_000);
    };
    p.stdout?.on("data", keep);
    p.stderr?.on("data", keep);
    await waitFor("bgpd's vty", async () => (await this.vtysh("show bgp summary json")).includes("routerId"), 15_000);
  }

  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    const exited = new Promise<void>((r) => p.once("exit", () => r()));
    p.kill("SIGTERM");
    const t = setTimeout(() => p.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(t);
  }

  async vtysh(command: string): Promise<string> {
    const { stdout } = await run("vtysh", ["--vty_socket", this.dir, "-c", command], { maxBuffer: 1 << 26 });
    return stdout;
  }

  async json<T = unknown>(command: string): Promise<T> {
    return JSON.parse(await this.vtysh(`${command} json`)) as T;
  }

  /** the bgpd log file (NOTIFICATIONs, martian next hops) */
  logFile(): string {
    try {
      return fs.readFileSync(path.join(this.dir, "bgpd.log"), "utf8");
    } catch {
      return "";
    }
  }
}
