// "Why can't A reach B" without sending a packet: the question runs through shadow agents built
// from the compiled state and the control node's tables (shadow.ts), i.e. through the agents'
// own pipeline — source security group egress, network ACL, VRF lookup with leaked routes, ECMP
// and FIP/VIP translation, the tunnel to the destination node, its network ACL and security
// group ingress. The answer lists every step, the object and rule that decided, and — when the
// answer is "denied" — the smallest config change that makes it pass, checked by running the
// same question over the draft (suggest.ts).
import type { Compiler } from "../compiler/compiler";
import type { ConfigView } from "../compiler/compile";
import type { ControlNode } from "../control/control-node";
import { longestMatch } from "../control/rib";
import type { FlowEntry } from "../agent/flow-table.ts";
import { WeftError } from "../model/errors";
import type { ConfigObject } from "../model/types";
import type { TraceResult } from "../protocol";
import { draftWorld, type DraftChange } from "./draft";
import { ShadowFabric } from "./shadow";
import { nextFix } from "./suggest";
import { LiveWorld, type World } from "./world";

export interface Probe {
  /** source port (uuid); or, for traffic from outside, `fromVrf` + `src` */
  portUuid?: string;
  fromVrf?: string;
  src?: string;
  dst: string;
  protocol: "tcp" | "udp" | "icmp";
  srcPort: number;
  dstPort: number;
}

export interface ObjectRef {
  type: string;
  fq_name: string[];
}

export interface Step {
  node: string;
  /** vrf-lookup, acl, route, nat, encap, tunnel, decap, deliver, drop, reply */
  step: string;
  detail: string;
}

/** One policy stage a flow went through, with the object that holds the rule. */
export interface Decision {
  node: string;
  /** security-group egress, network-acl, security-group ingress */
  stage: string;
  action: string;
  acl: string;
  rule_uuid: string;
  /** the rule in words, e.g. "network-policy default-domain:p:pol rule 2" */
  origin: string;
  object: ObjectRef | null;
  /** 1-based rule number in the object, when a rule decided (not a default action) */
  rule_index: number | null;
  /** the packet's addresses as this stage saw them (after NAT) */
  src?: string;
  dst?: string;
}

export interface Suggestion {
  /** what to do, in words */
  summary: string;
  /** the config changes, in order, as the REST API takes them */
  changes: DraftChange[];
  /** the question asked again over the changed config: allowed */
  verified: boolean;
  /** what still stops it after the changes, when not verified */
  remaining?: string;
}

export interface Answer {
  verdict: "allowed" | "denied";
  reason: string;
  /** the agents' own outcome: delivered, dropped or lost */
  outcome: string;
  delivered_to: string;
  steps: Step[];
  decisions: Decision[];
  /** the decision that denied it (or the last one that passed it) */
  deciding: Decision | null;
  suggestion: Suggestion | null;
  /** for traffic from outside: the answer's way back */
  reply_verdict?: string;
  reply_reason?: string;
}

/** Which config object an ACL name and a rule's origin text point at. */
export function decisionOf(node: string, s: { stage: string; acl: string; rule_uuid: string; origin: string; action: string }): Decision {
  let object: ObjectRef | null = null;
  let rule_index: number | null = null;
  const m = /^(network-policy|security-group) (\S+) rule (\d+)/.exec(s.origin);
  if (m) {
    object = { type: m[1], fq_name: m[2].split(":") };
    rule_index = Number(m[3]);
  } else if (s.acl.startsWith("vn:")) object = { type: "virtual-network", fq_name: s.acl.slice(3).split(":") };
  else if (s.acl.startsWith("sg:")) object = { type: "security-group", fq_name: s.acl.slice(3).split(":") };
  return { node, stage: s.stage, action: s.action, acl: s.acl, rule_uuid: s.rule_uuid, origin: s.origin || (s.action === "deny" ? "default action" : ""), object, rule_index };
}

