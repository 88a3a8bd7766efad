// Flow export (vRouter's flow records to the analytics collector). The forwarding path only marks
// a flow entry as touched (one Set insert); a timer turns touched entries into records with the
// packets and bytes since the last export, adds flows that ended (aged, flushed) and packets that
// were dropped before a flow existed, and hands batches to the session. Back-pressure: batches
// wait in a bounded queue while the session is down or its stream buffer is full; past the bound
// the oldest batch is dropped and counted — a slow collector never slows forwarding.
import type { FlowRecord, FlowRecords, Outgoing, AgentMessage } from "../protocol/index.ts";
import type { FlowEntry, FlowTableObserver } from "./flow-table.ts";
import type { FlowlessDrop } from "./dataplane/sim.ts";
import type { AgentState } from "./state.ts";

export type SendResult = "sent" | "busy" | "down";

export interface FlowExporterOptions {
  state: AgentState;
  /** hands one batch to the control session */
  send: (m: Outgoing<AgentMessage>) => SendResult;
  /** export interval (default 1000 ms); long flows give one record per interval with packets */
  intervalMs?: number;
  /** records per batch (default 2000) */
  maxBatchRecords?: number;
  /** batches waiting for the session before the oldest is dropped (default 64) */
  maxQueuedBatches?: number;
}

export interface FlowExportStats {
  exportedRecords: number;
  sentBatches: number;
  queuedBatches: number;
  droppedBatches: number;
  droppedRecords: number;
  lastSentAt: number;
}

export class FlowExporter implements FlowTableObserver {
  private dirty = new Set<FlowEntry>();
  private ended: FlowRecord[] = [];
  private drops = new Map<string, FlowRecord>();
  private queue: { seq: number; records: FlowRecord[] }[] = [];
  private timer: NodeJS.Timeout | null = null;
  private seq = 0;
  readonly intervalMs: number;
  private readonly maxBatch: number;
  private readonly maxQueued: number;
  readonly stats: FlowExportStats = { exportedRecords: 0, sentBatches: 0, queuedBatches: 0, droppedBatches: 0, droppedRecords: 0, lastSentAt: 0 };

  constructor(private readonly opts: FlowExporterOptions) {
    this.intervalMs = opts.intervalMs ?? 1_000;
    this.maxBatch = opts.maxBatchRecords ?? 2_000;
    this.maxQueued = opts.maxQueuedBatches ?? 64;
  }

  private get node() {
    return this.opts.state.self.name;
  }

  start() {
    this.stop();
    this.timer = setInterval(() => this.tick(), this.intervalMs);
    this.timer.unref();
  }

  stop() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  // ------------------------------------------------------------------ from the data plane (hot path)

  touched(e: FlowEntry) {
    this.dirty.add(e);
  }

  removed(e: FlowEntry, why: "aged" | "flushed") {
    this.dirty.delete(e);
    const r = this.record(e, why);
    if (!r) return;
    if (this.ended.length >= this.maxBatch * this.maxQueued) {
      this.stats.droppedRecords++;
      return;
    }
    this.ended.push(r);
  }

  drop(d: FlowlessDrop) {
    const t = d.tuple;
    const key = `${d.vrf}|${d.direction}|${t.protocol}|${t.src}|${t.srcPort}|${t.dst}|${t.dstPort}|${d.reason}`;
    const now = Date.now();
    const r = this.drops.get(key);
    if (r) {
      r.packets = Number(r.packets) + 1;
      r.bytes = Number(r.bytes) + d.bytes;
      r.end_ms = now;
      return;
    }
    if (this.drops.size >= this.maxBatch * 4) {
      this.stats.droppedRecords++;
      return;
    }
    const port = d.portUuid ? this.opts.state.ports.get(d.portUuid) : undefined;
    this.drops.set(key, {
      ...this.base(d.vrf, t.src, t.dst),
      flow_id: "",
      start_ms: now,
      end_ms: now,
      vrf: d.vrf,
      protocol: t.protocol,
      src_ip: t.src,
      dst_ip: t.dst,
      src_port: t.srcPort,
      dst_port: t.dstPort,
      direction: d.direction,
      action: "drop",
      reason: d.reason,
      ...(port ? { src_vmi: port.uuid, src_vn: port.network_fq_name, src_vmi_name: port.fq_name } : {}),
      packets: 1,
      bytes: d.bytes,
      first: true,
      status: "dropped",
    });
  }

  /** Records a data plane made itself (the kernel's, from conntrack): sent with the next batch. */
  push(records: FlowRecord[]) {
    for (const r of records) this.ended.push(r);
  }

