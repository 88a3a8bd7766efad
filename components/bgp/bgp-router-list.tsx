"use client";
// Infrastructure › BGP Routers: every bgp-router (the local control node and its peers) with the
// live session state of each — as Contrail Command's BGP Router list plus what `show bgp
// neighbor` would say. Refreshed every 2 s (session state moves without config events).
import { useQuery } from "@tanstack/react-query";
import { createColumnHelper } from "@tanstack/react-table";
import { Pencil, Plus } from "lucide-react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMemo, useState } from "react";
import type { ConfigObject } from "../../server/engine/model/types";
import { useTRPC } from "../../lib/trpc";
import { DataTable } from "../data-table/DataTable";
import { PageHeader } from "../objects/page-header";
import { useConfigList } from "../objects/use-config";
import { useProject } from "../project-context";
import { useIsAdmin } from "../session";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Mono } from "../ui/mono";
import { bgpRouterHref, formatDuration, isSupportedFamily, num, sessionOf, stateWord, type BgpRouterView } from "./bgp-fields";
import { BgpRouterForm } from "./bgp-router-form";
import { BgpStateBadge } from "./bgp-state-badge";
import { useDeleteBgpRouters } from "./use-delete-bgp-routers";

const col = createColumnHelper<BgpRouterView>();

export const BGP_REFRESH_MS = 2_000;

/** address families as badges; those Weft's speaker does not carry are marked. `wrap`: for cards, not table rows */
export function FamilyList({ families, wrap }: { families: string[]; wrap?: boolean }) {
  if (families.length === 0) return <span className="text-faint">—</span>;
  return (
    <span className={wrap ? "flex flex-wrap gap-1" : "flex gap-1 overflow-hidden"} title={families.join(", ")}>
      {families.map((f) => (
        <Badge key={f} tone={isSupportedFamily(f) ? "neutral" : "warn"} title={isSupportedFamily(f) ? undefined : "not carried by Weft's speaker"}>
          {f}
        </Badge>
      ))}
    </span>
  );
}

