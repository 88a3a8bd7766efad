// The collector: takes flow-record batches from the agents (through the control node), turns
// them into rows enriched with names at ingest time, and writes them to the store in large
// batches. Bounded: when the store falls behind, new records beyond `maxQueueRows` are dropped
// and counted per node (the agents' own dropped batches arrive in their batch headers).
import type { FlowRecord, FlowRecords } from "../protocol";
import type { Directory } from "./directory";
import type { FlowRow } from "./schema";
import type { FlowStore, RetentionPolicy } from "./store";

export interface CollectorOptions {
  /** store writes at least every … ms (default 250) */
  flushMs?: number;
  /** rows per store insert (default 250 000: DuckDB writes appends of at least a row group, 122,880 rows, straight to the file instead of through its WAL) */
  maxInsertRows?: number;
  /** rows waiting for the store before new ones are dropped (default 1 000 000) */
  maxQueueRows?: number;
  /** rollup + retention every … ms (default 60 000; 0 = never) */
  maintenanceMs?: number;
  retention?: Partial<RetentionPolicy>;
  log?: (line: string) => void;
}

export interface NodeExportStatus {
  node: string;
  batches: number;
  records: number;
  lastSeq: number;
  lastAt: number;
  /** batches / records the agent dropped (session down or slow), as it reports them */
  agentDroppedBatches: number;
  agentDroppedRecords: number;
  /** records the collector dropped because the store fell behind */
  collectorDropped: number;
  /** sequence gaps seen (batches lost between agent and collector) */
  gaps: number;
}

export interface CollectorStatus {
  received: number;
  stored: number;
  queued: number;
  dropped: number;
  insertErrors: number;
  lastError: string;
  lastInsertMs: number;
  nodes: NodeExportStatus[];
}

const num = (v: string | number | undefined) => Number(v ?? 0);

export class FlowCollector {
  /** rows waiting for the store, one array per agent batch (taking a store batch copies nothing) */
  private queue: FlowRow[][] = [];
  private queued = 0;
  private nextId = 1;
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private maint: NodeJS.Timeout | null = null;
  private readonly nodes = new Map<string, NodeExportStatus>();
  private readonly listeners = new Set<(rows: FlowRow[]) => void>();
  readonly status: Omit<CollectorStatus, "nodes" | "queued"> = { received: 0, stored: 0, dropped: 0, insertErrors: 0, lastError: "", lastInsertMs: 0 };
  private readonly flushMs: number;
  private readonly maxInsert: number;
  private readonly maxQueue: number;

  constructor(
    readonly store: FlowStore,
    private readonly directory: Directory,
    private readonly opts: CollectorOptions = {},
  ) {
    this.flushMs = opts.flushMs ?? 250;
    this.maxInsert = opts.maxInsertRows ?? 250_000;
    this.maxQueue = opts.maxQueueRows ?? 1_000_000;
  }

  async start() {
    this.nextId = (await this.store.maxId()) + 1;
    this.timer = setInterval(() => void this.flush(), this.flushMs);
    this.timer.unref();
    const m = this.opts.maintenanceMs ?? 60_000;
    if (m > 0) {
      this.maint = setInterval(() => void this.maintenance(), m);
      this.maint.unref();
    }
  }

  async stop() {
    if (this.timer) clearInterval(this.timer);
    if (this.maint) clearInterval(this.maint);
    this.timer = this.maint = null;
    await this.flush();
  }

