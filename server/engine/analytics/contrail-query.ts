// Contrail's analytics query API (contrail-analytics-api's POST /analytics/query, query_rest.idl)
// on Weft's flow store: FlowRecordTable (one row per stored record) and FlowSeriesTable (sums per
// time bucket and group). `where` is an OR of ANDs of {name, value, op[, value2]}, `filter` an AND
// applied to the result rows, `sort` / `sort_fields` / `limit` as Contrail has them. Column names
// are Contrail's (sourcevn, destip, sport, agg-bytes, sum(bytes), T=60 …); every Weft flow field
// (src_labels, rule, node …) may be named as well, and in FlowSeriesTable one label key as a group
// (src_labels.app). Conditions become one filter-language expression
// (so the same validation and the same SQL as the console), values quoted, never spliced.
import { randomUUID } from "node:crypto";
import { WeftError } from "../model/errors";
import { FilterError, parseFilter } from "./filter";
import { type Dim, FIELDS, FIELD_NAMES, type Field, type FieldDef, type FlowRow, LABEL_KEY_DIM, isField, labelKeyOf, labelValue } from "./schema";
import { type FlowStore, MAX_SERIES_BUCKETS, MAX_SERIES_POINTS, bucketCount, checkRange } from "./store";

export const CONTRAIL_TABLES = ["FlowRecordTable", "FlowSeriesTable"] as const;
export type ContrailTable = (typeof CONTRAIL_TABLES)[number];

/** query_rest.idl's match_op */
export const MATCH_OP = { EQUAL: 1, NOT_EQUAL: 2, IN_RANGE: 3, NOT_IN_RANGE: 4, LEQ: 5, GEQ: 6, PREFIX: 7, REGEX_MATCH: 8 } as const;
const OP_NAMES = Object.fromEntries(Object.entries(MATCH_OP).map(([k, v]) => [v, k])) as Record<number, string>;

/** Contrail's column names and the Weft field behind each (both tables). */
const COLUMNS: Record<string, Field> = {
  vrouter: "node",
  sourcevn: "src_vn",
  destvn: "dst_vn",
  sourceip: "src_ip",
  destip: "dst_ip",
  protocol: "protocol",
  sport: "src_port",
  dport: "dst_port",
  direction_ing: "direction",
  action: "action",
  UuidKey: "flow_id",
  drop_reason: "reason",
  sg_rule_uuid: "rule_uuid",
  nw_ace_uuid: "rule_uuid",
  other_vrouter_ip: "nh_address",
  underlay_proto: "encap",
  setup_time: "start_ms",
  teardown_time: "end_ms",
  "agg-bytes": "bytes",
  "agg-packets": "packets",
};
const RECORD_ONLY = new Set(["setup_time", "teardown_time", "agg-bytes", "agg-packets", "UuidKey", "drop_reason", "sg_rule_uuid", "nw_ace_uuid"]);
const SERIES_METRICS = ["sum(bytes)", "sum(packets)", "flow_count", "bytes", "packets"] as const;
type Kind = "bytes" | "packets" | "flows";
/** The store metric behind a FlowSeriesTable metric column. */
const kindOf = (m: string): Kind => (m === "sum(bytes)" || m === "bytes" ? "bytes" : m === "sum(packets)" || m === "packets" ? "packets" : "flows");

export interface ContrailMatch {
  name: string;
  value: unknown;
  op?: number;
  value2?: unknown;
}

export interface ContrailQuery {
  table: string;
  start_time: number | string;
  end_time: number | string;
  select_fields: string[];
  where?: ContrailMatch[][];
  filter?: ContrailMatch[] | ContrailMatch[][];
  sort?: number;
  sort_fields?: string[];
  limit?: number;
  dir?: number;
}

const bad = (field: string, message: string): never => {
  throw new WeftError("bad_request", `${field}: ${message}`, [{ field, message }]);
};

