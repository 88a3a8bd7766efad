// The flow store behind one interface. Both engines (DuckDB embedded, ClickHouse scale-out) speak
// SQL, so the queries live here once and each store supplies its dialect, DDL, inserts and how a
// SELECT runs. Time is integer milliseconds everywhere (ClickHouse 18.16 has no DateTime64).
//
// Tables: `flows` (raw records), `flows_1m` and `flows_1h` (rollups over the ROLLUP_DIMS with
// summed bytes / packets / flows / records). A rollup level is filled up to its watermark; a query
// over a long range reads the rollup below the watermark and raw records above it (UNION ALL).
import { WeftError } from "../model/errors";
import { type FilterNode, FilterError, type SqlDialect, filterSql, parseFilter, rollupCompatible } from "./filter";
import { type Dim, FIELDS, type Field, type FieldDef, type FlowRow, type Metric, ROLLUP_DIMS, dimField, labelKeyOf, labelTerms } from "./schema";

export interface TimeRange {
  /** ms since epoch, inclusive */
  from: number;
  /** ms since epoch, exclusive */
  to: number;
  /**
   * The projects (FQ names, "default-domain:p") whose traffic the caller may see: a record is
   * visible when its source or its destination is in one of them. null / absent = everything (admins).
   */
  projects?: string[] | null;
  /** ms since epoch after which the query is cancelled in the database (default: now + queryTimeoutMs) */
  deadline?: number;
}

/** Most buckets a time series answers (a finer granularity asked for is coarsened). */
export const MAX_SERIES_BUCKETS = 5_000;
/** Most points (buckets × series) one series answer holds. */
export const MAX_SERIES_POINTS = 250_000;
/** Longest regular expression accepted (RE2 in the database evaluates it). */
export const MAX_REGEX_LENGTH = 1_000;
/** Default time limit of one flow query (WEFT_FLOW_QUERY_TIMEOUT_MS). */
export const DEFAULT_QUERY_TIMEOUT_MS = 10_000;
/** Times beyond this (year 2255) are refused: no real record is there, and bucket arithmetic stays exact. */
const MAX_TIME_MS = 9e12;

/**
 * The bucket size a series uses: the one asked for (or about 120 buckets over the range), coarsened
 * when the range would need more than MAX_SERIES_BUCKETS buckets, or more than MAX_SERIES_POINTS
 * points over `series` series — so no query, however hostile, builds an unbounded answer.
 */
export function boundedGranularity(from: number, to: number, requested: number | undefined, series = 1): number {
  const span = Math.max(1, to - from);
  const maxBuckets = Math.max(2, Math.min(MAX_SERIES_BUCKETS, Math.floor(MAX_SERIES_POINTS / Math.max(1, series)))) - 1;
  const g = requested ?? autoGranularity(from, to);
  if (span / g <= maxBuckets) return g;
  const want = span / maxBuckets;
  return GRANULARITIES.find((x) => x >= want && x >= g) ?? Math.ceil(want / 86_400_000) * 86_400_000;
}

/** How many buckets a series over [from, to) at granularity g has. */
export function bucketCount(from: number, to: number, g: number): number {
  return Math.max(0, Math.ceil((to - (from - (from % g))) / g));
}

/** A time range a query may run on: finite integers, from before to, inside year 0–2255. */
export function checkRange(r: TimeRange): void {
  for (const k of ["from", "to"] as const) {
    const v = r[k];
    if (typeof v !== "number" || !Number.isFinite(v) || v < 0 || v > MAX_TIME_MS) throw new WeftError("bad_request", `${k}: a time in ms since the epoch (0–${MAX_TIME_MS}), not ${v}`, [{ field: k, message: `must be 0–${MAX_TIME_MS} ms since the epoch` }]);
  }
  if (r.to < r.from) throw new WeftError("bad_request", "to: must not be before from", [{ field: "to", message: "must not be before from" }]);
}

/** The query was cut off at its time limit (and cancelled in the database). */
export function queryTimeout(ms: number): WeftError {
  return new WeftError("timeout", `the flow query ran longer than ${Math.round(ms / 100) / 10} s and was cancelled: narrow the time range or the filter`);
}

