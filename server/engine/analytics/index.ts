// Analytics: the flow collector, the store behind one interface, the queries and the lab's
// traffic generator. engine.ts builds it with the two things it needs from the rest of the
// engine (the compiled ports, and a way to hand traffic to an agent) so this folder imports
// only protocol/ and itself.
import path from "node:path";
import type { FlowRecords, TrafficItem } from "../protocol";
import { FlowCollector, type CollectorOptions, type CollectorStatus } from "./collector";
import { Directory, type DirectoryPort } from "./directory";
import { ContrailQueries, type ContrailQueryOptions, runContrailQuery } from "./contrail-query";
import type { Field } from "./schema";
import type { AggregateQuery, AggregateResult, FlowStore, RecordsQuery, RecordsResult, SeriesQuery, SeriesResult, StoreStats, TimeRange } from "./store";
import { TrafficGenerator, type TrafficEndpoint, type TrafficProfile, type TrafficStatus } from "./traffic";

export * from "./schema";
export * from "./store";
export { FilterError, parseFilter, completeAt } from "./filter";
export { CONTRAIL_TABLES, contrailSchema, type ContrailQueryOptions } from "./contrail-query";
export type { TrafficProfile, TrafficStatus, FlowSpec, TrafficEndpoint } from "./traffic";
export type { CollectorStatus, NodeExportStatus } from "./collector";

export interface AnalyticsOptions {
  dataDir: string;
  /** WEFT_FLOW_STORE: "" / "duckdb" (default, <data dir>/flows/) or clickhouse://user:pass@host:8123/db */
  storeUrl?: string;
  ports: () => Iterable<DirectoryPort & TrafficEndpoint>;
  /** a port's Kubernetes labels (its `label:<key>` annotations), for src_labels / dst_labels */
  portLabels?: (uuid: string) => Record<string, string> | undefined;
  sendTraffic: (host: string, items: TrafficItem[]) => boolean;
  collector?: CollectorOptions;
  log?: (line: string) => void;
}

export async function createStore(dataDir: string, url = ""): Promise<FlowStore> {
  if (url.startsWith("clickhouse://") || url.startsWith("clickhouse:")) {
    const { ClickHouseFlowStore, parseClickHouseUrl } = await import("./clickhouse-store");
    return new ClickHouseFlowStore(parseClickHouseUrl(url));
  }
  if (url && url !== "duckdb" && !url.startsWith("duckdb:")) throw new Error(`WEFT_FLOW_STORE: unknown store "${url}" (use duckdb or clickhouse://host:8123/db)`);
  const { DuckDbFlowStore } = await import("./duckdb-store");
  const dir = url.startsWith("duckdb:") && url.length > 7 ? url.slice(7) : path.join(dataDir, "flows");
  return new DuckDbFlowStore({ dir });
}

export interface AnalyticsStatus {
  store: StoreStats;
  collector: CollectorStatus;
  traffic: TrafficStatus;
}

export class Analytics {
  readonly directory: Directory;
  readonly collector: FlowCollector;
  readonly traffic: TrafficGenerator;

  private constructor(
    readonly store: FlowStore,
    opts: AnalyticsOptions,
  ) {
    this.directory = new Directory(opts.ports, opts.portLabels);
    this.collector = new FlowCollector(store, this.directory, { log: opts.log, ...opts.collector });
    this.traffic = new TrafficGenerator(() => [...opts.ports()], opts.sendTraffic);
  }

  static async open(opts: AnalyticsOptions): Promise<Analytics> {
    const store = await createStore(opts.dataDir, opts.storeUrl ?? process.env.WEFT_FLOW_STORE ?? "");
    await store.open();
    const a = new Analytics(store, opts);
    await a.collector.start();
    return a;
  }

  /** A batch of flow records from an agent (wired to the control node). */
  ingest(node: string, batch: FlowRecords) {
    this.collector.ingest(node, batch);
  }

  /** Ports (or their labels) changed: names are looked up again at the next record. */
  portsChanged() {
    this.directory.invalidate();
  }

  series(q: SeriesQuery): Promise<SeriesResult> {
    return this.store.series(q);
  }
  aggregate(q: AggregateQuery): Promise<AggregateResult> {
    return this.store.aggregate(q);
  }
  records(q: RecordsQuery): Promise<RecordsResult> {
    return this.store.records(q);
  }
  values(field: Field, prefix: string, range: TimeRange): Promise<string[]> {
    return this.store.values(field, prefix, range);
  }

  /** Contrail's POST /analytics/query (FlowRecordTable, FlowSeriesTable) on this store. */
  contrailQuery(body: unknown, opts: ContrailQueryOptions = {}): Promise<{ value: Record<string, unknown>[] }> {
    return runContrailQuery(this.store, body, Date.now(), opts);
  }
  /** The same query, asynchronously (`Expect: 202-accepted`): its id, for contrailQueries.status / chunk. */
  startContrailQuery(body: unknown, opts: ContrailQueryOptions & { owner?: string } = {}): Promise<string> {
    return this.contrailQueries.start(this.store, body, Date.now(), opts);
  }
  readonly contrailQueries = new ContrailQueries();

  /** Label keys seen on either side in the last day, sorted. */
  async labelKeys(now = Date.now(), projects?: string[] | null): Promise<string[]> {
    const range = { from: now - 86_400_000, to: now + 1, projects };
    const terms = [...(await this.store.values("src_labels", "", range, 200)), ...(await this.store.values("dst_labels", "", range, 200))];
    return [...new Set(terms.map((t) => t.slice(0, t.indexOf("="))))].sort();
  }

  startTraffic(p: TrafficProfile) {
    this.traffic.start(p);
    return this.traffic.status();
  }
  stopTraffic() {
    this.traffic.stop();
    return this.traffic.status();
  }

  async status(): Promise<AnalyticsStatus> {
    return { store: await this.store.stats(), collector: this.collector.snapshot(), traffic: this.traffic.status() };
  }

  async stop() {
    this.traffic.stop();
    await this.collector.stop();
    await this.store.close();
  }
}
