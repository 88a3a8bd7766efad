// The scale-out flow store: ClickHouse through @clickhouse/client, selected with
// WEFT_FLOW_STORE=clickhouse://[user[:password]@]host[:8123][/database]. Written for what
// Debian's clickhouse-server 18.16 accepts: no query parameters (literals are escaped here),
// JSONEachRow only, integer-ms time columns, UInt8 booleans, ALTER … DELETE for retention
// (asynchronous mutations), UNION ALL branches with identical column types.
import { Readable } from "node:stream";
import { type ClickHouseClient, createClient } from "@clickhouse/client";
import { FIELDS, type Field, type FlowRow, ROLLUP_DIMS, ipv4Number } from "./schema";
import { SqlFlowStore, queryTimeout, rollupColumns } from "./store";

const INSERT_COLUMNS: [string, ...string[]] = ["id", ...Object.keys(FIELDS), "src_ip4", "dst_ip4"];

const chType = (f: Field): string => {
  switch (f) {
    case "end_ms":
    case "start_ms":
    case "packets":
    case "bytes":
      return "UInt64";
    case "protocol":
    case "reverse":
    case "first":
      return "UInt8";
    case "src_port":
    case "dst_port":
      return "UInt16";
    default:
      return "String";
  }
};

/** A TabSeparated field: backslash, tab and newline escaped. */
function tsv(s: string): string {
  return /[\\\t\n\r]/.test(s) ? s.replace(/[\\\t\n\r]/g, (c) => (c === "\\" ? "\\\\" : c === "\t" ? "\\t" : c === "\n" ? "\\n" : "\\r")) : s;
}

export interface ClickHouseStoreOptions {
  url: string;
  username?: string;
  password?: string;
  database?: string;
}