function decisionsOf(flows: { node: string; flow: FlowEntry }[]): Decision[] {
  const out: Decision[] = [];
  // the source node's flow first, then the destination's (flows are created in that order)
  for (const { node, flow } of flows) {
    if (flow.reverse) continue;
    const seen = { src: flow.tuple.src, dst: flow.tuple.dst };
    for (const st of flow.stages) out.push({ ...decisionOf(node, st), ...seen });
    if (flow.action === "deny" && !flow.stages.some((s) => s.action === "deny") && flow.rule) {
      out.push({ ...decisionOf(node, { stage: "flow", acl: flow.rule.acl, rule_uuid: flow.rule.rule_uuid, origin: flow.rule.origin, action: "deny" }), ...seen });
    }
  }
  return out;
}

const MAX_FIX_ROUNDS = 4;

export interface ReachabilityDeps {
  compiler: Compiler;
  control: ControlNode;
  config: ConfigView & { getByFqName(type: "virtual-router", fq: string[]): ConfigObject | undefined; list(type: "virtual-router"): ConfigObject[]; clusterAsn: number };
}

export class Reachability {
  readonly live: LiveWorld;
  private fabric: ShadowFabric | null = null;
  private version = 0;
  private builtAt = -1;
  /** questions run one at a time: each starts from empty flow tables */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly unsubscribe: (() => void)[] = [];

  constructor(private readonly deps: ReachabilityDeps) {
    this.live = new LiveWorld(
      deps.compiler,
      deps.control,
      (name) => deps.config.getByFqName("virtual-router", ["default-global-system-config", name]),
      () => deps.config.list("virtual-router"),
    );
    this.unsubscribe.push(deps.compiler.onDelta(() => this.version++));
    this.unsubscribe.push(deps.control.onRoutes(() => this.version++));
  }

  /** The shadow agents of the live state, rebuilt after any config or route change. */
  private liveFabric(): ShadowFabric {
    if (!this.fabric || this.builtAt !== this.version) {
      void this.fabric?.close();
      this.fabric = new ShadowFabric(this.live);
      this.builtAt = this.version;
    }
    return this.fabric;
  }

  /** Runs `work` after every question asked before it (each starts from empty flow tables). */
  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  ask(probe: Probe, opts: { suggest?: boolean } = {}): Promise<Answer> {
    return this.serial(() => this.answer(probe, opts.suggest !== false));
  }

  private async answer(probe: Probe, suggest: boolean): Promise<Answer> {
    const first = await this.run(this.liveFabric(), probe);
    if (first.verdict === "allowed" || !suggest) return first;
    first.suggestion = await this.suggest(probe, first);
    return first;
  }

  /**
   * A grid: every source port × every destination address, one question each (no suggestions),
   * run back to back over the same shadows.
   */
  matrix(sources: string[], destinations: string[], protocol: Probe["protocol"], dstPort: number): Promise<Answer[][]> {
    return this.serial(async () => {
      const fabric = this.liveFabric();
      const rows: Answer[][] = [];
      let srcPort = 33000;
      for (const portUuid of sources) {
        const row: Answer[] = [];
        for (const dst of destinations) row.push(await this.run(fabric, { portUuid, dst, protocol, dstPort, srcPort: srcPort++ }));
        rows.push(row);
      }
      return rows;
    });
  }