/** Contrail's time: microseconds since the epoch, "now", or "now-10m" / "now+1h" (s, m, h, d). */
export function contrailTime(v: unknown, field: string, now: number): number {
  if (typeof v === "number" && Number.isFinite(v)) return Math.floor(v / 1000);
  if (typeof v === "string") {
    if (/^\d+$/.test(v)) return Math.floor(Number(v) / 1000);
    const m = /^now(?:([+-])(\d+)([smhd]))?$/.exec(v.trim());
    if (m) {
      const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[3] as "s" | "m" | "h" | "d"] ?? 0;
      return now + (m[1] === "-" ? -1 : 1) * Number(m[2] ?? 0) * unit;
    }
  }
  return bad(field, `a time is microseconds since the epoch, "now" or "now-10m" (s, m, h, d), not ${JSON.stringify(v)}`);
}

/** A column name → the Weft field (Contrail's name or Weft's own). */
function fieldOf(name: string, table: ContrailTable, where: string): Field {
  if (Object.hasOwn(COLUMNS, name)) {
    if (table === "FlowSeriesTable" && RECORD_ONLY.has(name)) bad(where, `${name} is a FlowRecordTable column; FlowSeriesTable has ${seriesColumns().join(", ")}`);
    return COLUMNS[name];
  }
  if (isField(name)) return name;
  return bad(where, `unknown column "${name}" in ${table} (Contrail's: ${Object.keys(COLUMNS).filter((c) => table === "FlowRecordTable" || !RECORD_ONLY.has(c)).join(", ")}; or any Weft flow field: ${FIELD_NAMES.join(", ")})`);
}

const seriesColumns = () => [...Object.keys(COLUMNS).filter((c) => !RECORD_ONLY.has(c)), "T", "T=<seconds>", ...SERIES_METRICS];

/** A value as the filter language reads it: a quoted string (escaped) or a bare number. */
const lit = (v: unknown) => (typeof v === "number" ? String(v) : `"${String(v).replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`);

/** One where-match → a filter-language comparison (checked on its own, so an error names the match). */
function condition(m: ContrailMatch, table: ContrailTable, at: string): string {
  if (!m || typeof m !== "object") bad(at, "a match is {name, value, op[, value2]}");
  if (typeof m.name !== "string") bad(`${at}.name`, "the column to match is required");
  const field = fieldOf(m.name, table, `${at}.name`);
  const op = m.op ?? MATCH_OP.EQUAL;
  const def = FIELDS[field] as FieldDef;
  let value = m.value;
  if (value === undefined || value === null) bad(`${at}.value`, "required");
  if (field === "direction") value = String(value) === "1" || value === "ingress" ? "ingress" : String(value) === "0" || value === "egress" ? "egress" : bad(`${at}.value`, "direction_ing is 1 (ingress) or 0 (egress)");
  if (def.type === "time") value = Math.floor(Number(value) / 1000); // Contrail's times are µs
  const numeric = def.type === "number" || def.type === "time";
  const v = numeric && /^\d+$/.test(String(value)) ? Number(value) : value;
  let text: string;
  switch (op) {
    case MATCH_OP.EQUAL:
      text = `${field} = ${lit(v)}`;
      break;
    case MATCH_OP.NOT_EQUAL:
      text = `${field} != ${lit(v)}`;
      break;
    case MATCH_OP.LEQ:
      text = `${field} <= ${lit(v)}`;
      break;
    case MATCH_OP.GEQ:
      text = `${field} >= ${lit(v)}`;
      break;
    case MATCH_OP.IN_RANGE:
    case MATCH_OP.NOT_IN_RANGE: {
      if (m.value2 === undefined || m.value2 === null) bad(`${at}.value2`, `${OP_NAMES[op]} needs value2 (the upper end)`);
      const hi = def.type === "time" ? Math.floor(Number(m.value2) / 1000) : m.value2;
      const hv = numeric && /^\d+$/.test(String(hi)) ? Number(hi) : hi;
      const range = `(${field} >= ${lit(v)} AND ${field} <= ${lit(hv)})`;
      text = op === MATCH_OP.IN_RANGE ? range : `NOT ${range}`;
      break;
    }
    case MATCH_OP.PREFIX: {
      if (def.type === "ip") {
        // Contrail: the address with the prefix length in value2 ("10.1.0.0" + "16"), or "10.1.0.0/16"
        const s = String(v);
        text = `${field} << ${s.includes("/") ? s : `${s}/${m.value2 ?? 32}`}`;
      } else text = `${field} ^= ${lit(String(v))}`;
      break;
    }
    case MATCH_OP.REGEX_MATCH:
      return bad(`${at}.op`, "REGEX_MATCH (8) is for filter, not where (Contrail's rule too)");
    default:
      return bad(`${at}.op`, `op is one of ${Object.entries(MATCH_OP).map(([k, n]) => `${n} (${k})`).join(", ")}, not ${JSON.stringify(op)}`);
  }
  try {
    parseFilter(text);
  } catch (e) {
    if (e instanceof FilterError) bad(at, `${m.name}: ${e.reason}`);
    throw e;
  }
  return text;
}

