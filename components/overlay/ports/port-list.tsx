"use client";
import { createColumnHelper } from "@tanstack/react-table";
import { Rocket } from "lucide-react";
import Link from "next/link";
import { useMemo, useState } from "react";
import type { ConfigObject } from "../../../server/engine/model/types";
import { RefLinks } from "../../objects/cells";
import { ObjectList } from "../../objects/object-list";
import { useConfigList, useDeleteObjects } from "../../objects/use-config";
import { useProject } from "../../project-context";
import { useCanWrite } from "../../session";
import { Button } from "../../ui/button";
import { computeNodeHref } from "../../infrastructure/compute-node-list";
import { LaunchWorkloadDialog } from "./launch-workload";
import { PortForm } from "./port-form";
import { iipAddress, instanceIpsByPort, portHost, portMacs, refsOf } from "./port-fields";

const col = createColumnHelper<ConfigObject>();

export function PortList() {
  const { projectUuid, withProject } = useProject();
  const canWrite = useCanWrite(projectUuid);
  const [launching, setLaunching] = useState(false);
  const ports = useConfigList("virtual-machine-interface", { projectUuid });
  // instance IPs are top-level objects (not under a project): fetch them all and join client-side
  const iips = useConfigList("instance-ip");
  const byPort = useMemo(() => instanceIpsByPort(iips.items), [iips.items]);
  const deleteIips = useDeleteObjects("instance-ip");
  const deletePorts = useDeleteObjects("virtual-machine-interface");

  // a port's own instance IPs go with it (the controller refuses a port that still has them)
  async function deleteWithAddresses(rows: ConfigObject[]) {
    const iipsOfRows = rows.flatMap((r) => byPort.get(r.uuid) ?? []);
    const iipProblem = iipsOfRows.length ? await deleteIips(iipsOfRows) : undefined;
    const portProblem = await deletePorts(rows);
    return [iipProblem, portProblem].filter(Boolean).join(" ") || undefined;
  }

  const columns = useMemo(
    () => [
      col.accessor("name", { header: "Name", size: 200, meta: { filter: true }, cell: (c) => <span className="font-medium">{c.getValue()}</span> }),
      col.accessor((o) => o.fq_name[1] ?? "", { id: "project", header: "Project", size: 140, meta: { filter: true } }),
      col.accessor((o) => refsOf(o, "virtual_network_refs").map((r) => r.to[r.to.length - 1]).join(", "), {
        id: "network",
        header: "Network",
        size: 160,
        meta: { filter: true },
        cell: (c) => <RefLinks type="virtual-network" refs={refsOf(c.row.original, "virtual_network_refs")} />,
      }),
      col.accessor((o) => portMacs(o).join(", "), { id: "mac", header: "MAC", size: 150, meta: { mono: true, filter: true } }),
      col.accessor((o) => (byPort.get(o.uuid) ?? []).map(iipAddress).filter(Boolean).join(", "), {
        id: "ips",
        header: "IP addresses",
        size: 170,
        meta: { mono: true, filter: true },
        cell: (c) => <span data-testid="port-ips">{c.getValue() || <span className="text-faint">—</span>}</span>,
      }),
      col.accessor((o) => portHost(o), {
        id: "node",
        header: "Compute node",
        size: 130,
        meta: { filter: true },
        cell: (c) =>
          c.getValue() ? (
            <Link href={withProject(computeNodeHref(c.getValue()))} className="text-accent hover:underline" data-testid="port-node">
              {c.getValue()}
            </Link>
          ) : (
            <span className="text-faint" data-testid="port-node">not bound</span>
          ),
      }),
      col.accessor((o) => refsOf(o, "security_group_refs").map((r) => r.to[r.to.length - 1]).join(", "), {
        id: "security_groups",
        header: "Security groups",
        size: 180,
        meta: { filter: true },
        cell: (c) => <RefLinks type="security-group" refs={refsOf(c.row.original, "security_group_refs")} empty="none" />,
      }),
    ],
    [byPort, withProject],
  );

  return (
    <>
    <ObjectList
      type="virtual-machine-interface"
      title="Ports"
      description="Virtual machine interfaces: a port on a virtual network, with its MAC, instance IPs and security groups."
      noun="ports"
      items={ports.items}
      isLoading={ports.isLoading}
      error={ports.error ?? iips.error}
      columns={columns}
      createLabel="Create port"
      emptyHint="Create a port on one of the project's virtual networks; it gets an address from the network's subnet."
      deleteNote="Their instance IPs are deleted with them (the addresses return to the pool). Floating IPs still associated with a port keep it from being deleted."
      deleteRows={deleteWithAddresses}
      renderCreate={(p) => <PortForm {...p} />}
      extraActions={
        canWrite && (
          <Button size="sm" onClick={() => setLaunching(true)} data-testid="launch-workload">
            <Rocket className="h-3.5 w-3.5" />
            Launch workload
          </Button>
        )
      }
    />
    {launching && <LaunchWorkloadDialog open onOpenChange={setLaunching} />}
    </>
  );
}
