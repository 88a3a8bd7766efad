// The simulated data plane: the whole vRouter pipeline in process, with tunnels that are real
// UDP datagrams between agents (one socket per agent, bound to address:data_port). A packet
// that follows a wrong route really goes to the wrong place — or nowhere, and is then "lost".
import type { Hop, NextHop, Port, TraceRequest, TraceResult } from "../../protocol/index.ts";
import type { Action } from "../acl.ts";
import { ecmpIndex, pickNextHop } from "../ecmp.ts";
import { type FlowEntry, type FlowForward, type FlowNat, FlowTable, flowKey } from "../flow-table.ts";
import { type Tuple, protocolNumber, reverseTuple, tupleText } from "../packet.ts";
import { portPolicy } from "../policy.ts";
import type { AgentState, StateChange } from "../state.ts";
import type { DataPlane, DataPlaneOptions, DataPlaneStats, PacketResult } from "./index.ts";
import { type DatagramTransport, type Peer, udpTransport } from "./transport.ts";
import { type DataPacket, FLAG_TRACE, FLAG_WANT_REPLY, type ReplyPacket, TYPE_DATA, decode, encodeData, encodeReply } from "./wire.ts";

type Egress =
  | { kind: "deliver"; port: Port; created: boolean }
  | { kind: "drop"; reason: string; created: boolean }
  | { kind: "tunnel"; fwd: Extract<FlowForward, { kind: "remote" }>; tuple: Tuple; created: boolean };

type Resolved =
  /**
   * `vrf`: the instance the route was found in (the port's own, or a floating IP's for source NAT);
   * `dstVrf`: for local delivery, the instance the destination port receives the packet in — its
   * own, or the VRF of its floating IP / VIP the packet is addressed to (as a tunnelled packet's
   * label resolves on the far node).
   */
  | { ok: true; fwd: FlowForward; tuple: Tuple; vrf: string; dstVrf: string; nat: FlowNat | null; dstPort: Port | null }
  | { ok: false; reason: string };

interface Pending {
  resolve: (r: ReplyPacket | null) => void;
  timer: NodeJS.Timeout;
}

const portName = (p: Port) => p.fq_name || p.uuid;

/** Size of a packet when the caller gives none (trace / test packets): a minimum Ethernet frame. */
export const DEFAULT_PACKET_BYTES = 64;

/** A packet dropped before any flow existed (no route, unknown port/label, table full): flow export reports it. */
export interface FlowlessDrop {
  vrf: string;
  tuple: Tuple;
  reason: string;
  direction: "egress" | "ingress";
  portUuid: string;
  bytes: number;
}

export class SimDataPlane implements DataPlane {
  readonly kind = "sim";
  private readonly transport: DatagramTransport;
  private bound = false;
  private readonly table: FlowTable;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private forwarded = 0;
  private dropped = 0;
  private received = 0;
  private decodeErrors = 0;
  private readonly replyTimeoutMs: number;
  /** Set by the flow exporter: packets dropped without a flow entry. */
  onFlowlessDrop: ((d: FlowlessDrop) => void) | null = null;

  constructor(
    private readonly state: AgentState,
    private readonly opts: DataPlaneOptions = {},
  ) {
    this.table = new FlowTable({ idleMs: opts.flowIdleMs, maxFlows: opts.maxFlows });
    this.replyTimeoutMs = opts.replyTimeoutMs ?? 1_000;
    this.transport = opts.transport ?? udpTransport(opts.log);
    state.onChange((c) => this.onStateChange(c));
  }

  private get node(): string {
    return this.state.self.name;
  }

  // ------------------------------------------------------------------ lifecycle

  async start(): Promise<number> {
    const { address, dataPort } = this.state.self;
    this.table.startAging();
    // usable from here on, as a socket is before its bind completes (the shadow agents bind in memory at once)
    const bound = this.transport.bind(address, dataPort, (buf, from) => this.onDatagram(buf, from));
    this.bound = true;
    return bound;
  }

