"use client";
// Monitor › Overview, the landing page (Contrail Command's Monitor › Dashboard): what is wrong
// now (alarms), the health of control nodes, compute nodes, BGP sessions and agents, traffic now
// with sparklines from the flow store, and the latest changes from the audit log. Every tile
// links to the page that explains it.
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useMemo, useState, type ReactNode } from "react";
import { useTRPC, type RouterOutputs } from "../../lib/trpc";
import { errorMessage } from "../../lib/errors";
import { objectHref } from "../../lib/object-routes";
import { formatTime } from "../objects/cells";
import { PageHeader } from "../objects/page-header";
import { useProject } from "../project-context";
import { useMe } from "../session";
import { Badge, type Tone } from "../ui/badge";
import { Button } from "../ui/button";
import { Card } from "../ui/card";
import { Spinner } from "../ui/spinner";
import { useToast } from "../ui/toast";
import { since } from "../infrastructure/node-fields";

type Alarm = RouterOutputs["alarms"]["list"][number];

const SEVERITY: Record<number, { word: string; tone: Tone }> = {
  0: { word: "Critical", tone: "danger" },
  1: { word: "Major", tone: "warn" },
  2: { word: "Minor", tone: "neutral" },
};

const STATE_TONE: Record<Alarm["state"], Tone> = { raised: "danger", acknowledged: "warn", cleared: "ok" };
const STATE_WORD: Record<Alarm["state"], string> = { raised: "Raised", acknowledged: "Acknowledged", cleared: "Cleared" };