/** The filter, restricted to the records whose source or destination project is one of `projects` (null = unrestricted). */
export function scopeFilter(filter: FilterNode | null, projects: string[] | null | undefined): FilterNode | null {
  if (projects === null || projects === undefined) return filter;
  const visible: FilterNode = {
    kind: "or",
    items: [
      { kind: "cmp", field: "src_project", op: "in", values: projects, pos: 0 },
      { kind: "cmp", field: "dst_project", op: "in", values: projects, pos: 0 },
    ],
  };
  return filter ? { kind: "and", items: [filter, visible] } : visible;
}

export interface SeriesQuery extends TimeRange {
  filter?: string;
  metric: Metric;
  /** bucket size; omitted = about 120 buckets over the range, rounded to a friendly size */
  granularityMs?: number;
  /** fields, or label keys (`src_labels.app`) */
  groupBy?: Dim[];
  /** groups kept by name (the rest is "other"); default 5 */
  top?: number;
  /** values per second instead of per bucket */
  rate?: boolean;
}

export interface Series {
  key: Record<string, string>;
  label: string;
  points: number[];
  total: number;
}

export interface SeriesResult {
  granularityMs: number;
  /** the granularity asked for, when it was coarsened to keep the answer bounded */
  requestedGranularityMs?: number;
  buckets: number[];
  series: Series[];
  source: string;
  ms: number;
}

export interface AggregateQuery extends TimeRange {
  filter?: string;
  /** fields, or label keys (`src_labels.app`) */
  groupBy: Dim[];
  /** order by this metric, descending */
  metric: Metric;
  limit?: number;
  /** count(DISTINCT field) per group */
  distinct?: Field[];
}

export interface AggregateRow {
  key: Record<string, string | number | boolean>;
  bytes: number;
  packets: number;
  flows: number;
  records: number;
  distinct?: Record<string, number>;
}

export interface AggregateResult {
  rows: AggregateRow[];
  /** everything not in `rows` (the rest of the top-N) */
  other: Omit<AggregateRow, "key"> | null;
  total: Omit<AggregateRow, "key">;
  source: string;
  ms: number;
}

export interface RecordsQuery extends TimeRange {
  filter?: string;
  limit?: number;
  /** from a previous page's nextCursor */
  cursor?: string | null;
}

export interface RecordsResult {
  rows: FlowRow[];
  nextCursor: string | null;
  ms: number;
}