/** clickhouse://user:pass@host:8123/db → client options. */
export function parseClickHouseUrl(u: string): ClickHouseStoreOptions {
  const url = new URL(u.replace(/^clickhouse:/, "http:"));
  return {
    url: `http://${url.hostname}:${url.port || "8123"}`,
    username: decodeURIComponent(url.username || "default"),
    password: decodeURIComponent(url.password || ""),
    database: url.pathname.replace(/^\//, "") || "default",
  };
}

export class ClickHouseFlowStore extends SqlFlowStore {
  readonly kind = "clickhouse";
  readonly location: string;
  private client: ClickHouseClient | null = null;
  readonly d = {
    str: (s: string) => `'${s.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`,
    bool: (b: boolean) => (b ? "1" : "0"),
    contains: (col: string, s: string) => `position(lower(${col}), ${this.d.str(s.toLowerCase())}) > 0`,
    includes: (col: string, s: string) => `position(${col}, ${this.d.str(s)}) > 0`,
    startsWith: (col: string, s: string) => `substring(${col}, 1, ${Buffer.byteLength(s)}) = ${this.d.str(s)}`,
    // re2 (ClickHouse's regex engine): linear time, no backtracking
    regex: (col: string, pattern: string) => `match(${col}, ${pattern})`,
    rowsOf: (literals: string[]) => `(SELECT arrayJoin([${literals.join(", ")}]) AS v)`,
    delimited: (col: string) => `concat(',', ${col}, ',')`,
    ident: (n: string) => `"${n}"`,
    num: (e: string) => `toFloat64(${e})`,
    int: (e: string) => `toUInt64(${e})`,
    text: (e: string) => `toString(${e})`,
    concat: (parts: string[]) => (parts.length === 1 ? parts[0] : `concat(${parts.join(", ")})`),
    limitOffset: (limit: number, offset: number) => `LIMIT ${offset}, ${limit}`,
  };

  protected labelKeyExpr(field: "src_labels" | "dst_labels", key: string): string {
    // ",app=web,tier=front," → the value after ",<key>=" (re2; keys hold no regex characters but ".")
    return `extract(concat(',', "${field}", ','), ${this.d.str(`,${key.replace(/\./g, "\\.")}=([^,]*),`)})`;
  }

  constructor(private readonly opts: ClickHouseStoreOptions) {
    super();
    this.location = `${opts.url}/${opts.database ?? "default"}`;
  }

  async open() {
    const db = this.opts.database ?? "default";
    if (db !== "default") {
      const boot = createClient({ url: this.opts.url, username: this.opts.username ?? "default", password: this.opts.password ?? "" });
      await boot.command({ query: `CREATE DATABASE IF NOT EXISTS "${db}"` });
      await boot.close();
    }
    this.client = createClient({ url: this.opts.url, username: this.opts.username ?? "default", password: this.opts.password ?? "", database: db, request_timeout: 60_000 });
    const cols = (Object.keys(FIELDS) as Field[]).map((f) => `"${f}" ${chType(f)}`).join(", ");
    await this.exec(
      `CREATE TABLE IF NOT EXISTS flows (id UInt64, ${cols}, src_ip4 UInt32, dst_ip4 UInt32) ENGINE = MergeTree() PARTITION BY intDiv(end_ms, 86400000) ORDER BY (end_ms, id)`,
    );
    for (const l of ["flows_1m", "flows_1h"])
      await this.exec(
        `CREATE TABLE IF NOT EXISTS ${l} (ts UInt64, ${rollupColumns(chType)}, m_bytes UInt64, m_packets UInt64, m_flows UInt64, m_records UInt64) ENGINE = MergeTree() PARTITION BY intDiv(ts, 86400000 * 30) ORDER BY ts`,
      );
    // fields added since the tables were created (e.g. src_labels / dst_labels), in their place
    await this.addMissingColumns("flows", ["id", ...Object.keys(FIELDS)] as Field[]);
    for (const l of ["flows_1m", "flows_1h"]) await this.addMissingColumns(l, ["ts", ...ROLLUP_DIMS] as Field[]);
    await this.loadWatermarks();
  }

  private async addMissingColumns(table: string, want: Field[]) {
    const have = new Set((await this.select(`SELECT name FROM system.columns WHERE database = currentDatabase() AND table = ${this.d.str(table)}`)).map((r) => String(r.name)));
    for (let i = 1; i < want.length; i++) if (!have.has(want[i])) await this.exec(`ALTER TABLE ${table} ADD COLUMN "${want[i]}" ${chType(want[i])} AFTER "${want[i - 1]}"`);
  }

  async close() {
    await this.client?.close();
    this.client = null;
  }

  protected async exec(sql: string) {
    await this.client!.command({ query: sql });
  }

  protected async select(sql: string, deadline?: number): Promise<Record<string, unknown>[]> {
    if (deadline === undefined) {
      const rs = await this.client!.query({ query: sql, format: "JSONEachRow" });
      return (await rs.json()) as Record<string, unknown>[];
    }
    // the server stops the query at max_execution_time (seconds); the request is aborted a little
    // later in case the server does not (a query stuck reading its answer)
    const budget = deadline - Date.now();
    if (budget <= 0) throw queryTimeout(this.queryTimeoutMs);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), budget + 1_000);
    try {
      const rs = await this.client!.query({
        query: sql,
        format: "JSONEachRow",
        clickhouse_settings: { max_execution_time: Math.max(1, Math.ceil(budget / 1000)), timeout_overflow_mode: "throw" },
        abort_signal: abort.signal,
      });
      return (await rs.json()) as Record<string, unknown>[];
    } catch (e) {
      // TIMEOUT_EXCEEDED (159) from the server, or our abort
      if (abort.signal.aborted || /TIMEOUT_EXCEEDED|Timeout exceeded|code: 159/i.test(String((e as Error).message))) throw queryTimeout(budget);
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  protected async deleteWhere(table: string, where: string) {
    await this.exec(`ALTER TABLE ${table} DELETE WHERE ${where}`);
  }

  async insert(rows: FlowRow[]) {
    if (rows.length === 0) return;
    // TabSeparated: several times cheaper than JSONEachRow for the server to parse (and for us to write)
    const fields = Object.keys(FIELDS) as (keyof FlowRow)[];
    const lines: string[] = new Array(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const r = rows[i];
      let line = String(r.id);
      for (const f of fields) {
        const v = r[f];
        line += "\t" + (typeof v === "string" ? tsv(v) : typeof v === "boolean" ? (v ? "1" : "0") : String(v));
      }
      lines[i] = `${line}\t${ipv4Number(r.src_ip)}\t${ipv4Number(r.dst_ip)}\n`;
    }
    await this.client!.insert({ table: "flows", format: "TabSeparated", columns: INSERT_COLUMNS, values: Readable.from([Buffer.from(lines.join(""))], { objectMode: false }) });
  }

  /** Drops every table (tests). */
  async dropAll() {
    for (const t of ["flows", "flows_1m", "flows_1h"]) await this.exec(`DROP TABLE IF EXISTS ${t}`);
  }
}
