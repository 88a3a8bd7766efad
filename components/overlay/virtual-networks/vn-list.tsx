"use client";
import { createColumnHelper } from "@tanstack/react-table";
import { useMemo } from "react";
import type { ConfigObject, Ref } from "../../../server/engine/model/types";
import { Flag } from "../../objects/cells";
import { ObjectList } from "../../objects/object-list";
import { useConfigList } from "../../objects/use-config";
import { useProject } from "../../project-context";
import { Badge } from "../../ui/badge";
import { VirtualNetworkForm } from "./vn-form";
import { cidrOf, FORWARDING_LABELS, vnForwardingMode, vnRouteTargets, vnSubnets } from "./vn-fields";

const col = createColumnHelper<ConfigObject>();

export function VirtualNetworkList() {
  const { projectUuid } = useProject();
  const vns = useConfigList("virtual-network", { projectUuid, firstPage: 100 });
  const ports = useConfigList("virtual-machine-interface", { projectUuid });

  // ports per network, counted once per data change (not per row render)
  const portCount = useMemo(() => {
    const m = new Map<string, number>();
    for (const p of ports.items) for (const r of (p.virtual_network_refs as Ref[] | undefined) ?? []) m.set(r.uuid, (m.get(r.uuid) ?? 0) + 1);
    return m;
  }, [ports.items]);

  const columns = useMemo(
    () => [
      col.accessor("name", { header: "Name", size: 200, meta: { filter: true }, cell: (c) => <span className="font-medium">{c.getValue()}</span> }),
      col.accessor((o) => o.fq_name[1] ?? "", { id: "project", header: "Project", size: 150, meta: { filter: true } }),
      col.accessor((o) => vnSubnets(o).map(cidrOf).join(", "), { id: "subnets", header: "Subnets", size: 220, meta: { mono: true, filter: true } }),
      col.accessor((o) => vnRouteTargets(o).join(", "), { id: "route_targets", header: "Route targets", size: 200, meta: { mono: true, filter: true } }),
      col.accessor((o) => vnForwardingMode(o), {
        id: "forwarding",
        header: "Forwarding",
        size: 100,
        meta: { filter: true },
        cell: (c) => FORWARDING_LABELS[c.getValue()] ?? c.getValue(),
      }),
      col.accessor((o) => [o.is_shared ? "shared" : "", o.router_external ? "external" : ""].filter(Boolean).join(" "), {
        id: "flags",
        header: "Flags",
        size: 140,
        meta: { filter: true },
        cell: (c) => (
          <span className="flex gap-1">
            {c.row.original.is_shared ? <Badge tone="accent">Shared</Badge> : null}
            {c.row.original.router_external ? <Badge tone="warn">External</Badge> : null}
            {!c.row.original.is_shared && !c.row.original.router_external && <Flag on={false} yes="" />}
          </span>
        ),
      }),
      col.accessor((o) => portCount.get(o.uuid) ?? 0, { id: "ports", header: "Ports", size: 70, meta: { align: "right" } }),
    ],
    [portCount],
  );

  return (
    <ObjectList
      type="virtual-network"
      title="Virtual networks"
      description="Overlay networks of the project: subnets come from an IPAM, route targets join them to VRFs elsewhere."
      noun="virtual networks"
      items={vns.items}
      isLoading={vns.isLoading}
      error={vns.error}
      columns={columns}
      createLabel="Create network"
      emptyHint="Create a virtual network with a subnet, then attach ports to it."
      deleteNote="A network that still has ports, instance IPs or floating IP pools is refused; delete those first."
      renderCreate={(p) => <VirtualNetworkForm {...p} />}
    />
  );
}
