// The Linux kernel data plane (`--dataplane linux`): the agent's state programmed into one
// network namespace (the compute node: the host itself, or a namespace in the lab) by
// reconciling — read back what exists under the agent's own names, diff with the model
// (linux/model.ts, linux/nft.ts), change only the difference. Never flush-and-rebuild: an agent
// that restarts finds its kernel state, changes nothing that is right, and established
// connections keep flowing (conntrack and the stateful rule stay). `stop()` leaves the kernel as
// it is (a restart must not cut traffic); `teardown()` removes everything the agent owns.
import type { FlowRecord, Hop, Port, TraceRequest, TraceResult } from "../../protocol/index.ts";
import type { FlowEntry } from "../flow-table.ts";
import { type Tuple, protocolNumber } from "../packet.ts";
import type { AgentState, StateChange } from "../state.ts";
import type { DataPlane, DataPlaneOptions, DataPlaneStats, PacketResult } from "./index.ts";
import { Kernel, run } from "./linux/exec.ts";
import {
  GATEWAY,
  type KernelModel,
  OVERLAY_MTU,
  type RouteSpec,
  VXLAN_PORT,
  buildModel,
  isOwnedLink,
  isOwnedTable,
  RULE_PREF,
  routeKey,
  routeText,
  vtepMac,
  workloadNetns,
} from "./linux/model.ts";
import { NFT_TABLE, type RuleInfo, type Ruleset, buildRuleset, rulesetScript } from "./linux/nft.ts";

export interface LinuxDataPlaneOptions extends DataPlaneOptions {
  /** the compute node's network namespace (lab, tests); default: the agent's own (the host) */
  netns?: string;
  /** how long a test packet (TCP connect, ping) waits for its answer (default 2000 ms) */
  probeTimeoutMs?: number;
  /**
   * The kernel is left untouched after a (re)start until the control node has sent the config
   * and the end-of-RIB of every VRF of the node's ports — or this long has passed (default 10 s):
   * converging on a half-received state would remove what is still right and cut connections.
   */
  syncTimeoutMs?: number;
  /** how often connection tracking is read for flow records (default 1000 ms) */
  flowPollMs?: number;
}

interface IpLink {
  ifname: string;
  linkinfo?: { info_kind?: string; info_data?: { id?: number; local?: string; port?: number } };
}
interface IpRule {
  priority: number;
  iif?: string;
  table: string;
}
interface IpRoute {
  type?: string;
  dst: string;
  gateway?: string;
  dev?: string;
  table?: string;
  nexthops?: { gateway?: string; dev: string }[];
}
interface IpNeigh {
  dst: string;
  dev: string;
  lladdr?: string;
  state?: string[];
}
interface FdbEntry {
  mac: string;
  ifname: string;
  dst?: string;
}

export interface KernelSnapshot {
  links: string[];
  rules: string[];
  routes: string[];
  neighs: string[];
  fdb: string[];
  nft: string[];
  workloads: string[];
}

