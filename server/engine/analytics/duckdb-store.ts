// The embedded flow store: a DuckDB file under <data dir>/flows/ (columnar, fast group-by).
//
// Ingest is the hot path (goal ≥ 500k records/s on 2 cores), so a stored record holds no text:
//   - names (VN, project, port, workload, node, VRF, rule, reason, next hop…) are ids into one
//     dictionary (`flow_names`, dict 0), kept in memory and resolved when a query answers;
//   - action / direction / encap / status are 1-byte codes (their own small dictionaries), packed
//     with protocol, reverse and first into one 64-bit column `codes` (virtual columns unpack them);
//   - addresses are integers: an IPv4 address is its 32-bit number, anything else 2^32 + a name id;
//   - flow_id "<node>:<n>" is a prefix id (dict 5) plus the number (`flow_num`, -1 = none);
//   - a pod's labels (src_labels / dst_labels) are ids of whole label sets (dict 6, a few hundred
//     entries): `src_labels = app=web` becomes the ids of the sets holding app=web.
// Rows are encoded into typed arrays and handed to DuckDB's appender as data chunks of 2048 rows
// (one copy per column per chunk, no per-value call) — into a staging table in an attached
// in-memory database, which is cheap (no compression, no WAL). A second connection then moves the
// batch into `flows` with INSERT … SELECT on DuckDB's own threads while JavaScript encodes the
// next batch; one move is in flight at a time, and every query waits for it (a query sees every
// insert that returned before it). Dictionary entries are written before the rows that use them,
// so a crash never leaves an id without its name (it may lose the batch being moved). Filters on names compile to
// id comparisons (`src_vn = "x"` → `src_vn = 17`, `rule ~ deny` → `rule IN (ids whose name
// contains "deny")`), so queries never touch text either.
import fs from "node:fs";
import path from "node:path";
import duckdb from "@duckdb/node-bindings";
import { BIGINT, BOOLEAN, UBIGINT, type DuckDBConnection, DuckDBDataChunk, DuckDBInstance, type DuckDBType, INTEGER, UINTEGER, UTINYINT } from "@duckdb/node-api";
import type { CompareOp, Value } from "./filter";
import { StringDictionary, ipv4Code, ipv4Text } from "./dictionary";
import { FIELDS, type Field, type FieldDef, type FlowRow, ROLLUP_DIMS, isField, labelValue, labelsHave } from "./schema";
import { type CommitResult, type RetentionPolicy, SqlFlowStore, normalise, queryTimeout, rollupColumns } from "./store";
import { lineSink } from "../log";

const warn = lineSink("analytics", "warn");

const IP_BASE = 4_294_967_296; // 2^32: addresses at or above are 2^32 + name id
const FLOW_NUM = /^(0|[1-9]\d{0,14})$/;
const FLOW_KEY = 10_000_000_000_000_000n; // group key of flow_id: prefix * 10^16 + flow_num + 1

/** Closed-set fields stored as UTINYINT codes (their values first, in order; unknown ones appended up to 255). */
const ENUM_FIELDS = ["direction", "action", "encap", "status"] as const;
type EnumField = (typeof ENUM_FIELDS)[number];
const ENUM_DICT: Record<EnumField, number> = { direction: 1, action: 2, encap: 3, status: 4 };
const FLOW_DICT = 5;
const LABEL_DICT = 6;
/** slots per column of the encoder's name cache (2^bits) */
const CACHE_BITS = 12;
const CACHE_MASK = (1 << CACHE_BITS) - 1;
/** slots of the encoder's endpoint cache (2^bits) */
const EP_BITS = 14;
const EP_MASK = (1 << EP_BITS) - 1;

