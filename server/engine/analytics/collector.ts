// The collector: takes flow-record batches from the agents (through the control node), turns
// them into rows enriched with names at ingest time, and writes them to the store in large
// batches — a columnar store (DuckDB) encodes each row as it arrives, others get row objects
// queued for `insert`. Bounded: when the store falls behind, new records beyond `maxQueueRows` are dropped
// and counted per node (the agents' own dropped batches arrive in their batch headers).
import type { FlowRecord, FlowRecords } from "../protocol";
import type { Directory } from "./directory";
import type { FlowRow } from "./schema";
import type { FlowStore, RetentionPolicy } from "./store";

export interface CollectorOptions {
  /** store writes at least every … ms (default 250) while records arrive too slowly to fill the store's preferred batch within maxDelayMs */
  flushMs?: number;
  /** longest a record waits for the store (default 1 000 ms): at high rates the collector waits (up to this) for a batch the store writes cheaply */
  maxDelayMs?: number;
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

/** A row of the shape fill() writes (one hidden class for every row). */
const emptyRow = (): FlowRow => ({
  id: 0, end_ms: 0, start_ms: 0, node: "", direction: "", vrf: "", protocol: 0, src_ip: "", dst_ip: "", src_port: 0, dst_port: 0, action: "", reason: "", rule: "", rule_acl: "", rule_uuid: "",
  src_vn: "", dst_vn: "", src_project: "", dst_project: "", src_namespace: "", dst_namespace: "", src_labels: "", dst_labels: "", src_workload: "", dst_workload: "", src_vmi: "", dst_vmi: "",
  nat_src_ip: "", nat_dst_ip: "", nh_node: "", nh_address: "", encap: "", packets: 0, bytes: 0, reverse: false, first: false, status: "", flow_id: "",
});

export class FlowCollector {
  /** rows waiting for the store, one array per agent batch (taking a store batch copies nothing) */
  private queue: FlowRow[][] = [];
  private queued = 0;
  private nextId = 1;
  private flushing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private maint: NodeJS.Timeout | null = null;
  private readonly nodes = new Map<string, NodeExportStatus>();
  /** the row each record is written into before the store encodes it (columnar stores) */
  private readonly scratch = emptyRow();
  readonly status: Omit<CollectorStatus, "nodes" | "queued"> = { received: 0, stored: 0, dropped: 0, insertErrors: 0, lastError: "", lastInsertMs: 0 };
  private readonly flushMs: number;
  private readonly maxDelayMs: number;
  private readonly maxInsert: number;
  /** rows the store writes best at once (DuckDB: a row group, straight to the file instead of through its WAL) */
  private readonly minBatch: number;
  /** when the oldest record not yet handed to the store arrived (0: none) */
  private oldestAt = 0;
  private readonly maxQueue: number;

  constructor(
    readonly store: FlowStore,
    private readonly directory: Directory,
    private readonly opts: CollectorOptions = {},
  ) {
    this.flushMs = opts.flushMs ?? 250;
    this.maxDelayMs = Math.max(this.flushMs, opts.maxDelayMs ?? 1000);
    this.maxInsert = opts.maxInsertRows ?? 250_000;
    this.minBatch = Math.min(this.maxInsert, store.preferredBatchRows ?? this.maxInsert);
    this.maxQueue = opts.maxQueueRows ?? 1_000_000;
  }

  async start() {
    this.nextId = (await this.store.maxId()) + 1;
    this.timer = setInterval(() => void this.tick(), this.flushMs);
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
    const room = this.maxQueue - this.pending();
    const take = Math.max(0, Math.min(room, recs.length));
    if (take < recs.length) {
      st.collectorDropped += recs.length - take;
      this.status.dropped += recs.length - take;
    }
    if (this.oldestAt === 0 && take > 0) this.oldestAt = Date.now();
    const store = this.store;
    if (store.append) {
      // columnar: each record is encoded by the store as it arrives, through one reused row
      const row = this.scratch;
      for (let i = 0; i < take; i++) store.append(this.fill(row, node, recs[i]));
    } else if (take > 0) {
      const rows: FlowRow[] = new Array(take);
      for (let i = 0; i < take; i++) rows[i] = this.fill(emptyRow(), node, recs[i]);
      this.queue.push(rows);
      this.queued += take;
    }
    if (this.pending() >= this.minBatch) void this.flush(false);
  }