export class LinuxDataPlane implements DataPlane {
  readonly kind = "linux";
  readonly kernel: Kernel;
  private running = false;
  private pass: Promise<void> | null = null;
  private again = false;
  private timer: NodeJS.Timeout | null = null;
  private ruleset: Ruleset | null = null;
  /** workload namespace configuration applied, per veth (mac + addresses) */
  private readonly workloadApplied = new Map<string, string>();
  /** namespaces given by a runtime (CNI) for a port, instead of one the agent makes */
  private readonly runtimeNetns = new Map<string, string>();
  private reconciles = 0;
  private changes = 0;
  private lastError = "";
  private problems: string[] = [];
  private readonly probeTimeoutMs: number;
  private readonly log: (l: string) => void;
  private readonly idle: { resolve: () => void }[] = [];
  /** Set by the agent: flow records made from the kernel's connection tracking. */
  onFlowRecords: ((records: FlowRecord[]) => void) | null = null;
  private ctTimer: NodeJS.Timeout | null = null;
  private retry: NodeJS.Timeout | null = null;
  /** conntrack id → what was exported of it so far */
  private readonly ctSeen = new Map<string, { orig: [number, number]; reply: [number, number]; start: number; rec: FlowRecord; rev: FlowRecord }>();
  private ctPolling = false;
  /** the gate of a (re)start: config received, end-of-RIB per VRF */
  private synced = false;
  private configReceived = false;
  private readonly endOfRibSeen = new Set<string>();
  private syncTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly state: AgentState,
    private readonly opts: LinuxDataPlaneOptions = {},
  ) {
    this.kernel = new Kernel(opts.netns ?? "");
    this.probeTimeoutMs = opts.probeTimeoutMs ?? 2_000;
    this.log = opts.log ?? (() => undefined);
    state.onChange((c: StateChange) => {
      void c;
      this.schedule();
    });
  }

  // ------------------------------------------------------------------ lifecycle

  async start(): Promise<number> {
    // a compute node forwards between its ports and its VXLAN devices; reverse-path filtering
    // would drop what arrives on one VRF's device for another's (leaked routes); flow records
    // need conntrack's byte/packet accounting
    await this.kernel.sysctl({ "net.ipv4.ip_forward": "1", "net.ipv4.conf.all.rp_filter": "0", "net.ipv4.conf.default.rp_filter": "0" });
    await this.kernel.sysctl({ "net.netfilter.nf_conntrack_acct": "1" }).catch(() => undefined);
    this.running = true;
    this.syncTimer = setTimeout(() => this.openGate("no end-of-RIB in time"), this.opts.syncTimeoutMs ?? 10_000);
    this.syncTimer.unref();
    this.ctTimer = setInterval(() => void this.pollConntrack(), this.opts.flowPollMs ?? 1_000);
    this.ctTimer.unref();
    return VXLAN_PORT;
  }

  /** The agent's initial sync with the control node is done (its ports arrived, or none came). */
  configComplete() {
    this.configReceived = true;
    this.checkGate();
  }

  /** The control node's end-of-RIB for `vrf` ("" = all). */
  endOfRib(vrf: string) {
    this.endOfRibSeen.add(vrf);
    this.checkGate();
  }

  private checkGate() {
    if (this.synced || !this.configReceived) return;
    const vrfs = new Set([...this.state.ports.values()].map((p) => p.vrf));
    if ([...vrfs].every((v) => this.endOfRibSeen.has(v) || this.endOfRibSeen.has(""))) this.openGate("config and routes received");
  }

  private openGate(why: string) {
    if (this.synced) return;
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = null;
    this.synced = true;
    this.log(`kernel reconcile starts (${why})`);
    this.schedule();
  }

  async stop(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.syncTimer) clearTimeout(this.syncTimer);
    if (this.ctTimer) clearInterval(this.ctTimer);
    if (this.retry) clearTimeout(this.retry);
    this.retry = null;
    this.timer = this.syncTimer = this.ctTimer = null;
    await this.pass;
  }

  /** A namespace a runtime made for the port (CNI ADD): the port's veth goes there. */
  setRuntimeNetns(portUuid: string, netns: string | null) {
    if (netns) this.runtimeNetns.set(portUuid, netns);
    else this.runtimeNetns.delete(portUuid);
    this.schedule();
  }

  /** Resolves once no reconcile is pending or running. */
  settled(): Promise<void> {
    if (this.synced && !this.pass && !this.timer) return Promise.resolve();
    return new Promise((resolve) => this.idle.push({ resolve }));
  }

  private schedule() {
    if (!this.running || !this.synced) {
      this.checkGate();
      return;
    }
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.reconcile();
    }, 10);
  }

  /** One pass at a time; a change during a pass runs one more pass after it. */
  reconcile(): Promise<void> {
    if (this.pass) {
      this.again = true;
      return this.pass;
    }
    this.pass = (async () => {
      do {
        this.again = false;
        try {
          await this.converge();
          this.lastError = "";
        } catch (e) {
          this.lastError = (e as Error).message;
          this.log(`kernel reconcile failed: ${this.lastError}`);
          // converge again soon: a failed pass must not wait for the next config change
          if (this.running && !this.retry) {
            this.retry = setTimeout(() => {
              this.retry = null;
              this.schedule();
            }, 500);
            this.retry.unref();
          }
        }
      } while (this.again && this.running);
    })().finally(() => {
      this.pass = null;
      if (!this.timer) for (const w of this.idle.splice(0)) w.resolve();
    });
    return this.pass;
  }

  private netnsOf = (p: Port) => this.runtimeNetns.get(p.uuid) ?? workloadNetns(p.uuid);

  // ------------------------------------------------------------------ the reconcile pass

  private async converge() {
    this.reconciles++;
    const model = buildModel(this.state, this.netnsOf);
    this.problems = [...new Set(model.problems)];
    const k = this.kernel;
    const [links, rules, routes, neighs, fdb] = await Promise.all([
      k.ipJson<IpLink[]>(["-d", "link", "show"]),
      k.ipJson<IpRule[]>(["rule", "show"]),
      k.ipJson<IpRoute[]>(["route", "show", "table", "all"]),
      k.ipJson<IpNeigh[]>(["neigh", "show"]),
      k.bridgeJson<FdbEntry[]>(["fdb", "show"]),
    ]);
    const have = new Map(links.filter((l) => isOwnedLink(l.ifname)).map((l) => [l.ifname, l]));
    const errors: string[] = [];

    // links: ports' veths (with their workload end), VNs' VXLAN devices
    const linkCmds: string[] = [];
    const created: string[] = [];
    for (const [veth, p] of model.ports) {
      if (have.has(veth)) continue;
      const ns = await run("ip", ["netns", "add", p.netns]);
      if (ns.code !== 0 && !/exists/i.test(ns.stderr)) errors.push(`netns ${p.netns}: ${ns.stderr.trim()}`);
      linkCmds.push(`link add ${veth} mtu ${OVERLAY_MTU} type veth peer name eth0 netns ${p.netns}`, `link set ${veth} up`);
      created.push(veth);
    }
    for (const [name, vni] of model.vxlans) {
      const l = have.get(name);
      const d = l?.linkinfo?.info_data;
      const right = l && l.linkinfo?.info_kind === "vxlan" && d?.id === vni && d?.local === this.state.self.address && d?.port === VXLAN_PORT;
      if (right) continue;
      if (l) linkCmds.push(`link del ${name}`);
      linkCmds.push(
        `link add ${name} address ${vtepMac(this.state.self.address)} mtu ${OVERLAY_MTU} type vxlan id ${vni} local ${this.state.self.address} dstport ${VXLAN_PORT} nolearning`,
        `link set ${name} up`,
      );
    }
    const gone: string[] = [];
    for (const name of have.keys()) {
      if (model.ports.has(name) || model.vxlans.has(name)) continue;
      linkCmds.push(`link del ${name}`);
      if (name.startsWith("weftv")) gone.push(name);
    }
    errors.push(...(await k.ipBatch(linkCmds)));
    // a port's workload namespace the agent made goes with the port (a runtime's stays: it owns it)
    for (const veth of gone) {
      const ns = `weft-w-${veth.slice(5)}`;
      this.workloadApplied.delete(veth);
      if (![...this.runtimeNetns.values()].includes(ns)) await run("ip", ["netns", "del", ns]);
    }

    // the workload end: MAC, address, gateway (answered by the node), default route
    for (const [veth, p] of model.ports) {
      const want = `${p.mac} ${p.addresses.join(",")}`;
      if (!created.includes(veth) && this.workloadApplied.get(veth) === undefined) {
        this.workloadApplied.set(veth, await this.readWorkload(p.netns));
      }
      if (this.workloadApplied.get(veth) === want) continue;
      const wl = new Kernel(p.netns);
      const cmds = ["link set lo up", `link set eth0 down`, `link set eth0 address ${p.mac} mtu ${OVERLAY_MTU}`, "addr flush dev eth0"];
      for (const a of p.addresses) cmds.push(`addr add ${a}/32 dev eth0`);
      cmds.push("link set eth0 up", `route replace ${GATEWAY} dev eth0 scope link`, `route replace default via ${GATEWAY} dev eth0`);
      const errs = await wl.ipBatch(cmds);
      errors.push(...errs.map((e) => `${p.netns}: ${e}`));
      if (errs.length === 0) this.workloadApplied.set(veth, want);
    }

    // rules, routes, neighbours
    const cmds: string[] = [];
    const haveRules = new Map<string, IpRule>();
    for (const r of rules) {
      const table = Number(r.table);
      if ((r.iif && isOwnedLink(r.iif)) || isOwnedTable(table)) haveRules.set(`${r.iif ?? ""}|${table}|${r.priority}`, r);
    }
    for (const r of model.rules.values()) {
      const key = `${r.iif}|${r.table}|${RULE_PREF}`;
      if (haveRules.has(key)) haveRules.delete(key);
      else cmds.push(`rule add iif ${r.iif} lookup ${r.table} pref ${RULE_PREF}`);
    }
    for (const r of haveRules.values()) cmds.push(`rule del pref ${r.priority}${r.iif ? ` iif ${r.iif}` : ""} lookup ${r.table}`);

    const haveRoutes = new Map<string, string>();
    for (const r of routes) {
      const table = Number(r.table);
      if (!isOwnedTable(table)) continue;
      const spec: RouteSpec = {
        table,
        type: (r.type as RouteSpec["type"]) ?? "unicast",
        dst: r.dst,
        nexthops: r.nexthops ? r.nexthops.map((n) => ({ via: n.gateway ?? "", dev: n.dev })) : r.type === "unreachable" ? [] : [{ via: r.gateway ?? "", dev: r.dev ?? "" }],
      };
      haveRoutes.set(routeKey(table, r.dst), routeText(spec));
      if (!model.routes.has(routeKey(table, r.dst))) cmds.push(`route del ${spec.type === "unicast" ? "" : `${spec.type} `}${r.dst} table ${table}`);
    }
    for (const [key, r] of model.routes) if (haveRoutes.get(key) !== routeText(r)) cmds.push(routeCommand(r));

    const haveNeigh = new Map<string, string>();
    for (const n of neighs) {
      if (!isOwnedLink(n.dev) || !n.state?.includes("PERMANENT")) continue;
      haveNeigh.set(`${n.dev}|${n.dst}`, n.lladdr ?? "");
      if (!model.neighs.has(`${n.dev}|${n.dst}`)) cmds.push(`neigh del ${n.dst} dev ${n.dev}`);
    }
    for (const [key, n] of model.neighs) if (haveNeigh.get(key) !== n.mac) cmds.push(`neigh replace ${n.ip} lladdr ${n.mac} dev ${n.dev} nud permanent`);
    errors.push(...(await k.ipBatch(cmds)));

    const fdbCmds: string[] = [];
    const haveFdb = new Set<string>();
    for (const f of fdb) {
      if (!isOwnedLink(f.ifname) || !f.dst) continue;
      const key = `${f.ifname}|${f.mac}|${f.dst}`;
      haveFdb.add(key);
      if (!model.fdb.has(key)) fdbCmds.push(`fdb del ${f.mac} dev ${f.ifname} dst ${f.dst}`);
    }
    for (const [key, f] of model.fdb) if (!haveFdb.has(key)) fdbCmds.push(`fdb append ${f.mac} dev ${f.dev} dst ${f.dst}`);
    errors.push(...(await k.bridgeBatch(fdbCmds)));

    // ACLs: one transaction when the ruleset changed
    const rs = buildRuleset(this.state);
    const table = await k.nftJson<{ nftables: Record<string, { name?: string; comment?: string; chain?: string; expr?: unknown }>[] }>(["list", "table", "inet", NFT_TABLE]);
    const existing = { chains: [] as string[], counters: [] as string[] };
    let hashInKernel = "";
    for (const o of table?.nftables ?? []) {
      if (o.chain) existing.chains.push(o.chain.name!);
      if (o.counter) existing.counters.push(o.counter.name!);
      if (o.rule?.chain === "forward" && o.rule.comment?.startsWith("weft ")) hashInKernel = o.rule.comment.slice(5);
    }
    if (hashInKernel !== rs.hash) await k.nft(rulesetScript(rs, table ? existing : null));
    this.ruleset = rs;

    const n = linkCmds.length + cmds.length + fdbCmds.length + (hashInKernel !== rs.hash ? 1 : 0);
    this.changes += n;
    if (errors.length) throw new Error(errors.slice(0, 5).join("; "));
  }

  private async readWorkload(netns: string): Promise<string> {
    try {
      const links = await new Kernel(netns).ipJson<{ ifname: string; address: string; addr_info: { family: string; local: string }[] }[]>(["addr", "show", "dev", "eth0"]);
      const l = links[0];
      if (!l) return "";
      return `${l.address} ${l.addr_info.filter((a) => a.family === "inet").map((a) => a.local).join(",")}`;
    } catch {
      return "";
    }
  }

  // ------------------------------------------------------------------ removal and comparison

  /** Removes everything this agent owns in the kernel (links, rules, routes, the nft table, the workload namespaces it made). */
  async teardown(): Promise<void> {
    await this.stop();
    const k = this.kernel;
    const links = await k.ipJson<IpLink[]>(["link", "show"]);
    const owned = links.map((l) => l.ifname).filter(isOwnedLink);
    const rules = await k.ipJson<IpRule[]>(["rule", "show"]);
    const cmds = rules.filter((r) => isOwnedTable(Number(r.table)) || (r.iif && isOwnedLink(r.iif))).map((r) => `rule del pref ${r.priority}${r.iif ? ` iif ${r.iif}` : ""} lookup ${r.table}`);
    const routes = await k.ipJson<IpRoute[]>(["route", "show", "table", "all"]);
    for (const t of new Set(routes.map((r) => Number(r.table)).filter(isOwnedTable))) cmds.push(`route flush table ${t}`);
    for (const l of owned) cmds.push(`link del ${l}`);
    await k.ipBatch(cmds);
    await k.exec("nft", ["delete", "table", "inet", NFT_TABLE]);
    for (const l of owned) if (l.startsWith("weftv") && ![...this.runtimeNetns.values()].includes(`weft-w-${l.slice(5)}`)) await run("ip", ["netns", "del", `weft-w-${l.slice(5)}`]);
    this.workloadApplied.clear();
  }

  /** The kernel state this agent owns, normalised (counters and ifindexes left out): equal snapshots = equal forwarding. */
  async snapshot(): Promise<KernelSnapshot> {
    const k = this.kernel;
    const [links, rules, routes, neighs, fdb] = await Promise.all([
      k.ipJson<IpLink[]>(["-d", "link", "show"]),
      k.ipJson<IpRule[]>(["rule", "show"]),
      k.ipJson<IpRoute[]>(["route", "show", "table", "all"]),
      k.ipJson<IpNeigh[]>(["neigh", "show"]),
      k.bridgeJson<FdbEntry[]>(["fdb", "show"]),
    ]);
    const nft = await k.exec("nft", ["list", "table", "inet", NFT_TABLE]);
    const workloads: string[] = [];
    for (const l of links) if (l.ifname.startsWith("weftv")) workloads.push(`${l.ifname} ${await this.readWorkload(`weft-w-${l.ifname.slice(5)}`)}`);
    return {
      links: links.filter((l) => isOwnedLink(l.ifname)).map((l) => `${l.ifname} ${l.linkinfo?.info_kind ?? ""} ${JSON.stringify(l.linkinfo?.info_data?.id ?? "")}`).sort(),
      rules: rules.filter((r) => isOwnedTable(Number(r.table))).map((r) => `${r.priority} ${r.iif} ${r.table}`).sort(),
      routes: routes.filter((r) => isOwnedTable(Number(r.table))).map((r) => JSON.stringify(r)).sort(),
      neighs: neighs.filter((n) => isOwnedLink(n.dev) && n.state?.includes("PERMANENT")).map((n) => `${n.dev} ${n.dst} ${n.lladdr}`).sort(),
      fdb: fdb.filter((f) => isOwnedLink(f.ifname) && f.dst).map((f) => `${f.ifname} ${f.mac} ${f.dst}`).sort(),
      nft: nftBlocks(nft.stdout),
      workloads: workloads.sort(),
    };
  }

  /** Named counters of the ACL rules: packets per rule, with the rule they count. */
  async counters(): Promise<{ rule: RuleInfo; packets: number; bytes: number }[]> {
    const j = await this.kernel.nftJson<{ nftables: { counter?: { name: string; packets: number; bytes: number } }[] }>(["list", "counters", "table", "inet", NFT_TABLE]);
    const out: { rule: RuleInfo; packets: number; bytes: number }[] = [];
    for (const o of j?.nftables ?? []) {
      if (!o.counter) continue;
      const id = parseInt(o.counter.name.slice(1), 16);
      const rule = this.ruleset?.marks.get(id);
      if (rule) out.push({ rule, packets: o.counter.packets, bytes: o.counter.bytes });
    }
    return out;
  }

  /** The rule a conntrack mark names. */
  ruleOfMark(mark: number): RuleInfo | undefined {
    return this.ruleset?.marks.get(mark);
  }

  // ------------------------------------------------------------------ flow records from conntrack

  /**
   * Connections of the node's workloads as flow records: every poll, the packets and bytes each
   * tracked connection carried since the last one (both directions: the answer is the reverse
   * record, as the sim's reverse flow), the rule from its ct mark; a connection that is gone
   * ends with a last record. Only connections to or from a local port (the node's own traffic is
   * not the overlay's).
   */
  async pollConntrack(): Promise<number> {
    if (this.ctPolling || !this.synced) return 0;
    this.ctPolling = true;
    try {
      const r = await this.kernel.exec("conntrack", ["-L", "-o", "id"]);
      if (r.code !== 0) return 0;
      const now = Date.now();
      const seen = new Set<string>();
      const out: FlowRecord[] = [];
      const byAddr = new Map<string, Port>();
      for (const p of this.state.ports.values()) for (const a of p.addresses) byAddr.set(a, p);
      for (const line of r.stdout.split("\n")) {
        const c = parseConntrack(line);
        if (!c) continue;
        const src = byAddr.get(c.orig.src);
        const dst = byAddr.get(c.orig.dst);
        if (!src && !dst) continue;
        seen.add(c.id);
        let e = this.ctSeen.get(c.id);
        if (!e) {
          const rule = this.ruleOfMark(c.mark);
          const base = (t: typeof c.orig, from: Port | undefined, to: Port | undefined, reverse: boolean): FlowRecord => ({
            flow_id: `${this.state.self.name}:ct${c.id}${reverse ? "r" : ""}`,
            start_ms: now,
            end_ms: now,
            vrf: (from ?? to)?.vrf ?? "",
            protocol: c.protocol,
            src_ip: t.src,
            dst_ip: t.dst,
            src_port: t.sport,
            dst_port: t.dport,
            direction: from ? "egress" : "ingress",
            action: "pass",
            reason: rule ? `allowed by ${rule.origin}` : "allowed",
            rule_acl: rule?.acl ?? "",
            rule_uuid: rule?.rule_uuid ?? "",
            rule_origin: rule?.origin ?? "",
            src_vmi: from?.uuid ?? "",
            dst_vmi: to?.uuid ?? "",
            src_vn: from?.network_fq_name ?? "",
            dst_vn: to?.network_fq_name ?? "",
            nat_src_ip: "",
            nat_dst_ip: "",
            nh_node: "",
            nh_address: "",
            encap: "VXLAN",
            packets: 0,
            bytes: 0,
            reverse,
            first: true,
            status: "active",
            src_vmi_name: from?.fq_name ?? "",
            dst_vmi_name: to?.fq_name ?? "",
          });
          e = { orig: [0, 0], reply: [0, 0], start: now, rec: base(c.orig, src, dst, false), rev: base(c.reply, dst, src, true) };
          this.ctSeen.set(c.id, e);
        }
        for (const [rec, was, now2] of [
          [e.rec, e.orig, [c.orig.packets, c.orig.bytes]],
          [e.rev, e.reply, [c.reply.packets, c.reply.bytes]],
        ] as const) {
          const dp = now2[0] - was[0];
          if (dp <= 0) continue;
          out.push({ ...rec, end_ms: now, packets: dp, bytes: now2[1] - was[1] });
          rec.first = false;
          was[0] = now2[0];
          was[1] = now2[1];
        }
      }
      for (const [id, e] of this.ctSeen) {
        if (seen.has(id)) continue;
        this.ctSeen.delete(id);
        out.push({ ...e.rec, end_ms: now, packets: 0, bytes: 0, first: false, status: "aged" });
      }
      if (out.length) this.onFlowRecords?.(out);
      return out.length;
    } finally {
      this.ctPolling = false;
    }
  }

  // ------------------------------------------------------------------ real test packets

  async inject(portUuid: string, t: Tuple): Promise<PacketResult> {
    const port = this.state.ports.get(portUuid);
    const hops: Hop[] = [];
    const node = this.state.self.name;
    if (!port) return { verdict: "dropped", reason: `unknown port ${portUuid}`, hops, delivered_to: "" };
    await this.settled();
    const netns = this.netnsOf(port);
    const before = await this.counters();
    const proto = t.protocol === 6 ? "tcp" : t.protocol === 17 ? "udp" : t.protocol === 1 ? "icmp" : String(t.protocol);
    hops.push({ node, step: "send", detail: `real ${proto} packet from namespace ${netns} (${t.src}) to ${t.dst}${t.dstPort ? `:${t.dstPort}` : ""}` });
    const secs = Math.max(1, Math.ceil(this.probeTimeoutMs / 1000));
    let verdict: PacketResult["verdict"] = "dropped";
    let reason = "";
    if (proto === "icmp") {
      const r = await run("ip", ["netns", "exec", netns, "ping", "-c", "1", "-W", String(secs), t.dst], undefined, this.probeTimeoutMs + 2000);
      if (r.code === 0) verdict = "delivered";
      else reason = `no echo reply from ${t.dst} within ${secs} s`;
    } else if (proto === "tcp") {
      const r = await run("ip", ["netns", "exec", netns, "timeout", String(secs), "bash", "-c", `exec 3<>/dev/tcp/${t.dst}/${t.dstPort}`], undefined, this.probeTimeoutMs + 2000);
      if (r.code === 0) {
        verdict = "delivered";
        hops.push({ node, step: "deliver", detail: `TCP connection to ${t.dst}:${t.dstPort} established` });
      } else if (/refused/i.test(r.stderr)) {
        verdict = "delivered";
        hops.push({ node, step: "deliver", detail: `${t.dst} answered with a reset (nothing listens on ${t.dstPort}): the path works` });
      } else reason = r.code === 124 ? `no answer from ${t.dst}:${t.dstPort} within ${secs} s` : r.stderr.trim().split("\n").pop() || `connect failed (${r.code})`;
    } else if (proto === "udp") {
      const r = await run("ip", ["netns", "exec", netns, "bash", "-c", `echo weft > /dev/udp/${t.dst}/${t.dstPort}`]);
      verdict = r.code === 0 ? "sent" : "dropped";
      reason = r.code === 0 ? "" : r.stderr.trim();
    } else reason = `protocol ${proto}: test packets are icmp, tcp or udp`;
    // the rules whose counters moved: the deny that dropped it, or what passed it
    const after = await this.counters();
    const was = new Map(before.map((c) => [`${c.rule.acl}|${c.rule.rule_uuid}|${c.rule.origin}`, c.packets]));
    const moved = after.filter((c) => c.packets > (was.get(`${c.rule.acl}|${c.rule.rule_uuid}|${c.rule.origin}`) ?? 0));
    for (const c of moved) hops.push({ node, step: "acl", detail: `${c.rule.action === "pass" ? "allowed" : "denied"} by ${c.rule.origin} (${c.rule.acl}): counter +${c.packets - (was.get(`${c.rule.acl}|${c.rule.rule_uuid}|${c.rule.origin}`) ?? 0)}` });
    const deny = moved.find((c) => c.rule.action === "deny");
    if (verdict !== "delivered" && verdict !== "sent" && deny) reason = `denied by ${deny.rule.origin} (${deny.rule.acl})`;
    if (verdict === "dropped") hops.push({ node, step: "drop", detail: reason });
    return { verdict, reason, hops, delivered_to: verdict === "delivered" ? t.dst : "" };
  }

  forward(): PacketResult {
    // generated lab traffic is the sim's; in the kernel, traffic is what workloads really send
    return { verdict: "dropped", reason: "linux data plane: traffic comes from the workloads themselves", hops: [], delivered_to: "" };
  }

  async trace(req: TraceRequest): Promise<TraceResult> {
    const port = this.state.ports.get(req.port_uuid);
    const protocol = protocolNumber(req.protocol || "tcp");
    if (!port || protocol === null) {
      const reason = !port ? `unknown port ${req.port_uuid} on ${this.state.self.name}` : `unknown protocol ${req.protocol}`;
      return { id: req.id, verdict: "dropped", reason, hops: [{ node: this.state.self.name, step: "drop", detail: reason }], delivered_to: "" };
    }
    const r = await this.inject(port.uuid, { protocol, src: req.src || port.addresses[0], dst: req.dst, srcPort: req.src_port ?? 0, dstPort: req.dst_port ?? 0 });
    return { id: req.id, verdict: r.verdict === "sent" ? "delivered" : r.verdict, reason: r.reason, hops: r.hops, delivered_to: r.delivered_to };
  }

  flows(): FlowEntry[] {
    return [];
  }

  flushFlows(): number {
    return 0;
  }

  stats(): DataPlaneStats & { reconciles: number; kernelChanges: number; lastError: string; problems: string[] } {
    return {
      flows: 0,
      flowsCreated: 0,
      flowsAged: 0,
      flowsFlushed: 0,
      packetsForwarded: 0,
      packetsDropped: 0,
      packetsReceived: 0,
      decodeErrors: 0,
      pendingReplies: 0,
      reconciles: this.reconciles,
      kernelChanges: this.changes,
      lastError: this.lastError,
      problems: this.problems,
    };
  }
}

