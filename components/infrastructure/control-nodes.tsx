"use client";
// The control node: who it is, how long it has run, what it holds (instances, routes, paths) and
// its agent sessions (one per compute node), live.
import { useQuery } from "@tanstack/react-query";
import { createColumnHelper } from "@tanstack/react-table";
import Link from "next/link";
import { useMemo } from "react";
import { useTRPC } from "../../lib/trpc";
import { DataTable } from "../data-table/DataTable";
import { formatTime } from "../objects/cells";
import { KV } from "../objects/kv";
import { PageHeader } from "../objects/page-header";
import { useProject } from "../project-context";
import { Badge } from "../ui/badge";
import { Card } from "../ui/card";
import { Mono } from "../ui/mono";
import { Spinner } from "../ui/spinner";
import { formatDuration, num, SessionStateBadge, since, type ControlNodeView } from "./node-fields";

type Session = ControlNodeView["sessions"][number];
const col = createColumnHelper<Session>();

export function ControlNodesPage() {
  const trpc = useTRPC();
  const { withProject } = useProject();
  const q = useQuery(trpc.infra.controlNodes.queryOptions(undefined, { refetchInterval: 10_000 }));
  const node = q.data?.[0];

  const columns = useMemo(
    () => [
      col.accessor("name", {
        header: "Compute node",
        size: 160,
        meta: { filter: true },
        cell: (c) => (
          <Link href={withProject(`/infrastructure/compute-nodes/${encodeURIComponent(c.getValue())}`)} className="font-medium text-accent hover:underline">
            {c.getValue()}
          </Link>
        ),
      }),
      col.accessor("state", { header: "State", size: 110, meta: { filter: true }, cell: (c) => <SessionStateBadge state={c.getValue()} /> }),
      col.accessor("address", { header: "Address", size: 160, meta: { mono: true, filter: true }, cell: (c) => (c.getValue() ? <Mono copy={c.getValue()}>{c.getValue()}</Mono> : "—") }),
      col.accessor((s) => s.connectedAt ?? "", {
        id: "connectedAt",
        header: "Connected since",
        size: 200,
        cell: (c) => (
          <span className="tabular-nums" title={c.getValue()}>
            {formatTime(c.getValue() || null)} <span className="text-faint">({since(c.getValue() || null)})</span>
          </span>
        ),
      }),
      col.accessor("subscriptions", { header: "Subscriptions", size: 120, meta: { align: "right" }, cell: (c) => <span className="tabular-nums">{num(c.getValue())}</span> }),
      col.accessor("announced", { header: "Routes announced", size: 140, meta: { align: "right" }, cell: (c) => <span className="tabular-nums">{num(c.getValue())}</span> }),
    ],
    [withProject],
  );

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <PageHeader
        title="Control Nodes"
        description="The control node holds one RIB per routing instance and pushes routes, VRFs and ACLs to the vRouter agents."
        badges={node ? <Badge tone={node.agentsUp === node.agentsTotal && node.agentsTotal > 0 ? "ok" : "warn"}>{`${node.agentsUp}/${node.agentsTotal} agents Up`}</Badge> : undefined}
      />
      {q.isLoading && (
        <div className="p-6">
          <Spinner label="Loading control node…" />
        </div>
      )}
      {q.error && (
        <div role="alert" className="p-6 text-sm text-danger">
          Could not load the control node: {q.error.message}
        </div>
      )}
      {node && (
        <>
          <div className="grid gap-4 border-b border-line bg-bg p-4 lg:grid-cols-3" data-testid="control-node">
            <Card title="Control node">
              <KV
                rows={[
                  ["Name", <Mono key="n" copy={node.name}>{node.name}</Mono>],
                  ["Uptime", <span key="u" className="tabular-nums" data-testid="control-uptime">{formatDuration(node.uptimeSeconds)}</span>],
                  ["Started", <span key="s" className="tabular-nums">{formatTime(node.startedAt)}</span>],
                  ["Agent port", <Mono key="p">{String(node.agentPort)}</Mono>],
                  ["Hold time", <span key="h" className="tabular-nums">{node.holdTimeSeconds} s</span>],
                ]}
              />
            </Card>
            <Card title="Routing state">
              <KV
                rows={[
                  ["Routing instances", <span key="ri" className="tabular-nums" data-testid="control-instances">{num(node.routingInstances)}</span>],
                  ["Routes", <span key="r" className="tabular-nums" data-testid="control-routes">{num(node.routes)}</span>],
                  ["Paths", <span key="p" className="tabular-nums">{num(node.paths)}</span>],
                  ["Config / compiled", <span key="c" className="tabular-nums">{`${node.configSeq} / ${node.compiledSeq}`}</span>],
                ]}
              />
            </Card>
            <Card title="Global settings">
              <KV
                rows={[
                  ["Autonomous system", <Mono key="asn" copy={String(node.autonomousSystem)}>{String(node.autonomousSystem)}</Mono>],
                  [
                    "Encapsulation priority",
                    <span key="e" className="flex flex-wrap gap-1" data-testid="control-encaps">
                      {node.encapsulationPriority.map((e, i) => (
                        <Badge key={e} tone={i === 0 ? "accent" : "neutral"}>{`${i + 1}. ${e}`}</Badge>
                      ))}
                    </span>,
                  ],
                  ["", <Link key="g" href={withProject("/infrastructure/global-config")} className="text-xs text-accent hover:underline">Change in Global Config</Link>],
                ]}
              />
            </Card>
          </div>
          <div className="border-b border-line bg-surface px-4 pt-3 pb-1 text-xs font-semibold tracking-wide text-muted uppercase">Agent sessions</div>
          <DataTable
            data={node.sessions}
            columns={columns}
            noun="agent sessions"
            getRowId={(s) => s.name}
            rowName={(s) => s.name}
            initialSorting={[{ id: "name", desc: false }]}
            empty={<p>No vRouter agent has connected yet. Start one (the lab starts compute-1..N with the console) pointing at port {node.agentPort}.</p>}
          />
        </>
      )}
    </div>
  );
}