  async stop(): Promise<void> {
    this.table.stopAging();
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.resolve(null);
      this.pending.delete(id);
    }
    if (this.bound) await this.transport.close();
    this.bound = false;
  }

  // ------------------------------------------------------------------ state changes → flow flushes

  private onStateChange(c: StateChange) {
    switch (c.kind) {
      case "ports": {
        const set = new Set(c.uuids);
        this.table.flushWhere((e) => e.ports.some((p) => set.has(p)));
        break;
      }
      case "acls": {
        const set = new Set(c.names);
        this.table.flushWhere((e) => e.acls.some((a) => set.has(a)));
        break;
      }
      case "routes":
      case "vrfs": {
        const set = new Set(c.kind === "routes" ? c.vrfs : c.names);
        this.table.flushWhere((e) => e.vrfs.some((v) => set.has(v)));
        break;
      }
      case "global":
        // The encapsulation priority may pick another tunnel type for cached remote flows.
        this.table.flushWhere((e) => e.forward?.kind === "remote");
        break;
    }
  }

  // ------------------------------------------------------------------ API

  async inject(portUuid: string, t: Tuple, opts: { trace?: boolean; size?: number } = {}): Promise<PacketResult> {
    const hops: Hop[] = [];
    const size = opts.size ?? DEFAULT_PACKET_BYTES;
    const r = this.egress(portUuid, t, hops, size);
    if (r.kind === "drop") return this.dropResult(r.reason, hops, r.created);
    if (r.kind === "deliver") {
      this.forwarded++;
      return { verdict: "delivered", reason: "", hops, delivered_to: portName(r.port), flowCreated: r.created };
    }
    this.forwarded++;
    if (isGateway(r.fwd.nextHop)) {
      // a route learned from a BGP peer: the packet leaves Weft there, nobody will answer
      void this.tunnel(r, 0, hops, size);
      hops.push({ node: this.node, step: "deliver", detail: `to the gateway ${r.fwd.nextHop.address} (${r.fwd.nextHop.node}) as ${tupleText(r.tuple)}: outside Weft from here` });
      return { verdict: "delivered", reason: "", hops, delivered_to: `gateway ${r.fwd.nextHop.address}`, flowCreated: r.created };
    }
    const to = `${r.fwd.nextHop.address}:${r.fwd.nextHop.data_port || this.state.self.dataPort}`;
    const reply = await this.tunnel(r, FLAG_WANT_REPLY | FLAG_TRACE, hops, size);
    if (!reply) {
      hops.push({ node: this.node, step: "drop", detail: `no answer from ${to} within ${this.replyTimeoutMs} ms` });
      return { verdict: "lost", reason: `no answer from ${to}`, hops, delivered_to: "", flowCreated: r.created };
    }
    hops.push(...reply.hops);
    return { verdict: reply.verdict, reason: reply.reason, hops, delivered_to: reply.delivered_to, flowCreated: r.created };
  }

  forward(portUuid: string, t: Tuple, size = DEFAULT_PACKET_BYTES): PacketResult {
    const r = this.egress(portUuid, t, null, size);
    if (r.kind === "drop") {
      this.dropped++;
      return { verdict: "dropped", reason: r.reason, hops: [], delivered_to: "", flowCreated: r.created };
    }
    this.forwarded++;
    if (r.kind === "deliver") return { verdict: "delivered", reason: "", hops: [], delivered_to: portName(r.port), flowCreated: r.created };
    void this.tunnel(r, 0, null, size);
    return { verdict: "sent", reason: "", hops: [], delivered_to: "", flowCreated: r.created };
  }

  async trace(req: TraceRequest): Promise<TraceResult> {
    if (req.from_vrf) return this.traceFromOutside(req);
    const port = this.state.ports.get(req.port_uuid);
    const protocol = protocolNumber(req.protocol || "tcp");
    const fail = (reason: string): TraceResult => ({ id: req.id, verdict: "dropped", reason, hops: [{ node: this.node, step: "drop", detail: reason }], delivered_to: "" });
    if (!port) return fail(`unknown port ${req.port_uuid} on ${this.node}`);
    if (protocol === null) return fail(`unknown protocol ${req.protocol}`);
    const src = req.src || port.addresses[0];
    if (!src) return fail(`port ${portName(port)} has no address`);
    const r = await this.inject(port.uuid, { protocol, src, dst: req.dst, srcPort: req.src_port ?? 0, dstPort: req.dst_port ?? 0 }, { trace: true });
    return { id: req.id, verdict: r.verdict === "sent" ? "delivered" : r.verdict, reason: r.reason, hops: r.hops, delivered_to: r.delivered_to };
  }

  /**
   * A packet from outside (the gateway side) entering `from_vrf` — as the gateway sends it: to the
   * next hop and MPLS label it learned over BGP — then the answer of the port it reached, back
   * through the flow's NAT. Floating IPs: the way in shows the destination NAT, the answer the
   * source NAT.
   */
  private async traceFromOutside(req: TraceRequest): Promise<TraceResult> {
    const node = this.node;
    const fromVrf = req.from_vrf ?? "";
    const hops: Hop[] = [];
    const out = (verdict: string, reason: string, delivered_to = "", reply: { verdict: string; reason: string } = { verdict: "", reason: "" }): TraceResult => ({
      id: req.id,
      verdict,
      reason,
      hops,
      delivered_to,
      reply_verdict: reply.verdict,
      reply_reason: reply.reason,
    });
    const fail = (reason: string) => {
      hops.push({ node, step: "drop", detail: reason });
      return out("dropped", reason);
    };
    const protocol = protocolNumber(req.protocol || "tcp");
    if (protocol === null) return fail(`unknown protocol ${req.protocol}`);
    if (!req.src) return fail("give the outside source address (source)");
    const t: Tuple = { protocol, src: req.src, dst: req.dst, srcPort: req.src_port ?? 0, dstPort: req.dst_port ?? 0 };
    hops.push({ node, step: "vrf-lookup", detail: `${tupleText(t)} from the gateway side → vrf ${req.from_vrf}` });
    const route = this.state.fib.lookup(fromVrf, t.dst);
    if (!route) return fail(`no route to ${t.dst} in ${req.from_vrf}`);
    const nh = route.nextHops.find((n) => this.state.isSelf(n));
    if (!nh) return fail(`${route.prefix} in ${req.from_vrf} is not on ${node} (next hops ${route.nextHops.map((n) => n.node || n.address).join(", ")})`);
    hops.push({ node, step: "route", detail: `${t.dst} matches ${route.prefix} in ${req.from_vrf}: the gateway tunnels to ${nh.address} label ${nh.label}` });
    const p: DataPacket = { type: TYPE_DATA, flags: FLAG_TRACE, id: 0, encap: "MPLSoGRE", key: nh.label, tuple: t, node: "gateway", size: DEFAULT_PACKET_BYTES };
    this.received++;
    const inbound = this.ingress(p, { address: "gateway", port: 0 }, hops);
    if (inbound.verdict !== "delivered" || !inbound.port) return out(inbound.verdict, inbound.reason, inbound.delivered_to);
    // the answer: from the port, to the outside source, through the reverse flow (source NAT)
    const answer: Tuple = { protocol, src: inbound.tuple.dst, dst: t.src, srcPort: t.dstPort, dstPort: t.srcPort };
    hops.push({ node, step: "reply", detail: `the answer from port ${portName(inbound.port)}: ${tupleText(answer)}` });
    const back = await this.inject(inbound.port.uuid, answer, { trace: true });
    hops.push(...back.hops);
    return out(inbound.verdict, inbound.reason, inbound.delivered_to, { verdict: back.verdict === "sent" ? "delivered" : back.verdict, reason: back.reason });
  }

  flows(): FlowEntry[] {
    return [...this.table.values()];
  }

  flushFlows(): number {
    return this.table.flushAll();
  }

  /** The flow table itself, for tests that age or inspect entries. */
  get flowTable(): FlowTable {
    return this.table;
  }

  stats(): DataPlaneStats {
    return {
      flows: this.table.size,
      flowsCreated: this.table.created,
      flowsAged: this.table.aged,
      flowsFlushed: this.table.flushed,
      packetsForwarded: this.forwarded,
      packetsDropped: this.dropped,
      packetsReceived: this.received,
      decodeErrors: this.decodeErrors,
      pendingReplies: this.pending.size,
    };
  }

  private dropResult(reason: string, hops: Hop[], created: boolean): PacketResult {
    this.dropped++;
    hops.push({ node: this.node, step: "drop", detail: reason });
    return { verdict: "dropped", reason, hops, delivered_to: "", flowCreated: created };
  }

  // ------------------------------------------------------------------ egress: packet from a local port

  private egress(portUuid: string, t: Tuple, hops: Hop[] | null, size = DEFAULT_PACKET_BYTES): Egress {
    const node = this.node;
    const port = this.state.ports.get(portUuid);
    if (!port) return this.flowless("", t, `unknown port ${portUuid}`, "egress", portUuid, size);
    hops?.push({ node, step: "vrf-lookup", detail: `${tupleText(t)} from port ${portName(port)} → vrf ${port.vrf}` });

    const key = flowKey(port.vrf, t);
    const flow = this.table.hit(key, size);
    if (flow) {
      hops?.push({ node, step: "acl", detail: `flow hit (${flow.reverse ? "reverse flow, " : ""}${flow.packets} packets): ${flow.reason}` });
      if (flow.action === "deny") return { kind: "drop", reason: flow.reason, created: false };
      if (!flow.forward) {
        const res = this.resolve(port, t, flow.nat, hops);
        if (!res.ok) return { kind: "drop", reason: res.reason, created: false };
        flow.forward = res.fwd;
        for (const v of [res.vrf, res.dstVrf]) if (v && !flow.vrfs.includes(v)) flow.vrfs.push(v);
      }
      return this.finish(flow.forward, t, flow.nat, false, hops);
    }

    if (this.table.full) return this.flowless(port.vrf, t, "flow table full", "egress", port.uuid, size);
    const pol = portPolicy(this.state, port, "egress", t);
    if (hops) for (const line of pol.lines.length ? pol.lines : ["no ACL on the port: allowed"]) hops.push({ node, step: "acl", detail: line });
    if (pol.action === "deny") {
      this.table.add({ key, vrf: port.vrf, tuple: t, direction: "egress", action: "deny", reason: pol.reason, rule: pol.rule, stages: pol.stages, nat: null, forward: null, ports: [port.uuid], acls: pol.acls, vrfs: [port.vrf], reverse: false }, 1, size);
      return { kind: "drop", reason: pol.reason, created: true };
    }

    const res = this.resolve(port, t, null, hops);
    // No flow for a packet without a route: the route may come any moment, and flows are flushed per VRF anyway.
    if (!res.ok) return this.flowless(port.vrf, t, res.reason, "egress", port.uuid, size);

    const ports = [port.uuid];
    const acls = pol.acls;
    const vrfs = res.vrf === port.vrf ? [port.vrf] : [port.vrf, res.vrf];
    let action: Action = pol.action;
    let reason = pol.reason;
    let rule = pol.rule;
    const stages = pol.stages;
    let tupleIn = res.tuple;
    let replyNat: FlowNat | null = null;

    if (res.fwd.kind === "local" && res.dstPort) {
      // Local delivery is the tunnel's far end on this node: the same destination NAT and the
      // destination port's ingress policy (its security groups and its VN's ACL), as one flow decision.
      const dst = res.dstPort;
      ports.push(dst.uuid);
      for (const v of [dst.vrf, res.dstVrf]) if (!vrfs.includes(v)) vrfs.push(v);
      const dnat = this.dnat(dst, res.dstVrf, res.tuple, hops);
      tupleIn = dnat.tuple;
      replyNat = dnat.replyNat;
      const fipIn = tupleIn.dst === res.tuple.dst ? dst.floating_ips.find((f) => f.address === res.tuple.dst && f.vrf === res.dstVrf) : undefined;
      if (fipIn) {
        // the far node's words for the same packet (ingress below)
        const why = `floating IP ${fipIn.address} of port ${portName(dst)} is ${fipIn.direction === "egress" ? "egress only: it takes no connections from outside, only answers to the port's own" : "not translated"}`;
        return this.flowless(port.vrf, t, why, "egress", port.uuid, size);
      }
      // The VN ACL already applied at egress is not run twice on the same packet; after NAT the
      // packet differs, and the far node would run it on what it received: so does this one.
      const same = tupleIn.src === t.src && tupleIn.dst === t.dst;
      const ing = portPolicy(this.state, dst, "ingress", tupleIn, same ? port.network_acl : "");
      if (hops) for (const line of ing.lines) hops.push({ node, step: "acl", detail: `port ${portName(dst)} ${line}` });
      acls.push(...ing.acls);
      stages.push(...ing.stages);
      if (ing.rule) rule = ing.rule;
      if (ing.action === "deny") {
        action = "deny";
        reason = ing.reason;
      } else if (ing.lines.length) reason = `${reason}; ${ing.reason}`;
    }

    const entry = this.table.add({ key, vrf: port.vrf, tuple: t, direction: "egress", action, reason, rule, stages, nat: res.nat, forward: action === "pass" ? res.fwd : null, ports, acls, vrfs, reverse: false }, 1, size);
    if (action === "deny") return { kind: "drop", reason, created: true };
    if (entry) this.addReverse(res.fwd.kind === "local" && res.dstPort ? res.dstPort.vrf : port.vrf, res.fwd.kind === "local" ? tupleIn : t, replyNat, entry);
    return this.finish(res.fwd, t, res.nat, true, hops, res);
  }

  /** A drop before any flow entry existed: reported to the flow exporter, then the usual drop outcome. */
  private flowless(vrf: string, t: Tuple, reason: string, direction: "egress" | "ingress", portUuid: string, bytes: number): Extract<Egress, { kind: "drop" }> {
    this.onFlowlessDrop?.({ vrf, tuple: t, reason, direction, portUuid, bytes });
    return { kind: "drop", reason, created: false };
  }

  /** Turns a cached or fresh forwarding decision into the egress outcome. */
  private finish(fwd: FlowForward, t: Tuple, nat: FlowNat | null, created: boolean, hops: Hop[] | null, res?: Resolved): Egress {
    const tuple = res?.ok ? res.tuple : nat?.src ? { ...t, src: nat.src } : t;
    if (fwd.kind === "local") {
      const dst = this.state.ports.get(fwd.port);
      if (!dst) return { kind: "drop", reason: `unknown label ${fwd.label}`, created };
      hops?.push({ node: this.node, step: "deliver", detail: `to port ${portName(dst)} (${dst.addresses.join(", ")}) on ${this.node}` });
      return { kind: "deliver", port: dst, created };
    }
    return { kind: "tunnel", fwd, tuple, created };
  }

  /** FIB lookup (own VRF, then the VRFs of the port's floating IPs with source NAT), ECMP, encapsulation. */
  private resolve(port: Port, t: Tuple, nat: FlowNat | null, hops: Hop[] | null): Resolved {
    let vrf = nat?.vrf ?? port.vrf;
    let tuple = nat?.src ? { ...t, src: nat.src } : t;
    let usedNat = nat;
    let route = this.state.fib.lookup(vrf, t.dst);
    if (nat?.src) hops?.push({ node: this.node, step: "nat", detail: `source ${t.src} → ${nat.src} (floating IP, vrf ${vrf}, by the flow)` });
    if (!route && !nat) {
      for (const f of port.floating_ips) {
        if (f.direction === "ingress" || (f.fixed_address && f.fixed_address !== t.src)) continue;
        const r = this.state.fib.lookup(f.vrf, t.dst);
        if (!r) continue;
        route = r;
        vrf = f.vrf;
        tuple = { ...t, src: f.address };
        usedNat = { src: f.address, vrf: f.vrf };
        hops?.push({ node: this.node, step: "nat", detail: `source ${t.src} → ${f.address} (floating IP, vrf ${f.vrf})` });
        break;
      }
    }
    if (!route) return { ok: false, reason: `no route to ${t.dst} in ${vrf}` };
    if (route.nextHops.length === 0) return { ok: false, reason: `route ${route.prefix} in ${vrf} has no next hop` };
    const i = ecmpIndex(tuple, route.nextHops.length);
    const nh = route.nextHops[i];
    const ecmp = route.nextHops.length > 1 ? `${i + 1}/${route.nextHops.length}` : "";
    hops?.push({
      node: this.node,
      step: "route",
      detail: `${t.dst} matches ${route.prefix} in ${vrf} via ${nh.node || nh.address} ${nh.address}${ecmp ? ` (ECMP ${ecmp} by flow hash)` : ""}${route.stale ? " [stale]" : ""}`,
    });

    if (this.state.isSelf(nh)) {
      // The label names the port, as on the far node of a tunnel (ingress below): the route may
      // have been leaked into `vrf` from the port's own instance (policy, route targets) or be a
      // floating IP / VIP of the port, so ownership is checked where the port has the address —
      // its fixed address in its own VRF, a floating IP in the FIP's VRF — not in `vrf`.
      const dst = this.state.portByLabelOf(nh.label);
      if (!dst) return { ok: false, reason: `unknown label ${nh.label}` };
      const ownsFixed = this.state.portOwning(dst.vrf, tuple.dst) === dst;
      const fip = ownsFixed ? undefined : dst.floating_ips.find((f) => f.address === tuple.dst);
      if (!ownsFixed && !fip) return { ok: false, reason: `label ${nh.label} is port ${portName(dst)}, which does not own ${tuple.dst}` };
      return { ok: true, fwd: { kind: "local", port: dst.uuid, label: nh.label }, tuple, vrf, dstVrf: fip ? fip.vrf : dst.vrf, nat: usedNat, dstPort: dst };
    }
    const encap = this.chooseEncap(nh);
    if (!encap) return { ok: false, reason: `no common encapsulation with ${nh.node || nh.address} (it supports ${nh.encapsulations.join(", ") || "none"})` };
    const key = encap === "VXLAN" ? nh.vni : nh.label;
    return { ok: true, fwd: { kind: "remote", nextHop: nh, encap, key, ecmp }, tuple, vrf, dstVrf: "", nat: usedNat, dstPort: null };
  }

  /** First encapsulation of the global priority that both ends support (VXLAN needs a VNI). */
  private chooseEncap(nh: NextHop): string | null {
    const mine = this.state.self.encapsulations;
    const theirs = nh.encapsulations ?? [];
    for (const e of this.state.encapPriority) {
      if (!mine.includes(e)) continue;
      if (theirs.length > 0 && !theirs.includes(e)) continue;
      if (e === "VXLAN" && !nh.vni) continue;
      return e;
    }
    return null;
  }

  /** Destination NAT when the packet is addressed to a floating IP of the port. */
  private dnat(port: Port, vrf: string, t: Tuple, hops: Hop[] | null): { tuple: Tuple; replyNat: FlowNat | null } {
    for (const f of port.floating_ips) {
      if (f.address !== t.dst || f.vrf !== vrf) continue;
      const fixed = f.fixed_address || port.addresses[0];
      if (!fixed) break;
      // egress only: the answers of flows the port started come back in; nothing else does
      if (f.direction === "egress" && !this.table.peek(flowKey(port.vrf, { ...t, dst: fixed }))?.reverse) continue;
      hops?.push({ node: this.node, step: "nat", detail: `destination ${f.address} → ${fixed} (floating IP of port ${portName(port)})` });
      return { tuple: { ...t, dst: fixed }, replyNat: { src: f.address, vrf: f.vrf } };
    }
    return { tuple: t, replyNat: null };
  }

  /** The answer direction of an allowed flow passes without policy (security groups are stateful). */
  private addReverse(vrf: string, t: Tuple, nat: FlowNat | null, fwd: FlowEntry) {
    const rt = reverseTuple(t);
    const key = flowKey(vrf, rt);
    if (this.table.peek(key) || this.table.full) return;
    this.table.add(
      {
        key,
        vrf,
        tuple: rt,
        direction: fwd.direction === "egress" ? "ingress" : "egress",
        action: "pass",
        reason: fwd.reason, // shared string: the hop text says "reverse flow"
        rule: fwd.rule,
        stages: [],
        nat,
        forward: null,
        ports: fwd.ports,
        acls: fwd.acls,
        vrfs: nat?.vrf && nat.vrf !== vrf ? [vrf, nat.vrf] : [vrf],
        reverse: true,
      },
      0,
    );
  }

  // ------------------------------------------------------------------ tunnel

  private tunnel(r: Extract<Egress, { kind: "tunnel" }>, flags: number, hops: Hop[] | null, size = DEFAULT_PACKET_BYTES): Promise<ReplyPacket | null> {
    const nh = r.fwd.nextHop;
    const port = nh.data_port || this.state.self.dataPort;
    hops?.push({ node: this.node, step: "encap", detail: `${r.fwd.encap} ${r.fwd.encap === "VXLAN" ? "vni" : "label"} ${r.fwd.key}` });
    hops?.push({ node: this.node, step: "tunnel", detail: `${this.state.self.address}:${this.state.self.dataPort} → ${nh.address}:${port} (${nh.node || "?"})` });
    if (!this.bound) return Promise.resolve(null);
    const id = this.nextId;
    this.nextId = (this.nextId + 1) >>> 0 || 1;
    const buf = encodeData({ flags, id, encap: r.fwd.encap, key: r.fwd.key, tuple: r.tuple, node: this.node, size });
    if (!(flags & FLAG_WANT_REPLY)) {
      this.transport.send(buf, port, nh.address);
      return Promise.resolve(null);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve(null);
      }, this.replyTimeoutMs);
      this.pending.set(id, { resolve, timer });
      this.transport.send(buf, port, nh.address, (err) => {
        hops?.push({ node: this.node, step: "tunnel", detail: `send failed: ${err.message}` });
      });
    });
  }

  private onDatagram(buf: Buffer, rinfo: Peer) {
    const d = decode(buf);
    if (!d.ok) {
      this.decodeErrors++;
      return;
    }
    const p = d.value;
    if (p.type === TYPE_DATA) {
      this.received++;
      const hops: Hop[] | null = p.flags & FLAG_TRACE ? [] : null;
      const out = this.ingress(p, rinfo, hops);
      if (p.flags & FLAG_WANT_REPLY) {
        const reply = encodeReply({ flags: p.flags, id: p.id, node: this.node, verdict: out.verdict, reason: out.reason, delivered_to: out.delivered_to, hops: hops ?? [] });
        if (this.bound) this.transport.send(reply, rinfo.port, rinfo.address);
      }
      return;
    }
    const pend = this.pending.get(p.id);
    if (!pend) return; // late answer after the timeout: the sender already said "lost"
    this.pending.delete(p.id);
    clearTimeout(pend.timer);
    pend.resolve(p);
  }

  // ------------------------------------------------------------------ ingress: packet from the tunnel

  private ingress(
    p: DataPacket,
    rinfo: Peer,
    hops: Hop[] | null,
  ): { verdict: "delivered" | "dropped"; reason: string; delivered_to: string; port?: Port; tuple: Tuple } {
    const node = this.node;
    const size = p.size ?? DEFAULT_PACKET_BYTES;
    let flowVrf = "";
    let flowless = true;
    const drop = (reason: string) => {
      this.dropped++;
      hops?.push({ node, step: "drop", detail: reason });
      if (flowless) this.onFlowlessDrop?.({ vrf: flowVrf, tuple: p.tuple, reason, direction: "ingress", portUuid: "", bytes: size });
      return { verdict: "dropped" as const, reason, delivered_to: "", tuple: p.tuple };
    };
    const what = p.encap === "VXLAN" ? `vni ${p.key}` : `label ${p.key}`;
    hops?.push({ node, step: "decap", detail: `${p.encap} ${what} from ${p.node || "?"} (${rinfo.address}:${rinfo.port})` });

    let port: Port | undefined;
    let vrf: string;
    if (p.encap === "VXLAN") {
      // VXLAN: the VNI names the VRF, then the inner destination is looked up in its FIB.
      const v = this.state.vrfOfVni(p.key);
      if (!v) return drop(`unknown vni ${p.key}`);
      vrf = v;
      const route = this.state.fib.lookup(vrf, p.tuple.dst);
      if (!route) return drop(`no route to ${p.tuple.dst} in ${vrf}`);
      const own = route.nextHops.filter((n) => this.state.isSelf(n));
      const nh = pickNextHop(p.tuple, own);
      if (!nh) return drop(`${p.tuple.dst} is not local to ${node} (vrf ${vrf}); not forwarding tunnel to tunnel`);
      port = this.state.portByLabelOf(nh.label);
      if (!port) return drop(`unknown label ${nh.label}`);
      hops?.push({ node, step: "route", detail: `${p.tuple.dst} matches ${route.prefix} in ${vrf} → port ${portName(port)}` });
    } else {
      // MPLS: the label names the port (an interface next hop), as vRouter's label table does.
      port = this.state.portByLabelOf(p.key);
      if (!port) return drop(`unknown label ${p.key}`);
      // A label of another port must not deliver there: a wrong route loses the packet.
      const ownsFixed = this.state.portOwning(port.vrf, p.tuple.dst) === port;
      const fip = ownsFixed ? undefined : port.floating_ips.find((f) => f.address === p.tuple.dst);
      if (!ownsFixed && !fip) return drop(`label ${p.key} is port ${portName(port)}, which does not own ${p.tuple.dst}`);
      vrf = fip ? fip.vrf : port.vrf;
    }

    const { tuple } = this.dnat(port, vrf, p.tuple, hops);
    const fipIn = tuple.dst === p.tuple.dst ? port.floating_ips.find((f) => f.address === p.tuple.dst && f.vrf === vrf) : undefined;
    if (fipIn) return drop(`floating IP ${fipIn.address} of port ${portName(port)} is ${fipIn.direction === "egress" ? "egress only: it takes no connections from outside, only answers to the port's own" : "not translated"}`);
    const key = flowKey(port.vrf, tuple);
    flowVrf = port.vrf;
    let flow = this.table.hit(key, size);
    if (flow) {
      flowless = false;
      hops?.push({ node, step: "acl", detail: `flow hit (${flow.reverse ? "reverse flow, " : ""}${flow.packets} packets): ${flow.reason}` });
    } else {
      if (this.table.full) return drop("flow table full");
      const pol = portPolicy(this.state, port, "ingress", tuple);
      if (hops) for (const line of pol.lines.length ? pol.lines : ["no ACL on the port: allowed"]) hops.push({ node, step: "acl", detail: line });
      flow =
        this.table.add({
          key,
          vrf: port.vrf,
          tuple,
          direction: "ingress",
          action: pol.action,
          reason: pol.reason,
          rule: pol.rule,
          stages: pol.stages,
          nat: null,
          forward: { kind: "local", port: port.uuid, label: this.state.labels.peek(port.uuid) ?? 0 },
          ports: [port.uuid],
          acls: pol.acls,
          vrfs: vrf === port.vrf ? [vrf] : [port.vrf, vrf],
          reverse: false,
        }, 1, size) ?? undefined;
      if (!flow) return drop("flow table full");
      flowless = false;
      if (flow.action === "pass") {
        const dn = tuple.dst !== p.tuple.dst ? port.floating_ips.find((f) => f.address === p.tuple.dst) : undefined;
        this.addReverse(port.vrf, tuple, dn ? { src: dn.address, vrf: dn.vrf } : null, flow);
      }
    }
    if (flow.action === "deny") return drop(flow.reason);
    this.forwarded++;
    hops?.push({ node, step: "deliver", detail: `to port ${portName(port)} (${tuple.dst}) on ${node}` });
    return { verdict: "delivered", reason: "", delivered_to: portName(port), port, tuple };
  }
}

/** A next hop learned from a BGP peer (a gateway), not a Weft agent. */
const isGateway = (nh: NextHop) => !!nh.node?.startsWith("bgp:");

export function createSimDataPlane(state: AgentState, opts: DataPlaneOptions = {}): SimDataPlane {
  return new SimDataPlane(state, opts);
}
