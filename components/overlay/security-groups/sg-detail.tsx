"use client";
import { ObjectDetail } from "../../objects/object-detail";
import { Card } from "../../ui/card";
import { SgRulesTable } from "../rules/rules-table";
import { rulesOf } from "../rules/rule-model";
import { SecurityGroupForm } from "./sg-form";

export function SecurityGroupDetail({ uuid }: { uuid: string }) {
  return (
    <ObjectDetail
      type="security-group"
      uuid={uuid}
      overview={(o) => (
        <Card title="Rules">
          <SgRulesTable rules={rulesOf(o, "security_group_entries")} />
        </Card>
      )}
      renderEdit={({ object, onOpenChange }) => <SecurityGroupForm open onOpenChange={onOpenChange} existing={object} />}
    />
  );
}