export interface RetentionPolicy {
  /** raw records older than this go (default 2 days) */
  rawMaxAgeMs: number;
  /** and beyond this many raw records the oldest go (size bound; default 50 M) */
  rawMaxRows: number;
  minuteMaxAgeMs: number;
  hourMaxAgeMs: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = {
  rawMaxAgeMs: 2 * 86_400_000,
  rawMaxRows: 50_000_000,
  minuteMaxAgeMs: 30 * 86_400_000,
  hourMaxAgeMs: 365 * 86_400_000,
};

export interface StoreStats {
  kind: string;
  location: string;
  records: number;
  oldest: number | null;
  newest: number | null;
  rollup: Record<string, { rows: number; watermark: number }>;
}

/** What a commit of appended rows did (failed batches are dropped). */
export interface CommitResult {
  stored: number;
  failed: number;
  error: string;
}

export interface FlowStore {
  readonly kind: string;
  readonly location: string;
  open(): Promise<void>;
  close(): Promise<void>;
  insert(rows: FlowRow[]): Promise<void>;
  series(q: SeriesQuery): Promise<SeriesResult>;
  aggregate(q: AggregateQuery): Promise<AggregateResult>;
  records(q: RecordsQuery): Promise<RecordsResult>;
  /** distinct values of a field seen in the range (autocomplete) */
  values(field: Field, prefix: string, range: TimeRange, limit?: number): Promise<string[]>;
  /**
   * Which of `values` the regular expression matches (anywhere in the value, as Contrail's
   * REGEX_MATCH), evaluated by the database's RE2 (linear time; no backreferences or lookaround);
   * a pattern RE2 refuses is a bad_request. Never a JavaScript RegExp over user input.
   */
  regexMatches(pattern: string, values: string[], deadline?: number): Promise<Set<string>>;
  /** Checks a pattern against RE2 (bad_request when refused). */
  checkRegex(pattern: string): Promise<void>;
  /** fills the rollups up to `now - lagMs` */
  rollup(now?: number, lagMs?: number): Promise<void>;
  retention(p?: Partial<RetentionPolicy>, now?: number): Promise<{ deleted: number }>;
  stats(): Promise<StoreStats>;
  /** highest record id stored (the collector continues from it) */
  maxId(): Promise<number>;
  /**
   * Columnar ingest, where the store has it (DuckDB): each row is encoded as it arrives (the row
   * object stays the caller's, to reuse), `commit` stores what was appended. Without it the
   * collector keeps row objects and calls `insert`.
   */
  append?(row: FlowRow): void;
  /** rows the store writes best in one insert (a full batch is worth waiting for, briefly) */
  readonly preferredBatchRows?: number;
  readonly pendingRows?: number;
  commit?(): Promise<CommitResult>;
}

export const LEVELS = [
  { table: "flows_1m", ms: 60_000, from: "flows" },
  { table: "flows_1h", ms: 3_600_000, from: "flows_1m" },
] as const;

const GRANULARITIES = [1_000, 5_000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000];

export function autoGranularity(from: number, to: number, buckets = 120): number {
  const want = (to - from) / buckets;
  return GRANULARITIES.find((g) => g >= want) ?? GRANULARITIES[GRANULARITIES.length - 1];
}

const METRIC_COLS = ["m_bytes", "m_packets", "m_flows", "m_records"] as const;
const mcol = (m: Metric) => `m_${m}`;

export function parseOrThrow(filter: string | undefined): FilterNode | null {
  return parseFilter(filter ?? "");
}

export function isFilterError(e: unknown): e is FilterError {
  return e instanceof FilterError;
}

/** The query layer shared by both stores. */
export abstract class SqlFlowStore implements FlowStore {
  abstract readonly kind: string;
  abstract readonly location: string;
  abstract readonly d: SqlDialect & {
    /** the text of `col` matches the RE2 pattern (a SQL string literal) anywhere */
    regex(col: string, pattern: string): string;
    /** a subquery whose column `v` holds the given SQL string literals, one row each */
    rowsOf(literals: string[]): string;
    num(expr: string): string;
    int(expr: string): string;
    text(expr: string): string;
    concat(parts: string[]): string;
    limitOffset(limit: number, offset: number): string;
  };
  abstract open(): Promise<void>;
  abstract close(): Promise<void>;
  abstract insert(rows: FlowRow[]): Promise<void>;
  /**
   * Runs a SELECT; numbers may come back as strings or bigints (normalised by callers). With a
   * deadline the statement is cancelled in the database when it passes (WeftError "timeout").
   */
  protected abstract select(sql: string, deadline?: number): Promise<Record<string, unknown>[]>;

  /** Time limit of a query that names no deadline (WEFT_FLOW_QUERY_TIMEOUT_MS, default 10 s). */
  queryTimeoutMs = Number(process.env.WEFT_FLOW_QUERY_TIMEOUT_MS) > 0 ? Number(process.env.WEFT_FLOW_QUERY_TIMEOUT_MS) : DEFAULT_QUERY_TIMEOUT_MS;

  /** The query's deadline, checking its range first. */
  protected deadlineOf(q: TimeRange): number {
    checkRange(q);
    return q.deadline ?? Date.now() + this.queryTimeoutMs;
  }

  async checkRegex(pattern: string): Promise<void> {
    if (typeof pattern !== "string" || pattern.length > MAX_REGEX_LENGTH) throw new WeftError("bad_request", `a regular expression is at most ${MAX_REGEX_LENGTH} characters`);
    try {
      await this.select(`SELECT ${this.d.regex(this.d.str(""), this.d.str(pattern))} AS m`, Date.now() + this.queryTimeoutMs);
    } catch (e) {
      if (e instanceof WeftError) throw e;
      throw new WeftError("bad_request", `not a regular expression RE2 accepts (no backreferences or lookaround): ${(e as Error).message.split("\n")[0]}`);
    }
  }

  async regexMatches(pattern: string, values: string[], deadline?: number): Promise<Set<string>> {
    await this.checkRegex(pattern);
    const out = new Set<string>();
    const distinct = [...new Set(values)];
    for (let i = 0; i < distinct.length; i += 5_000) {
      const lits = distinct.slice(i, i + 5_000).map((v) => this.d.str(v));
      const rows = await this.select(`SELECT v FROM ${this.d.rowsOf(lits)} WHERE ${this.d.regex("v", this.d.str(pattern))}`, deadline ?? Date.now() + this.queryTimeoutMs);
      for (const r of rows) out.add(String(r.v));
    }
    return out;
  }
  protected abstract exec(sql: string): Promise<void>;
  protected abstract deleteWhere(table: string, where: string): Promise<void>;

