"use client";
// API tokens for the REST API and weftctl: created here, shown once, revoked here.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { createColumnHelper } from "@tanstack/react-table";
import { Plus } from "lucide-react";
import { useMemo, useState } from "react";
import { useTRPC, type TokenRow } from "../../lib/trpc";
import { DataTable } from "../data-table/DataTable";
import { formatTime } from "../objects/cells";
import { PageHeader } from "../objects/page-header";
import { useMe } from "../session";
import { Badge } from "../ui/badge";
import { Button } from "../ui/button";
import { TokenForm } from "./token-form";

const col = createColumnHelper<TokenRow>();

function tokenStatus(t: TokenRow): "revoked" | "expired" | "active" {
  if (t.revokedAt) return "revoked";
  if (t.expiresAt && new Date(t.expiresAt).getTime() < Date.now()) return "expired";
  return "active";
}

export function TokensPage() {
  const me = useMe();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const tokens = useQuery(trpc.tokens.list.queryOptions());
  const revoke = useMutation(trpc.tokens.revoke.mutationOptions());
  const [creating, setCreating] = useState(false);

  const columns = useMemo(
    () => [
      col.accessor("name", { header: "Name", size: 200, meta: { filter: true }, cell: (c) => <span className="font-medium">{c.getValue()}</span> }),
      col.accessor("prefix", { header: "Prefix", size: 130, meta: { mono: true, filter: true } }),
      col.accessor("userEmail", { header: "Owner", size: 220, meta: { filter: true } }),
      col.accessor((t) => tokenStatus(t), {
        id: "status",
        header: "Status",
        size: 90,
        meta: { filter: true },
        cell: (c) => (c.getValue() === "active" ? <Badge tone="ok">Active</Badge> : c.getValue() === "revoked" ? <Badge tone="danger">Revoked</Badge> : <Badge tone="warn">Expired</Badge>),
      }),
      col.accessor((t) => String(t.createdAt ?? ""), { id: "created", header: "Created", size: 160, cell: (c) => <span className="tabular-nums">{formatTime(c.getValue())}</span> }),
      col.accessor((t) => String(t.lastUsedAt ?? ""), { id: "last_used", header: "Last used", size: 160, cell: (c) => <span className="tabular-nums">{c.getValue() ? formatTime(c.getValue()) : "never"}</span> }),
      col.accessor((t) => String(t.expiresAt ?? ""), { id: "expires", header: "Expires", size: 160, cell: (c) => <span className="tabular-nums">{c.getValue() ? formatTime(c.getValue()) : "never"}</span> }),
    ],
    [],
  );

  return (
    <>
      <PageHeader
        title="API tokens"
        description={
          <>
            Bearer tokens for the REST API (<span className="font-mono">Authorization: Bearer &lt;token&gt;</span>) and weftctl. A token acts with its owner&apos;s role
            {me.role === "admin" ? "; as an admin you see everyone's tokens." : "."}
          </>
        }
      />
      <DataTable
        data={tokens.data ?? []}
        columns={columns}
        noun="tokens"
        getRowId={(t) => t.id}
        rowName={(t) => t.name}
        isLoading={tokens.isLoading}
        error={tokens.error}
        initialSorting={[{ id: "created", desc: true }]}
        empty={<p>No tokens yet. Create one for scripts and weftctl; it is shown once.</p>}
        actions={
          <Button size="sm" variant="primary" onClick={() => setCreating(true)} data-testid="create-button">
            <Plus className="h-3.5 w-3.5" /> Create token
          </Button>
        }
        bulkAction={{
          label: "Revoke",
          title: (n) => `Revoke ${n} token${n === 1 ? "" : "s"}?`,
          note: "Requests carrying them are refused from now on. This cannot be undone.",
          run: async (rows) => {
            await revoke.mutateAsync({ ids: rows.map((r) => r.id) });
            await queryClient.invalidateQueries({ queryKey: trpc.tokens.pathKey() });
          },
        }}
      />
      {creating && <TokenForm onOpenChange={setCreating} />}
    </>
  );
}
