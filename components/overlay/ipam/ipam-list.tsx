"use client";
import { createColumnHelper } from "@tanstack/react-table";
import { useMemo } from "react";
import type { ConfigObject } from "../../../server/engine/model/types";
import { ObjectList } from "../../objects/object-list";
import { useConfigList } from "../../objects/use-config";
import { useProject } from "../../project-context";
import { IpamForm } from "./ipam-form";
import { DNS_METHODS, ipamDnsMethod, ipamSubnetMethod, SUBNET_METHODS } from "./ipam-fields";

const col = createColumnHelper<ConfigObject>();
const label = (opts: { value: string; label: string }[], v: string) => opts.find((o) => o.value === v)?.label ?? v;

export function IpamList() {
  const { projectUuid } = useProject();
  const ipams = useConfigList("network-ipam", { projectUuid });
  const columns = useMemo(
    () => [
      col.accessor("name", { header: "Name", size: 200, meta: { filter: true }, cell: (c) => <span className="font-medium">{c.getValue()}</span> }),
      col.accessor((o) => o.fq_name[1] ?? "", { id: "project", header: "Project", size: 150, meta: { filter: true } }),
      col.accessor((o) => o.fq_name.join(":"), { id: "fq_name", header: "FQ name", size: 300, meta: { mono: true, filter: true } }),
      col.accessor((o) => label(SUBNET_METHODS, ipamSubnetMethod(o)), { id: "subnet_method", header: "Subnet method", size: 220, meta: { filter: true } }),
      col.accessor((o) => label(DNS_METHODS, ipamDnsMethod(o)), { id: "dns_method", header: "DNS", size: 160 }),
    ],
    [],
  );
  return (
    <ObjectList
      type="network-ipam"
      title="IPAM"
      description="IP address management: virtual networks take their subnets through a reference to an IPAM."
      noun="IPAMs"
      items={ipams.items}
      isLoading={ipams.isLoading}
      error={ipams.error}
      columns={columns}
      createLabel="Create IPAM"
      emptyHint="Networks can use default-domain:default-project:default-network-ipam; create a project IPAM to set its own DNS method."
      deleteNote="An IPAM still referenced by a virtual network is refused."
      renderCreate={(p) => <IpamForm {...p} />}
    />
  );
}
