"use client";
// Monitor › Flows: dashboard (flows/s and bytes/s, top talkers, top denied with the deciding
// rule, per compute node), explorer (filter language, time presets, group-by chips, chart type,
// auto-refresh, CSV) and the records table with a detail drawer. Every choice lives in the URL.
import { keepPreviousData, useMutation, useQuery } from "@tanstack/react-query";
import type { ColumnDef } from "@tanstack/react-table";
import { Download, Pause, Play, RefreshCw } from "lucide-react";
import Link from "next/link";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback, useMemo, useState } from "react";
import { type Dim, type Field, type FlowRow, LABEL_KEY_DIM } from "../../server/engine/analytics/schema";
import { errorMessage } from "../../lib/errors";
import { useTRPC } from "../../lib/trpc";
import { ConfirmDialog } from "../ui/confirm-dialog";
import { useToast } from "../ui/toast";
import { formatClock, formatTime } from "../objects/cells";
import { DataTable } from "../data-table/DataTable";
import { PageHeader } from "../objects/page-header";
import { useMe } from "../session";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { Drawer } from "../ui/dialog";
import { Mono } from "../ui/mono";
import { Select } from "../ui/select";
import { Tabs } from "../ui/tabs";
import { FilterBar, filterProblem } from "./filter-bar";
import { type ChartKind, FlowChart, fmt, short } from "./flow-chart";

const PRESETS = ["5m", "15m", "1h", "6h", "24h", "7d"];
const GROUPS: Field[] = ["src_vn", "dst_vn", "src_project", "dst_project", "src_namespace", "dst_namespace", "src_labels", "dst_labels", "src_workload", "dst_workload", "node", "action", "rule", "dst_port", "protocol", "direction", "nh_node", "encap"];
type Metric = "bytes" | "packets" | "flows" | "records";

function useUrlState() {
  const params = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const get = (k: string, d: string) => params.get(k) ?? d;
  const set = useCallback(
    (patch: Record<string, string | null>) => {
      const p = new URLSearchParams(params.toString());
      for (const [k, v] of Object.entries(patch)) (v === null || v === "" ? p.delete(k) : p.set(k, v));
      router.replace(`${pathname}?${p.toString()}`, { scroll: false });
    },
    [params, router, pathname],
  );
  return { get, set };
}

const protoName = (n: number) => ({ 1: "icmp", 6: "tcp", 17: "udp", 58: "icmp6" })[n] ?? String(n);

function ActionBadge({ action }: { action: string }) {
  return <Badge tone={action === "pass" ? "ok" : action === "deny" ? "danger" : "warn"}>{action === "pass" ? "Pass" : action === "deny" ? "Deny" : "Drop"}</Badge>;
}

export function FlowsPage() {
  const { get, set } = useUrlState();
  const tab = get("tab", "dashboard");
  const last = get("range", "15m");
  const filter = get("filter", "");
  const refresh = get("refresh", "10") !== "off";
  const interval = refresh ? Number(get("refresh", "10")) * 1000 : false;
  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <PageHeader
        title="Flows"
        description="Every flow the vRouter agents handled: who talks to whom, what was denied and by which rule."
        actions={
          <div className="flex items-center gap-2">
            <TrafficControl />
            <div className="flex overflow-hidden rounded-md border border-line" role="group" aria-label="time range">
              {PRESETS.map((p) => (
                <button key={p} type="button" data-testid={`range-${p}`} onClick={() => set({ range: p })} className={`px-2 py-1 text-xs tabular-nums ${p === last ? "bg-accent text-white" : "hover:bg-surface-2"}`}>
                  {p}
                </button>
              ))}
            </div>
            <Button variant="secondary" size="sm" title={refresh ? "auto-refresh every 10 s: click to pause" : "auto-refresh paused"} onClick={() => set({ refresh: refresh ? "off" : null })}>
              {refresh ? <Pause size={14} /> : <Play size={14} />} {refresh ? "Live" : "Paused"}
            </Button>
          </div>
        }
      />
      <div className="bg-surface px-4">
        <Tabs tabs={[{ id: "dashboard", label: "Dashboard" }, { id: "explorer", label: "Explorer" }, { id: "records", label: "Records" }]} value={tab} onChange={(t) => set({ tab: t })} />
      </div>
      {tab === "records" ? (
        <div className="flex min-h-0 flex-1 flex-col">
          <Records last={last} filter={filter} interval={interval} />
        </div>
      ) : (
        <div className="min-h-0 flex-1 overflow-auto p-4">
          {tab === "explorer" ? <Explorer last={last} filter={filter} interval={interval} /> : <Dashboard last={last} interval={interval} />}
        </div>
      )}
    </div>
  );
}