  /** Rows as they are stored (live views). */
  onRows(l: (rows: FlowRow[]) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** One batch from an agent (called by the control node; must not block it). */
  ingest(from: string, b: FlowRecords) {
    const node = b.node || from;
    let st = this.nodes.get(node);
    if (!st) {
      st = { node, batches: 0, records: 0, lastSeq: 0, lastAt: 0, agentDroppedBatches: 0, agentDroppedRecords: 0, collectorDropped: 0, gaps: 0 };
      this.nodes.set(node, st);
    }
    const seq = num(b.seq);
    if (st.lastSeq && seq > st.lastSeq + 1) st.gaps += seq - st.lastSeq - 1;
    st.lastSeq = seq;
    st.batches++;
    st.lastAt = Date.now();
    st.agentDroppedBatches = num(b.dropped_batches);
    st.agentDroppedRecords = num(b.dropped_records);
    const recs = b.records ?? [];
    st.records += recs.length;
    this.status.received += recs.length;
    const room = this.maxQueue - this.queued;
    const take = Math.min(room, recs.length);
    if (take < recs.length) {
      st.collectorDropped += recs.length - take;
      this.status.dropped += recs.length - take;
    }
    if (take > 0) {
      const rows: FlowRow[] = new Array(take);
      for (let i = 0; i < take; i++) rows[i] = this.row(node, recs[i]);
      this.queue.push(rows);
      this.queued += take;
    }
    if (this.queued >= this.maxInsert) void this.flush();
  }

  private row(node: string, r: FlowRecord): FlowRow {
    const src = (r.src_vmi && this.directory.port(r.src_vmi)) || this.directory.address(r.vrf, r.src_ip);
    const dst = (r.dst_vmi && this.directory.port(r.dst_vmi)) || this.directory.address(r.vrf, r.nat_dst_ip || r.dst_ip);
    return {
      id: this.nextId++,
      end_ms: num(r.end_ms),
      start_ms: num(r.start_ms),
      node,
      direction: r.direction,
      vrf: r.vrf,
      protocol: r.protocol,
      src_ip: r.src_ip,
      dst_ip: r.dst_ip,
      src_port: r.src_port,
      dst_port: r.dst_port,
      action: r.action,
      reason: r.reason,
      rule: r.rule_origin,
      rule_acl: r.rule_acl,
      rule_uuid: r.rule_uuid,
      src_vn: src.vn || r.src_vn,
      dst_vn: dst.vn || r.dst_vn,
      src_project: src.project,
      dst_project: dst.project,
      src_namespace: src.namespace,
      dst_namespace: dst.namespace,
      src_labels: src.labels,
      dst_labels: dst.labels,
      src_workload: src.workload,
      dst_workload: dst.workload,
      src_vmi: src.vmi || r.src_vmi_name,
      dst_vmi: dst.vmi || r.dst_vmi_name,
      nat_src_ip: r.nat_src_ip,
      nat_dst_ip: r.nat_dst_ip,
      nh_node: r.nh_node,
      nh_address: r.nh_address,
      encap: r.encap,
      packets: num(r.packets),
      bytes: num(r.bytes),
      reverse: !!r.reverse,
      first: !!r.first,
      status: r.status,
      flow_id: r.flow_id,
    };
  }

  /** Writes what is queued (one flush at a time); resolves when the queue is empty. */
  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    if (this.queued === 0) return;
    this.flushing = (async () => {
      try {
        while (this.queued > 0) {
          // whole agent batches up to about maxInsert rows
          let n = 0;
          let k = 0;
          while (k < this.queue.length && (k === 0 || n + this.queue[k].length <= this.maxInsert)) n += this.queue[k++].length;
          const parts = this.queue.splice(0, k);
          const rows = parts.length === 1 ? parts[0] : parts.flat();
          this.queued -= rows.length;
          const t0 = performance.now();
          try {
            await this.store.insert(rows);
            this.status.stored += rows.length;
            for (const l of this.listeners) l(rows);
          } catch (e) {
            this.status.insertErrors++;
            this.status.dropped += rows.length;
            this.status.lastError = (e as Error).message;
            this.opts.log?.(`flow store insert failed (${rows.length} records dropped): ${(e as Error).message}`);
          }
          this.status.lastInsertMs = performance.now() - t0;
        }
      } finally {
        this.flushing = null;
      }
    })();
    return this.flushing;
  }

  async maintenance(now = Date.now()) {
    try {
      await this.flush();
      await this.store.rollup(now);
      await this.store.retention(this.opts.retention, now);
    } catch (e) {
      this.opts.log?.(`flow store maintenance failed: ${(e as Error).message}`);
    }
  }

  snapshot(): CollectorStatus {
    return { ...this.status, queued: this.queued, nodes: [...this.nodes.values()].map((n) => ({ ...n })) };
  }
}