/** `where` (OR of ANDs) and `dir` → one filter-language expression ("" = everything). */
export function contrailWhere(q: Pick<ContrailQuery, "where" | "dir">, table: ContrailTable): string {
  const ors: string[] = [];
  if (q.where !== undefined && !Array.isArray(q.where)) bad("where", "a list of terms (OR), each a list of matches (AND)");
  (q.where ?? []).forEach((term, i) => {
    if (!Array.isArray(term)) bad(`where[${i}]`, "a term is a list of matches (AND)");
    const ands = term.map((m, j) => condition(m, table, `where[${i}][${j}]`));
    if (ands.length) ors.push(ands.length === 1 ? ands[0] : `(${ands.join(" AND ")})`);
  });
  let text = ors.length === 0 ? "" : ors.length === 1 ? ors[0] : ors.map((o) => (o.startsWith("(") ? o : `(${o})`)).join(" OR ");
  if (q.dir !== undefined && q.dir !== null) {
    if (q.dir !== 0 && q.dir !== 1) bad("dir", "0 (egress) or 1 (ingress)");
    const d = `direction = ${q.dir === 1 ? "ingress" : "egress"}`;
    text = text ? `(${text}) AND ${d}` : d;
  }
  return text;
}

type Row = Record<string, unknown>;

/** Most matches in `where` (all terms together) and in `filter`. */
const MAX_WHERE_MATCHES = 1_000;
const MAX_FILTER_MATCHES = 100;

/**
 * filter: an AND of matches on the result rows (REGEX_MATCH allowed), by the selected column names.
 * Checked here (synchronously); the rows are kept by `keep`, one page at a time: a REGEX_MATCH is
 * evaluated by the store's RE2 over the page's distinct values (linear time, off the event loop),
 * never by a JavaScript RegExp over the user's pattern.
 */
function rowFilter(filter: ContrailQuery["filter"], selected: Set<string>, store: FlowStore, deadline: number): { keep: (rows: Row[]) => Promise<Row[]>; patterns: string[] } {
  if (filter === undefined || filter === null) return { keep: async (rows) => rows, patterns: [] };
  if (!Array.isArray(filter)) return bad("filter", "a list of matches (AND), or a list of such lists (OR)");
  const terms = (filter.length && Array.isArray(filter[0]) ? filter : [filter]) as ContrailMatch[][];
  if (terms.some((t) => !Array.isArray(t))) return bad("filter", "a list of matches (AND), or a list of such lists (OR)");
  if (terms.reduce((n, t) => n + t.length, 0) > MAX_FILTER_MATCHES) return bad("filter", `at most ${MAX_FILTER_MATCHES} matches`);
  const patterns: string[] = [];
  type Pred = (r: Row, sets: Map<number, Set<string>>) => boolean;
  const regexes: { k: number; col: string; pattern: string }[] = [];
  const preds: Pred[][] = terms.map((term, i) =>
    term.map((m, j): Pred => {
      const at = `filter[${i}][${j}]`;
      if (!m || typeof m.name !== "string") return bad(`${at}.name`, "the column to match is required");
      if (!selected.has(m.name)) return bad(`${at}.name`, `filter applies to the result: ${m.name} is not in select_fields`);
      const op = m.op ?? MATCH_OP.EQUAL;
      const want = String(m.value ?? "");
      const num = (x: unknown) => Number(x);
      switch (op) {
        case MATCH_OP.EQUAL:
          return (r) => String(r[m.name]) === want;
        case MATCH_OP.NOT_EQUAL:
          return (r) => String(r[m.name]) !== want;
        case MATCH_OP.LEQ:
          return (r) => num(r[m.name]) <= num(want);
        case MATCH_OP.GEQ:
          return (r) => num(r[m.name]) >= num(want);
        case MATCH_OP.IN_RANGE:
          return (r) => num(r[m.name]) >= num(want) && num(r[m.name]) <= num(m.value2);
        case MATCH_OP.NOT_IN_RANGE:
          return (r) => !(num(r[m.name]) >= num(want) && num(r[m.name]) <= num(m.value2));
        case MATCH_OP.PREFIX:
          return (r) => String(r[m.name]).startsWith(want);
        case MATCH_OP.REGEX_MATCH: {
          if (want.length > 1_000) return bad(`${at}.value`, "a regular expression is at most 1000 characters");
          const k = regexes.length;
          regexes.push({ k, col: m.name, pattern: want });
          patterns.push(want);
          return (r, sets) => sets.get(k)!.has(String(r[m.name]));
        }
        default:
          return bad(`${at}.op`, `op is one of 1–8, not ${JSON.stringify(op)}`);
      }
    }),
  );
  return {
    patterns,
    keep: async (rows) => {
      const sets = new Map<number, Set<string>>();
      for (const x of regexes) sets.set(x.k, await store.regexMatches(x.pattern, rows.map((r) => String(r[x.col])), deadline));
      return rows.filter((r) => preds.some((ands) => ands.every((p) => p(r, sets))));
    },
  };
}

