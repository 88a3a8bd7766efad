"use client";
import { ObjectDetail } from "../../objects/object-detail";
import { Card } from "../../ui/card";
import { PolicyRulesTable } from "../rules/rules-table";
import { rulesOf } from "../rules/rule-model";
import { NetworkPolicyForm } from "./policy-form";

export function NetworkPolicyDetail({ uuid }: { uuid: string }) {
  return (
    <ObjectDetail
      type="network-policy"
      uuid={uuid}
      overview={(o) => (
        <Card title="Rules">
          <PolicyRulesTable rules={rulesOf(o, "network_policy_entries")} />
        </Card>
      )}
      renderEdit={({ object, onOpenChange }) => <NetworkPolicyForm open onOpenChange={onOpenChange} existing={object} />}
    />
  );
}