  // ------------------------------------------------------------------ export

  private base(vrf: string, src: string, dst: string): FlowRecord {
    const s = vrf ? this.opts.state.portOwning(vrf, src) : undefined;
    const d = vrf ? this.opts.state.portOwning(vrf, dst) : undefined;
    return {
      flow_id: "",
      start_ms: 0,
      end_ms: 0,
      vrf,
      protocol: 0,
      src_ip: src,
      dst_ip: dst,
      src_port: 0,
      dst_port: 0,
      direction: "",
      action: "",
      reason: "",
      rule_acl: "",
      rule_uuid: "",
      rule_origin: "",
      src_vmi: s?.uuid ?? "",
      dst_vmi: d?.uuid ?? "",
      src_vn: s?.network_fq_name ?? "",
      dst_vn: d?.network_fq_name ?? "",
      nat_src_ip: "",
      nat_dst_ip: "",
      nh_node: "",
      nh_address: "",
      encap: "",
      packets: 0,
      bytes: 0,
      reverse: false,
      first: false,
      status: "active",
      src_vmi_name: s?.fq_name ?? "",
      dst_vmi_name: d?.fq_name ?? "",
    };
  }

  /** The record of what a flow did since its last export; null when it saw no packet since. */
  private record(e: FlowEntry, status: string): FlowRecord | null {
    const packets = e.packets - (e.exportedPackets ?? 0);
    const bytes = (e.bytes ?? 0) - (e.exportedBytes ?? 0);
    if (packets <= 0) return null;
    const first = !e.exported;
    e.exported = true;
    e.exportedPackets = e.packets;
    e.exportedBytes = e.bytes ?? 0;
    const t = e.tuple;
    const r = this.base(e.vrf, t.src, t.dst);
    r.flow_id = `${this.node}:${e.id ?? 0}`;
    r.start_ms = e.createdAt;
    r.end_ms = e.lastUsed;
    r.protocol = t.protocol;
    r.src_port = t.srcPort;
    r.dst_port = t.dstPort;
    r.direction = e.direction;
    r.action = e.action;
    r.reason = e.reason;
    r.rule_acl = e.rule?.acl ?? "";
    r.rule_uuid = e.rule?.rule_uuid ?? "";
    r.rule_origin = e.rule?.origin ?? "";
    r.nat_src_ip = e.nat?.src ?? "";
    r.nat_dst_ip = e.nat?.dst ?? "";
    const f = e.forward;
    if (f?.kind === "remote") {
      r.nh_node = f.nextHop.node;
      r.nh_address = f.nextHop.address;
      r.encap = f.encap;
    } else if (f?.kind === "local") {
      r.nh_node = this.node;
      r.nh_address = this.opts.state.self.address;
    }
    r.packets = packets;
    r.bytes = bytes;
    r.reverse = e.reverse;
    r.first = first;
    r.status = status;
    return r;
  }

  /** Collects records due now, queues them in batches and sends what the session takes. */
  tick() {
    const out: FlowRecord[] = this.ended;
    this.ended = [];
    for (const e of this.dirty) {
      const r = this.record(e, "active");
      if (r) out.push(r);
    }
    this.dirty.clear();
    for (const r of this.drops.values()) out.push(r);
    this.drops.clear();
    for (let i = 0; i < out.length; i += this.maxBatch) this.enqueue(out.slice(i, i + this.maxBatch));
    this.drain();
  }

  private enqueue(records: FlowRecord[]) {
    this.queue.push({ seq: ++this.seq, records });
    while (this.queue.length > this.maxQueued) {
      const old = this.queue.shift()!;
      this.stats.droppedBatches++;
      this.stats.droppedRecords += old.records.length;
    }
    this.stats.queuedBatches = this.queue.length;
  }

  /** Sends queued batches until the session refuses one (down or its buffer is full). */
  drain() {
    while (this.queue.length > 0) {
      const b = this.queue[0];
      const res = this.opts.send({
        msg: "flow_records",
        flow_records: {
          node: this.node,
          seq: b.seq,
          records: b.records,
          exported_records: this.stats.exportedRecords + b.records.length,
          dropped_batches: this.stats.droppedBatches,
          dropped_records: this.stats.droppedRecords,
          interval_ms: this.intervalMs,
        },
      });
      if (res !== "sent") break;
      this.queue.shift();
      this.stats.exportedRecords += b.records.length;
      this.stats.sentBatches++;
      this.stats.lastSentAt = Date.now();
    }
    this.stats.queuedBatches = this.queue.length;
  }
}
