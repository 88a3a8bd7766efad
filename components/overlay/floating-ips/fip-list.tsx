"use client";
import { createColumnHelper } from "@tanstack/react-table";
import { useMemo, type ReactNode } from "react";
import type { ConfigObject } from "../../../server/engine/model/types";
import { RefLinks } from "../../objects/cells";
import { ObjectList } from "../../objects/object-list";
import { useConfigList } from "../../objects/use-config";
import { useProject } from "../../project-context";
import { refsOf } from "../ports/port-fields";
import { FloatingIpForm } from "./fip-form";

const col = createColumnHelper<ConfigObject>();

export function FipList({ switcher }: { switcher: ReactNode }) {
  const { projectUuid, projectOf } = useProject();
  // a floating IP belongs to the project in its project_refs, wherever its pool lives: filter here
  const fips = useConfigList("floating-ip");
  const items = useMemo(
    () =>
      projectUuid
        ? fips.items.filter((f) => refsOf(f, "project_refs").some((r) => r.uuid === projectUuid) || projectOf(f.fq_name)?.uuid === projectUuid)
        : fips.items,
    [fips.items, projectUuid, projectOf],
  );
  const columns = useMemo(
    () => [
      col.accessor((o) => (o.floating_ip_address as string | null | undefined) ?? "", { id: "address", header: "Address", size: 150, meta: { mono: true, filter: true } }),
      col.accessor("name", { header: "Name", size: 260, meta: { mono: true, filter: true } }),
      col.accessor((o) => o.fq_name.slice(0, -1).join(":"), { id: "pool", header: "Pool", size: 280, meta: { mono: true, filter: true } }),
      col.accessor((o) => refsOf(o, "virtual_machine_interface_refs").map((r) => r.to[r.to.length - 1]).join(", "), {
        id: "port",
        header: "Port",
        size: 160,
        meta: { filter: true },
        cell: (c) => <RefLinks type="virtual-machine-interface" refs={refsOf(c.row.original, "virtual_machine_interface_refs")} empty="not associated" />,
      }),
      col.accessor((o) => refsOf(o, "project_refs").map((r) => r.to[r.to.length - 1]).join(", "), { id: "project", header: "Project", size: 140, meta: { filter: true } }),
      col.accessor((o) => String(o.floating_ip_direction ?? "both"), { id: "direction", header: "Direction", size: 100, meta: { filter: true } }),
    ],
    [],
  );
  return (
    <ObjectList
      type="floating-ip"
      title="Floating IPs"
      description="Addresses from a floating IP pool (usually on an external network), associated with ports for outside reach."
      noun="floating IPs"
      items={items}
      isLoading={fips.isLoading}
      error={fips.error}
      columns={columns}
      createLabel="Allocate floating IP"
      emptyHint="Allocate an address from a pool, then associate it with a port."
      renderCreate={(p) => <FloatingIpForm {...p} />}
      extraActions={switcher}
    />
  );
}