  /** A stored value as queries answer it (the embedded store turns dictionary ids back into names). */
  protected decode(field: Field | "id", v: unknown): string | number | boolean {
    return normalise(field, v);
  }

  /** A group key as queries answer it (label keys are text already). */
  private decodeDim(d: Dim, v: unknown): string | number | boolean {
    return labelKeyOf(d) ? (v === null || v === undefined ? "" : String(v)) : this.decode(d as Field, v);
  }

  /** The SQL giving a field's value as a group key from raw records (a column by default). */
  protected dimExpr(f: Field): string {
    return this.id(f);
  }

  /** The SQL giving the value of one label key of a label field (raw records and rollups alike). */
  protected abstract labelKeyExpr(field: "src_labels" | "dst_labels", key: string): string;

  /** The columns a raw record is read from, and how a result row becomes a FlowRow. */
  protected recordColumns(): string {
    return ["id", ...Object.keys(FIELDS)].map((c) => this.id(c)).join(", ");
  }
  protected rowOf(r: Record<string, unknown>): FlowRow {
    const out: Record<string, unknown> = {};
    for (const k of ["id", ...Object.keys(FIELDS)]) out[k] = this.decode(k as Field, r[k]);
    return out as unknown as FlowRow;
  }

  /** GROUP BY GROUPING SETS is available (DuckDB; ClickHouse 18.16 has none): top-N and total in one scan */
  protected readonly groupingSets: boolean = false;

  /** ts below which each rollup level is complete */
  protected watermarks = new Map<string, number>();

  protected async loadWatermarks() {
    for (const l of LEVELS) {
      const r = await this.select(`SELECT ${this.d.num("max(ts)")} AS m, ${this.d.num("count(*)")} AS n FROM ${l.table}`);
      const n = Number(r[0]?.n ?? 0);
      this.watermarks.set(l.table, n > 0 ? Number(r[0].m) + l.ms : 0);
    }
  }

  private id(f: string) {
    return this.d.ident(f);
  }

  /**
   * The fact rows of a query: (ts, dims…, m_bytes, m_packets, m_flows, m_records) from raw
   * records, or from a rollup below its watermark plus raw records above it.
   */
  protected source(range: TimeRange, filter: FilterNode | null, dims: Dim[], granularityMs: number, needRaw = false): { sql: string; level: string } {
    const where = filterSql(filter, this.d);
    const labelDim = (f: Dim) => {
      const lk = labelKeyOf(f);
      return lk ? `${this.labelKeyExpr(lk.field, lk.key)} AS ${this.id(f)}` : null;
    };
    const dimSql = dims.map((f) => labelDim(f) ?? this.id(f));
    const rawDims = dims.map((f) => labelDim(f) ?? (this.dimExpr(f as Field) === this.id(f) ? this.id(f) : `${this.dimExpr(f as Field)} AS ${this.id(f)}`));
    const raw = (from: number, to: number) =>
      `SELECT end_ms AS ts${rawDims.map((c) => `, ${c}`).join("")}, ${this.d.int("bytes")} AS m_bytes, ${this.d.int("packets")} AS m_packets, ${this.d.int(this.id("first"))} AS m_flows, ${this.d.int("1")} AS m_records FROM flows WHERE end_ms >= ${from} AND end_ms < ${to} AND ${where}`;
    const canRollup = !needRaw && rollupCompatible(filter) && dims.every((f) => (FIELDS[dimField(f)] as FieldDef).rollup);
    const span = range.to - range.from;
    let level: (typeof LEVELS)[number] | null = null;
    if (canRollup) {
      // A level is worth it when a bucket holds many of its rows and the range is long.
      if (granularityMs >= 3_600_000 && span >= 3 * 86_400_000) level = LEVELS[1];
      else if (granularityMs >= 60_000 && span >= 3 * 3_600_000) level = LEVELS[0];
    }
    const wm = level ? (this.watermarks.get(level.table) ?? 0) : 0;
    if (!level || wm <= range.from) return { sql: raw(range.from, range.to), level: "raw" };
    const mid = Math.min(wm, range.to);
    const roll = `SELECT ts${dimSql.map((c) => `, ${c}`).join("")}, m_bytes, m_packets, m_flows, m_records FROM ${level.table} WHERE ts >= ${range.from - (range.from % level.ms)} AND ts < ${mid} AND ${where}`;
    if (mid >= range.to) return { sql: roll, level: level.table };
    return { sql: `${roll} UNION ALL ${raw(mid, range.to)}`, level: `${level.table}+raw` };
  }