/** The decimal number at s[from…] (as FLOW_NUM accepts it), or -1. */
function flowNumber(s: string, from: number): number {
  const len = s.length - from;
  if (len < 1 || len > 15 || (len > 1 && s.charCodeAt(from) === 48)) return -1;
  let n = 0;
  for (let i = from; i < s.length; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

const isEnum = (f: string): f is EnumField => (ENUM_FIELDS as readonly string[]).includes(f);
const isName = (f: Field) => (FIELDS[f] as FieldDef).type === "string" && !isEnum(f) && f !== "flow_id";
const isIp = (f: Field) => (FIELDS[f] as FieldDef).type === "ip";
const isLabels = (f: Field) => (FIELDS[f] as FieldDef).type === "labels";

const sqlType = (f: Field): string => {
  switch (f) {
    case "end_ms":
    case "start_ms":
    case "packets":
    case "bytes":
    case "src_ip":
    case "dst_ip":
      return "BIGINT";
    case "protocol":
      return "UTINYINT";
    case "src_port":
    case "dst_port":
      return "INTEGER";
    case "reverse":
    case "first":
      return "BOOLEAN";
    default:
      return isEnum(f) ? "UTINYINT" : "UINTEGER";
  }
};

/**
 * The one-byte fields live in one 64-bit column `codes` (bit offset below; a column less to append,
 * stage, move and compress for each): `flows` declares them as virtual columns computed from it,
 * so queries name them as before.
 */
const PACKED: Partial<Record<Field, number>> = { protocol: 0, direction: 8, action: 16, encap: 24, status: 32, reverse: 40, first: 41 };
const packedExpr = (f: Field): string => {
  const bit = PACKED[f]!;
  return sqlType(f) === "BOOLEAN" ? `(("codes" >> ${bit}) & 1 = 1)` : `CAST(("codes" >> ${bit}) & 255 AS UTINYINT)`;
};
const packedSql = (from: (f: Field) => string) =>
  (Object.keys(PACKED) as Field[]).map((f) => (sqlType(f) === "BOOLEAN" ? `(CASE WHEN ${from(f)} THEN 1 ELSE 0 END::UBIGINT << ${PACKED[f]})` : `(${from(f)}::UBIGINT << ${PACKED[f]})`)).join(" | ");

/** Physical columns of `flows`, in order: id, the fields not packed, flow_num, codes. */
const COLUMNS: { name: string; sql: string }[] = [
  { name: "id", sql: "BIGINT" },
  ...(Object.keys(FIELDS) as Field[]).filter((f) => PACKED[f] === undefined).map((f) => ({ name: f, sql: sqlType(f) })),
  { name: "flow_num", sql: "BIGINT" },
  { name: "codes", sql: "UBIGINT" },
];
const PHYSICAL = COLUMNS.map((c) => `"${c.name}"`).join(", ");
const FLOWS_DDL = [
  ...COLUMNS.map((c) => `"${c.name}" ${c.sql}`),
  ...(Object.keys(PACKED) as Field[]).map((f) => `"${f}" ${sqlType(f)} AS (${packedExpr(f)})`),
].join(", ");
const DUCK_TYPES: Record<string, DuckDBType> = { BIGINT, UBIGINT, UINTEGER, UTINYINT, INTEGER, BOOLEAN };

type Buf = BigInt64Array | Uint32Array | Uint8Array | Int32Array;
const arrayFor = (sql: string, n: number): Buf =>
  sql === "BIGINT" || sql === "UBIGINT" ? new BigInt64Array(n) : sql === "UINTEGER" ? new Uint32Array(n) : sql === "INTEGER" ? new Int32Array(n) : new Uint8Array(n);

/** Largest batch of rows handed to DuckDB at once (two row groups of 122,880: written straight to the file, not through the WAL). */
const MAX_BATCH = 250_000;
const ROW_GROUP = 122_880;

/** A 64-bit little-endian integer as two 32-bit words of a (no BigInt per value). */
function put(a: Uint32Array, i: number, v: number) {
  if (v >= 0 && v < IP_BASE) {
    a[2 * i] = v;
    a[2 * i + 1] = 0;
    return;
  }
  const hi = Math.floor(v / IP_BASE);
  a[2 * i] = v - hi * IP_BASE;
  a[2 * i + 1] = hi;
}

const DIRS = (FIELDS.direction as FieldDef).values!;
const ACTS = (FIELDS.action as FieldDef).values!;
const ENCS = ((FIELDS.encap as FieldDef).values ?? []).filter(Boolean);
const STATS = (FIELDS.status as FieldDef).values!;
/** The code of an enum value: its place among the known values, else from the dictionary (0 = ""). */
function enumOf(d: StringDictionary, known: readonly string[], s: string): number {
  for (let j = 0; j < known.length; j++) if (s === known[j]) return j + 1;
  return s === "" ? 0 : d.idOf(s);
}

const colIndex = (f: string) => COLUMNS.findIndex((c) => c.name === f);

/** Encoded rows: one typed array per column (the order of COLUMNS), the 64-bit ones also as 32-bit words. */
class ColumnBatch {
  n = 0;
  capacity = 0;
  bufs: Buf[] = [];
  id!: Uint32Array;
  endMs!: Uint32Array;
  startMs!: Uint32Array;
  srcIp!: Uint32Array;
  dstIp!: Uint32Array;
  packets!: Uint32Array;
  bytes!: Uint32Array;
  flowNum!: Uint32Array;
  codes!: Uint32Array;
  node!: Uint32Array;
  vrf!: Uint32Array;
  reason!: Uint32Array;
  rule!: Uint32Array;
  ruleAcl!: Uint32Array;
  ruleUuid!: Uint32Array;
  /** an endpoint's columns, in the order of endpointIds: vmi, vn, project, namespace, workload, labels */
  srcEp: Uint32Array[] = [];
  dstEp: Uint32Array[] = [];
  natSrc!: Uint32Array;
  natDst!: Uint32Array;
  nhNode!: Uint32Array;
  nhAddr!: Uint32Array;
  flowId!: Uint32Array;
  srcPort!: Int32Array;
  dstPort!: Int32Array;

  constructor(capacity: number) {
    this.ensure(capacity);
  }

  /** Adds the name ids and label-set ids the rows use to the sets. */
  usedIds(names: Set<number>, labelSets: Set<number>) {
    const eps = [...this.srcEp.slice(0, 5), ...this.dstEp.slice(0, 5)];
    for (const a of [this.node, this.vrf, this.reason, this.rule, this.ruleAcl, this.ruleUuid, this.natSrc, this.natDst, this.nhNode, this.nhAddr, ...eps])
      for (let i = 0; i < this.n; i++) names.add(a[i]);
    for (const a of [this.srcIp, this.dstIp]) for (let i = 0; i < this.n; i++) if (a[2 * i + 1] > 0) names.add(a[2 * i]); // 2^32 + name id
    for (const a of [this.srcEp[5], this.dstEp[5]]) for (let i = 0; i < this.n; i++) labelSets.add(a[i]);
  }

  /** Room for `capacity` rows (the rows so far are kept). */
  ensure(capacity: number) {
    if (capacity <= this.capacity) return;
    const old = this.bufs;
    this.bufs = COLUMNS.map((c, k) => {
      const a = arrayFor(c.sql, capacity);
      if (old[k] && this.n) (a as Uint32Array).set(old[k].subarray(0, this.n) as Uint32Array);
      return a;
    });
    this.capacity = capacity;
    const w = (f: string) => new Uint32Array(this.bufs[colIndex(f)].buffer);
    const u = (f: string) => this.bufs[colIndex(f)] as Uint32Array;
    [this.id, this.endMs, this.startMs, this.srcIp, this.dstIp, this.packets, this.bytes, this.flowNum, this.codes] = ["id", "end_ms", "start_ms", "src_ip", "dst_ip", "packets", "bytes", "flow_num", "codes"].map(w);
    [this.node, this.vrf, this.reason, this.rule, this.ruleAcl, this.ruleUuid, this.natSrc, this.natDst, this.nhNode, this.nhAddr, this.flowId] = ["node", "vrf", "reason", "rule", "rule_acl", "rule_uuid", "nat_src_ip", "nat_dst_ip", "nh_node", "nh_address", "flow_id"].map(u);
    [this.srcEp, this.dstEp] = ["src", "dst"].map((e) => ["vmi", "vn", "project", "namespace", "workload", "labels"].map((f) => u(`${e}_${f}`)));
    this.srcPort = this.bufs[colIndex("src_port")] as Int32Array;
    this.dstPort = this.bufs[colIndex("dst_port")] as Int32Array;
  }
}

export interface DuckDbStoreOptions {
  /** directory of the store (created); ":memory:" for a throwaway store */
  dir: string;
  threads?: number;
  memoryLimit?: string;
  log?: (line: string) => void;
}

export class DuckDbFlowStore extends SqlFlowStore {
  readonly kind = "duckdb";
  protected readonly groupingSets = true;
  readonly location: string;
  private instance: DuckDBInstance | null = null;
  private conn: DuckDBConnection | null = null;
  private writer: DuckDBConnection | null = null;
  /** moves staged batches into `flows` */
  private mover: DuckDBConnection | null = null;
  private moving: Promise<void> | null = null;
  private moveError: Error | null = null;
  private stage = 0;
  private chunk: DuckDBDataChunk | null = null;
  /** the collector's rows: the batch being filled, full ones waiting for a commit, emptied ones to reuse */
  private filling: ColumnBatch | null = null;
  private ready: ColumnBatch[] = [];
  private spare: ColumnBatch[] = [];
  /** insert(rows)'s batch */
  private rowsBatch: ColumnBatch | null = null;
  readonly names = new StringDictionary(0);
  private readonly nameCache: (string | null)[] = new Array(20 << CACHE_BITS).fill(null);
  private readonly nameCacheIds = new Uint32Array(20 << CACHE_BITS);
  /** the encoder's endpoint cache: per slot the six names of one endpoint and their ids */
  private readonly epVmi: (string | null)[] = new Array(1 << EP_BITS).fill(null);
  private readonly epVn: string[] = new Array(1 << EP_BITS).fill("");
  private readonly epProject: string[] = new Array(1 << EP_BITS).fill("");
  private readonly epNs: string[] = new Array(1 << EP_BITS).fill("");
  private readonly epWl: string[] = new Array(1 << EP_BITS).fill("");
  private readonly epLabels: string[] = new Array(1 << EP_BITS).fill("");
  private readonly epIds = new Uint32Array(6 << EP_BITS);
  private readonly epSlots = new Map<string, number>();
  readonly flowPrefixes = new StringDictionary(FLOW_DICT);
  /** label sets (canonical text) of src_labels / dst_labels */
  readonly labelSets = new StringDictionary(LABEL_DICT);
  /** flow id prefix id by node name id (a flow id is "<node>:<n>") */
  private readonly prefixOfNode: number[] = [];
  readonly enums: Record<EnumField, StringDictionary>;
  readonly d: SqlFlowStore["d"];

  constructor(private readonly opts: DuckDbStoreOptions) {
    super();
    this.location = opts.dir === ":memory:" ? ":memory:" : path.join(opts.dir, "flows.duckdb");
    this.enums = Object.fromEntries(
      ENUM_FIELDS.map((f) => {
        const dict = new StringDictionary(ENUM_DICT[f], 255, 0);
        for (const v of (FIELDS[f] as FieldDef).values ?? []) dict.idOf(v);
        return [f, dict];
      }),
    ) as Record<EnumField, StringDictionary>;
    const str = (s: string) => `'${s.replace(/'/g, "''")}'`;
    this.d = {
      str,
      bool: (b: boolean) => (b ? "TRUE" : "FALSE"),
      contains: (col: string, s: string) => `strpos(lower(${col}), ${str(s.toLowerCase())}) > 0`,
      includes: (col: string, s: string) => `strpos(${col}, ${str(s)}) > 0`,
      startsWith: (col: string, s: string) => `starts_with(${col}, ${str(s)})`,
      // RE2 (DuckDB's regex engine): linear time, no backtracking
      regex: (col: string, pattern: string) => `regexp_matches(${col}, ${pattern})`,
      rowsOf: (literals: string[]) => `(SELECT unnest([${literals.join(", ")}]::VARCHAR[]) AS v) AS vals`,
      delimited: (col: string) => `concat(',', ${col}, ',')`,
      ident: (n: string) => `"${n}"`,
      num: (e: string) => `CAST(${e} AS DOUBLE)`,
      int: (e: string) => `CAST(${e} AS BIGINT)`,
      text: (e: string) => `CAST(${e} AS VARCHAR)`,
      concat: (parts: string[]) => `concat(${parts.join(", ")})`,
      limitOffset: (limit: number, offset: number) => `LIMIT ${limit} OFFSET ${offset}`,
      compare: (field: Field, op: CompareOp, values: Value[]) => this.compare(field, op, values),
    };
  }

  async open() {
    if (this.location !== ":memory:") fs.mkdirSync(this.opts.dir, { recursive: true });
    const config: Record<string, string> = {};
    if (this.opts.threads) config.threads = String(this.opts.threads);
    if (this.opts.memoryLimit) config.memory_limit = this.opts.memoryLimit;
    this.instance = await DuckDBInstance.create(this.location, config);
    this.conn = await this.instance.connect();
    this.writer = await this.instance.connect();
    this.mover = await this.instance.connect();
    // A store written before names became ids (text columns) is not readable as ids: start over.
    const old = await this.select(`SELECT data_type AS t FROM information_schema.columns WHERE table_name = 'flows' AND column_name = 'src_vn'`);
    if (old.length && String(old[0].t) === "VARCHAR") {
      (this.opts.log ?? warn)(`flow store ${this.location}: records in the old text layout are dropped (names are dictionary ids now)`);
      for (const t of ["flows", "flows_1m", "flows_1h"]) await this.exec(`DROP TABLE IF EXISTS ${t}`);
    }
    // A store from before the one-byte fields were packed into `codes`: its records are converted.
    const cols = (await this.select(`SELECT column_name AS c FROM information_schema.columns WHERE table_name = 'flows' AND table_catalog = current_database()`)).map((r) => String(r.c));
    if (cols.length && !cols.includes("codes")) {
      (this.opts.log ?? warn)(`flow store ${this.location}: packing protocol / direction / action / encap / status / reverse / first into one column`);
      await this.exec(`ALTER TABLE flows RENAME TO flows_unpacked`);
      await this.exec(`CREATE TABLE flows (${FLOWS_DDL})`);
      await this.exec(`INSERT INTO flows (${PHYSICAL}) SELECT ${COLUMNS.map((c) => (c.name === "codes" ? packedSql((f) => `"${f}"`) : `"${c.name}"`)).join(", ")} FROM flows_unpacked`);
      await this.exec(`DROP TABLE flows_unpacked`);
    }
    await this.exec(`CREATE TABLE IF NOT EXISTS flows (${FLOWS_DDL})`);
    // fields added since the store was created (e.g. src_labels / dst_labels): old records read 0 = ""
    await this.addMissingColumns("flows", COLUMNS);
    await this.exec(`CREATE TABLE IF NOT EXISTS flow_names (dict UTINYINT, id UINTEGER, s VARCHAR)`);
    await this.exec(`ATTACH ':memory:' AS weft_stage`);
    for (const t of ["a", "b"]) await this.exec(`CREATE TABLE weft_stage.${t} (${COLUMNS.map((c) => `"${c.name}" ${c.sql}`).join(", ")})`);
    for (const l of ["flows_1m", "flows_1h"])
      await this.exec(`CREATE TABLE IF NOT EXISTS ${l} (ts BIGINT, ${rollupColumns(sqlType)}, m_bytes BIGINT, m_packets BIGINT, m_flows BIGINT, m_records BIGINT)`);
    for (const l of ["flows_1m", "flows_1h"]) await this.addMissingColumns(l, ROLLUP_DIMS.map((f) => ({ name: f, sql: sqlType(f) })));
    const dicts = new Map<number, StringDictionary>([
      [0, this.names],
      [FLOW_DICT, this.flowPrefixes],
      [LABEL_DICT, this.labelSets],
      ...ENUM_FIELDS.map((f) => [ENUM_DICT[f], this.enums[f]] as const),
    ]);
    for (const r of await this.select(`SELECT dict, id, s FROM flow_names ORDER BY dict, id`)) dicts.get(Number(r.dict))?.load(Number(r.id), String(r.s));
    this.chunk = DuckDBDataChunk.create(COLUMNS.map((c) => DUCK_TYPES[c.sql]));
    await this.loadWatermarks();
  }

  private async addMissingColumns(table: string, want: { name: string; sql: string }[]) {
    const have = new Set((await this.select(`SELECT column_name AS c FROM information_schema.columns WHERE table_name = '${table}' AND table_catalog = current_database()`)).map((r) => String(r.c)));
    for (const c of want) {
      if (have.has(c.name)) continue;
      (this.opts.log ?? warn)(`flow store ${this.location}: adding column ${table}.${c.name} (older records have none)`);
      await this.exec(`ALTER TABLE ${table} ADD COLUMN "${c.name}" ${c.sql} DEFAULT 0`);
    }
  }

  async close() {
    // Closing a connection under a running statement crashes the process (DuckDB's node bindings):
    // the inserts and compactions in line, the batch being moved and every query in flight finish first.
    await this.serial;
    await this.settle().catch(() => undefined);
    while (this.running.size) await Promise.allSettled([...this.running]);
    for (const c of this.readers.splice(0)) c.closeSync();
    this.mover?.closeSync();
    this.mover = null;
    this.writer?.closeSync();
    this.conn?.closeSync();
    this.instance?.closeSync();
    this.writer = this.conn = null;
    this.instance = null;
    this.chunk = null;
  }

  /** Waits for the batch being moved into `flows` (queries see every insert that returned). */
  private async settle() {
    while (this.moving) await this.moving;
  }

  /** statements running on `conn` (close waits for them) */
  private readonly running = new Set<Promise<unknown>>();
  private track<T>(p: Promise<T>): Promise<T> {
    this.running.add(p);
    const done = () => this.running.delete(p);
    p.then(done, done);
    return p;
  }

  private connection(): DuckDBConnection {
    if (!this.conn) throw new Error(`flow store ${this.location} is closed`);
    return this.conn;
  }

  protected async exec(sql: string) {
    await this.settle();
    await this.track(this.connection().run(sql));
  }

  protected async select(sql: string, deadline?: number): Promise<Record<string, unknown>[]> {
    await this.settle();
    if (deadline === undefined) {
      const r = await this.track(this.connection().runAndReadAll(sql));
      return r.getRowObjectsJS() as Record<string, unknown>[];
    }
    return this.track(this.selectBounded(sql, deadline));
  }

  /** idle connections for queries with a deadline (interrupting one cancels only its own statement) */
  private readers: DuckDBConnection[] = [];

  /**
   * A query with a time limit: on a connection of its own, interrupted when the deadline passes
   * (DuckDB stops the statement on its threads; the caller gets a "timeout" error).
   */
  private async selectBounded(sql: string, deadline: number): Promise<Record<string, unknown>[]> {
    const budget = deadline - Date.now();
    if (budget <= 0) throw queryTimeout(this.queryTimeoutMs);
    if (!this.instance) throw new Error(`flow store ${this.location} is closed`);
    const c = this.readers.pop() ?? (await this.instance.connect());
    let interrupted = false;
    const timer = setTimeout(() => {
      interrupted = true;
      c.interrupt();
    }, budget);
    try {
      const r = await c.runAndReadAll(sql);
      return r.getRowObjectsJS() as Record<string, unknown>[];
    } catch (e) {
      if (interrupted) throw queryTimeout(budget);
      throw e;
    } finally {
      clearTimeout(timer);
      if (this.instance && this.readers.length < 4) this.readers.push(c);
      else c.closeSync();
    }
  }

  protected async deleteWhere(table: string, where: string) {
    await this.exec(`DELETE FROM ${table} WHERE ${where}`);
  }

  // ------------------------------------------------------------------ ingest

  /** inserts and dictionary compaction run one at a time (a compaction must see every id in use) */
  private serial: Promise<unknown> = Promise.resolve();
  private exclusive<T>(f: () => Promise<T>): Promise<T> {
    const p = this.serial.then(f, f);
    this.serial = p.catch(() => undefined);
    return p;
  }
  /** names.size at the last compaction */
  private compactedAt = 0;

  insert(rows: FlowRow[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return this.exclusive(async () => {
      const b = (this.rowsBatch ??= new ColumnBatch(rows.length));
      b.n = 0;
      b.ensure(rows.length);
      for (let i = 0; i < rows.length; i++) this.encodeRow(b, rows[i]);
      await this.insertBatch(b);
    });
  }

  // The collector's path: rows are encoded as they arrive, one at a time, into the batch being
  // filled (the row object is the caller's to reuse), so nothing per record outlives the call —
  // no row objects waiting for the store, nothing for the garbage collector to copy and mark.

  /** Encodes one row into the batch being filled (a full batch waits for `commit`). */
  append(row: FlowRow): void {
    let b = this.filling;
    if (!b) b = this.filling = this.spare.pop() ?? new ColumnBatch(4096);
    if (b.n === b.capacity) {
      if (b.capacity < MAX_BATCH) b.ensure(Math.min(MAX_BATCH, b.capacity * 2));
      else {
        this.ready.push(b);
        b = this.filling = this.spare.pop() ?? new ColumnBatch(4096);
      }
    }
    this.encodeRow(b, row);
  }

  /** DuckDB's row group: a batch of at least this many rows is written straight to the file, not through the WAL */
  readonly preferredBatchRows = ROW_GROUP;

  /** Rows appended and not yet stored (being filled, waiting, or being inserted). */
  get pendingRows(): number {
    let n = (this.filling?.n ?? 0) + this.committing;
    for (const b of this.ready) n += b.n;
    return n;
  }
  /** rows of batches a commit has taken and not yet stored */
  private committing = 0;

  /** Stores what was appended (one batch at a time); failed batches are dropped and counted. */
  commit(): Promise<CommitResult> {
    if (this.filling && this.filling.n > 0) {
      this.ready.push(this.filling);
      this.filling = null;
    }
    return this.exclusive(async () => {
      const r: CommitResult = { stored: 0, failed: 0, error: "" };
      while (this.ready.length) {
        const b = this.ready.shift()!;
        this.committing += b.n;
        try {
          await this.insertBatch(b);
          r.stored += b.n;
        } catch (e) {
          r.failed += b.n;
          r.error = (e as Error).message;
        } finally {
          this.committing -= b.n;
          b.n = 0;
          if (this.spare.length < 2) this.spare.push(b);
        }
      }
      return r;
    });
  }

  private async insertBatch(b: ColumnBatch) {
    const n = b.n;
    if (this.moveError) {
      const e = this.moveError;
      this.moveError = null;
      throw new Error(`an earlier batch could not be moved into flows: ${e.message}`);
    }
    await this.persistNames();
    // the staging table not being moved right now (one move in flight, two tables)
    const table = this.stage ? "b" : "a";
    this.stage ^= 1;
    const a = await this.writer!.createAppender(table, "main", "weft_stage");
    const chunk = this.chunk!;
    const size = duckdb.vector_size();
    try {
      for (let s = 0; s < n; s += size) {
        const m = Math.min(size, n - s);
        duckdb.data_chunk_set_size(chunk.chunk, m);
        for (let c = 0; c < COLUMNS.length; c++) {
          const buf = b.bufs[c];
          duckdb.copy_data_to_vector(duckdb.data_chunk_get_vector(chunk.chunk, c), 0, buf.buffer as ArrayBuffer, buf.byteOffset + s * buf.BYTES_PER_ELEMENT, m * buf.BYTES_PER_ELEMENT);
        }
        a.appendDataChunk(chunk);
        chunk.reset();
      }
    } finally {
      a.closeSync();
    }
    await this.settle();
    const move = this.mover!.run(`INSERT INTO flows (${PHYSICAL}) SELECT * FROM weft_stage.${table}; DELETE FROM weft_stage.${table}`).then(
      () => undefined,
      async (e: Error) => {
        this.moveError = e;
        await this.mover!.run(`DELETE FROM weft_stage.${table}`).catch(() => undefined);
      },
    );
    this.moving = move.finally(() => {
      if (this.moving === tracked) this.moving = null;
    });
    const tracked = this.moving;
  }

  /**
   * Retention, then — when it deleted records and the name dictionary grew by 1,000 entries or more
   * since the last time — the names no stored record uses any more are forgotten (pods come and go:
   * without this the dictionary would only grow).
   */
  async retention(p: Partial<RetentionPolicy> = {}, now = Date.now()): Promise<{ deleted: number }> {
    const r = await super.retention(p, now);
    if (r.deleted > 0 && this.names.size - this.compactedAt >= 1000) await this.compactNames();
    return r;
  }

  /** Forgets dictionary entries (names, label sets) that no record in flows or the rollups uses. */
  compactNames(): Promise<{ names: number; labelSets: number }> {
    return this.exclusive(async () => {
      await this.settle();
      const upTo = this.names.size;
      const upToLabels = this.labelSets.size;
      const ids = async (sql: string) => new Set((await this.select(sql)).map((r) => Number(r.v)));
      const nameCols = (cols: string[]) => cols.filter((c) => isField(c) && isName(c));
      const distinct = (table: string, cols: string[]) => (cols.length ? `SELECT DISTINCT unnest([${cols.map((c) => `"${c}"`).join(", ")}]) AS v FROM ${table}` : "");
      const flowNames = nameCols(COLUMNS.map((c) => c.name));
      const rollNames = nameCols(ROLLUP_DIMS);
      const parts = [
        distinct("flows", flowNames),
        ...["flows_1m", "flows_1h"].map((t) => distinct(t, rollNames)),
        // addresses that are not IPv4 are 2^32 + a name id
        `SELECT DISTINCT unnest([src_ip, dst_ip]) - ${IP_BASE} AS v FROM flows WHERE src_ip >= ${IP_BASE} OR dst_ip >= ${IP_BASE}`,
      ].filter(Boolean);
      const used = await ids(parts.join(" UNION "));
      const labelCols = (cols: string[]) => cols.filter((c) => isField(c) && isLabels(c));
      const usedLabels = await ids([distinct("flows", labelCols(COLUMNS.map((c) => c.name))), ...["flows_1m", "flows_1h"].map((t) => distinct(t, labelCols(ROLLUP_DIMS)))].filter(Boolean).join(" UNION "));
      // and what the collector appended that is not stored yet (nothing is appended during this: it is synchronous)
      for (const b of this.filling ? [...this.ready, this.filling] : this.ready) b.usedIds(used, usedLabels);
      const dropped = this.names.forget(used, upTo);
      const droppedLabels = this.labelSets.forget(usedLabels, upToLabels);
      // the encoder's caches may hold forgotten ids (emptied now: rows are appended between the awaits below)
      this.nameCache.fill(null);
      this.epVmi.fill(null);
      this.epSlots.clear();
      this.prefixOfNode.length = 0;
      const del = async (dict: number, list: number[]) => {
        for (let i = 0; i < list.length; i += 10_000) await this.conn!.run(`DELETE FROM flow_names WHERE dict = ${dict} AND id IN (${list.slice(i, i + 10_000).join(", ")})`);
      };
      await del(0, dropped);
      await del(LABEL_DICT, droppedLabels);
      this.compactedAt = this.names.size;
      if (dropped.length || droppedLabels.length) (this.opts.log ?? warn)(`flow store ${this.location}: forgot ${dropped.length} names and ${droppedLabels.length} label sets no record uses any more`);
      return { names: dropped.length, labelSets: droppedLabels.length };
    });
  }

  /** Writes dictionary entries allocated since the last batch (before the rows that use them). */
  private async persistNames() {
    const dicts = [this.names, this.flowPrefixes, this.labelSets, ...ENUM_FIELDS.map((f) => this.enums[f])];
    const pending = dicts.map((d) => d.takePending());
    if (pending.every((p) => p.length === 0)) return;
    try {
      const a = await this.writer!.createAppender("flow_names");
      try {
        pending.forEach((p, i) => {
          for (const [id, s] of p) {
            a.appendUTinyInt(dicts[i].code);
            a.appendUInteger(id);
            a.appendVarchar(s);
            a.endRow();
          }
        });
      } finally {
        a.closeSync();
      }
    } catch (e) {
      pending.forEach((p, i) => dicts[i].restorePending(p));
      throw e;
    }
  }

  /** The name cache's id of s in column k (a small direct-mapped cache in front of the dictionary). */
  private nameId(k: number, s: string): number {
    // Records repeat a few nodes, VRFs, ACLs and next hops, and comparing with one cached string is
    // cheaper than hashing a freshly decoded one for the dictionary's Map. The slot comes from the
    // last four characters (where names differ: numbered workloads, ports, nodes) and the length.
    const len = s.length;
    const h = len > 3 ? s.charCodeAt(len - 1) + s.charCodeAt(len - 2) * 10 + s.charCodeAt(len - 3) * 100 + s.charCodeAt(len - 4) * 1000 + len * 7919 : len ? s.charCodeAt(0) * 31 + len : 0;
    const slot = (k << CACHE_BITS) | ((h ^ (h >>> 12)) & CACHE_MASK);
    if (this.nameCache[slot] === s) return this.nameCacheIds[slot];
    const id = this.names.idOf(s);
    this.nameCache[slot] = s;
    this.nameCacheIds[slot] = id;
    return id;
  }

  /**
   * The six names of an endpoint come together (one directory entry): one cache slot per endpoint,
   * found by its port name through a Map (the directory's strings are shared objects whose hash V8
   * keeps, so a lookup reads no characters; a full cache starts over), checked with six comparisons
   * instead of six lookups. Returns where the slot's six ids start in epIds.
   */
  private endpointIds(vmi: string, vn: string, project: string, ns: string, wl: string, lab: string): number {
    let e = this.epSlots.get(vmi);
    if (e === undefined) {
      if (this.epSlots.size > EP_MASK) this.epSlots.clear();
      e = this.epSlots.size;
      this.epSlots.set(vmi, e);
      this.epVmi[e] = null;
    }
    const k = 6 * e;
    if (this.epVmi[e] !== vmi || this.epVn[e] !== vn || this.epProject[e] !== project || this.epNs[e] !== ns || this.epWl[e] !== wl || this.epLabels[e] !== lab) {
      const N = this.names;
      this.epVmi[e] = vmi;
      this.epVn[e] = vn;
      this.epProject[e] = project;
      this.epNs[e] = ns;
      this.epWl[e] = wl;
      this.epLabels[e] = lab;
      this.epIds[k] = N.idOf(vmi);
      this.epIds[k + 1] = N.idOf(vn);
      this.epIds[k + 2] = N.idOf(project);
      this.epIds[k + 3] = N.idOf(ns);
      this.epIds[k + 4] = N.idOf(wl);
      this.epIds[k + 5] = this.labelSets.idOf(lab);
    }
    return k;
  }

  /** An endpoint's six ids (from epIds at k) into row i of its six columns. */
  private endpointInto(cols: Uint32Array[], i: number, k: number) {
    const ids = this.epIds;
    for (let j = 0; j < 6; j++) cols[j][i] = ids[k + j];
  }

  /** An address as stored: IPv4 as its number, anything else 2^32 + a name id. */
  private ipCode(s: string): number {
    const v = ipv4Code(s);
    return v >= 0 ? v : IP_BASE + this.names.idOf(s);
  }

  /** the last flow id prefix not a node's own name, and its id */
  private lastPrefix = "\u0000";
  private lastPrefixId = 0;

  /** One row into the next slot of b (which has room). */
  private encodeRow(b: ColumnBatch, r: FlowRow) {
    const i = b.n++;
    put(b.id, i, r.id);
    put(b.endMs, i, r.end_ms);
    put(b.startMs, i, r.start_ms);
    const nodeId = (b.node[i] = this.nameId(0, r.node));
    b.vrf[i] = this.nameId(1, r.vrf);
    put(b.srcIp, i, this.ipCode(r.src_ip));
    put(b.dstIp, i, this.ipCode(r.dst_ip));
    b.srcPort[i] = r.src_port;
    b.dstPort[i] = r.dst_port;
    b.reason[i] = this.nameId(2, r.reason);
    b.rule[i] = this.nameId(3, r.rule);
    b.ruleAcl[i] = this.nameId(4, r.rule_acl);
    b.ruleUuid[i] = this.nameId(5, r.rule_uuid);
    this.endpointInto(b.srcEp, i, this.endpointIds(r.src_vmi, r.src_vn, r.src_project, r.src_namespace, r.src_workload, r.src_labels));
    this.endpointInto(b.dstEp, i, this.endpointIds(r.dst_vmi, r.dst_vn, r.dst_project, r.dst_namespace, r.dst_workload, r.dst_labels));
    b.natSrc[i] = this.nameId(16, r.nat_src_ip);
    b.natDst[i] = this.nameId(17, r.nat_dst_ip);
    b.nhNode[i] = this.nameId(18, r.nh_node);
    b.nhAddr[i] = this.nameId(19, r.nh_address);
    put(b.packets, i, r.packets);
    put(b.bytes, i, r.bytes);
    // codes: protocol | direction << 8 | action << 16 | encap << 24 | status << 32 | reverse << 40 | first << 41
    const E = this.enums;
    b.codes[2 * i] = ((r.protocol & 255) | (enumOf(E.direction, DIRS, r.direction) << 8) | (enumOf(E.action, ACTS, r.action) << 16) | (enumOf(E.encap, ENCS, r.encap) << 24)) >>> 0;
    b.codes[2 * i + 1] = enumOf(E.status, STATS, r.status) | (r.reverse ? 256 : 0) | (r.first ? 512 : 0);
    // flow_id "<node>:<n>": the number is parsed in place; the prefix is nearly always the node's name
    const f = r.flow_id;
    const colon = f.lastIndexOf(":");
    const num = colon >= 0 ? flowNumber(f, colon + 1) : -1;
    if (num < 0) {
      b.flowId[i] = this.flowPrefixes.idOf(f);
      put(b.flowNum, i, -1);
      return;
    }
    if (colon === r.node.length && f.startsWith(r.node)) {
      // the node's own name: its prefix id is remembered by node id
      let pid = this.prefixOfNode[nodeId];
      if (pid === undefined) pid = this.prefixOfNode[nodeId] = this.flowPrefixes.idOf(r.node);
      b.flowId[i] = pid;
    } else {
      if (colon !== this.lastPrefix.length || !f.startsWith(this.lastPrefix)) {
        this.lastPrefix = f.slice(0, colon);
        this.lastPrefixId = this.flowPrefixes.idOf(this.lastPrefix);
      }
      b.flowId[i] = this.lastPrefixId;
    }
    put(b.flowNum, i, num);
  }

  // ------------------------------------------------------------------ queries: ids ↔ names

  private dictOf(f: Field): StringDictionary {
    return isEnum(f) ? this.enums[f] : isLabels(f) ? this.labelSets : this.names;
  }

  /** The stored code of a value, undefined when no record ever had it. */
  private codeOf(f: Field, v: string): number | undefined {
    if (isIp(f)) {
      const n = ipv4Code(v);
      if (n >= 0) return n;
      const id = this.names.find(v);
      return id === undefined ? undefined : IP_BASE + id;
    }
    return this.dictOf(f).find(v);
  }

  /** flow_id = v as SQL (prefix id and number). */
  private flowIdEquals(v: string): string {
    const colon = v.lastIndexOf(":");
    const num = colon >= 0 ? v.slice(colon + 1) : "";
    const [prefix, n] = colon >= 0 && FLOW_NUM.test(num) ? [v.slice(0, colon), num] : [v, "-1"];
    const id = this.flowPrefixes.find(prefix);
    return id === undefined ? "FALSE" : `("flow_id" = ${id} AND "flow_num" = ${n})`;
  }

  /** The text of flow_id in SQL (for `~`): the prefix dictionary is small (one entry per node). */
  private flowIdText(): string {
    const cases: string[] = [];
    for (let i = 0; i < this.flowPrefixes.size; i++) cases.push(`WHEN ${i} THEN ${this.d.str(this.flowPrefixes.name(i))}`);
    return `concat(CASE "flow_id" ${cases.join(" ")} ELSE '' END, CASE WHEN "flow_num" >= 0 THEN concat(':', CAST("flow_num" AS VARCHAR)) ELSE '' END)`;
  }

  private compare(field: Field, op: CompareOp, values: Value[]): string | null {
    const col = `"${field}"`;
    const strs = values.map(String);
    if (field === "flow_id") {
      switch (op) {
        case "=":
          return this.flowIdEquals(strs[0]);
        case "!=":
          return `(NOT ${this.flowIdEquals(strs[0])})`;
        case "in":
        case "not in": {
          const any = `(${strs.map((v) => this.flowIdEquals(v)).join(" OR ")})`;
          return op === "in" ? any : `(NOT ${any})`;
        }
        case "~":
        case "!~": {
          const c = this.d.contains(this.flowIdText(), strs[0]);
          return op === "~" ? c : `(NOT ${c})`;
        }
        case "^=":
          return this.d.startsWith(this.flowIdText(), strs[0]);
        default:
          return null;
      }
    }
    if (op === "^=" && (isName(field) || isEnum(field) || isLabels(field))) {
      const ids = this.dictOf(field).matching((s) => s.startsWith(strs[0]));
      // "" (id 0) starts with "" too
      if (strs[0] === "") ids.unshift(0);
      return ids.length ? `${col} IN (${ids.join(", ")})` : "FALSE";
    }
    if (isLabels(field)) {
      // the label sets holding any of the terms (or, for ~, whose text contains it)
      const ids = op === "~" || op === "!~" ? this.labelSets.containing(strs[0]) : this.labelSets.matching((text) => strs.some((t) => labelsHave(text, t)));
      if (op !== "~" && op !== "!~" && strs.includes("")) ids.unshift(0); // "" = no labels
      const c = ids.length ? `${col} IN (${ids.join(", ")})` : "FALSE";
      return op === "=" || op === "in" || op === "~" ? c : `(NOT ${c})`;
    }
    if (!isName(field) && !isEnum(field) && !isIp(field)) return null;
    if (op === "<<") {
      const [lo, hi] = (values[0] as { cidr: [number, number] }).cidr;
      return `(${col} BETWEEN ${lo} AND ${hi})`;
    }
    const known = (vs: string[]) => vs.map((v) => this.codeOf(field, v)).filter((c): c is number => c !== undefined);
    const inList = (codes: number[]) => (codes.length ? `${col} IN (${codes.join(", ")})` : "FALSE");
    switch (op) {
      case "=":
      case "in":
        return inList(known(strs));
      case "!=":
      case "not in":
        return `(NOT ${inList(known(strs))})`;
      case "~":
      case "!~": {
        let c: string;
        if (isIp(field)) {
          const ids = this.names.containing(strs[0]);
          const text = `concat(${col} // 16777216, '.', (${col} // 65536) % 256, '.', (${col} // 256) % 256, '.', ${col} % 256)`;
          c = `((${col} < ${IP_BASE} AND ${this.d.contains(text, strs[0])})${ids.length ? ` OR (${col} - ${IP_BASE}) IN (${ids.join(", ")})` : ""})`;
        } else c = inList(this.dictOf(field).containing(strs[0]));
        return op === "~" ? c : `(NOT ${c})`;
      }
      default:
        return null;
    }
  }

  protected labelKeyExpr(field: "src_labels" | "dst_labels", key: string): string {
    // the label sets are few: one CASE branch per set holding the key
    const cases = this.labelSets.matching((t) => labelsHave(t, key)).map((id) => `WHEN ${id} THEN ${this.d.str(labelValue(this.labelSets.name(id), key))}`);
    return cases.length ? `(CASE "${field}" ${cases.join(" ")} ELSE '' END)` : "''";
  }

  protected dimExpr(f: Field): string {
    return f === "flow_id" ? `(CAST("flow_id" AS HUGEINT) * ${FLOW_KEY} + "flow_num" + 1)` : `"${f}"`;
  }

  protected decode(f: Field | "id", v: unknown): string | number | boolean {
    if (f === "id") return normalise(f, v);
    if (isName(f)) return this.names.name(Number(v));
    if (isEnum(f)) return this.enums[f].name(Number(v));
    if (isLabels(f)) return this.labelSets.name(Number(v));
    if (isIp(f)) {
      const n = Number(v);
      return n < IP_BASE ? ipv4Text(n) : this.names.name(n - IP_BASE);
    }
    if (f === "flow_id") {
      // a group key (dimExpr): prefix * 10^16 + flow_num + 1
      const k = BigInt(v as bigint);
      const prefix = this.flowPrefixes.name(Number(k / FLOW_KEY));
      const num = k % FLOW_KEY - 1n;
      return num >= 0n ? `${prefix}:${num}` : prefix;
    }
    return normalise(f, v);
  }

  protected recordColumns(): string {
    return [...COLUMNS.filter((c) => c.name !== "codes"), ...Object.keys(PACKED).map((name) => ({ name }))].map((c) => `"${c.name}"`).join(", ");
  }

  protected rowOf(r: Record<string, unknown>): FlowRow {
    const out: Record<string, unknown> = {};
    for (const k of ["id", ...Object.keys(FIELDS)] as (Field | "id")[]) if (k !== "flow_id") out[k] = this.decode(k, r[k]);
    const prefix = this.flowPrefixes.name(Number(r.flow_id));
    const num = Number(r.flow_num);
    out.flow_id = num >= 0 ? `${prefix}:${num}` : prefix;
    return out as unknown as FlowRow;
  }

  /** Size of the database file (retention by size). */
  fileBytes(): number {
    try {
      return this.location === ":memory:" ? 0 : fs.statSync(this.location).size;
    } catch {
      return 0;
    }
  }
}