function TrafficControl() {
  const trpc = useTRPC();
  const me = useMe();
  const st = useQuery({ ...trpc.flows.traffic.status.queryOptions(), refetchInterval: 5000 });
  const start = useMutation(trpc.flows.traffic.start.mutationOptions({ onSuccess: () => st.refetch() }));
  const stop = useMutation(trpc.flows.traffic.stop.mutationOptions({ onSuccess: () => st.refetch() }));
  const [rate, setRate] = useState("20");
  const [confirmStop, setConfirmStop] = useState(false);
  const toast = useToast();
  if (me.role === "viewer") return null;
  const running = st.data?.running;
  return (
    <div className="flex items-center gap-1">
      <ConfirmDialog
        open={confirmStop}
        onOpenChange={setConfirmStop}
        title="Stop the lab's traffic generator?"
        note="The generator is shared by everyone using this lab: their dashboards, topology traffic overlay and flow records stop receiving new flows until someone starts it again."
        confirmLabel="Stop traffic"
        onConfirm={async () => {
          await stop.mutateAsync();
          toast({ message: "Stopped the lab's traffic generator" });
        }}
      />
      {!running && (
        <Select value={rate} onChange={(e) => setRate(e.target.value)} options={["5", "20", "100", "500"].map((r) => ({ value: r, label: `${r} flows/s` }))} aria-label="traffic rate" data-testid="traffic-rate" />
      )}
      <Button variant="secondary" size="sm" data-testid="traffic-toggle" onClick={() => (running ? setConfirmStop(true) : start.mutate({ rate: Number(rate), bursts: true }, { onSuccess: (r) => toast({ message: `Started the lab's traffic generator at ${r.rate} new flows/s` }) }))} title="lab traffic generator: web, db, dns, denied admin traffic and bursts through the real agents">
        <RefreshCw size={14} className={running ? "animate-spin" : ""} /> {running ? `Traffic ${st.data?.rate}/s · stop` : "Start traffic"}
      </Button>
    </div>
  );
}