  private sums() {
    // Output names differ from the source columns: ClickHouse rejects `sum(x) AS x` (cyclic alias).
    return METRIC_COLS.map((c) => `${this.d.num(`sum(${c})`)} AS o_${c.slice(2)}`).join(", ");
  }

  async series(q: SeriesQuery): Promise<SeriesResult> {
    const t0 = performance.now();
    const deadline = this.deadlineOf(q);
    const filter = scopeFilter(parseOrThrow(q.filter), q.projects);
    const top = Math.max(1, Math.min(q.top ?? 5, 1_000));
    // bounded: past MAX_SERIES_BUCKETS buckets (or MAX_SERIES_POINTS points) the buckets get coarser
    const g = boundedGranularity(q.from, q.to, q.granularityMs, (q.groupBy ?? []).length ? top + 1 : 1);
    const from = q.from - (q.from % g);
    const buckets: number[] = [];
    for (let b = from; b < q.to; b += g) buckets.push(b);
    const index = new Map(buckets.map((b, i) => [b, i]));
    const scale = q.rate ? 1000 / g : 1;
    const groupBy = q.groupBy ?? [];
    const m = mcol(q.metric);
    const bucketExpr = `(ts - (ts % ${g}))`;
    const src = this.source({ from: q.from, to: q.to }, filter, groupBy, g);
    const total = await this.select(`SELECT ${bucketExpr} AS b, ${this.d.num(`sum(${m})`)} AS v FROM (${src.sql}) AS s GROUP BY b ORDER BY b`, deadline);
    const totalPoints = buckets.map(() => 0);
    for (const r of total) {
      const i = index.get(Number(r.b));
      if (i !== undefined) totalPoints[i] = Number(r.v) * scale;
    }
    const sum = (xs: number[]) => xs.reduce((a, x) => a + x, 0);
    if (groupBy.length === 0) {
      return { granularityMs: g, buckets, series: [{ key: {}, label: q.metric, points: totalPoints, total: sum(totalPoints) }], source: src.level, ms: performance.now() - t0, ...(g !== (q.granularityMs ?? g) ? { requestedGranularityMs: q.granularityMs } : {}) };
    }
    const { result: topRows, rawKeys } = await this.aggregateWithKeys({ from: q.from, to: q.to, filter: q.filter, projects: q.projects, deadline, groupBy, metric: q.metric, limit: top });
    // Groups are matched on their stored values (ids in the embedded store), as text.
    const sep = this.d.str("\u001f");
    const keyExpr = this.d.concat(groupBy.flatMap((f, i) => (i ? [sep, this.d.text(this.id(f))] : [this.d.text(this.id(f))])));
    const series: Series[] = topRows.rows.map((r) => ({ key: Object.fromEntries(groupBy.map((f) => [f, String(r.key[f])])), label: groupBy.map((f) => String(r.key[f]) || "—").join(" → "), points: buckets.map(() => 0), total: 0 }));
    const byKey = new Map(series.map((s, i) => [rawKeys[i].map((v) => String(v ?? "")).join("\u001f"), s]));
    if (series.length > 0) {
      const keys = [...byKey.keys()].map((k) => this.d.str(k)).join(", ");
      const rows = await this.select(`SELECT ${bucketExpr} AS b, ${keyExpr} AS k, ${this.d.num(`sum(${m})`)} AS v FROM (${src.sql}) AS s WHERE ${keyExpr} IN (${keys}) GROUP BY b, k`, deadline);
      for (const r of rows) {
        const s = byKey.get(String(r.k));
        const i = index.get(Number(r.b));
        if (s && i !== undefined) s.points[i] += Number(r.v) * scale;
      }
    }
    for (const s of series) s.total = sum(s.points);
    const otherPoints = totalPoints.map((v, i) => Math.max(0, v - series.reduce((a, s) => a + s.points[i], 0)));
    if (otherPoints.some((v) => v > 1e-9)) series.push({ key: { other: "true" }, label: "other", points: otherPoints, total: sum(otherPoints) });
    return { granularityMs: g, buckets, series, source: src.level, ms: performance.now() - t0, ...(g !== (q.granularityMs ?? g) ? { requestedGranularityMs: q.granularityMs } : {}) };
  }