/** A stored record as Contrail's FlowRecordTable columns (µs times, direction_ing 0/1). */
function recordColumn(r: FlowRow, col: string): unknown {
  switch (col) {
    case "setup_time":
      return r.start_ms * 1000;
    case "teardown_time":
      return r.status === "aged" || r.status === "flushed" ? r.end_ms * 1000 : null;
    case "direction_ing":
      return r.direction === "ingress" ? 1 : 0;
    case "sg_rule_uuid":
      return r.rule.startsWith("security-group") ? r.rule_uuid : "";
    case "nw_ace_uuid":
      return r.rule.startsWith("security-group") ? "" : r.rule_uuid;
    case "T":
      return r.end_ms * 1000;
    default: {
      // columns were checked before the query ran: Contrail's name, a label key, or a Weft field
      const lk = labelKeyOf(col);
      return lk ? labelValue(r[lk.field], lk.key) : r[(COLUMNS[col] ?? col) as keyof FlowRow];
    }
  }
}

const MAX_LIMIT = 100_000;

/** Raw records newest first, paged through the store, mapped and kept, until `max` rows. */
async function pageRecords(store: FlowStore, q: { from: number; to: number; filter: string; projects?: string[] | null; deadline: number }, max: number, map: (r: FlowRow) => Row, keep: (rows: Row[]) => Promise<Row[]>): Promise<Row[]> {
  const rows: Row[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.records({ ...q, limit: 5000, cursor });
    for (const r of await keep(page.rows.map(map))) rows.push(r);
    cursor = page.nextCursor;
  } while (cursor && rows.length < max);
  return rows;
}

export interface ContrailQueryOptions {
  /** the projects (FQ names) whose traffic the caller may see; null / absent = all (admins) */
  projects?: string[] | null;
  /** time limit of the whole query (default: the store's queryTimeoutMs) */
  timeoutMs?: number;
}

/** Runs a Contrail query on the store: `{ value: rows }` as contrail-analytics-api answers. */
export async function runContrailQuery(store: FlowStore, body: unknown, now = Date.now(), opts: ContrailQueryOptions = {}): Promise<{ value: Row[] }> {
  return (await prepareContrailQuery(store, body, now, opts))();
}

/**
 * Checks a Contrail query (every refusal is a bad_request naming the field, regular expressions
 * included) and returns the function that runs it.
 */
