"use client";
import { createColumnHelper } from "@tanstack/react-table";
import { useMemo } from "react";
import type { ConfigObject } from "../../../server/engine/model/types";
import { ObjectList } from "../../objects/object-list";
import { useConfigList } from "../../objects/use-config";
import { useProject } from "../../project-context";
import { rulesOf } from "../rules/rule-model";
import { NetworkPolicyForm } from "./policy-form";

const col = createColumnHelper<ConfigObject>();

export function NetworkPolicyList() {
  const { projectUuid } = useProject();
  const policies = useConfigList("network-policy", { projectUuid });
  const columns = useMemo(
    () => [
      col.accessor("name", { header: "Name", size: 220, meta: { filter: true }, cell: (c) => <span className="font-medium">{c.getValue()}</span> }),
      col.accessor((o) => o.fq_name[1] ?? "", { id: "project", header: "Project", size: 150, meta: { filter: true } }),
      col.accessor((o) => rulesOf(o, "network_policy_entries").length, { id: "rules", header: "Rules", size: 80, meta: { align: "right" } }),
      col.accessor((o) => o.fq_name.join(":"), { id: "fq_name", header: "FQ name", size: 320, meta: { mono: true, filter: true } }),
    ],
    [],
  );
  return (
    <ObjectList
      type="network-policy"
      title="Network policies"
      description="Rules between virtual networks: attach a policy to networks to let traffic pass between them."
      noun="network policies"
      items={policies.items}
      isLoading={policies.isLoading}
      error={policies.error}
      columns={columns}
      createLabel="Create policy"
      emptyHint="Create a policy with pass/deny rules, then attach it to virtual networks."
      deleteNote="A policy still attached to a virtual network is refused."
      renderCreate={(p) => <NetworkPolicyForm {...p} />}
    />
  );
}