function Dashboard({ last, interval }: { last: string; interval: number | false }) {
  const trpc = useTRPC();
  const q = { refetchInterval: interval, placeholderData: keepPreviousData } as const;
  const flows = useQuery({ ...trpc.flows.series.queryOptions({ last, metric: "flows", rate: true }), ...q });
  const bytes = useQuery({ ...trpc.flows.series.queryOptions({ last, metric: "bytes", groupBy: ["action"], rate: true }), ...q });
  const talkers = useQuery({ ...trpc.flows.aggregate.queryOptions({ last, metric: "bytes", groupBy: ["src_workload", "dst_workload"], limit: 10, filter: "reverse = false" }), ...q });
  const vns = useQuery({ ...trpc.flows.aggregate.queryOptions({ last, metric: "bytes", groupBy: ["src_vn", "dst_vn"], limit: 10 }), ...q });
  const denied = useQuery({ ...trpc.flows.aggregate.queryOptions({ last, metric: "packets", filter: "action != pass", groupBy: ["src_vn", "dst_vn", "dst_port", "rule", "reason"], limit: 10 }), ...q });
  const nodes = useQuery({ ...trpc.flows.aggregate.queryOptions({ last, metric: "bytes", groupBy: ["node", "action"], limit: 40 }), ...q });
  const projects = useQuery({ ...trpc.flows.aggregate.queryOptions({ last, metric: "bytes", groupBy: ["src_project", "dst_project"], limit: 10, filter: "reverse = false" }), ...q });
  const services = useQuery({ ...trpc.flows.aggregate.queryOptions({ last, metric: "flows", groupBy: ["protocol", "dst_port"], limit: 10, filter: "reverse = false AND action = pass" }), ...q });
  const pods = useQuery({
    ...trpc.flows.aggregate.queryOptions({ last, metric: "bytes", groupBy: ["src_namespace", "src_labels", "dst_namespace", "dst_labels"], limit: 10, filter: 'reverse = false AND (src_namespace != "" OR dst_namespace != "")' }),
    ...q,
  });
  const status = useQuery({ ...trpc.flows.status.queryOptions(), refetchInterval: interval });
  const exportDrops = status.data?.collector.nodes.reduce((a, n) => a + n.agentDroppedBatches, 0) ?? 0;
  return (
    <div className="grid grid-cols-1 gap-3 lg:grid-cols-[minmax(0,1fr)_minmax(0,1fr)]" data-testid="flows-dashboard">
      <Card title="New flows / s">{flows.data ? <FlowChart buckets={flows.data.buckets} series={flows.data.series} unit="flows/s" kind="lines" height={200} /> : <Empty q={flows} />}</Card>
      <Card title="Bytes / s by action">{bytes.data ? <FlowChart buckets={bytes.data.buckets} series={bytes.data.series} unit="B/s" height={200} /> : <Empty q={bytes} />}</Card>
      <Card title="Top talkers (workloads, bytes)">
        <Top rows={talkers.data?.rows} other={talkers.data?.other?.bytes} cols={["src_workload", "dst_workload"]} metric="bytes" />
      </Card>
      <Card title="Top VN pairs (bytes)">
        <Top rows={vns.data?.rows} other={vns.data?.other?.bytes} cols={["src_vn", "dst_vn"]} metric="bytes" />
      </Card>
      <Card title="Top project pairs (bytes)">
        <Top rows={projects.data?.rows} other={projects.data?.other?.bytes} cols={["src_project", "dst_project"]} metric="bytes" />
      </Card>
      <Card title="Top destination ports (new flows allowed)">
        <div data-testid="top-ports">
          <Top rows={services.data?.rows} other={services.data?.other?.flows} cols={["protocol", "dst_port"]} metric="flows" />
        </div>
      </Card>
      <Card title="Top Kubernetes talkers (namespace and pod labels, bytes)" className="lg:col-span-2">
        <div data-testid="top-pods">
          <Top rows={pods.data?.rows} other={pods.data?.other?.bytes} cols={["src_namespace", "src_labels", "dst_namespace", "dst_labels"]} metric="bytes" />
        </div>
      </Card>
      <Card title="Top denied and dropped flows, with the rule" className="lg:col-span-2">
        <div data-testid="top-denied">
          <Top rows={denied.data?.rows} other={denied.data?.other?.packets} cols={["src_vn", "dst_vn", "dst_port", "rule", "reason"]} metric="packets" />
        </div>
      </Card>
      <Card title="By compute node" className="lg:col-span-2">
        <Top rows={nodes.data?.rows} cols={["node", "action"]} metric="bytes" />
        <p className="px-3 pb-2 text-xs text-muted">
          Store: {status.data?.store.kind} · {fmt(status.data?.store.records ?? 0)} records · collector dropped {status.data?.collector.dropped ?? 0} · agents dropped {exportDrops} export batches
        </p>
      </Card>
    </div>
  );
}

function Empty({ q }: { q: { error: unknown; isLoading: boolean } }) {
  return <div className="p-4 text-sm text-muted">{q.error ? errorMessage(q.error) : q.isLoading ? "Loading…" : "No flows in this range. Start the lab traffic or send test traffic."}</div>;
}

const NARROW = new Set(["action", "dst_port", "protocol", "node", "direction"]);

