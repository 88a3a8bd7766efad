"use client";
// One routing instance: its targets (and why each import is there) and its routes as the control
// node holds them: prefix, next hops (ECMP shows several), label, encapsulations, source, stale,
// and why the route is in this instance. Updates live through the routes event.
import { useQuery } from "@tanstack/react-query";
import { createColumnHelper } from "@tanstack/react-table";
import Link from "next/link";
import { useMemo } from "react";
import { objectHref } from "../../lib/object-routes";
import { useTRPC, type RouterOutputs } from "../../lib/trpc";
import { computeNodeHref } from "../infrastructure/compute-node-list";
import { DataTable } from "../data-table/DataTable";
import { KV } from "../objects/kv";
import { formatClock } from "../objects/cells";
import { PageHeader } from "../objects/page-header";
import { useProject } from "../project-context";
import { useBreadcrumbName } from "../shell/breadcrumbs";
import { Badge } from "../ui/badge";
import { Card } from "../ui/card";
import { Mono } from "../ui/mono";
import { Spinner } from "../ui/spinner";
import { RouteTargetList } from "./route-targets";

type RouteView = RouterOutputs["routing"]["routes"][number];
const col = createColumnHelper<RouteView>();

export function RoutingInstanceDetail({ id }: { id: string }) {
  const trpc = useTRPC();
  const { withProject } = useProject();
  const ri = useQuery(trpc.routing.instance.queryOptions({ id }));
  const inst = ri.data;
  useBreadcrumbName(inst?.network.split(":").pop());
  const routes = useQuery(trpc.routing.routes.queryOptions({ vrf: inst?.name ?? "" }, { enabled: !!inst }));

  const columns = useMemo(
    () => [
      col.accessor("prefix", {
        header: "Prefix",
        size: 150,
        meta: { mono: true, filter: true },
        cell: (c) => (
          <Mono copy={c.getValue()}>
            <span data-testid="route-prefix">{c.getValue()}</span>
          </Mono>
        ),
      }),
      col.accessor((r) => r.nextHops.map((n) => `${n.address} ${n.node}`).join(" "), {
        id: "nextHops",
        header: "Next hop",
        size: 240,
        meta: { filter: true },
        cell: (c) => {
          const r = c.row.original;
          if (r.nextHops.length === 0) return <span className="text-faint">—</span>;
          return (
            <span className="flex min-w-0 items-center gap-2">
              {r.ecmp && <Badge tone="accent" title={`${r.nextHops.length} equal-cost next hops`}>{`ECMP ×${r.nextHops.length}`}</Badge>}
              {r.nextHops.map((n) => (
                <span key={`${n.address}/${n.label}`} className="inline-flex min-w-0 items-center gap-1" data-testid="route-nexthop">
                  <Mono copy={n.address}>{n.address}</Mono>
                  {n.node && (
                    <Link href={withProject(computeNodeHref(n.node))} className="text-xs text-accent hover:underline">
                      {n.node}
                    </Link>
                  )}
                </span>
              ))}
            </span>
          );
        },
      }),
      col.accessor((r) => r.nextHops.map((n) => n.label).join(", "), { id: "label", header: "Label", size: 70, meta: { mono: true } }),
      col.accessor((r) => [...new Set(r.nextHops.flatMap((n) => n.encapsulations))].join(", "), { id: "encaps", header: "Encapsulations", size: 150, meta: { filter: true } }),
      col.accessor((r) => r.sources.join(", "), { id: "source", header: "Source", size: 140, meta: { filter: true } }),
      col.accessor((r) => (r.stale ? "Stale" : "Fresh"), {
        id: "state",
        header: "State",
        size: 80,
        cell: (c) => (c.row.original.stale ? <Badge tone="warn" title="Kept from a session that went down; swept if not re-announced">Stale</Badge> : <Badge tone="ok">Active</Badge>),
      }),
      col.accessor((r) => r.why.join(" "), {
        id: "why",
        header: "Why",
        size: 300,
        meta: { filter: true },
        cell: (c) => <span className="truncate text-xs text-muted" title={c.getValue()}>{c.row.original.why[0] ?? "—"}{c.row.original.why.length > 1 ? ` (+${c.row.original.why.length - 1})` : ""}</span>,
      }),
    ],
    [withProject],
  );

  if (ri.isLoading) return <div className="p-6"><Spinner label="Loading routing instance…" /></div>;
  if (ri.error) return <div role="alert" className="p-6 text-sm text-danger">Could not load it: {ri.error.message}</div>;
  if (!inst) return <div role="alert" className="p-6 text-sm text-danger">This routing instance does not exist (any more): its virtual network may have been deleted.</div>;

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <PageHeader
        title={<span className="font-mono text-sm" data-testid="instance-name">{inst.name}</span>}
        badges={<Badge>Routing instance</Badge>}
        description={<Mono copy={inst.uuid}>{inst.uuid}</Mono>}
      />
      <div className="grid gap-4 border-b border-line bg-bg p-4 lg:grid-cols-2">
        <Card title="Instance">
          <KV
            rows={[
              ["Network", <Link key="n" href={withProject(objectHref("virtual-network", inst.networkUuid))} className="text-accent hover:underline" data-testid="instance-network">{inst.network}</Link>],
              ["Route target", <Mono key="rt" copy={inst.routeTarget}>{inst.routeTarget}</Mono>],
              ["Network ID", <span key="id" className="tabular-nums">{inst.networkId}</span>],
              ["VXLAN ID", <span key="vx" className="tabular-nums">{inst.vxlanId}</span>],
              ["Routes", <span key="r" className="tabular-nums">{routes.data?.length ?? inst.routes}</span>],
              ["Why", <span key="w" className="text-xs text-muted">{inst.why.join("; ") || "—"}</span>],
            ]}
          />
        </Card>
        <Card title="Route targets">
          <KV
            rows={[
              ["Export", <RouteTargetList key="e" rts={inst.exportTargets} testId="instance-exports" />],
              ["Import", <RouteTargetList key="i" rts={inst.importTargets} testId="instance-imports" />],
            ]}
          />
          {inst.imports.length > 0 && (
            <ul className="mt-3 flex flex-col gap-1 border-t border-line pt-2 text-xs" data-testid="instance-import-reasons">
              {inst.imports.map((i) => (
                <li key={`${i.rt}:${i.why}`} className="flex gap-2">
                  <Mono copy={i.rt} className="shrink-0">{i.rt}</Mono>
                  <span className="text-muted">{i.why}</span>
                </li>
              ))}
            </ul>
          )}
        </Card>
      </div>
      <DataTable
        data={routes.data ?? []}
        columns={columns}
        noun="routes"
        getRowId={(r) => r.prefix}
        rowName={(r) => r.prefix}
        isLoading={routes.isLoading}
        error={routes.error}
        initialSorting={[]}
        filterPlaceholder="Filter routes by prefix, next hop, node, source, reason…"
        renderExpanded={(r) => <RouteWhy route={r} />}
        empty={<p>No routes yet: a port on this network announces its address once it is bound to a compute node whose agent is Up.</p>}
      />
    </div>
  );
}