/** `nft list table` text as its chains and counters, each one string, sorted: the order they were made in does not matter, rule order does. */
function nftBlocks(text: string): string[] {
  const blocks: string[] = [];
  let cur: string[] | null = null;
  for (const raw of text.split("\n")) {
    const l = raw.replace(/packets \d+ bytes \d+/, "").trim();
    if (!l) continue;
    if (/^(chain|counter) /.test(l)) cur = [l];
    else if (cur && l === "}") {
      blocks.push(cur.join(" | "));
      cur = null;
    } else if (cur) cur.push(l);
  }
  return blocks.sort();
}

interface CtTuple {
  src: string;
  dst: string;
  sport: number;
  dport: number;
  packets: number;
  bytes: number;
}

/** One line of `conntrack -L -o id` (with nf_conntrack_acct=1: packets= and bytes= per direction). */
export function parseConntrack(line: string): { protocol: number; orig: CtTuple; reply: CtTuple; mark: number; id: string } | null {
  const head = /^\s*(\S+)\s+(\d+)\s/.exec(line);
  // the last id= is the connection's (ICMP tuples carry an id= of their own)
  const id = /\bid=(\d+)(?!.*\bid=)/.exec(line);
  if (!head || !id) return null;
  const tuples: CtTuple[] = [];
  const re = /src=(\S+) dst=(\S+)(?: sport=(\d+) dport=(\d+))?(?:[^=]*?(?: type=\S+ code=\S+ id=\S+))?(?: packets=(\d+) bytes=(\d+))?/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(line)) && tuples.length < 2) tuples.push({ src: m[1], dst: m[2], sport: Number(m[3] ?? 0), dport: Number(m[4] ?? 0), packets: Number(m[5] ?? 0), bytes: Number(m[6] ?? 0) });
  if (tuples.length < 2) return null;
  const mark = /\bmark=(\d+)/.exec(line);
  return { protocol: Number(head[2]), orig: tuples[0], reply: tuples[1], mark: mark ? Number(mark[1]) : 0, id: id[1] };
}

function routeCommand(r: RouteSpec): string {
  if (r.type === "local") return `route replace local ${r.dst} dev lo table ${r.table}`;
  if (r.type === "unreachable") return `route replace unreachable ${r.dst} table ${r.table}`;
  if (r.nexthops.length === 1) {
    const n = r.nexthops[0];
    return n.via ? `route replace ${r.dst} table ${r.table} via ${n.via} dev ${n.dev} onlink` : `route replace ${r.dst} table ${r.table} dev ${n.dev} scope link`;
  }
  // ECMP: one multipath route, the kernel hashes flows over the next hops
  return `route replace ${r.dst} table ${r.table} ${r.nexthops.map((n) => (n.via ? `nexthop via ${n.via} dev ${n.dev} onlink` : `nexthop dev ${n.dev}`)).join(" ")}`;
}

export function createLinuxDataPlane(state: AgentState, opts: LinuxDataPlaneOptions = {}): LinuxDataPlane {
  return new LinuxDataPlane(state, opts);
}

export type { KernelModel };