function Top({ rows, other, cols, metric }: { rows?: { key: Record<string, unknown>; bytes: number; packets: number; flows: number }[]; other?: number; cols: string[]; metric: "bytes" | "packets" | "flows" }) {
  // the second figure: new flows, or bytes when the table is ranked by flows
  const second = metric === "flows" ? "bytes" : "flows";
  if (!rows) return <div className="p-4 text-sm text-muted">Loading…</div>;
  if (rows.length === 0) return <div className="p-4 text-sm text-muted">No flows in this range.</div>;
  return (
    <table className="w-full table-fixed text-[13px]">
      <thead className="text-left text-xs text-muted">
        <tr>
          {cols.map((c) => (
            <th key={c} className={`px-2 py-1 font-medium ${NARROW.has(c) ? "w-20" : ""}`}>
              {c}
            </th>
          ))}
          <th className="w-20 px-2 py-1 text-right font-medium">{metric}</th>
          <th className="w-16 px-2 py-1 text-right font-medium">{second}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r, i) => (
          <tr key={i} className="border-t border-line">
            {cols.map((c) => (
              <td key={c} className="truncate px-2 py-1 font-mono text-xs" title={String(r.key[c])}>
                {c === "action" ? <ActionBadge action={String(r.key[c])} /> : c === "protocol" ? protoName(Number(r.key[c])) : short(String(r.key[c] ?? "")) || "—"}
              </td>
            ))}
            <td className="px-2 py-1 text-right tabular-nums">{fmt(r[metric])}</td>
            <td className="px-2 py-1 text-right tabular-nums">{fmt(r[second])}</td>
          </tr>
        ))}
        {other !== undefined && other > 0 && (
          <tr className="border-t border-line text-muted">
            <td colSpan={cols.length} className="px-2 py-1 italic">
              other
            </td>
            <td className="px-2 py-1 text-right tabular-nums">{fmt(other)}</td>
            <td />
          </tr>
        )}
      </tbody>
    </table>
  );
}