export async function prepareContrailQuery(store: FlowStore, body: unknown, now = Date.now(), opts: ContrailQueryOptions = {}): Promise<() => Promise<{ value: Row[] }>> {
  if (!body || typeof body !== "object" || Array.isArray(body)) bad("body", "a JSON object: table, start_time, end_time, select_fields, where …");
  const q = body as ContrailQuery;
  if (!(CONTRAIL_TABLES as readonly string[]).includes(q.table)) bad("table", `one of ${CONTRAIL_TABLES.join(", ")}, not ${JSON.stringify(q.table)}`);
  const table = q.table as ContrailTable;
  const from = contrailTime(q.start_time, "start_time", now);
  const to = contrailTime(q.end_time, "end_time", now);
  if (to <= from) bad("end_time", "must be after start_time");
  try {
    checkRange({ from, to });
  } catch {
    bad("start_time", "start_time and end_time must lie between 1970 and 2255 (µs since the epoch)");
  }
  if (!Array.isArray(q.select_fields) || q.select_fields.length === 0 || q.select_fields.some((f) => typeof f !== "string")) bad("select_fields", "a non-empty list of column names");
  if (q.select_fields.length > 100) bad("select_fields", "at most 100 columns");
  const limit = q.limit === undefined ? 10_000 : Number.isInteger(q.limit) && q.limit > 0 && q.limit <= MAX_LIMIT ? q.limit : bad("limit", `1–${MAX_LIMIT}`);
  if (q.sort !== undefined && q.sort !== 1 && q.sort !== 2) bad("sort", "1 (ascending) or 2 (descending)");
  const sortFields = q.sort_fields ?? [];
  if (!Array.isArray(sortFields)) bad("sort_fields", "a list of column names");
  const selected = new Set(q.select_fields);
  for (const s of sortFields) if (!selected.has(s)) bad("sort_fields", `${s} is not in select_fields`);
  if (Array.isArray(q.where) && q.where.reduce((n, t) => n + (Array.isArray(t) ? t.length : 1), 0) > MAX_WHERE_MATCHES) bad("where", `at most ${MAX_WHERE_MATCHES} matches`);
  const filter = contrailWhere(q, table);
  const deadline = Date.now() + (opts.timeoutMs ?? (store as { queryTimeoutMs?: number }).queryTimeoutMs ?? 10_000);
  const { keep, patterns } = rowFilter(q.filter, selected, store, deadline);
  const range = { from, to: to + 1, projects: opts.projects, deadline };
  const project = (r: FlowRow) => {
    const out: Row = {};
    for (const c of q.select_fields) out[c] = recordColumn(r, c);
    return out;
  };
  let run: () => Promise<Row[]>;

  if (table === "FlowRecordTable") {
    for (const c of q.select_fields) if (c !== "T") fieldOf(c, table, "select_fields");
    run = () => pageRecords(store, { ...range, filter }, sortFields.length ? MAX_LIMIT : limit, project, keep);
  } else {
    // FlowSeriesTable: T=<s> buckets and/or group columns with sums; plain T (no sums) = per record
    const dims: { col: string; field: Dim }[] = [];
    let granularityMs = 0;
    let perRecord = false;
    const metrics: string[] = [];
    for (const c of q.select_fields) {
      const t = /^T=(\d+)$/.exec(c);
      if (t) {
        granularityMs = Number(t[1]) * 1000;
        if (granularityMs <= 0) bad("select_fields", "T=<seconds> needs at least 1 second");
      } else if (c === "T") perRecord = true;
      else if ((SERIES_METRICS as readonly string[]).includes(c)) metrics.push(c);
      else dims.push({ col: c, field: LABEL_KEY_DIM.test(c) ? (c as Dim) : fieldOf(c, table, "select_fields") });
    }
    const sums = metrics.filter((m) => m !== "bytes" && m !== "packets");
    if (perRecord && !granularityMs && sums.length === 0) {
      // raw samples: one row per record
      run = () => pageRecords(store, { ...range, filter }, sortFields.length ? MAX_LIMIT : limit, project, keep);
    } else {
      const groupBy = dims.map((d) => d.field);
      const first = sortFields.find((s) => (SERIES_METRICS as readonly string[]).includes(s));
      const metric = first ? kindOf(first) : "bytes";
      const dimValue = (d: { col: string; field: Dim }, v: unknown) => (d.col === "direction_ing" ? (v === "ingress" ? 1 : 0) : v);
      if (granularityMs) {
        // bounded: a series answer holds at most MAX_SERIES_BUCKETS buckets and MAX_SERIES_POINTS points
        const buckets = bucketCount(range.from, range.to, granularityMs);
        const span = range.to - range.from;
        if (buckets > MAX_SERIES_BUCKETS)
          bad("select_fields", `T=${granularityMs / 1000} over ${Math.round(span / 1000)} s is ${buckets} buckets; at most ${MAX_SERIES_BUCKETS}: use T=${Math.ceil(span / 1000 / (MAX_SERIES_BUCKETS - 1))} or more, or a shorter time range`);
        const groups = groupBy.length ? Math.min(limit, 10_000) + 1 : 1;
        if (buckets * groups > MAX_SERIES_POINTS)
          bad("limit", `${buckets} buckets × ${groups} groups is more than ${MAX_SERIES_POINTS} points: lower limit to ${Math.max(1, Math.floor(MAX_SERIES_POINTS / buckets) - 1)} or use a larger T=`);
      }
      run = async () => {
        const rows: Row[] = [];
        if (!granularityMs) {
          const agg = await store.aggregate({ ...range, filter, groupBy, metric, limit: Math.min(limit, 10_000) });
          const groups = groupBy.length ? agg.rows : [{ key: {}, ...agg.total }];
          const out: Row[] = [];
          for (const g of groups) {
            const o: Row = {};
            for (const d of dims) o[d.col] = dimValue(d, g.key[d.field]);
            for (const m of metrics) o[m] = g[kindOf(m)];
            out.push(o);
          }
          rows.push(...(await keep(out)));
        } else {
          // one series per metric, the same groups (top by the sort metric, up to the limit)
          const kinds = [...new Set(metrics.map(kindOf))];
          if (kinds.length === 0) kinds.push("bytes");
          const results = await Promise.all(kinds.map((k) => store.series({ ...range, filter, metric: k, granularityMs, groupBy, top: Math.min(limit, 10_000) })));
          // each metric's series by group (a group missing from another metric's top counts 0 there)
          const byKey = results.map((r) => new Map(r.series.map((x) => [JSON.stringify(x.key), x])));
          const base = results[0];
          const out: Row[] = [];
          base.series.forEach((s) => {
            if (s.key.other) return; // Contrail has no "other" row
            const same = byKey.map((m) => m.get(JSON.stringify(s.key)));
            base.buckets.forEach((b, bi) => {
              const v = { bytes: 0, packets: 0, flows: 0 };
              kinds.forEach((k, ki) => {
                v[k] = same[ki]?.points[bi] ?? 0;
              });
              if (v.bytes === 0 && v.packets === 0 && v.flows === 0) return;
              const o: Row = { [`T=${granularityMs / 1000}`]: b * 1000 };
              for (const d of dims) o[d.col] = dimValue(d, d.field === "protocol" || d.field === "src_port" || d.field === "dst_port" ? Number(s.key[d.field]) : s.key[d.field]);
              for (const m of metrics) o[m] = v[kindOf(m)];
              out.push(o);
            });
          });
          rows.push(...(await keep(out)));
        }
        return rows;
      };
    }
  }
  // the patterns are checked against RE2 now, so a refused one is a 400 before the query runs
  for (const p of patterns) {
    try {
      await store.checkRegex(p);
    } catch (e) {
      if (e instanceof WeftError && e.code === "bad_request") bad("filter", `REGEX_MATCH ${JSON.stringify(p.slice(0, 80))}: ${e.message}`);
      throw e;
    }
  }
  return async () => {
    const rows = await run();
    if (sortFields.length) {
      const dir = q.sort === 1 ? 1 : -1;
      // plain comparisons (no localeCompare): up to 100,000 rows are sorted on the event loop
      rows.sort((a, b) => {
        for (const f of sortFields) {
          const x = a[f];
          const y = b[f];
          if (x === y) continue;
          const c = typeof x === "number" && typeof y === "number" ? x - y : String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
          if (c !== 0) return c * dir;
        }
        return 0;
      });
    }
    return { value: rows.length > limit ? rows.slice(0, limit) : rows };
  };
}

