"use client";
// Admin: users, their roles and the projects operators may write in.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { createColumnHelper } from "@tanstack/react-table";
import { Plus } from "lucide-react";
import { useMemo, useState } from "react";
import { useTRPC, type UserRow } from "../../lib/trpc";
import { DataTable } from "../data-table/DataTable";
import { formatTime } from "../objects/cells";
import { PageHeader } from "../objects/page-header";
import { useProject } from "../project-context";
import { useMe } from "../session";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { RoleBadge } from "./role-badge";
import { UserForm } from "./user-form";

const col = createColumnHelper<UserRow>();

export function UsersPage() {
  const me = useMe();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { projects } = useProject();
  const users = useQuery({ ...trpc.users.list.queryOptions(), enabled: me.role === "admin" });
  const del = useMutation(trpc.users.delete.mutationOptions());
  const [creating, setCreating] = useState(false);
  const [editing, setEditing] = useState<UserRow | null>(null);
  const projectName = useMemo(() => new Map(projects.map((p) => [p.uuid, p.fq_name.join(":")])), [projects]);

  const columns = useMemo(
    () => [
      col.accessor("email", { header: "Email", size: 240, meta: { filter: true }, cell: (c) => <span className="font-medium">{c.getValue()}</span> }),
      col.accessor("name", { header: "Name", size: 180, meta: { filter: true } }),
      col.accessor("role", { header: "Role", size: 100, meta: { filter: true }, cell: (c) => <RoleBadge role={c.getValue()} /> }),
      col.accessor((u) => (u.role === "admin" ? "all" : u.projectUuids.map((p) => projectName.get(p) ?? p).join(", ")), {
        id: "projects",
        header: "Write access",
        size: 260,
        meta: { filter: true, mono: true },
        cell: (c) => (c.row.original.role === "admin" ? <span className="font-sans text-muted">all projects</span> : c.row.original.role === "viewer" ? <span className="font-sans text-faint">none (read only)</span> : c.getValue() || <span className="font-sans text-faint">no project granted</span>),
      }),
      col.accessor((u) => (u.banned ? "banned" : "active"), {
        id: "status",
        header: "Status",
        size: 90,
        cell: (c) => (c.row.original.banned ? <Badge tone="danger">Banned</Badge> : <Badge tone="ok">Active</Badge>),
      }),
      col.accessor((u) => String(u.createdAt), { id: "created", header: "Created", size: 160, cell: (c) => <span className="tabular-nums">{formatTime(c.getValue())}</span> }),
    ],
    [projectName],
  );

  if (me.role !== "admin")
    return (
      <>
        <PageHeader title="Users" />
        <p className="p-6 text-sm text-muted">Only administrators manage users. Ask one to change your role or projects.</p>
      </>
    );

  return (
    <>
      <PageHeader title="Users" description="Admins change everything; operators change objects in the projects granted to them; viewers only read." />
      <DataTable
        data={users.data ?? []}
        columns={columns}
        noun="users"
        getRowId={(u) => u.id}
        rowName={(u) => u.email}
        isLoading={users.isLoading}
        error={users.error}
        onRowClick={(u) => setEditing(u)}
        initialSorting={[{ id: "email", desc: false }]}
        empty={<p>No users besides the bootstrap admin. Create one for each operator.</p>}
        actions={
          <Button size="sm" variant="primary" onClick={() => setCreating(true)} data-testid="create-button">
            <Plus className="h-3.5 w-3.5" /> Create user
          </Button>
        }
        bulkAction={{
          label: "Delete",
          title: (n) => `Delete ${n} user${n === 1 ? "" : "s"}?`,
          note: "Their sessions and API tokens stop working at once. Their entries in the audit log stay.",
          run: async (rows) => {
            if (rows.some((r) => r.id === me.id)) return "You cannot delete your own account; unselect it.";
            await del.mutateAsync({ ids: rows.map((r) => r.id) });
            await queryClient.invalidateQueries({ queryKey: trpc.users.pathKey() });
          },
        }}
      />
      {creating && <UserForm onOpenChange={setCreating} />}
      {editing && <UserForm existing={editing} onOpenChange={(o) => !o && setEditing(null)} />}
    </>
  );
}
