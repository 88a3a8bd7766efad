"use client";
// Routing instances (VRFs) compiled from virtual networks: their automatic route target, what they
// import and export (route leaking through policies shows here), and how many routes they hold.
import { useQuery } from "@tanstack/react-query";
import { createColumnHelper } from "@tanstack/react-table";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMemo } from "react";
import { objectHref } from "../../lib/object-routes";
import { useTRPC, type RouterOutputs } from "../../lib/trpc";
import { DataTable } from "../data-table/DataTable";
import { PageHeader } from "../objects/page-header";
import { useProject } from "../project-context";
import { Mono } from "../ui/mono";
import { RouteTargetList } from "./route-targets";

export type InstanceView = RouterOutputs["routing"]["instances"][number];
const col = createColumnHelper<InstanceView>();

export const instanceHref = (uuid: string) => `/overlay/routing-instances/${uuid}`;

export function RoutingInstanceList() {
  const trpc = useTRPC();
  const router = useRouter();
  const { project, withProject } = useProject();
  const q = useQuery(trpc.routing.instances.queryOptions());
  // per project, as the other overlay lists: an instance belongs to its network's project
  const items = useMemo(() => {
    const all = q.data ?? [];
    if (!project) return all;
    const prefix = `${project.fq_name.join(":")}:`;
    return all.filter((ri) => ri.network.startsWith(prefix));
  }, [q.data, project]);

  const columns = useMemo(
    () => [
      col.accessor("name", {
        header: "Name",
        size: 300,
        meta: { mono: true, filter: true },
        cell: (c) => (
          <Mono copy={c.getValue()} title={c.getValue()}>
            <span className="font-medium text-fg">{c.getValue()}</span>
          </Mono>
        ),
      }),
      col.accessor("network", {
        header: "Network",
        size: 180,
        meta: { filter: true },
        cell: (c) => (
          <Link href={withProject(objectHref("virtual-network", c.row.original.networkUuid))} className="text-accent hover:underline" title={c.getValue()}>
            {c.getValue().split(":").pop()}
          </Link>
        ),
      }),
      col.accessor("routeTarget", { header: "Route target", size: 190, meta: { mono: true, filter: true }, cell: (c) => <Mono copy={c.getValue()}>{c.getValue()}</Mono> }),
      col.accessor((ri) => ri.importTargets.join(" "), {
        id: "imports",
        header: "Import RTs",
        size: 260,
        meta: { filter: true },
        cell: (c) => <RouteTargetList rts={c.row.original.importTargets} highlight={c.row.original.routeTarget} testId="import-rts" />,
      }),
      col.accessor((ri) => ri.exportTargets.join(" "), {
        id: "exports",
        header: "Export RTs",
        size: 200,
        meta: { filter: true },
        cell: (c) => <RouteTargetList rts={c.row.original.exportTargets} highlight={c.row.original.routeTarget} />,
      }),
      col.accessor("routes", { header: "Routes", size: 80, meta: { align: "right" }, cell: (c) => <span className="tabular-nums" data-testid="instance-routes">{c.getValue()}</span> }),
    ],
    [withProject],
  );

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <PageHeader
        title="Routing Instances"
        description="One per virtual network, with an automatic route target. A network policy that passes traffic between two networks makes their instances import each other's target."
      />
      <DataTable
        data={items}
        columns={columns}
        noun="routing instances"
        getRowId={(ri) => ri.uuid}
        rowName={(ri) => ri.name}
        isLoading={q.isLoading}
        error={q.error}
        onRowClick={(ri) => router.push(withProject(instanceHref(ri.uuid)))}
        initialSorting={[{ id: "name", desc: false }]}
        filterPlaceholder="Filter by name, network, route target…"
        empty={<p>No routing instances: each virtual network gets one as soon as it is created.</p>}
      />
    </div>
  );
}