/** GET /analytics/table/<t>/schema: the columns of a table, as contrail-analytics-api lists them. */
export function contrailSchema(table: string) {
  if (!(CONTRAIL_TABLES as readonly string[]).includes(table)) throw new WeftError("not_found", `no table ${table}: the flow tables are ${CONTRAIL_TABLES.join(", ")}`);
  const t = table as ContrailTable;
  const typeOf = (f: Field) => ((FIELDS[f] as FieldDef).type === "number" || (FIELDS[f] as FieldDef).type === "time" ? "int" : "string");
  const contrail = Object.entries(COLUMNS)
    .filter(([c]) => t === "FlowRecordTable" || !RECORD_ONLY.has(c))
    .map(([name, f]) => ({ name, datatype: name === "direction_ing" ? "int" : typeOf(f), index: true, weft_field: f }));
  const extra = t === "FlowSeriesTable" ? [{ name: "T", datatype: "int", index: false }, { name: "T=", datatype: "int", index: false }, ...SERIES_METRICS.map((name) => ({ name, datatype: "int", index: false }))] : [];
  const weft = FIELD_NAMES.map((name) => ({ name, datatype: typeOf(name), index: true, description: (FIELDS[name] as FieldDef).label }));
  return { type: "FLOW", columns: [...contrail, ...extra, ...weft] };
}

