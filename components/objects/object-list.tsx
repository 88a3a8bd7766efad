"use client";
// A list page of one config type: header, the shared table, create dialog and bulk delete,
// with write controls only for users who may write in the selected project.
import type { ColumnDef } from "@tanstack/react-table";
import { Plus } from "lucide-react";
import { useRouter } from "next/navigation";
import { useState, type ReactNode } from "react";
import type { ConfigObject, ObjectType } from "../../server/engine/model/types";
import { objectHref } from "../../lib/object-routes";
import { DataTable } from "../data-table/DataTable";
import { useProject } from "../project-context";
import { useCanWrite } from "../session";
import { Button } from "../ui/button";
import { PageHeader } from "./page-header";
import { useDeleteObjects } from "./use-config";

export interface CreateDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
}

export function ObjectList({
  type,
  title,
  description,
  noun,
  items,
  isLoading,
  error,
  columns,
  createLabel,
  renderCreate,
  emptyHint,
  deleteNote,
  writable,
  detailHref,
  extraActions,
  deleteRows,
}: {
  type: ObjectType;
  title: string;
  description?: ReactNode;
  noun: string;
  items: ConfigObject[];
  isLoading: boolean;
  error: unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  columns: ColumnDef<ConfigObject, any>[];
  createLabel?: string;
  renderCreate?: (props: CreateDialogProps) => ReactNode;
  /** what to do when the list is empty */
  emptyHint: ReactNode;
  deleteNote?: ReactNode;
  /** overrides the project-based write check (e.g. projects: admin only) */
  writable?: boolean;
  detailHref?: (o: ConfigObject) => string;
  extraActions?: ReactNode;
  /** replaces the plain delete (e.g. ports also delete their instance IPs) */
  deleteRows?: (rows: ConfigObject[]) => Promise<string | undefined>;
}) {
  const router = useRouter();
  const { projectUuid, withProject } = useProject();
  const projectWritable = useCanWrite(projectUuid);
  const canWrite = writable ?? projectWritable;
  const [creating, setCreating] = useState(false);
  const deleteObjects = useDeleteObjects(type);

  return (
    <>
      <PageHeader title={title} description={description} />
      <DataTable
        data={items}
        columns={columns}
        noun={noun}
        getRowId={(o) => o.uuid}
        rowName={(o) => o.name}
        isLoading={isLoading}
        error={error}
        onRowClick={(o) => router.push(withProject(detailHref ? detailHref(o) : objectHref(type, o.uuid)))}
        initialSorting={[{ id: "name", desc: false }]}
        filterPlaceholder={`Filter ${noun} by name, FQ name, address…`}
        actions={
          <>
            {extraActions}
            {canWrite && renderCreate && (
              <Button size="sm" variant="primary" onClick={() => setCreating(true)} data-testid="create-button">
                <Plus className="h-3.5 w-3.5" />
                {createLabel ?? "Create"}
              </Button>
            )}
          </>
        }
        empty={
          <>
            <p>No {noun} here yet.</p>
            <p className="text-xs">{canWrite && renderCreate ? emptyHint : "Pick another project in the selector above, or ask an operator of this project to create one."}</p>
            {canWrite && renderCreate && (
              <Button size="sm" variant="primary" onClick={() => setCreating(true)}>
                <Plus className="h-3.5 w-3.5" />
                {createLabel ?? "Create"}
              </Button>
            )}
          </>
        }
        bulkAction={
          canWrite
            ? {
                label: "Delete",
                title: (n) => `Delete ${n} ${n === 1 ? noun.replace(/s$/, "") : noun}?`,
                note: deleteNote ?? "Objects that still have children or are referenced by others are refused; the reason is shown here.",
                run: async (rows) => (deleteRows ?? deleteObjects)(rows),
              }
            : undefined
        }
      />
      {/* mounted only while open, so every create starts from a clean form */}
      {canWrite && creating && renderCreate?.({ open: true, onOpenChange: setCreating })}
    </>
  );
}