  async aggregate(q: AggregateQuery): Promise<AggregateResult> {
    return (await this.aggregateWithKeys(q)).result;
  }

  /** aggregate(), plus each row's group key as stored (for series to select the same groups). */
  protected async aggregateWithKeys(q: AggregateQuery): Promise<{ result: AggregateResult; rawKeys: unknown[][] }> {
    const t0 = performance.now();
    const deadline = this.deadlineOf(q);
    const filter = scopeFilter(parseOrThrow(q.filter), q.projects);
    const distinct = q.distinct ?? [];
    const dims = [...new Set([...q.groupBy, ...distinct])];
    const span = q.to - q.from;
    const src = this.source(q, filter, dims, span >= 3 * 86_400_000 ? 3_600_000 : 60_000, distinct.some((f) => !(FIELDS[f] as FieldDef).rollup));
    const limit = Math.max(1, Math.min(q.limit ?? 10, 10_000));
    const dsql = distinct.map((f) => `, ${this.d.num(`count(DISTINCT ${this.id(f)})`)} AS ${this.id(`d_${f}`)}`).join("");
    const g = q.groupBy.map((f) => this.id(f)).join(", ");
    let totals: Record<string, unknown>[];
    let res: Record<string, unknown>[] = [];
    if (q.groupBy.length > 0 && this.groupingSets) {
      // one scan for the groups and the total: the grand-total row has every GROUPING bit set
      const all = await this.select(
        `SELECT ${g}, ${this.sums()}${dsql}, GROUPING(${g}) AS gid FROM (${src.sql}) AS s GROUP BY GROUPING SETS ((${g}), ()) ORDER BY gid DESC, o_${q.metric} DESC, ${g} LIMIT ${limit + 1}`,
        deadline,
      );
      totals = all.filter((r) => Number(r.gid) !== 0);
      res = all.filter((r) => Number(r.gid) === 0);
    } else {
      totals = await this.select(`SELECT ${this.sums()}${dsql} FROM (${src.sql}) AS s`, deadline);
      if (q.groupBy.length > 0) res = await this.select(`SELECT ${g}, ${this.sums()}${dsql} FROM (${src.sql}) AS s GROUP BY ${g} ORDER BY o_${q.metric} DESC, ${g} LIMIT ${limit}`, deadline);
    }
    const tot = this.metrics(totals[0] ?? {});
    const rows: AggregateRow[] = [];
    const rawKeys: unknown[][] = [];
    if (q.groupBy.length > 0) {
      for (const r of res) {
        rawKeys.push(q.groupBy.map((f) => r[f]));
        const row: AggregateRow = { key: Object.fromEntries(q.groupBy.map((f) => [f, this.decodeDim(f, r[f])])), ...this.metrics(r) };
        if (distinct.length) row.distinct = Object.fromEntries(distinct.map((f) => [f, Number(r[`d_${f}`] ?? 0)]));
        rows.push(row);
      }
    }
    let other: AggregateResult["other"] = null;
    if (q.groupBy.length > 0) {
      const o = { bytes: tot.bytes, packets: tot.packets, flows: tot.flows, records: tot.records };
      for (const r of rows) {
        o.bytes -= r.bytes;
        o.packets -= r.packets;
        o.flows -= r.flows;
        o.records -= r.records;
      }
      if (o.records > 0) other = o;
    }
    const total: AggregateResult["total"] = { ...tot };
    if (distinct.length) total.distinct = Object.fromEntries(distinct.map((f) => [f, Number(totals[0]?.[`d_${f}`] ?? 0)]));
    return { result: { rows, other, total, source: src.level, ms: performance.now() - t0 }, rawKeys };
  }

  private metrics(r: Record<string, unknown>) {
    return { bytes: Number(r.o_bytes ?? 0), packets: Number(r.o_packets ?? 0), flows: Number(r.o_flows ?? 0), records: Number(r.o_records ?? 0) };
  }