/**
 * Contrail's asynchronous queries: POST /analytics/query with `Expect: 202-accepted` answers 202 and
 * the href of a status entity, polled until `progress` is 100 (or -1 on failure); its `chunks` then
 * name the result (here always one chunk, /chunk-final/0). Results are kept `ttlMs` (10 minutes)
 * and at most `max` (32) queries.
 */
export class ContrailQueries {
  private readonly queries = new Map<string, { startedAt: number; owner: string; start_time: number; end_time: number; progress: number; rows: Row[] | null; error: string }>();

  constructor(
    private readonly ttlMs = 600_000,
    private readonly max = 32,
  ) {}

  /**
   * Starts a query; a query the API refuses (bad table, field, time, regular expression…) throws
   * here, as the synchronous API would. `owner` (the caller) is the only one who may read it back.
   */
  async start(store: FlowStore, body: unknown, now = Date.now(), opts: ContrailQueryOptions & { owner?: string } = {}): Promise<string> {
    this.expire(now);
    const run = await prepareContrailQuery(store, body, now, opts);
    const q = body as ContrailQuery;
    const qid = randomUUID();
    const entry = { startedAt: now, owner: opts.owner ?? "", start_time: contrailTime(q.start_time, "start_time", now), end_time: contrailTime(q.end_time, "end_time", now), progress: 0, rows: null as Row[] | null, error: "" };
    this.queries.set(qid, entry);
    void run().then(
      (r) => {
        entry.rows = r.value;
        entry.progress = 100;
      },
      (e: Error) => {
        entry.error = e.message;
        entry.progress = -1;
      },
    );
    while (this.queries.size > this.max) this.queries.delete(this.queries.keys().next().value!);
    return qid;
  }

  /** The status entity of /analytics/query/<qid> (only for the caller who started it). */
  status(qid: string, now = Date.now(), owner?: string) {
    const q = this.get(qid, now, owner);
    const us = (ms: number) => ms * 1000;
    return {
      progress: q.progress,
      ...(q.progress === 100 ? { count: q.rows!.length } : {}),
      ...(q.error ? { error: q.error } : {}),
      ttl: Math.max(0, Math.round((q.startedAt + this.ttlMs - now) / 1000)),
      chunks: [{ start_time: us(q.start_time), end_time: us(q.end_time), href: q.progress === 100 ? `/analytics/query/${qid}/chunk-final/0` : "" }],
    };
  }

  /** The rows of a finished query's chunk (only for the caller who started it). */
  chunk(qid: string, n: number, now = Date.now(), owner?: string): Row[] {
    const q = this.get(qid, now, owner);
    if (n !== 0) throw new WeftError("not_found", `query ${qid} has one chunk: /analytics/query/${qid}/chunk-final/0`);
    if (q.progress !== 100) throw new WeftError("not_found", q.progress < 0 ? `query ${qid} failed: ${q.error}` : `query ${qid} is still running (progress ${q.progress})`);
    return q.rows!;
  }

  private get(qid: string, now: number, owner?: string) {
    this.expire(now);
    const q = this.queries.get(qid);
    // another caller's query is not there for this one (its rows may hold projects it may not see)
    if (!q || (owner !== undefined && q.owner !== owner)) throw new WeftError("not_found", `no query ${qid} (results are kept ${this.ttlMs / 60_000} minutes)`);
    return q;
  }

  private expire(now: number) {
    for (const [id, q] of this.queries) if (now - q.startedAt > this.ttlMs) this.queries.delete(id);
  }
}