function Explorer({ last, filter, interval }: { last: string; filter: string; interval: number | false }) {
  const trpc = useTRPC();
  const { get, set } = useUrlState();
  // "-" in the URL is "no grouping" (the total); anything that is not a group-by field is ignored
  const groupBy = get("group", "src_vn")
    .split(",")
    .filter((f): f is Dim => (GROUPS as string[]).includes(f) || LABEL_KEY_DIM.test(f))
    .slice(0, 4);
  const labelKeys = useQuery({ ...trpc.flows.labelKeys.queryOptions(), staleTime: 30_000 });
  const metric = get("metric", "bytes") as Metric;
  const kind = get("chart", "area") as ChartKind | "table";
  const series = useQuery({ ...trpc.flows.series.queryOptions({ last, filter, metric, groupBy, top: 8, rate: true }), refetchInterval: interval, placeholderData: keepPreviousData, retry: false });
  const agg = useQuery({ ...trpc.flows.aggregate.queryOptions({ last, filter, metric, groupBy: groupBy.length ? groupBy : ["src_vn"], limit: 30 }), refetchInterval: interval, placeholderData: keepPreviousData, retry: false, enabled: kind === "sankey" });
  const problem = filterProblem(series.error);
  const toggle = (f: Dim) => set({ group: (groupBy.includes(f) ? groupBy.filter((g) => g !== f) : [...groupBy, f]).join(",") || "-" });
  const links = useMemo(() => {
    if (!agg.data || groupBy.length < 2) return undefined;
    return agg.data.rows.map((r) => ({ source: String(r.key[groupBy[0]]) || "—", target: String(r.key[groupBy[1]]) || "—", value: r[metric] }));
  }, [agg.data, groupBy, metric]);
  const unit = metric === "bytes" ? "B/s" : `${metric}/s`;
  const csv = () => {
    if (!series.data) return;
    const head = ["time", ...series.data.series.map((s) => s.label)];
    const lines = series.data.buckets.map((b, i) => [new Date(b).toISOString(), ...series.data!.series.map((s) => s.points[i])].join(","));
    const blob = new Blob([[head.join(","), ...lines].join("\n")], { type: "text/csv" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = `flows-${metric}-${last}.csv`;
    a.click();
  };
  return (
    <div className="space-y-3" data-testid="flows-explorer">
      <div className="flex items-start gap-2">
        <FilterBar value={filter} onChange={(f) => set({ filter: f })} problem={problem} />
        <Select value={metric} onChange={(e) => set({ metric: e.target.value })} options={["bytes", "packets", "flows", "records"].map((m) => ({ value: m, label: `${m}/s` }))} aria-label="metric" />
        <Select value={kind} onChange={(e) => set({ chart: e.target.value })} options={[{ value: "area", label: "Stacked area" }, { value: "lines", label: "Lines" }, { value: "sankey", label: "Sankey src → dst" }, { value: "table", label: "Table" }]} aria-label="chart type" data-testid="chart-type" />
        <Button variant="secondary" size="sm" onClick={csv} title="download the series as CSV">
          <Download size={14} /> CSV
        </Button>
      </div>
      <div className="flex flex-wrap gap-1" data-testid="group-by">
        <span className="mr-1 self-center text-xs text-muted">Group by</span>
        {GROUPS.map((f) => (
          <button key={f} type="button" data-testid={`group-${f}`} aria-pressed={groupBy.includes(f)} onClick={() => toggle(f)} className={`rounded-full border px-2 py-0.5 font-mono text-xs ${groupBy.includes(f) ? "border-accent bg-accent text-white" : "border-line hover:bg-surface-2"}`}>
            {f}
          </button>
        ))}
        {groupBy
          .filter((f) => LABEL_KEY_DIM.test(f))
          .map((f) => (
            <button key={f} type="button" data-testid={`group-${f}`} aria-pressed="true" onClick={() => toggle(f)} title="group by this pod label's value (click to remove)" className="rounded-full border border-accent bg-accent px-2 py-0.5 font-mono text-xs text-white">
              {f}
            </button>
          ))}
        {(labelKeys.data?.length ?? 0) > 0 && (
          <Select
            value=""
            onChange={(e) => e.target.value && toggle(e.target.value as Dim)}
            aria-label="group by a label key"
            data-testid="group-label-key"
            options={[
              { value: "", label: "by label…" },
              ...labelKeys.data!.flatMap((k) => [
                { value: `src_labels.${k}`, label: `source ${k}` },
                { value: `dst_labels.${k}`, label: `destination ${k}` },
              ]),
            ]}
          />
        )}
      </div>
      <Card title={`${metric}/s by ${groupBy.join(", ") || "total"}${series.data ? ` · ${series.data.granularityMs / 1000} s buckets · ${series.data.source}` : ""}`}>
        {!series.data ? (
          <Empty q={series} />
        ) : kind === "table" ? (
          <StatsTable series={series.data.series} unit={unit} />
        ) : kind === "sankey" ? (
          links ? <FlowChart buckets={[]} series={[]} kind="sankey" links={links} unit={unit} height={360} /> : <div className="p-4 text-sm text-muted">Pick two group-by fields (source, then destination) for the sankey.</div>
        ) : (
          <div data-testid="explorer-chart" data-series={series.data.series.map((s) => s.label).join("|")}>
            <FlowChart buckets={series.data.buckets} series={series.data.series} kind={kind} unit={unit} height={320} />
          </div>
        )}
      </Card>
    </div>
  );
}

function StatsTable({ series, unit }: { series: { label: string; points: number[] }[]; unit: string }) {
  return (
    <table className="w-full text-[13px]" data-testid="explorer-table">
      <thead className="text-left text-xs text-muted">
        <tr>
          <th className="px-3 py-1">group</th>
          {["min", "avg", "max", "95th"].map((h) => (
            <th key={h} className="px-3 py-1 text-right">
              {h} ({unit})
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {series.map((s) => {
          const xs = [...s.points].sort((a, b) => a - b);
          const avg = xs.reduce((a, x) => a + x, 0) / (xs.length || 1);
          const p95 = xs[Math.min(xs.length - 1, Math.ceil(0.95 * xs.length) - 1)] ?? 0;
          return (
            <tr key={s.label} className="border-t border-line">
              <td className="px-3 py-1 font-mono text-xs">{s.label}</td>
              {[xs[0] ?? 0, avg, xs[xs.length - 1] ?? 0, p95].map((v, i) => (
                <td key={i} className="px-3 py-1 text-right tabular-nums">
                  {fmt(v)}
                </td>
              ))}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function Records({ last, filter, interval }: { last: string; filter: string; interval: number | false }) {
  const trpc = useTRPC();
  const { get, set } = useUrlState();
  const recs = useQuery({ ...trpc.flows.records.queryOptions({ last, filter, limit: 2000 }), refetchInterval: interval, placeholderData: keepPreviousData, retry: false });
  const selected = get("flow", "");
  const row = recs.data?.rows.find((r) => String(r.id) === selected) ?? null;
  const columns = useMemo<ColumnDef<FlowRow>[]>(
    () => [
      { accessorKey: "end_ms", header: "Time", cell: ({ getValue }) => formatClock(getValue() as number), size: 88 },
      { accessorKey: "node", header: "Node", size: 96 },
      { accessorKey: "action", header: "Action", cell: ({ getValue }) => <ActionBadge action={getValue() as string} />, size: 68 },
      { id: "proto", header: "Proto", accessorFn: (r) => protoName(r.protocol), size: 48 },
      { id: "src", header: "Source", accessorFn: (r) => `${r.src_ip}:${r.src_port}`, meta: { mono: true }, size: 140 },
      { id: "dst", header: "Destination", accessorFn: (r) => `${r.dst_ip}:${r.dst_port}`, meta: { mono: true }, size: 140 },
      { accessorKey: "src_vn", header: "Source VN", cell: ({ getValue }) => <span title={getValue() as string}>{short(getValue() as string)}</span>, meta: { mono: true, filter: true }, size: 160 },
      { accessorKey: "dst_vn", header: "Destination VN", cell: ({ getValue }) => <span title={getValue() as string}>{short(getValue() as string)}</span>, meta: { mono: true, filter: true }, size: 160 },
      { accessorKey: "rule", header: "Rule", cell: ({ getValue }) => <span title={getValue() as string}>{short(getValue() as string) || "—"}</span>, meta: { filter: true }, size: 180 },
      { accessorKey: "packets", header: "Packets", meta: { align: "right" }, size: 64 },
      { accessorKey: "bytes", header: "Bytes", meta: { align: "right" }, size: 72 },
    ],
    [],
  );
  return (
    <div className="flex min-h-0 flex-1 flex-col" data-testid="flows-records">
      <div className="flex border-b border-line bg-surface px-4 py-2">
        <FilterBar value={filter} onChange={(f) => set({ filter: f })} problem={filterProblem(recs.error)} />
      </div>
      <DataTable
        data={recs.data?.rows ?? []}
        columns={columns}
        getRowId={(r) => String(r.id)}
        rowName={(r) => `flow-${r.id}`}
        onRowClick={(r) => set({ flow: String(r.id) })}
        isLoading={recs.isLoading}
        error={filterProblem(recs.error) ? null : recs.error}
        empty="No flow records in this range: start the lab traffic (button above) or widen the time range."
        noun="flow records"
        initialSorting={[{ id: "end_ms", desc: true }]}
      />
      <Drawer open={!!row} onOpenChange={(o) => !o && set({ flow: null })} title={row ? `${protoName(row.protocol)} ${row.src_ip}:${row.src_port} → ${row.dst_ip}:${row.dst_port}` : ""} testId="flow-drawer">
        {row && <FlowDetail row={row} />}
      </Drawer>
    </div>
  );
}

function Endpoint({ ip, port, vmi, vn, workload }: { ip: string; port: number; vmi: string; vn: string; workload: string }) {
  return (
    <div className="min-w-0">
      <Mono copy={ip}>{`${ip}:${port}`}</Mono>
      <div className="font-mono text-xs break-all text-muted">
        {workload ? `${workload} · ` : ""}
        {vn || "no virtual network known"}
        {vmi && vmi !== workload ? ` · port ${vmi}` : ""}
      </div>
    </div>
  );
}

/** A pod's labels as chips; each opens the explorer filtered to that label. */
function Labels({ field, text }: { field: "src_labels" | "dst_labels"; text: string }) {
  if (!text) return <span className="text-muted">—</span>;
  return (
    <span className="flex flex-wrap gap-1" data-testid={`flow-${field}`}>
      {text.split(",").map((l) => (
        <Link key={l} href={`/monitor/flows?tab=explorer&filter=${encodeURIComponent(`${field} = "${l}"`)}&group=${field === "src_labels" ? "dst_labels" : "src_labels"}`} className="rounded border border-line px-1.5 font-mono text-xs hover:bg-surface-2" title={`flows with ${field} = ${l}`}>
          {l}
        </Link>
      ))}
    </span>
  );
}

function FlowDetail({ row }: { row: FlowRow }) {
  const policy = /^network-policy (\S+)/.exec(row.rule)?.[1];
  const sg = /^security-group (\S+)/.exec(row.rule)?.[1];
  const kv: [string, React.ReactNode][] = [
    ["Action", <ActionBadge key="a" action={row.action} />],
    ["Deciding rule", <span key="r" data-testid="flow-rule">{row.rule || "—"}</span>],
    ["Reason", row.reason],
    ["ACL", <Mono key="acl">{row.rule_acl || "—"}</Mono>],
    ["Source", <Endpoint key="s" ip={row.src_ip} port={row.src_port} vmi={row.src_vmi} vn={row.src_vn} workload={row.src_workload} />],
    ["Destination", <Endpoint key="d" ip={row.dst_ip} port={row.dst_port} vmi={row.dst_vmi} vn={row.dst_vn} workload={row.dst_workload} />],
    ["Projects", `${row.src_project || "?"} → ${row.dst_project || "?"}`],
    ["Namespaces", row.src_namespace || row.dst_namespace ? `${row.src_namespace || "—"} → ${row.dst_namespace || "—"}` : "—"],
    ["Source labels", <Labels key="sl" field="src_labels" text={row.src_labels} />],
    ["Destination labels", <Labels key="dl" field="dst_labels" text={row.dst_labels} />],
    ["NAT", row.nat_src_ip || row.nat_dst_ip ? `src ${row.nat_src_ip || "—"}, dst ${row.nat_dst_ip || "—"}` : "none"],
    ["Counters", `${row.packets} packets, ${row.bytes} bytes in this record${row.first ? " (first record of the flow)" : ""}`],
    ["Time", `${formatTime(row.start_ms)} → ${formatClock(row.end_ms)} (${row.status})`],
    ["Flow", `${row.flow_id} · ${row.direction}${row.reverse ? " · reverse (answer)" : ""}`],
  ];
  return (
    <div className="space-y-4 text-sm">
      <div>
        <h3 className="mb-1 text-xs font-semibold uppercase text-muted">Path</h3>
        <ol className="space-y-1 font-mono text-xs break-all" data-testid="flow-path">
          <li>{row.src_vmi || row.src_ip} ({row.src_vn || "?"})</li>
          <li>
            ↓ {row.node} ({row.direction}): {row.action} {row.rule ? `by ${row.rule}` : ""}
          </li>
          {row.nh_node && row.nh_node !== row.node && <li>↓ {row.encap} tunnel → {row.nh_node} ({row.nh_address})</li>}
          <li>{row.action === "pass" ? `${row.dst_vmi || row.dst_ip} (${row.dst_vn || "?"})` : `✕ ${row.reason}`}</li>
        </ol>
      </div>
      <dl className="grid grid-cols-[8rem_minmax(0,1fr)] gap-x-3 gap-y-1.5">
        {kv.map(([k, v]) => (
          <div key={k} className="contents">
            <dt className="text-muted">{k}</dt>
            <dd className="break-all">{v}</dd>
          </div>
        ))}
      </dl>
      {(policy || sg) && (
        <Link className="text-accent underline" href={`/overlay/${policy ? "network-policies" : "security-groups"}?search=${encodeURIComponent((policy ?? sg)!.split(":").pop()!)}`} data-testid="flow-policy-link">
          Open {policy ? "network policy" : "security group"} {policy ?? sg}
        </Link>
      )}
    </div>
  );
}
