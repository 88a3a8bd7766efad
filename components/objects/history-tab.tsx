"use client";
import { useQuery } from "@tanstack/react-query";
import { useTRPC } from "../../lib/trpc";
import { errorMessage } from "../../lib/errors";
import { Badge } from "../ui/badge";
import { Spinner } from "../ui/spinner";
import { ActionBadge } from "./action-badge";
import { formatTime } from "./cells";
import { DiffTable } from "./diff-table";

export function HistoryTab({ uuid }: { uuid: string }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.config.history.queryOptions({ uuid }));
  if (q.isLoading) return <Spinner label="Loading history…" />;
  if (q.error) return <p className="text-sm text-danger">Could not load the history: {errorMessage(q.error)}</p>;
  const records = [...(q.data ?? [])].sort((a, b) => b.id - a.id);
  if (records.length === 0) return <p className="text-sm text-muted">No recorded changes.</p>;
  return (
    <ol className="flex flex-col gap-3" data-testid="history">
      {records.map((r) => (
        <li key={r.id} className="rounded-lg border border-line bg-surface">
          <div className="flex flex-wrap items-center gap-3 border-b border-line px-3 py-2 text-xs">
            <ActionBadge action={r.action} />
            <span className="font-medium">{r.actorEmail}</span>
            <Badge>{r.source}</Badge>
            <span className="ml-auto text-muted tabular-nums">{formatTime(r.at)}</span>
          </div>
          <div className="px-3 py-2">
            <DiffTable diff={r.diff} />
          </div>
        </li>
      ))}
    </ol>
  );
}