function RouteWhy({ route }: { route: RouteView }) {
  return (
    <div className="flex flex-col gap-3 text-xs" data-testid="route-why">
      <div>
        <div className="mb-1 font-semibold text-muted">Why this route is here</div>
        {route.why.length === 0 ? (
          <p className="text-faint">No reason recorded.</p>
        ) : (
          <ul className="flex list-disc flex-col gap-0.5 pl-4">
            {route.why.map((w) => (
              <li key={w} className="font-mono break-all">{w}</li>
            ))}
          </ul>
        )}
      </div>
      <div>
        <div className="mb-1 font-semibold text-muted">Paths ({route.paths.length})</div>
        <table className="w-full text-left">
          <thead className="text-faint">
            <tr>
              <th className="font-medium">Source</th>
              <th className="font-medium">Origin</th>
              <th className="font-medium">Next hop</th>
              <th className="font-medium">Label</th>
              <th className="font-medium">Route targets</th>
              <th className="font-medium">Local pref</th>
              <th className="font-medium">Learned</th>
              <th className="font-medium">State</th>
            </tr>
          </thead>
          <tbody>
            {route.paths.map((p, i) => (
              <tr key={i} className="border-t border-line">
                <td className="py-0.5">{p.source}</td>
                <td className="py-0.5 font-mono">{p.origin}</td>
                <td className="py-0.5 font-mono">{p.nextHop}</td>
                <td className="py-0.5 font-mono">{p.label}</td>
                <td className="py-0.5 font-mono">{p.routeTargets.join(", ")}</td>
                <td className="py-0.5 tabular-nums">{p.localPref}</td>
                <td className="py-0.5 tabular-nums">{formatClock(p.learnedAt)}</td>
                <td className="py-0.5">{p.stale ? <Badge tone="warn">Stale</Badge> : <Badge tone="ok">Active</Badge>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
