"use client";
// Compute nodes (virtual routers): the configured virtual-router objects joined with the agent
// sessions of the control node, live.
import { useQuery } from "@tanstack/react-query";
import { createColumnHelper } from "@tanstack/react-table";
import { useRouter } from "next/navigation";
import { useMemo } from "react";
import { useTRPC } from "../../lib/trpc";
import { DataTable } from "../data-table/DataTable";
import { PageHeader } from "../objects/page-header";
import { useProject } from "../project-context";
import { Badge } from "../ui/badge";
import { Mono } from "../ui/mono";
import { num, SessionStateBadge, since, type ComputeNodeView } from "./node-fields";

const col = createColumnHelper<ComputeNodeView>();

export const computeNodeHref = (name: string) => `/infrastructure/compute-nodes/${encodeURIComponent(name)}`;

export function ComputeNodeList() {
  const trpc = useTRPC();
  const router = useRouter();
  const { withProject } = useProject();
  const q = useQuery(trpc.infra.computeNodes.queryOptions(undefined, { refetchInterval: 10_000 }));
  const nodes = q.data ?? [];

  const columns = useMemo(
    () => [
      col.accessor("name", { header: "Name", size: 130, meta: { filter: true }, cell: (c) => <span className="font-medium">{c.getValue()}</span> }),
      col.accessor("state", {
        header: "State",
        size: 120,
        meta: { filter: true },
        cell: (c) => <SessionStateBadge state={c.getValue()} everConnected={c.row.original.everConnected} />,
      }),
      col.accessor("address", { header: "Address", size: 130, meta: { mono: true, filter: true }, cell: (c) => (c.getValue() ? <Mono copy={c.getValue()}>{c.getValue()}</Mono> : "—") }),
      col.accessor("ports", { header: "Ports", size: 70, meta: { align: "right" }, cell: (c) => <span className="tabular-nums" data-testid="node-ports">{num(c.getValue())}</span> }),
      col.accessor((n) => n.vrfs.length, { id: "vrfs", header: "VRFs", size: 70, meta: { align: "right" }, cell: (c) => <span className="tabular-nums">{num(c.getValue())}</span> }),
      col.accessor("announced", { header: "Routes announced", size: 130, meta: { align: "right" }, cell: (c) => <span className="tabular-nums">{num(c.getValue())}</span> }),
      col.accessor((n) => n.stats?.flows ?? -1, { id: "flows", header: "Flows", size: 70, meta: { align: "right" }, cell: (c) => <span className="tabular-nums">{c.row.original.stats ? num(c.row.original.stats.flows) : "—"}</span> }),
      col.accessor((n) => n.stats?.packetsForwarded ?? -1, {
        id: "packets",
        header: "Packets fwd / drop",
        size: 140,
        meta: { align: "right" },
        cell: (c) => {
          const s = c.row.original.stats;
          return <span className="tabular-nums">{s ? `${num(s.packetsForwarded)} / ${num(s.packetsDropped)}` : "—"}</span>;
        },
      }),
      col.accessor((n) => n.lastResync ?? "", { id: "lastResync", header: "Last resync", size: 110, cell: (c) => <span className="tabular-nums" title={c.getValue()}>{since(c.getValue() || null)}</span> }),
      col.accessor("flaps", {
        header: "Flaps",
        size: 70,
        meta: { align: "right" },
        cell: (c) => (c.getValue() > 0 ? <Badge tone="warn">{c.getValue()}</Badge> : <span className="tabular-nums">0</span>),
      }),
      col.accessor((n) => (n.configured ? "configured" : "not configured"), {
        id: "configured",
        header: "Config",
        size: 120,
        cell: (c) => (c.row.original.configured ? <Badge>Configured</Badge> : <Badge tone="warn" title="An agent connected under this name but there is no virtual-router object for it">Not configured</Badge>),
      }),
    ],
    [],
  );

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <PageHeader
        title="Compute Nodes"
        description="Virtual routers: the vRouter agents hosting ports. A port is placed on a node by its binding host_id."
        badges={q.data ? <Badge tone="ok">{`${nodes.filter((n) => n.state === "Up").length} Up`}</Badge> : undefined}
      />
      <DataTable
        data={nodes}
        columns={columns}
        noun="compute nodes"
        getRowId={(n) => n.name}
        rowName={(n) => n.name}
        isLoading={q.isLoading}
        error={q.error}
        onRowClick={(n) => router.push(withProject(computeNodeHref(n.name)))}
        initialSorting={[{ id: "name", desc: false }]}
        filterPlaceholder="Filter compute nodes by name, address, state…"
        empty={<p>No compute nodes. Start the console with a lab (WEFT_LAB_NODES=2) or point a vRouter agent at the control node.</p>}
      />
    </div>
  );
}