export function OverviewPage() {
  const trpc = useTRPC();
  const { withProject } = useProject();
  const live = { refetchInterval: 3_000, placeholderData: keepPreviousData } as const;
  const [showCleared, setShowCleared] = useState(true);
  const alarms = useQuery(trpc.alarms.list.queryOptions({ cleared: showCleared }, live));
  const control = useQuery(trpc.infra.controlNodes.queryOptions(undefined, live));
  const compute = useQuery(trpc.infra.computeNodes.queryOptions(undefined, live));
  const bgp = useQuery(trpc.bgp.routers.queryOptions(undefined, { refetchInterval: 5_000 }));
  const collector = useQuery(trpc.flows.status.queryOptions(undefined, { refetchInterval: 5_000 }));
  const audit = useQuery(trpc.audit.list.queryOptions({ limit: 8 }, { refetchInterval: 10_000 }));

  const active = (alarms.data ?? []).filter((a) => a.state !== "cleared");
  const critical = active.filter((a) => a.severity === 0).length;

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <PageHeader
        title="Overview"
        badges={
          alarms.data ? (
            active.length === 0 ? (
              <Badge tone="ok">No alarms</Badge>
            ) : (
              <Badge tone={critical ? "danger" : "warn"}>
                {active.length} alarm{active.length === 1 ? "" : "s"}
              </Badge>
            )
          ) : undefined
        }
        description="What is wrong now, the health of the control plane and the agents, traffic now and the latest changes. Each tile opens the page that explains it."
      />
      <div className="min-h-0 flex-1 overflow-auto p-4">
        <div className="grid gap-4 md:grid-cols-2 xl:grid-cols-4">
          <HealthTile
            testId="tile-control-nodes"
            title="Control nodes"
            href={withProject("/infrastructure/control-nodes")}
            loading={control.isLoading}
            good={control.data?.length ?? 0}
            total={control.data?.length ?? 0}
            word="running"
            detail={control.data?.map((c) => `${c.name}: ${c.agentsUp} of ${c.agentsTotal} agents, ${c.routes.toLocaleString()} routes`).join("; ")}
            bad={(alarms.data ?? []).some((a) => a.table === "control-node" && a.state !== "cleared")}
          />
          <HealthTile
            testId="tile-compute-nodes"
            title="Compute nodes"
            href={withProject("/infrastructure/compute-nodes")}
            loading={compute.isLoading}
            good={(compute.data ?? []).filter((n) => n.state === "Up").length}
            total={(compute.data ?? []).length}
            word="up"
            detail={
              (compute.data ?? []).filter((n) => n.state !== "Up").length
                ? `down: ${(compute.data ?? [])
                    .filter((n) => n.state !== "Up")
                    .map((n) => n.name)
                    .join(", ")}`
                : "every agent connected"
            }
          />
          <BgpTile routers={bgp.data} loading={bgp.isLoading} href={withProject("/infrastructure/bgp-routers")} />
          <AgentsTile status={collector.data} nodes={compute.data} loading={collector.isLoading} href={withProject("/infrastructure/compute-nodes")} />
        </div>

        <Card
          className="mt-4"
          title={
            <span>
              Alarms <span className="font-normal normal-case">({active.length} active)</span>
            </span>
          }
          actions={
            <label className="flex items-center gap-1.5 text-xs text-muted">
              <input type="checkbox" checked={showCleared} onChange={(e) => setShowCleared(e.target.checked)} data-testid="alarms-show-cleared" />
              Show cleared (last hour)
            </label>
          }
        >
          <AlarmTable alarms={alarms.data} loading={alarms.isLoading} error={alarms.error ? errorMessage(alarms.error) : ""} />
        </Card>

        <div className="mt-4 grid gap-4 xl:grid-cols-2">
          <TrafficCard />
          <Card
            title="Recent changes"
            actions={
              <Link href={withProject("/admin/audit")} className="text-xs text-accent hover:underline">
                Audit log
              </Link>
            }
          >
            {audit.isLoading ? (
              <Spinner label="Loading changes…" />
            ) : (audit.data?.items.length ?? 0) === 0 ? (
              <p className="text-xs text-muted">No configuration changes yet.</p>
            ) : (
              <ul className="divide-y divide-line text-[13px]" data-testid="recent-changes">
                {audit.data!.items.map((e) => (
                  <li key={e.id} className="flex items-center gap-2 py-1.5">
                    <span className="w-44 shrink-0 text-xs whitespace-nowrap text-muted tabular-nums" title={e.at}>
                      {formatTime(e.at)}
                    </span>
                    <Badge tone={e.action === "delete" ? "danger" : e.action === "create" ? "ok" : "accent"}>{e.action}</Badge>
                    {e.action === "delete" ? (
                      <span className="min-w-0 truncate font-mono text-xs" title={e.fqName}>
                        {e.fqName}
                      </span>
                    ) : (
                      <Link href={withProject(objectHref(e.objectType, e.objectUuid))} className="min-w-0 truncate font-mono text-xs text-accent hover:underline" title={e.fqName}>
                        {e.fqName}
                      </Link>
                    )}
                    <span className="ml-auto shrink-0 truncate text-xs text-muted" title={e.actorEmail}>
                      {e.actorEmail}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </Card>
        </div>
      </div>
    </div>
  );
}

function Tile({ testId, title, href, children, tone }: { testId: string; title: string; href: string; children: ReactNode; tone: Tone }) {
  const border = tone === "danger" ? "border-danger" : tone === "warn" ? "border-warn" : "border-line";
  return (
    <Link href={href} data-testid={testId} data-tone={tone} className={`block rounded-lg border ${border} bg-surface p-3 transition-colors hover:bg-surface-2`}>
      <div className="text-xs font-semibold tracking-wide text-muted uppercase">{title}</div>
      {children}
    </Link>
  );
}

function HealthTile(p: { testId: string; title: string; href: string; loading: boolean; good: number; total: number; word: string; detail?: string; bad?: boolean }) {
  const tone: Tone = p.loading ? "neutral" : p.bad || p.good < p.total ? "danger" : "ok";
  return (
    <Tile testId={p.testId} title={p.title} href={p.href} tone={tone}>
      {p.loading ? (
        <div className="mt-2 text-sm text-muted">loading…</div>
      ) : (
        <>
          <div className="mt-1 flex items-baseline gap-2">
            <span className="text-2xl font-semibold tabular-nums" data-testid={`${p.testId}-count`}>
              {p.good} / {p.total}
            </span>
            <Badge tone={tone}>{tone === "ok" ? `all ${p.word}` : `${p.total - p.good} not ${p.word}`}</Badge>
          </div>
          {p.detail && (
            <div className="mt-1 truncate text-xs text-muted" title={p.detail}>
              {p.detail}
            </div>
          )}
        </>
      )}
    </Tile>
  );
}

function BgpTile({ routers, loading, href }: { routers: RouterOutputs["bgp"]["routers"] | undefined; loading: boolean; href: string }) {
  const peers = (routers ?? []).filter((r) => !r.isLocal && r.peeredWithLocal);
  const up = peers.filter((r) => r.session.state === "Established").length;
  const admin = peers.filter((r) => r.adminDown).length;
  const tone: Tone = loading ? "neutral" : up + admin < peers.length ? "danger" : "ok";
  return (
    <Tile testId="tile-bgp" title="BGP sessions" href={href} tone={tone}>
      {loading ? (
        <div className="mt-2 text-sm text-muted">loading…</div>
      ) : peers.length === 0 ? (
        <div className="mt-1 text-xs text-muted">No BGP peers configured: add a gateway router on the BGP Routers page.</div>
      ) : (
        <>
          <div className="mt-1 flex items-baseline gap-2">
            <span className="text-2xl font-semibold tabular-nums" data-testid="tile-bgp-count">
              {up} / {peers.length}
            </span>
            <Badge tone={tone}>{tone === "ok" ? "Established" : `${peers.length - up - admin} not Established`}</Badge>
          </div>
          <div className="mt-1 truncate text-xs text-muted" title={peers.map((p) => `${p.name}: ${p.session.state}`).join(", ")}>
            {peers.map((p) => `${p.name}: ${p.adminDown ? "admin down" : p.session.state}`).join(", ")}
          </div>
        </>
      )}
    </Tile>
  );
}

function AgentsTile({ status, nodes, loading, href }: { status: RouterOutputs["flows"]["status"] | undefined; nodes: RouterOutputs["infra"]["computeNodes"] | undefined; loading: boolean; href: string }) {
  const exporting = (status?.collector.nodes ?? []).filter((n) => Date.now() - n.lastAt < 60_000).length;
  const drops = (status?.collector.nodes ?? []).reduce((n, x) => n + x.agentDroppedRecords + x.collectorDropped, 0);
  const sessions = (nodes ?? []).filter((n) => n.state === "Up");
  const versions = [...new Set(sessions.map((n) => n.agentVersion).filter(Boolean))];
  const tone: Tone = loading ? "neutral" : drops > 0 || (status?.collector.queued ?? 0) >= 100_000 ? "warn" : "ok";
  return (
    <Tile testId="tile-agents" title="Agents and flow export" href={href} tone={tone}>
      {loading ? (
        <div className="mt-2 text-sm text-muted">loading…</div>
      ) : (
        <>
          <div className="mt-1 flex items-baseline gap-2">
            <span className="text-2xl font-semibold tabular-nums">{sessions.length}</span>
            <span className="text-xs text-muted">
              agent sessions up, {exporting} exporting flow records (last minute)
            </span>
          </div>
          <div className="mt-1 truncate text-xs text-muted" title="records the agents or the collector dropped since they started; flow records waiting for the flow store">
            {drops.toLocaleString()} records dropped · {(status?.collector.queued ?? 0).toLocaleString()} waiting for the store{versions.length ? ` · agent ${versions.join(", ")}` : ""}
          </div>
        </>
      )}
    </Tile>
  );
}

function AlarmTable({ alarms, loading, error }: { alarms: Alarm[] | undefined; loading: boolean; error: string }) {
  const trpc = useTRPC();
  const qc = useQueryClient();
  const toast = useToast();
  const me = useMe();
  const { withProject } = useProject();
  const ack = useMutation(
    trpc.alarms.acknowledge.mutationOptions({
      onSuccess: (a) => {
        toast({ message: `Acknowledged ${a.type} on ${a.name}` });
        return qc.invalidateQueries({ queryKey: trpc.alarms.pathKey() });
      },
      onError: (e) => toast({ message: `Could not acknowledge: ${errorMessage(e)}`, tone: "danger" }),
    }),
  );
  if (loading) return <Spinner label="Loading alarms…" />;
  if (error) return <p role="alert" className="text-xs text-danger">Could not load the alarms: {error}</p>;
  if (!alarms?.length) return <p className="text-xs text-muted" data-testid="alarms-empty">No alarms: every node is up, every BGP session Established, no pool above 90 %, the flow store keeps up.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full min-w-[760px] text-[13px]" data-testid="alarms-table">
        <thead>
          <tr className="text-left text-xs text-muted">
            <th className="py-1 pr-2 font-medium">Severity</th>
            <th className="py-1 pr-2 font-medium">State</th>
            <th className="py-1 pr-2 font-medium">Alarm</th>
            <th className="py-1 pr-2 font-medium">On</th>
            <th className="py-1 pr-2 font-medium">What</th>
            <th className="py-1 pr-2 font-medium">Raised</th>
            <th className="py-1 font-medium" />
          </tr>
        </thead>
        <tbody>
          {alarms.map((a) => (
            <tr key={`${a.table}|${a.name}|${a.type}|${a.raisedAt}`} className="border-t border-line align-top" data-testid={`alarm-${a.type}-${a.name}`} data-state={a.state}>
              <td className="py-1.5 pr-2">
                <Badge tone={SEVERITY[a.severity].tone}>{SEVERITY[a.severity].word}</Badge>
              </td>
              <td className="py-1.5 pr-2">
                <Badge tone={STATE_TONE[a.state]} title={a.acknowledgedBy ? `acknowledged by ${a.acknowledgedBy} at ${formatTime(new Date(a.acknowledgedAt!).toISOString())}` : undefined}>
                  {STATE_WORD[a.state]}
                </Badge>
              </td>
              <td className="py-1.5 pr-2 font-mono text-xs">{a.type}</td>
              <td className="max-w-[220px] py-1.5 pr-2">
                <Link href={withProject(a.href)} className="block truncate font-mono text-xs text-accent hover:underline" title={`${a.table} ${a.name}`}>
                  {a.name}
                </Link>
              </td>
              <td className="py-1.5 pr-2 break-words text-xs">{a.description}</td>
              <td className="py-1.5 pr-2 text-xs whitespace-nowrap text-muted tabular-nums" title={formatTime(new Date(a.raisedAt).toISOString())}>
                {since(new Date(a.raisedAt).toISOString())}
                {a.clearedAt ? <div>cleared {since(new Date(a.clearedAt).toISOString())}</div> : null}
              </td>
              <td className="py-1.5 text-right">
                {a.state === "raised" && me.role !== "viewer" && (
                  <Button size="sm" onClick={() => ack.mutate({ table: a.table, name: a.name, type: a.type, token: a.token })} disabled={ack.isPending} data-testid="alarm-ack">
                    Acknowledge
                  </Button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** A tiny line chart of one series (no axes: the number beside it is the reading). */
export function Sparkline({ points, tone = "accent", testId }: { points: number[]; tone?: "accent" | "danger"; testId?: string }) {
  const w = 160;
  const h = 36;
  const max = Math.max(1e-9, ...points);
  const step = points.length > 1 ? w / (points.length - 1) : w;
  const d = points.map((v, i) => `${(i * step).toFixed(1)},${(h - 2 - (v / max) * (h - 4)).toFixed(1)}`).join(" ");
  return (
    <svg width={w} height={h} viewBox={`0 0 ${w} ${h}`} className={tone === "danger" ? "text-danger" : "text-accent"} data-testid={testId} aria-hidden>
      {points.length > 1 && <polyline points={d} fill="none" stroke="currentColor" strokeWidth={1.5} strokeLinejoin="round" />}
    </svg>
  );
}

const fmtRate = (v: number, unit: string) => {
  const abs = Math.abs(v);
  const [n, p] = abs >= 1e9 ? [v / 1e9, "G"] : abs >= 1e6 ? [v / 1e6, "M"] : abs >= 1e3 ? [v / 1e3, "k"] : [v, ""];
  return `${n.toLocaleString(undefined, { maximumFractionDigits: n < 10 ? 1 : 0 })} ${p}${unit}`;
};

function TrafficCard() {
  const trpc = useTRPC();
  const { withProject } = useProject();
  const opts = { refetchInterval: 5_000, placeholderData: keepPreviousData } as const;
  // 10-second buckets over the last 10 minutes; "now" is the last complete bucket
  const flows = useQuery(trpc.flows.series.queryOptions({ last: "10m", metric: "flows", groupBy: ["action"], granularityMs: 10_000, rate: true, top: 5 }, opts));
  const bytes = useQuery(trpc.flows.series.queryOptions({ last: "10m", metric: "bytes", granularityMs: 10_000, rate: true }, opts));
  const model = useMemo(() => {
    if (!flows.data || !bytes.data) return null;
    const n = flows.data.buckets.length;
    const sum = (pick: (label: string) => boolean) => Array.from({ length: n }, (_, i) => flows.data!.series.filter((s) => pick(s.label)).reduce((t, s) => t + (s.points[i] ?? 0), 0));
    const all = sum(() => true);
    const denied = sum((l) => l !== "pass");
    const b = bytes.data.series.length ? bytes.data.buckets.map((_, i) => bytes.data!.series.reduce((t, s) => t + (s.points[i] ?? 0), 0)) : bytes.data.buckets.map(() => 0);
    const share = all.map((v, i) => (v > 0 ? denied[i] / v : 0));
    const lastFull = (xs: number[]) => (xs.length >= 2 ? xs[xs.length - 2] : (xs[0] ?? 0));
    const totalAll = all.reduce((a, x) => a + x, 0);
    const totalDenied = denied.reduce((a, x) => a + x, 0);
    return { all, b, share, flowsNow: lastFull(all), bytesNow: lastFull(b), deniedShare: totalAll > 0 ? totalDenied / totalAll : 0 };
  }, [flows.data, bytes.data]);
  return (
    <Card
      title="Traffic now"
      actions={
        <Link href={withProject("/monitor/flows")} className="text-xs text-accent hover:underline">
          Flows dashboard
        </Link>
      }
    >
      {!model ? (
        <Spinner label="Loading traffic…" />
      ) : (
        <div className="grid gap-3 sm:grid-cols-3" data-testid="traffic-now">
          <Link href={withProject("/monitor/flows")} className="rounded-md p-1 hover:bg-surface-2" data-testid="traffic-flows">
            <div className="text-xs text-muted">New flows/s</div>
            <div className="text-lg font-semibold tabular-nums">{fmtRate(model.flowsNow, "/s")}</div>
            <Sparkline points={model.all} testId="sparkline-flows" />
          </Link>
          <Link href={withProject("/monitor/flows")} className="rounded-md p-1 hover:bg-surface-2" data-testid="traffic-bytes">
            <div className="text-xs text-muted">Bytes/s</div>
            <div className="text-lg font-semibold tabular-nums">{fmtRate(model.bytesNow, "B/s")}</div>
            <Sparkline points={model.b} testId="sparkline-bytes" />
          </Link>
          <Link href={withProject("/monitor/flows")} className="rounded-md p-1 hover:bg-surface-2" data-testid="traffic-denied">
            <div className="text-xs text-muted">Denied or dropped (share of new flows, 10 min)</div>
            <div className="text-lg font-semibold tabular-nums">{(model.deniedShare * 100).toLocaleString(undefined, { maximumFractionDigits: 1 })} %</div>
            <Sparkline points={model.share} tone="danger" testId="sparkline-denied" />
          </Link>
          <p className="text-[11px] text-faint sm:col-span-3">
            A new flow is a flow whose first record reached the collector in the interval (each direction of a conversation is its own flow); rates are per second over 10-second intervals, the reading is the last complete one.
          </p>
        </div>
      )}
    </Card>
  );
}