export function BgpRouterList() {
  const trpc = useTRPC();
  const router = useRouter();
  const { withProject } = useProject();
  const isAdmin = useIsAdmin();
  const q = useQuery(trpc.bgp.routers.queryOptions(undefined, { refetchInterval: BGP_REFRESH_MS }));
  const objects = useConfigList("bgp-router");
  const rows = q.data ?? EMPTY;
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<ConfigObject | null>(null);
  const deleteRouters = useDeleteBgpRouters();

  const columns = useMemo(
    () => [
      col.accessor("name", {
        header: "Name",
        size: 145,
        meta: { filter: true },
        cell: (c) => (
          <span className="flex min-w-0 items-center gap-1">
            <Link href={withProject(bgpRouterHref(c.row.original.uuid))} className="truncate font-medium text-accent hover:underline" title={c.row.original.fq_name.join(":")}>
              {c.getValue()}
            </Link>
            {c.row.original.isLocal && (
              <Badge tone="accent" title="this control node's own BGP speaker">
                local
              </Badge>
            )}
          </span>
        ),
      }),
      col.accessor("routerType", { header: "Router type", size: 115, meta: { filter: true }, cell: (c) => <span data-testid="bgp-router-type">{c.getValue()}</span> }),
      col.accessor("vendor", { header: "Vendor", size: 72, meta: { filter: true }, cell: (c) => c.getValue() || <span className="text-faint">—</span> }),
      col.accessor((r) => `${r.address}${r.port && r.port !== 179 ? `:${r.port}` : ""}`, {
        id: "address",
        header: "Address",
        size: 135,
        meta: { mono: true, filter: true },
        cell: (c) => (c.row.original.address ? <Mono copy={c.row.original.address}>{c.getValue()}</Mono> : "—"),
      }),
      col.accessor((r) => r.asn ?? 0, { id: "asn", header: "ASN", size: 72, meta: { align: "right", filter: true }, cell: (c) => <span className="tabular-nums" data-testid="bgp-asn">{c.row.original.asn ?? "—"}</span> }),
      col.accessor((r) => r.families.join(" "), { id: "families", header: "Families", size: 125, meta: { filter: true }, cell: (c) => <FamilyList families={c.row.original.families} /> }),
      col.accessor((r) => stateWord(r), {
        id: "state",
        header: "State",
        size: 100,
        meta: { filter: true },
        cell: (c) => <BgpStateBadge state={c.getValue()} reason={sessionOf(c.row.original).stateReason} />,
      }),
      col.accessor((r) => sessionOf(r).uptimeSeconds ?? -1, {
        id: "uptime",
        header: "Uptime",
        size: 64,
        meta: { align: "right" },
        cell: (c) => <span className="tabular-nums">{formatDuration(sessionOf(c.row.original).uptimeSeconds)}</span>,
      }),
      col.accessor((r) => sessionOf(r).received ?? -1, {
        id: "prefixes",
        header: () => <span title="prefixes received / accepted / advertised">Rcv / Acc / Adv</span>,
        size: 108,
        meta: { align: "right" },
        cell: (c) => {
          const s = sessionOf(c.row.original);
          if (c.row.original.isLocal) return <span className="tabular-nums text-muted" title="routes exported to peers">{num(s.exported)} exported</span>;
          return (
            <span className="tabular-nums" data-testid="bgp-prefixes" title="received / accepted / advertised">
              {num(s.received)} / {num(s.accepted)} / {num(s.advertised)}
            </span>
          );
        },
      }),
      col.accessor((r) => sessionOf(r).flaps ?? 0, {
        id: "flaps",
        header: "Flaps",
        size: 48,
        meta: { align: "right" },
        cell: (c) => (c.getValue() > 0 ? <Badge tone="warn">{c.getValue()}</Badge> : <span className="tabular-nums">{sessionOf(c.row.original).flaps === null ? "—" : 0}</span>),
      }),
      col.accessor((r) => sessionOf(r).lastError ?? "", {
        id: "lastError",
        header: "Last error",
        size: 172,
        meta: { filter: true },
        cell: (c) => (c.getValue() ? <span className="text-xs text-danger" title={c.getValue()} data-testid="bgp-last-error">{c.getValue()}</span> : <span className="text-faint">—</span>),
      }),
      ...(isAdmin
        ? [
            col.display({
              id: "__edit",
              size: 36,
              header: () => null,
              cell: (c) => (
                <Button
                  size="icon"
                  variant="ghost"
                  aria-label={`Edit ${c.row.original.name}`}
                  data-testid={`edit-${c.row.original.name}`}
                  onClick={() => setEditing(objects.items.find((o) => o.uuid === c.row.original.uuid) ?? null)}
                >
                  <Pencil className="h-3.5 w-3.5" />
                </Button>
              ),
            }),
          ]
        : []),
    ],
    [withProject, isAdmin, objects.items],
  );

  const established = rows.filter((r) => stateWord(r) === "Established").length;
  const peers = rows.filter((r) => !r.isLocal && r.peeredWithLocal).length;

  return (
    <div className="flex min-h-0 flex-1 flex-col">
      <PageHeader
        title="BGP Routers"
        description="The control node's BGP speaker and its peers (gateways, other control nodes). A router peers with the control node once they are associated."
        badges={q.data ? <Badge tone={established === peers && peers > 0 ? "ok" : "neutral"}>{`${established} of ${peers} Established`}</Badge> : undefined}
      />
      <DataTable
        data={rows}
        columns={columns}
        noun="BGP routers"
        getRowId={(r) => r.uuid}
        rowName={(r) => r.name}
        isLoading={q.isLoading}
        error={q.error}
        onRowClick={(r) => router.push(withProject(bgpRouterHref(r.uuid)))}
        initialSorting={[{ id: "name", desc: false }]}
        filterPlaceholder="Filter BGP routers by name, address, state, error…"
        actions={
          isAdmin && (
            <Button size="sm" variant="primary" onClick={() => setCreating(true)} data-testid="create-button">
              <Plus className="h-3.5 w-3.5" /> Create
            </Button>
          )
        }
        bulkAction={
          isAdmin
            ? {
                label: "Delete",
                title: (n) => `Delete ${n} BGP router${n === 1 ? "" : "s"}?`,
                note: "Their sessions with the control node are closed and the routes learned from them withdrawn. Links from other routers to them are removed first. This control node's own router cannot be deleted.",
                run: deleteRouters,
              }
            : undefined
        }
        empty={
          <>
            <p>No BGP routers. The control node&apos;s own router appears when the console runs with its BGP speaker.</p>
            {isAdmin && <p className="text-xs">Create one for your gateway and associate the control node with it.</p>}
          </>
        }
      />
      {creating && <BgpRouterForm open onOpenChange={setCreating} />}
      {editing && <BgpRouterForm key={editing.uuid} open existing={editing} onOpenChange={(o) => !o && setEditing(null)} />}
    </div>
  );
}

const EMPTY: BgpRouterView[] = [];