  /**
   * Every flushMs: what is pending goes to the store unless records arrive fast enough to fill the
   * store's preferred batch before the oldest has waited maxDelayMs — then the batch is awaited
   * (DuckDB writes a batch smaller than a row group through its WAL: about twice the CPU per record).
   */
  tick(now = Date.now()): Promise<void> | undefined {
    const n = this.pending();
    if (n === 0 || this.flushing) return;
    const age = Math.max(1, now - this.oldestAt);
    if (n >= this.minBatch || age >= this.maxDelayMs || (n / age) * this.maxDelayMs < this.minBatch) return this.flush(false);
  }

  /** Records waiting for the store. */
  private pending(): number {
    return this.store.pendingRows ?? this.queued;
  }

  /** r as a row of `node`, enriched with the directory's names, written into `o` (returned). */
  private fill(o: FlowRow, node: string, r: FlowRecord): FlowRow {
    const src = (r.src_vmi && this.directory.port(r.src_vmi)) || this.directory.address(r.vrf, r.src_ip);
    const dst = (r.dst_vmi && this.directory.port(r.dst_vmi)) || this.directory.address(r.vrf, r.nat_dst_ip || r.dst_ip);
    o.id = this.nextId++;
    o.end_ms = num(r.end_ms);
    o.start_ms = num(r.start_ms);
    o.node = node;
    o.direction = r.direction;
    o.vrf = r.vrf;
    o.protocol = r.protocol;
    o.src_ip = r.src_ip;
    o.dst_ip = r.dst_ip;
    o.src_port = r.src_port;
    o.dst_port = r.dst_port;
    o.action = r.action;
    o.reason = r.reason;
    o.rule = r.rule_origin;
    o.rule_acl = r.rule_acl;
    o.rule_uuid = r.rule_uuid;
    o.src_vn = src.vn || r.src_vn;
    o.dst_vn = dst.vn || r.dst_vn;
    o.src_project = src.project;
    o.dst_project = dst.project;
    o.src_namespace = src.namespace;
    o.dst_namespace = dst.namespace;
    o.src_labels = src.labels;
    o.dst_labels = dst.labels;
    o.src_workload = src.workload;
    o.dst_workload = dst.workload;
    o.src_vmi = src.vmi || r.src_vmi_name;
    o.dst_vmi = dst.vmi || r.dst_vmi_name;
    o.nat_src_ip = r.nat_src_ip;
    o.nat_dst_ip = r.nat_dst_ip;
    o.nh_node = r.nh_node;
    o.nh_address = r.nh_address;
    o.encap = r.encap;
    o.packets = num(r.packets);
    o.bytes = num(r.bytes);
    o.reverse = !!r.reverse;
    o.first = !!r.first;
    o.status = r.status;
    o.flow_id = r.flow_id;
    return o;
  }

  /** Writes what is queued (one flush at a time); resolves when the queue is empty (`all`) or what was queued is written. */
  async flush(all = true): Promise<void> {
    if (this.flushing) {
      await this.flushing;
      if (all && this.pending()) return this.flush();
      return;
    }
    if (this.pending() === 0) return;
    this.oldestAt = 0;
    this.flushing = (async () => {
      try {
        const store = this.store;
        if (store.commit) {
          for (let first = true; store.pendingRows && (first || all); first = false) {
            const t0 = performance.now();
            const r = await store.commit();
            this.stored(r.stored, r.failed, r.error, t0);
          }
          return;
        }
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
            await store.insert(rows);
            this.stored(rows.length, 0, "", t0);
          } catch (e) {
            this.stored(0, rows.length, (e as Error).message, t0);
          }
        }
      } finally {
        this.flushing = null;
        // rows that arrived during the flush and were written by it leave no age behind
        if (this.pending() === 0) this.oldestAt = 0;
      }
    })();
    return this.flushing;
  }

  private stored(n: number, failed: number, error: string, t0: number) {
    this.status.stored += n;
    if (failed) {
      this.status.insertErrors++;
      this.status.dropped += failed;
      this.status.lastError = error;
      this.opts.log?.(`flow store insert failed (${failed} records dropped): ${error}`);
    }
    this.status.lastInsertMs = performance.now() - t0;
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
    return { ...this.status, queued: this.pending(), nodes: [...this.nodes.values()].map((n) => ({ ...n })) };
  }
}
