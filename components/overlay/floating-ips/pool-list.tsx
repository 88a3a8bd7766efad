"use client";
import { createColumnHelper } from "@tanstack/react-table";
import { useMemo, type ReactNode } from "react";
import type { ConfigObject } from "../../../server/engine/model/types";
import { ObjectLink } from "../../objects/cells";
import { ObjectList } from "../../objects/object-list";
import { useConfigList } from "../../objects/use-config";
import { useProject } from "../../project-context";
import { PoolForm } from "./pool-form";

const col = createColumnHelper<ConfigObject>();

export function PoolList({ switcher }: { switcher: ReactNode }) {
  const { projectUuid } = useProject();
  const pools = useConfigList("floating-ip-pool", { projectUuid });
  const fips = useConfigList("floating-ip");
  const counts = useMemo(() => {
    const m = new Map<string, number>();
    for (const f of fips.items) if (f.parent_uuid) m.set(f.parent_uuid, (m.get(f.parent_uuid) ?? 0) + 1);
    return m;
  }, [fips.items]);
  const columns = useMemo(
    () => [
      col.accessor("name", { header: "Name", size: 200, meta: { filter: true }, cell: (c) => <span className="font-medium">{c.getValue()}</span> }),
      col.accessor((o) => o.fq_name[2] ?? "", {
        id: "network",
        header: "Network",
        size: 200,
        meta: { filter: true },
        cell: (c) => (c.row.original.parent_uuid ? <ObjectLink type="virtual-network" uuid={c.row.original.parent_uuid} fq={c.row.original.fq_name.slice(0, -1)} /> : c.getValue()),
      }),
      col.accessor((o) => o.fq_name[1] ?? "", { id: "project", header: "Project", size: 150, meta: { filter: true } }),
      col.accessor((o) => ((o.project_refs as { to: string[] }[] | undefined) ?? []).map((r) => r.to[r.to.length - 1]).join(", ") || "all projects", {
        id: "shared",
        header: "Shared with",
        size: 180,
        meta: { filter: true },
      }),
      col.accessor((o) => counts.get(o.uuid) ?? 0, { id: "fips", header: "Floating IPs", size: 110, meta: { align: "right" } }),
      col.accessor((o) => o.fq_name.join(":"), { id: "fq_name", header: "FQ name", size: 320, meta: { mono: true, filter: true } }),
    ],
    [counts],
  );
  return (
    <ObjectList
      type="floating-ip-pool"
      title="Floating IP pools"
      description="A pool hands out addresses of its virtual network's subnets as floating IPs."
      noun="pools"
      items={pools.items}
      isLoading={pools.isLoading}
      error={pools.error}
      columns={columns}
      createLabel="Create pool"
      emptyHint="Create a pool on a virtual network (typically one marked External)."
      deleteNote="A pool that still holds floating IPs is refused."
      renderCreate={(p) => <PoolForm {...p} />}
      extraActions={switcher}
      detailHref={(o) => `/overlay/floating-ips/pools/${o.uuid}`}
    />
  );
}