  async records(q: RecordsQuery): Promise<RecordsResult> {
    const t0 = performance.now();
    const deadline = this.deadlineOf(q);
    const filter = scopeFilter(parseOrThrow(q.filter), q.projects);
    const limit = Math.max(1, Math.min(q.limit ?? 100, 5_000));
    let cursor = "";
    let top = q.to;
    if (q.cursor) {
      const m = /^(\d+):(\d+)$/.exec(q.cursor);
      if (!m) throw new FilterError(`bad cursor "${q.cursor}"`, 0);
      cursor = ` AND (end_ms < ${m[1]} OR (end_ms = ${m[1]} AND id < ${m[2]}))`;
      top = Math.min(q.to, Number(m[1]) + 1);
    }
    const where = filterSql(filter, this.d);
    // Newest first: the newest slice of the range is searched first — records arrive in time order,
    // so the store skips the older blocks by their end_ms bounds — and the slice widens eightfold
    // until it holds a page or covers the range (at most 1.14× one full scan when little matches).
    let span = Math.max(60_000, Math.ceil((top - q.from) / 64));
    let res: Record<string, unknown>[];
    for (;;) {
      const lo = Math.max(q.from, top - span);
      res = await this.select(
        `SELECT ${this.recordColumns()} FROM flows WHERE end_ms >= ${lo} AND end_ms < ${q.to} AND ${where}${cursor} ORDER BY end_ms DESC, id DESC LIMIT ${limit + 1}`,
        deadline,
      );
      if (res.length > limit || lo <= q.from) break;
      span *= 8;
    }
    const rows = res.slice(0, limit).map((r) => this.rowOf(r));
    const last = rows[rows.length - 1];
    return { rows, nextCursor: res.length > limit && last ? `${last.end_ms}:${last.id}` : null, ms: performance.now() - t0 };
  }