  /** One question over one world's shadows. */
  async run(fabric: ShadowFabric, probe: Probe): Promise<Answer> {
    fabric.reset();
    let result: TraceResult;
    let first = "";
    if (probe.fromVrf) {
      const table = fabric.world.table(probe.fromVrf);
      if (!table) throw new WeftError("not_found", `from_vrf: routing instance ${probe.fromVrf} not found`, [{ field: "from_vrf", message: "no such routing instance" }]);
      const best = longestMatch(table, probe.dst);
      if (!best) return denied(`no route to ${probe.dst} in ${probe.fromVrf}: nothing there to reach from outside`, [{ node: "gateway", step: "drop", detail: `no route to ${probe.dst} in ${probe.fromVrf}` }]);
      const nh = best.nextHops.find((n) => n.node && !n.node.startsWith("bgp:"));
      if (!nh) return denied(`${best.prefix} in ${probe.fromVrf} is not on a compute node`, []);
      first = nh.node;
      result = await fabric.trace(nh.node, { id: "reachability", port_uuid: "", dst: probe.dst, protocol: probe.protocol, src_port: probe.srcPort, dst_port: probe.dstPort, src: probe.src ?? "", from_vrf: probe.fromVrf });
    } else {
      const port = fabric.world.port(probe.portUuid ?? "");
      if (!port) throw new WeftError("not_found", `port ${probe.portUuid} not found (or has no network)`, [{ field: "port", message: "not found" }]);
      if (!port.host) {
        return denied(`port ${port.fqName} is not bound to a compute node`, [{ node: "", step: "binding", detail: `${port.fqName} has no virtual_machine_interface_bindings host_id: no agent forwards for it` }]);
      }
      first = port.host;
      result = await fabric.trace(port.host, { id: "reachability", port_uuid: port.uuid, dst: probe.dst, protocol: probe.protocol, src_port: probe.srcPort, dst_port: probe.dstPort, src: probe.src ?? "" });
    }
    const decisions = decisionsOf(fabric.flows(first));
    const allowed = result.verdict === "delivered";
    const deciding = allowed ? (decisions.filter((d) => d.rule_uuid).at(-1) ?? null) : (decisions.find((d) => d.action === "deny") ?? null);
    return {
      verdict: allowed ? "allowed" : "denied",
      reason: result.reason || (allowed ? `delivered to ${result.delivered_to}` : result.verdict),
      outcome: result.verdict,
      delivered_to: result.delivered_to,
      steps: result.hops.map((h) => ({ node: h.node, step: h.step, detail: h.detail })),
      decisions,
      deciding,
      suggestion: null,
      ...(result.reply_verdict ? { reply_verdict: result.reply_verdict, reply_reason: result.reply_reason ?? "" } : {}),
    };
  }

  /** Fix by fix, each checked over the draft so far, until the question passes (or no fix is known). */
  private async suggest(probe: Probe, first: Answer): Promise<Suggestion | null> {
    const changes: DraftChange[] = [];
    let answer = first;
    let world: World = this.live;
    for (let round = 0; round < MAX_FIX_ROUNDS; round++) {
      const fix = nextFix({ probe, answer, world, config: this.deps.config, changes, allPorts: () => this.deps.compiler.state.ports.values() });
      if (!fix) break;
      for (const c of fix) {
        const i = changes.findIndex((x) => x.uuid === c.uuid);
        if (i >= 0) changes[i] = c;
        else changes.push(c);
      }
      world = draftWorld(this.live, this.deps.config, this.deps.control, this.deps.config.clusterAsn, changes);
      const fabric = new ShadowFabric(world, { port: probe.portUuid ?? "", addresses: new Set([probe.dst, ...(probe.src ? [probe.src] : [])]) });
      try {
        answer = await this.run(fabric, probe);
      } finally {
        await fabric.close();
      }
      if (answer.verdict === "allowed") return { summary: changes.map((c) => c.summary).join("; then "), changes, verified: true };
    }
    if (!changes.length) {
      const why = explainWithoutFix(first);
      return why ? { summary: why, changes: [], verified: false } : null;
    }
    return { summary: changes.map((c) => c.summary).join("; then "), changes, verified: false, remaining: answer.reason };
  }

  async close() {
    for (const u of this.unsubscribe) u();
    await this.fabric?.close();
    this.fabric = null;
  }
}

function denied(reason: string, steps: Step[]): Answer {
  return { verdict: "denied", reason, outcome: "dropped", delivered_to: "", steps, decisions: [], deciding: null, suggestion: null };
}

/** What to tell when no config change is known to help. */
function explainWithoutFix(a: Answer): string | null {
  if (/not bound to a compute node/.test(a.reason)) return "bind the port to a compute node (virtual_machine_interface_bindings host_id) whose agent is connected";
  if (/no answer from|lost/.test(a.reason) || a.outcome === "lost") return "the destination's compute node does not answer: check that its agent is connected (Infrastructure › Compute Nodes)";
  if (/no common encapsulation/.test(a.reason)) return "give both compute nodes a common encapsulation (Global Config › encapsulation priority)";
  if (/no route to/.test(a.reason)) return "no network in Weft owns this address: it must come from a gateway (a bgp-router peering with the control node, exporting a route target the network imports)";
  return null;
}

