"use client";
// Audit log: every change with who, when, what and the field diff. Filters live in the URL
// (?actor=&type=&from=&to=); newest first, older pages on "Load more".
import { useInfiniteQuery } from "@tanstack/react-query";
import { createColumnHelper } from "@tanstack/react-table";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useMemo } from "react";
import type { AuditRecord } from "../../server/engine/config/api";
import { OBJECT_TYPES } from "../../server/engine/model/types";
import { typeLabel } from "../../lib/object-routes";
import { useTRPCClient } from "../../lib/trpc";
import { DataTable } from "../data-table/DataTable";
import { ActionBadge } from "../objects/action-badge";
import { formatTime, ObjectLink } from "../objects/cells";
import { DiffTable } from "../objects/diff-table";
import { PageHeader } from "../objects/page-header";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { Input } from "../ui/input";
import { Select } from "../ui/select";

const PAGE = 100;
const col = createColumnHelper<AuditRecord>();

/** datetime-local text (local time) → ISO with offset, or undefined */
function isoOf(local: string | null): string | undefined {
  if (!local) return undefined;
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

export function AuditPage() {
  const client = useTRPCClient();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const actor = params.get("actor") ?? "";
  const objectType = params.get("type") ?? "";
  const from = params.get("from") ?? "";
  const to = params.get("to") ?? "";

  function setParam(k: string, v: string) {
    const next = new URLSearchParams(params.toString());
    if (v) next.set(k, v);
    else next.delete(k);
    router.replace(`${pathname}?${next.toString()}`);
  }

  const filters = { actor: actor.trim() || undefined, objectType: objectType || undefined, from: isoOf(from), to: isoOf(to) };
  const q = useInfiniteQuery({
    queryKey: ["audit", "list", filters],
    initialPageParam: undefined as number | undefined,
    queryFn: ({ pageParam }) => client.audit.list.query({ ...filters, before: pageParam, limit: PAGE }),
    getNextPageParam: (last) => last.nextBefore ?? undefined,
  });
  const rows = useMemo(() => (q.data?.pages ?? []).flatMap((p) => p.items as AuditRecord[]), [q.data]);

  const columns = useMemo(
    () => [
      col.accessor("at", { header: "Time", size: 170, cell: (c) => <span className="tabular-nums">{formatTime(c.getValue())}</span> }),
      col.accessor("actorEmail", { header: "Who", size: 200, meta: { filter: true } }),
      col.accessor("source", { header: "Via", size: 80, cell: (c) => <Badge>{c.getValue()}</Badge> }),
      col.accessor("action", { header: "Action", size: 100, meta: { filter: true }, cell: (c) => <ActionBadge action={c.getValue()} /> }),
      col.accessor((r) => typeLabel(r.objectType), { id: "type", header: "Type", size: 140, meta: { filter: true } }),
      col.accessor("fqName", {
        header: "Object",
        size: 340,
        meta: { mono: true, filter: true },
        cell: (c) =>
          c.row.original.action === "delete" ? (
            c.getValue()
          ) : (
            <ObjectLink type={c.row.original.objectType} uuid={c.row.original.objectUuid} fq={c.getValue().split(":")} full />
          ),
      }),
      col.accessor((r) => r.diff.length, { id: "changes", header: "Fields", size: 70, meta: { align: "right" } }),
    ],
    [],
  );

  return (
    <>
      <PageHeader title="Audit log" description="Every change to the configuration, from the console, the REST API, weftctl and the system." />
      <div className="flex flex-wrap items-end gap-3 border-b border-line bg-surface px-4 py-2" data-testid="audit-filters">
        <label className="flex flex-col gap-0.5 text-[11px] text-muted">
          User
          <Input className="h-7 w-56 text-xs" data-testid="audit-actor" placeholder="email" defaultValue={actor} onBlur={(e) => setParam("actor", e.target.value.trim())} onKeyDown={(e) => e.key === "Enter" && setParam("actor", e.currentTarget.value.trim())} />
        </label>
        <label className="flex flex-col gap-0.5 text-[11px] text-muted">
          Object type
          <Select className="w-48" data-testid="audit-type" value={objectType} placeholder="Any type" onChange={(e) => setParam("type", e.target.value)} options={OBJECT_TYPES.map((t) => ({ value: t, label: typeLabel(t) }))} />
        </label>
        <label className="flex flex-col gap-0.5 text-[11px] text-muted">
          From
          <Input type="datetime-local" className="h-7 w-52 text-xs" data-testid="audit-from" value={from} onChange={(e) => setParam("from", e.target.value)} />
        </label>
        <label className="flex flex-col gap-0.5 text-[11px] text-muted">
          To
          <Input type="datetime-local" className="h-7 w-52 text-xs" data-testid="audit-to" value={to} onChange={(e) => setParam("to", e.target.value)} />
        </label>
        {(actor || objectType || from || to) && (
          <Button size="sm" variant="ghost" onClick={() => router.replace(pathname)}>
            Clear filters
          </Button>
        )}
      </div>
      <DataTable
        data={rows}
        columns={columns}
        noun="entries"
        getRowId={(r) => String(r.id)}
        rowName={(r) => `audit-${r.id}`}
        isLoading={q.isLoading}
        error={q.error}
        renderExpanded={(r) => <DiffTable diff={r.diff} />}
        empty={<p>No changes match these filters. Widen the time range or clear the filters.</p>}
        filterPlaceholder="Filter loaded entries…"
        footer={
          q.hasNextPage && (
            <div className="flex justify-center p-3">
              <Button size="sm" onClick={() => q.fetchNextPage()} disabled={q.isFetchingNextPage} data-testid="load-more">
                {q.isFetchingNextPage ? "Loading…" : "Load older entries"}
              </Button>
            </div>
          )
        }
      />
    </>
  );
}