  async values(field: Field, prefix: string, range: TimeRange, limit = 20): Promise<string[]> {
    const deadline = this.deadlineOf(range);
    const scope = range.projects === null || range.projects === undefined ? "" : ` AND ${filterSql(scopeFilter(null, range.projects), this.d)}`;
    const col = this.id(field);
    const type = (FIELDS[field] as FieldDef).type;
    const labels = type === "labels";
    const p = !prefix
      ? ""
      : type === "string" || type === "ip" || labels
        ? ` AND ${filterSql({ kind: "cmp", field, op: "~", values: [prefix], pos: 0 }, this.d)}`
        : ` AND ${this.d.contains(this.d.text(col), prefix)}`;
    const res = await this.select(
      `SELECT ${this.dimExpr(field)} AS v, count(*) AS n FROM flows WHERE end_ms >= ${range.from} AND end_ms < ${range.to}${p} ${scope} GROUP BY v ORDER BY n DESC LIMIT ${labels ? 1000 : Math.min(limit, 200)}`,
      deadline,
    );
    if (!labels) return res.map((r) => String(this.decode(field, r.v))).filter((v) => v !== "");
    // a label field suggests single labels (key=value), the most frequent first
    const seen = new Map<string, number>();
    const want = prefix.toLowerCase();
    for (const r of res)
      for (const t of labelTerms(String(this.decode(field, r.v)))) if (t.toLowerCase().includes(want)) seen.set(t, (seen.get(t) ?? 0) + Number(r.n));
    return [...seen.entries()].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0])).slice(0, Math.min(limit, 200)).map(([t]) => t);
  }

  async rollup(now = Date.now(), lagMs = 120_000): Promise<void> {
    const dims = ROLLUP_DIMS.map((f) => this.id(f)).join(", ");
    for (const l of LEVELS) {
      const upTo = now - lagMs - ((now - lagMs) % l.ms);
      let wm = this.watermarks.get(l.table) ?? 0;
      if (wm === 0) {
        // first run: start at the oldest data of the level below
        const r = await this.select(
          l.from === "flows" ? `SELECT ${this.d.num("min(end_ms)")} AS m, ${this.d.num("count(*)")} AS n FROM flows` : `SELECT ${this.d.num("min(ts)")} AS m, ${this.d.num("count(*)")} AS n FROM ${l.from}`,
        );
        if (Number(r[0]?.n ?? 0) === 0) continue;
        wm = Number(r[0].m) - (Number(r[0].m) % l.ms);
      }
      if (upTo <= wm) continue;
      // The hour level only rolls what the minute level has completed.
      const limit = l.from === "flows" ? upTo : Math.min(upTo, this.watermarks.get(LEVELS[0].table) ?? 0);
      if (limit <= wm) continue;
      const sel =
        l.from === "flows"
          ? `SELECT (end_ms - (end_ms % ${l.ms})) AS ts, ${dims}, sum(bytes), sum(packets), sum(${this.d.int(this.id("first"))}), count(*) FROM flows WHERE end_ms >= ${wm} AND end_ms < ${limit} GROUP BY ts, ${dims}`
          : `SELECT (ts - (ts % ${l.ms})) AS ts2, ${dims}, sum(m_bytes), sum(m_packets), sum(m_flows), sum(m_records) FROM ${l.from} WHERE ts >= ${wm} AND ts < ${limit} GROUP BY ts2, ${dims}`;
      await this.exec(`INSERT INTO ${l.table} (ts, ${dims}, m_bytes, m_packets, m_flows, m_records) ${sel}`);
      this.watermarks.set(l.table, limit);
    }
  }

  async retention(p: Partial<RetentionPolicy> = {}, now = Date.now()): Promise<{ deleted: number }> {
    const pol = { ...DEFAULT_RETENTION, ...p };
    const before = await this.count();
    await this.deleteWhere("flows", `end_ms < ${now - pol.rawMaxAgeMs}`);
    const n = await this.count();
    if (n > pol.rawMaxRows) {
      const r = await this.select(`SELECT end_ms FROM flows ORDER BY end_ms DESC ${this.d.limitOffset(1, pol.rawMaxRows)}`);
      if (r[0]) await this.deleteWhere("flows", `end_ms <= ${Number(r[0].end_ms)}`);
    }
    await this.deleteWhere("flows_1m", `ts < ${now - pol.minuteMaxAgeMs}`);
    await this.deleteWhere("flows_1h", `ts < ${now - pol.hourMaxAgeMs}`);
    return { deleted: Math.max(0, before - (await this.count())) };
  }

  protected async count(table = "flows"): Promise<number> {
    const r = await this.select(`SELECT ${this.d.num("count(*)")} AS n FROM ${table}`);
    return Number(r[0]?.n ?? 0);
  }

  async maxId(): Promise<number> {
    const r = await this.select(`SELECT ${this.d.num("max(id)")} AS m, ${this.d.num("count(*)")} AS n FROM flows`);
    return Number(r[0]?.n ?? 0) > 0 ? Number(r[0].m) : 0;
  }

  async stats(): Promise<StoreStats> {
    const r = await this.select(`SELECT ${this.d.num("count(*)")} AS n, ${this.d.num("min(end_ms)")} AS lo, ${this.d.num("max(end_ms)")} AS hi FROM flows`);
    const n = Number(r[0]?.n ?? 0);
    const rollup: StoreStats["rollup"] = {};
    for (const l of LEVELS) rollup[l.table] = { rows: await this.count(l.table), watermark: this.watermarks.get(l.table) ?? 0 };
    return { kind: this.kind, location: this.location, records: n, oldest: n ? Number(r[0].lo) : null, newest: n ? Number(r[0].hi) : null, rollup };
  }
}

const NUMERIC = new Set(["id", "end_ms", "start_ms", "protocol", "src_port", "dst_port", "packets", "bytes"]);

export function normalise(f: string, v: unknown): string | number | boolean {
  if (NUMERIC.has(f)) return Number(v);
  if (f === "reverse" || f === "first") return v === true || v === 1 || v === "1" || v === "true";
  return v === null || v === undefined ? "" : String(v);
}

export function toRow(r: Record<string, unknown>): FlowRow {
  const out: Record<string, unknown> = {};
  for (const k of ["id", ...Object.keys(FIELDS)]) out[k] = normalise(k, r[k]);
  return out as unknown as FlowRow;
}

/** Column definitions of the rollup tables, shared by both stores' DDL. */
export function rollupColumns(type: (f: Field) => string): string {
  return ROLLUP_DIMS.map((f) => `"${f}" ${type(f)}`).join(", ");
}
