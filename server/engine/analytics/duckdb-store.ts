// The embedded flow store: a DuckDB file under <data dir>/flows/ (columnar, fast group-by).
// Inserts go through DuckDB's appender (one native call per value, no SQL text per row).
import fs from "node:fs";
import path from "node:path";
import { type DuckDBAppender, type DuckDBConnection, DuckDBInstance } from "@duckdb/node-api";
import { FIELDS, type Field, type FlowRow, ipv4Number } from "./schema";
import { SqlFlowStore, rollupColumns } from "./store";

const sqlType = (f: Field): string => {
  switch (f) {
    case "end_ms":
    case "start_ms":
    case "packets":
    case "bytes":
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
      return "VARCHAR";
  }
};

const STRINGS = (Object.keys(FIELDS) as Field[]).filter((f) => sqlType(f) === "VARCHAR");

export interface DuckDbStoreOptions {
  /** directory of the store (created); ":memory:" for a throwaway store */
  dir: string;
  threads?: number;
  memoryLimit?: string;
}

export class DuckDbFlowStore extends SqlFlowStore {
  readonly kind = "duckdb";
  readonly location: string;
  private instance: DuckDBInstance | null = null;
  private conn: DuckDBConnection | null = null;
  private writer: DuckDBConnection | null = null;
  readonly d = {
    str: (s: string) => `'${s.replace(/'/g, "''")}'`,
    bool: (b: boolean) => (b ? "TRUE" : "FALSE"),
    contains: (col: string, s: string) => `strpos(lower(${col}), ${this.d.str(s.toLowerCase())}) > 0`,
    ident: (n: string) => `"${n}"`,
    num: (e: string) => `CAST(${e} AS DOUBLE)`,
    int: (e: string) => `CAST(${e} AS BIGINT)`,
    text: (e: string) => `CAST(${e} AS VARCHAR)`,
    concat: (parts: string[]) => `concat(${parts.join(", ")})`,
    limitOffset: (limit: number, offset: number) => `LIMIT ${limit} OFFSET ${offset}`,
  };

  constructor(private readonly opts: DuckDbStoreOptions) {
    super();
    this.location = opts.dir === ":memory:" ? ":memory:" : path.join(opts.dir, "flows.duckdb");
  }

  async open() {
    if (this.location !== ":memory:") fs.mkdirSync(this.opts.dir, { recursive: true });
    const config: Record<string, string> = {};
    if (this.opts.threads) config.threads = String(this.opts.threads);
    if (this.opts.memoryLimit) config.memory_limit = this.opts.memoryLimit;
    this.instance = await DuckDBInstance.create(this.location, config);
    this.conn = await this.instance.connect();
    this.writer = await this.instance.connect();
    const cols = (Object.keys(FIELDS) as Field[]).map((f) => `"${f}" ${sqlType(f)}`).join(", ");
    await this.exec(`CREATE TABLE IF NOT EXISTS flows (id BIGINT, ${cols}, src_ip4 UINTEGER, dst_ip4 UINTEGER)`);
    for (const l of ["flows_1m", "flows_1h"])
      await this.exec(`CREATE TABLE IF NOT EXISTS ${l} (ts BIGINT, ${rollupColumns(sqlType)}, m_bytes BIGINT, m_packets BIGINT, m_flows BIGINT, m_records BIGINT)`);
    await this.loadWatermarks();
  }

  async close() {
    this.writer?.closeSync();
    this.conn?.closeSync();
    this.instance?.closeSync();
    this.writer = this.conn = null;
    this.instance = null;
  }

  protected async exec(sql: string) {
    await this.conn!.run(sql);
  }

  protected async select(sql: string): Promise<Record<string, unknown>[]> {
    const r = await this.conn!.runAndReadAll(sql);
    return r.getRowObjectsJS() as Record<string, unknown>[];
  }

  protected async deleteWhere(table: string, where: string) {
    await this.exec(`DELETE FROM ${table} WHERE ${where}`);
  }

  async insert(rows: FlowRow[]) {
    if (rows.length === 0) return;
    const a: DuckDBAppender = await this.writer!.createAppender("flows");
    try {
      for (const r of rows) {
        a.appendBigInt(BigInt(r.id));
        a.appendBigInt(BigInt(r.end_ms));
        a.appendBigInt(BigInt(r.start_ms));
        a.appendVarchar(r.node);
        a.appendVarchar(r.direction);
        a.appendVarchar(r.vrf);
        a.appendUTinyInt(r.protocol);
        a.appendVarchar(r.src_ip);
        a.appendVarchar(r.dst_ip);
        a.appendInteger(r.src_port);
        a.appendInteger(r.dst_port);
        a.appendVarchar(r.action);
        a.appendVarchar(r.reason);
        a.appendVarchar(r.rule);
        a.appendVarchar(r.rule_acl);
        a.appendVarchar(r.rule_uuid);
        a.appendVarchar(r.src_vn);
        a.appendVarchar(r.dst_vn);
        a.appendVarchar(r.src_project);
        a.appendVarchar(r.dst_project);
        a.appendVarchar(r.src_namespace);
        a.appendVarchar(r.dst_namespace);
        a.appendVarchar(r.src_workload);
        a.appendVarchar(r.dst_workload);
        a.appendVarchar(r.src_vmi);
        a.appendVarchar(r.dst_vmi);
        a.appendVarchar(r.nat_src_ip);
        a.appendVarchar(r.nat_dst_ip);
        a.appendVarchar(r.nh_node);
        a.appendVarchar(r.nh_address);
        a.appendVarchar(r.encap);
        a.appendBigInt(BigInt(r.packets));
        a.appendBigInt(BigInt(r.bytes));
        a.appendBoolean(r.reverse);
        a.appendBoolean(r.first);
        a.appendVarchar(r.status);
        a.appendVarchar(r.flow_id);
        a.appendUInteger(ipv4Number(r.src_ip));
        a.appendUInteger(ipv4Number(r.dst_ip));
        a.endRow();
      }
    } finally {
      a.closeSync();
    }
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

/** Column order check: the appender above writes FIELDS in declaration order. */
export const DUCKDB_STRING_FIELDS = STRINGS;
