"use client";
import { createColumnHelper } from "@tanstack/react-table";
import { useMemo } from "react";
import type { ConfigObject } from "../../../server/engine/model/types";
import { ObjectList } from "../../objects/object-list";
import { useConfigList } from "../../objects/use-config";
import { useProject } from "../../project-context";
import { rulesOf, sgRowOf } from "../rules/rule-model";
import { SecurityGroupForm } from "./sg-form";

const col = createColumnHelper<ConfigObject>();

export function SecurityGroupList() {
  const { projectUuid } = useProject();
  const sgs = useConfigList("security-group", { projectUuid });
  const columns = useMemo(
    () => [
      col.accessor("name", { header: "Name", size: 200, meta: { filter: true }, cell: (c) => <span className="font-medium">{c.getValue()}</span> }),
      col.accessor((o) => o.fq_name[1] ?? "", { id: "project", header: "Project", size: 150, meta: { filter: true } }),
      col.accessor((o) => rulesOf(o, "security_group_entries").filter((r) => sgRowOf(r).traffic === "ingress").length, { id: "ingress", header: "Ingress rules", size: 110, meta: { align: "right" } }),
      col.accessor((o) => rulesOf(o, "security_group_entries").filter((r) => sgRowOf(r).traffic === "egress").length, { id: "egress", header: "Egress rules", size: 110, meta: { align: "right" } }),
      col.accessor((o) => String(o.security_group_id ?? ""), { id: "sg_id", header: "Group ID", size: 100, meta: { mono: true, align: "right" } }),
      col.accessor((o) => o.fq_name.join(":"), { id: "fq_name", header: "FQ name", size: 300, meta: { mono: true, filter: true } }),
    ],
    [],
  );
  return (
    <ObjectList
      type="security-group"
      title="Security groups"
      description="Stateful allow-lists applied to ports. Every project has a “default” group."
      noun="security groups"
      items={sgs.items}
      isLoading={sgs.isLoading}
      error={sgs.error}
      columns={columns}
      createLabel="Create group"
      emptyHint="Create a security group and select it when creating ports."
      deleteNote="A group still used by ports is refused."
      renderCreate={(p) => <SecurityGroupForm {...p} />}
    />
  );
}
